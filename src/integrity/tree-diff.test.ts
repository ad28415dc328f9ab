import { describe, expect, it } from 'vitest';
import type { TreeEntry } from './file-tree-scan.js';
import { compareEntries, diffTrees } from './tree-diff.js';

const file = (path: string, more: Partial<TreeEntry> = {}): TreeEntry => ({ path, type: 'file', size: 3, mode: 0o644, owner: '0:0', mtime: '2025-06-01T08:00:00.000Z', sha256: 'a'.repeat(64), target: null, error: null, ...more });
async function* list(entries: TreeEntry[]): AsyncGenerator<TreeEntry> {
  for (const e of entries) yield e;
}
async function changes(before: TreeEntry[], after: TreeEntry[]): Promise<string[]> {
  const out: string[] = [];
  for await (const c of diffTrees(list(before), list(after))) out.push(`${c.kind} ${c.path} ${c.fields.join('+')}`.trim());
  return out;
}

describe('diffTrees', () => {
  it('finds added, deleted, modified, metadata-changed and unverifiable entries in one merge pass', async () => {
    const before = [file('a'), file('b'), file('c'), file('d'), file('e'), file('f')];
    const after = [
      file('a'),
      file('b', { sha256: 'b'.repeat(64) }),
      file('c', { mode: 0o4755, mtime: '2024-01-01T00:00:00.000Z' }),
      file('c0'),
      file('e', { type: 'symlink', size: null, sha256: null, target: 'a' }),
      file('f', { sha256: null, error: 'EACCES: permission denied' }),
    ];
    expect(await changes(before, after)).toEqual(['modified b sha256', 'metadata c mode+mtime', 'added c0', 'deleted d', 'modified e type+sha256+size+target', 'unverifiable f error']);
  });

  it('reports nothing for identical trees and everything for an empty side', async () => {
    expect(await changes([file('a'), file('a/b')], [file('a'), file('a/b')])).toEqual([]);
    expect(await changes([], [file('x')])).toEqual(['added x']);
    expect(await changes([file('x')], [])).toEqual(['deleted x']);
  });

  it('treats the same unreadable entry as no change', () => {
    const unreadable = file('s', { sha256: null, error: 'EACCES: permission denied' });
    expect(compareEntries(unreadable, unreadable)).toBeNull();
  });
});
