import { VerificationError } from '../shared/errors.js';
import { type ManifestRow, compareKeys, compareText } from './record-manifest.js';

/**
 * What changed between two states of the same records (issue 7 §2), by key: both sides come in
 * key order (record-manifest.ts), so one merge pass finds every added, deleted and modified row
 * without holding either side in memory.
 *
 * `fields` of a modified row names the columns whose digest differs, and the columns present on one
 * side only (a column added to or dropped from the table). Both sides must be hashed with the same
 * salt; an unchanged row whose column digests differ shows they were not, and is refused rather
 * than reported as every column changed.
 */

export interface RecordChange {
  readonly kind: 'added' | 'deleted' | 'modified';
  readonly key: readonly string[];
  /** Changed columns in text order, including columns on one side only; empty for added and deleted rows. */
  readonly fields: readonly string[];
}

export function compareRows(before: ManifestRow, after: ManifestRow): RecordChange | null {
  const names = new Set([...before.columns.keys(), ...after.columns.keys()]);
  const fields = [...names].filter((n) => before.columns.get(n) !== after.columns.get(n)).sort(compareText);
  if (before.sha256 === after.sha256) {
    if (fields.length === 0) return null;
    throw new VerificationError(`row ${JSON.stringify(after.key)} is unchanged but its column digests differ: the two sides were hashed with different salts (hash the current state with the manifest's salt)`);
  }
  // Different rows with equal column digests would need a 64-bit digest collision: still reported, with no column to name.
  return { kind: 'modified', key: after.key, fields };
}

export async function* diffRecords(before: AsyncIterable<ManifestRow>, after: AsyncIterable<ManifestRow>): AsyncGenerator<RecordChange> {
  const left = inKeyOrder(before, 'before');
  const right = inKeyOrder(after, 'after');
  let a = await left.next();
  let b = await right.next();
  try {
    while (!a.done || !b.done) {
      const order = a.done ? 1 : b.done ? -1 : compareKeys(a.value.key, b.value.key);
      if (order < 0) {
        yield { kind: 'deleted', key: a.value!.key, fields: [] };
        a = await left.next();
      } else if (order > 0) {
        yield { kind: 'added', key: b.value!.key, fields: [] };
        b = await right.next();
      } else {
        const change = compareRows(a.value!, b.value!);
        if (change) yield change;
        a = await left.next();
        b = await right.next();
      }
    }
  } finally {
    await left.return(undefined);
    await right.return(undefined);
  }
}

/** A merge over unsorted input would report wrong changes silently: the order is checked as it goes. */
async function* inKeyOrder(rows: AsyncIterable<ManifestRow>, side: string): AsyncGenerator<ManifestRow, undefined> {
  let previous: readonly string[] | undefined;
  for await (const row of rows) {
    if (previous !== undefined && compareKeys(previous, row.key) >= 0) throw new RangeError(`${side}: key ${JSON.stringify(row.key)} is not after ${JSON.stringify(previous)} (the rows must be in key order, without duplicates)`);
    previous = row.key;
    yield row;
  }
  return undefined;
}
