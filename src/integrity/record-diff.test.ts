import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MANIFEST_FORMAT } from './manifest.js';
import { type RecordChange, diffRecords } from './record-diff.js';
import { type ManifestRow, newSalt, recordManifestRows, sortedManifestRows, writeRecordManifest } from './record-manifest.js';
import { openRecordSource, parseRecordSource } from './record-source.js';

async function collect(changes: AsyncIterable<RecordChange>): Promise<RecordChange[]> {
  const all: RecordChange[] = [];
  for await (const c of changes) all.push(c);
  return all;
}
async function* list(rows: ManifestRow[]): AsyncGenerator<ManifestRow> {
  yield* rows;
}

describe('record diffs', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'record-diff-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** A manifest of `before` written to disk, then `after` hashed live with the manifest's salt: the real use. */
  async function diff(name: string, before: string, after: string, key: string[]): Promise<RecordChange[]> {
    const [june, now] = [join(dir, `june-${name}`), join(dir, `now-${name}`)];
    await writeFile(june, before);
    await writeFile(now, after);
    const salt = newSalt();
    const source = await openRecordSource(parseRecordSource(june), key);
    const manifest = join(dir, `${name}.manifest.jsonl`);
    await writeRecordManifest(manifest, { format: MANIFEST_FORMAT, kind: 'records', name, source: source.description, key, columns: source.columns, salt, created: '2025-06-01T00:00:00.000Z' }, source.rows());
    const current = await openRecordSource(parseRecordSource(now), key);
    const rows = await sortedManifestRows(current.rows(), current.columns, salt);
    return collect(diffRecords(recordManifestRows(manifest), list(rows)));
  }

  it('finds added, deleted and modified CSV rows by key, naming the changed columns', async () => {
    const before = 'id,name,email,role\n1,Ann,ann@x.nl,admin\n2,Bob,bob@x.nl,user\n3,Cy,cy@x.nl,user\n10,Di,,user\n';
    const after = 'role,id,email,name\nuser,10,,Di\nadmin,1,ann@x.nl,Ann\nadmin,3,cy@evil.example,Cy\nuser,4,dan@x.nl,Dan\n';
    expect(await diff('people.csv', before, after, ['id'])).toEqual([
      { kind: 'deleted', key: ['2'], fields: [] },
      { kind: 'modified', key: ['3'], fields: ['email', 'role'] },
      { kind: 'added', key: ['4'], fields: [] },
    ]);
  });

  it('finds changes under a composite key, and counts a column on one side only as changed', async () => {
    const before = ['{"org":"a","id":1,"v":{"x":1,"y":2}}', '{"org":"a","id":2,"v":null}', '{"org":"b","id":1,"v":"s"}', ''].join('\n');
    const after = ['{"id":1,"org":"a","v":{"y":2,"x":1},"extra":null}', '{"org":"b","id":1,"v":"s","extra":null}', '{"org":"b","id":2,"v":"t","extra":"new"}', ''].join('\n');
    expect(await diff('grants.jsonl', before, after, ['org', 'id'])).toEqual([
      { kind: 'modified', key: ['a', '1'], fields: ['extra'] },
      { kind: 'deleted', key: ['a', '2'], fields: [] },
      { kind: 'modified', key: ['b', '1'], fields: ['extra'] },
      { kind: 'added', key: ['b', '2'], fields: [] },
    ]);
  });

  it('reports nothing for the same data, whatever the column and row order', async () => {
    expect(await diff('same.csv', 'a,b\n1,x\n2,\n', 'b,a\n,2\nx,1\n', ['a'])).toEqual([]);
  });

  it('refuses sides hashed with different salts instead of reporting every column changed', async () => {
    const csv = join(dir, 'p.csv');
    await writeFile(csv, 'id,v\n1,a\n');
    const hashed = async (salt: string) => {
      const source = await openRecordSource(parseRecordSource(csv), ['id']);
      return sortedManifestRows(source.rows(), source.columns, salt);
    };
    const [a, b] = [await hashed(newSalt()), await hashed(newSalt())];
    await expect(collect(diffRecords(list(a), list(b)))).rejects.toThrow('hashed with different salts');
  });

  it('refuses input that is not in key order', async () => {
    const r = (key: string): ManifestRow => ({ key: [key], sha256: '0'.repeat(64), columns: new Map() });
    await expect(collect(diffRecords(list([r('b'), r('a')]), list([])))).rejects.toThrow('before: key ["a"] is not after ["b"]');
    await expect(collect(diffRecords(list([]), list([r('a'), r('a')])))).rejects.toThrow('after: key ["a"] is not after ["a"]');
  });
});
