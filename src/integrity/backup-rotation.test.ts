import { describe, expect, it } from 'vitest';
import { MIN_BYTES, backupStamp, chooseMembers, readCounts } from './backup-rotation.js';

const MB = 1024 * 1024;
const members = Array.from({ length: 10 }, (_, i) => ({ path: `m${i}`, size: 100 * MB, stamp: `s${i}` }));

describe('rotation of partial backup checks', () => {
  it('covers every member over a cycle of partial checks, least recently read first', () => {
    const previous = new Map<string, { readAt: string; size: number; stamp: string }>();
    const seen: string[][] = [];
    for (let day = 1; day <= 4; day++) {
      const chosen = [...chooseMembers(members, previous, 0.3)];
      seen.push(chosen);
      for (const path of chosen) previous.set(path, { readAt: `2025-07-0${day}T00:00:00Z`, size: 100 * MB, stamp: members.find((m) => m.path === path)!.stamp });
    }
    expect(seen.slice(0, 3).flat().sort()).toEqual(members.map((m) => m.path).sort().slice(0, 9));
    expect(new Set(seen.flat()).size).toBe(10);
    expect(seen[3]![0]).toBe('m9');
  });

  it('re-reads a member whose size or stamp changed before older ones', () => {
    const previous = new Map(members.map((m, i) => [m.path, { readAt: `2025-07-0${1 + (i % 3)}T00:00:00Z`, size: i === 7 ? 1 : m.size, stamp: m.stamp }]));
    expect([...chooseMembers(members, previous, 0.1)]).toEqual(['m7']);
    // Rewritten to the same size with its mtime put back: the stamp (ctime, inode) still moved.
    const rewritten = new Map(members.map((m, i) => [m.path, { readAt: `2025-07-0${1 + (i % 3)}T00:00:00Z`, size: m.size, stamp: i === 8 ? 'before' : m.stamp }]));
    expect([...chooseMembers(members, rewritten, 0.1)]).toEqual(['m8']);
  });

  it('never reads nothing: at least one member and the minimum number of bytes; empty members always', () => {
    expect(chooseMembers([{ path: 'huge', size: 10_000 * MB, stamp: 'x' }], new Map(), 0.01).size).toBe(1);
    const small = Array.from({ length: 16 }, (_, i) => ({ path: `p${i}`, size: MB, stamp: 'x' }));
    expect(chooseMembers(small, new Map(), 1 / 52).size).toBe(16);
    const many = Array.from({ length: 200 }, (_, i) => ({ path: `p${String(i).padStart(3, '0')}`, size: MB, stamp: 'x' }));
    expect(chooseMembers(many, new Map(), 0.01).size).toBe(MIN_BYTES / MB);
    expect(() => chooseMembers(many, new Map(), 0)).toThrow(RangeError);
    // A full check reads every member, the empty ones after the budget is spent too.
    expect([...chooseMembers([{ path: 'a', size: 100, stamp: 'x' }, { path: 'b', size: 0, stamp: 'x' }, { path: 'c', size: 0, stamp: 'x' }], new Map(), 1)]).toEqual(['a', 'b', 'c']);
  });

  it('counts a read only within the cycle and for the content the member has now', () => {
    const now = new Date('2025-07-10T00:00:00Z');
    const m = { size: 5, stamp: 'a' };
    expect(readCounts({ readAt: '2025-07-04T00:00:00Z', size: 5, stamp: 'a' }, m, now, 7)).toBe(true);
    expect(readCounts({ readAt: '2025-07-02T00:00:00Z', size: 5, stamp: 'a' }, m, now, 7)).toBe(false);
    expect(readCounts({ readAt: '2025-07-09T00:00:00Z', size: 5, stamp: 'a' }, { size: 6, stamp: 'a' }, now, 7)).toBe(false);
    expect(readCounts({ readAt: '2025-07-09T00:00:00Z', size: 5, stamp: 'b' }, m, now, 7)).toBe(false);
    expect(readCounts(undefined, m, now, 7)).toBe(false);
  });

  it('stamps a backup by its archive, or by every member of a folder', () => {
    expect(backupStamp([{ path: 'a', stamp: '1' }], 'archive:9')).toBe('archive:9');
    const folder = backupStamp([{ path: 'a', stamp: '1' }, { path: 'b', stamp: '2' }], null);
    expect(folder).toMatch(/^folder:[0-9a-f]{64}$/);
    expect(backupStamp([{ path: 'a', stamp: '1' }, { path: 'b', stamp: '3' }], null)).not.toBe(folder);
  });
});
