import { type TreeEntry, comparePaths } from './file-tree-scan.js';

/**
 * What changed between a manifest and the tree as it is now (issue 7 §3), exactly: both sides come
 * in the scanner's order, so one merge pass finds every added, deleted, modified and
 * metadata-changed entry without holding either side in memory.
 *
 * - `modified`: the content (hash or size), the entry's type, or a symlink's target changed;
 * - `metadata`: same content, other mode, owner or mtime (a `touch -t` back-dating shows here);
 * - `unverifiable`: the entry cannot be read now (or could not then), so its content is unknown.
 */

export type ChangeKind = 'added' | 'deleted' | 'modified' | 'metadata' | 'unverifiable';

export interface TreeChange {
  readonly kind: ChangeKind;
  readonly path: string;
  /** Which fields differ (`sha256`, `size`, `type`, `target`, `mode`, `owner`, `mtime`, `error`). */
  readonly fields: readonly string[];
  readonly before: TreeEntry | null;
  readonly after: TreeEntry | null;
}

const CONTENT = ['type', 'sha256', 'size', 'target'] as const;
const METADATA = ['mode', 'owner', 'mtime'] as const;

export function compareEntries(before: TreeEntry, after: TreeEntry): TreeChange | null {
  if (before.error !== null || after.error !== null) {
    if (before.error === after.error && before.type === after.type) return null;
    return { kind: 'unverifiable', path: after.path, fields: ['error'], before, after };
  }
  const content = CONTENT.filter((f) => before[f] !== after[f]);
  // Exact, directories included: adding or removing an entry moves its directory's mtime, and
  // that is reported too (a reviewer sees the parent next to the entry that explains it).
  const metadata = METADATA.filter((f) => before[f] !== after[f]);
  if (content.length > 0) return { kind: 'modified', path: after.path, fields: [...content, ...metadata], before, after };
  if (metadata.length > 0) return { kind: 'metadata', path: after.path, fields: metadata, before, after };
  return null;
}

export async function* diffTrees(before: AsyncIterable<TreeEntry>, after: AsyncIterable<TreeEntry>): AsyncGenerator<TreeChange> {
  const left = before[Symbol.asyncIterator]();
  const right = after[Symbol.asyncIterator]();
  let a = await left.next();
  let b = await right.next();
  try {
    while (!a.done || !b.done) {
      const order = a.done ? 1 : b.done ? -1 : comparePaths(a.value.path, b.value.path);
      if (order < 0) {
        yield { kind: 'deleted', path: a.value!.path, fields: [], before: a.value!, after: null };
        a = await left.next();
      } else if (order > 0) {
        yield { kind: 'added', path: b.value!.path, fields: [], before: null, after: b.value! };
        b = await right.next();
      } else {
        const change = compareEntries(a.value!, b.value!);
        if (change) yield change;
        a = await left.next();
        b = await right.next();
      }
    }
  } finally {
    await left.return?.();
    await right.return?.();
  }
}
