import { describe, expect, it } from 'vitest';
import { MIN_BYTES, chooseMembers, readCounts } from './backup-rotation.js';

const MB = 1024 * 1024;
const members = Array.from({ length: 10 }, (_, i) => ({ path: `m${i}`, size: 100 * MB }));

describe('rotation of partial backup checks', () => {
  it('covers every member over a cycle of partial checks, least recently read first', () => {
    const previous = new Map<string, { readAt: string; size: number }>();
    const seen: string[][] = [];
    for (let day = 1; day <= 4; day++) {
      const chosen = [...chooseMembers(members, previous, 0.3)];
      seen.push(chosen);
      for (const path of chosen) previous.set(path, { readAt: `2025-07-0${day}T00:00:00Z`, size: 100 * MB });
    }
    expect(seen.slice(0, 3).flat().sort()).toEqual(members.map((m) => m.path).sort().slice(0, 9));
    expect(new Set(seen.flat()).size).toBe(10);
    expect(seen[3]![0]).toBe('m9');
  });

  it('re-reads a member whose size changed before older ones', () => {
    const previous = new Map(members.map((m, i) => [m.path, { readAt: `2025-07-0${1 + (i % 3)}T00:00:00Z`, size: i === 7 ? 1 : m.size }]));
    expect([...chooseMembers(members, previous, 0.1)]).toEqual(['m7']);
  });

  it('never reads nothing: at least one member and the minimum number of bytes', () => {
    expect(chooseMembers([{ path: 'huge', size: 10_000 * MB }], new Map(), 0.01).size).toBe(1);
    const small = Array.from({ length: 16 }, (_, i) => ({ path: `p${i}`, size: MB }));
    expect(chooseMembers(small, new Map(), 1 / 52).size).toBe(16);
    const many = Array.from({ length: 200 }, (_, i) => ({ path: `p${String(i).padStart(3, '0')}`, size: MB }));
    expect(chooseMembers(many, new Map(), 0.01).size).toBe(MIN_BYTES / MB);
    expect(() => chooseMembers(many, new Map(), 0)).toThrow(RangeError);
  });

  it('counts a read only within the cycle and for the size the member has now', () => {
    const now = new Date('2025-07-10T00:00:00Z');
    expect(readCounts({ readAt: '2025-07-04T00:00:00Z', size: 5 }, 5, now, 7)).toBe(true);
    expect(readCounts({ readAt: '2025-07-02T00:00:00Z', size: 5 }, 5, now, 7)).toBe(false);
    expect(readCounts({ readAt: '2025-07-09T00:00:00Z', size: 5 }, 6, now, 7)).toBe(false);
    expect(readCounts(undefined, 5, now, 7)).toBe(false);
  });
});
