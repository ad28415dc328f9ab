import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashLeaf, merkleRoot } from '../audit/merkle.js';
import type { TreeEntry } from './file-tree-scan.js';
import { MANIFEST_FORMAT, entryLine, readManifest, writeManifest } from './manifest.js';

const entry = (path: string, sha: string | null = 'c'.repeat(64)): TreeEntry => ({ path, type: sha ? 'file' : 'directory', size: sha ? 5 : null, mode: 0o644, owner: '1000:1000', mtime: '2025-06-01T08:00:00.000Z', sha256: sha, target: null, error: null });
async function drain(file: string): Promise<void> {
  for await (const item of readManifest(file)) void item;
}
async function* list(entries: TreeEntry[]): AsyncGenerator<TreeEntry> {
  for (const e of entries) yield e;
}

describe('manifest files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'manifest-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));
  const header = { format: MANIFEST_FORMAT as typeof MANIFEST_FORMAT, kind: 'files' as const, name: 'docs', source: '/srv/docs', created: '2025-06-01T00:00:00.000Z' };

  it('writes one line per entry whose leaf is exactly that line, and reads them back with the same root', async () => {
    const entries = [entry('cases', null), entry('cases/a.pdf'), entry('cases/b.pdf', 'd'.repeat(64))];
    const file = join(dir, 'm.jsonl');
    const summary = await writeManifest(file, header, list(entries));
    expect(summary).toMatchObject({ size: 3, files: 2, bytes: 10, errors: 0 });
    expect(Buffer.from(summary.root)).toEqual(Buffer.from(merkleRoot(entries.map((e) => hashLeaf(Buffer.from(entryLine(e), 'utf8'))))));
    const read: TreeEntry[] = [];
    for await (const item of readManifest(file)) if ('entry' in item) read.push(item.entry);
    expect(read).toEqual(entries);
  });

  it('refuses a line not in the exact written form, naming file and line', async () => {
    const file = join(dir, 'm.jsonl');
    await writeManifest(file, header, list([entry('a'), entry('b')]));
    const text = await readFile(file, 'utf8');
    for (const forged of [
      text.replace('"path":"b","type":"file"', '"type":"file","path":"b"'), // key order: the leaf would differ
      text.replace('{"path":"b"', '{ "path":"b"'), // a space: valid JSON, not the written bytes
      text.replace('{"path":"b"', '{"path":"b'), // broken JSON
      text.replace('"error":null}', '"error":null,"extra":1}'),
    ]) {
      const copy = join(dir, 'forged.jsonl');
      await writeFile(copy, forged);
      await expect(drain(copy)).rejects.toThrow(/forged\.jsonl:\d+: /);
      await rm(copy);
    }
    await writeFile(join(dir, 'empty.jsonl'), '');
    await expect(drain(join(dir, 'empty.jsonl'))).rejects.toThrow('the manifest is empty');
  });
});
