import { describe, expect, it } from 'vitest';
import { AhoCorasick } from './aho-corasick.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

function all(ac: AhoCorasick, text: string, chunk = text.length || 1): [number, number][] {
  const out: [number, number][] = [];
  let state = ac.start();
  const bytes = b(text);
  for (let at = 0; at < bytes.length; at += chunk) state = ac.feed(state, bytes.subarray(at, at + chunk), at, (p, end) => out.push([p, end - ac.lengthOf(p)]));
  return out.sort((x, y) => x[1] - y[1] || x[0] - y[0]);
}

/** Every occurrence by brute force, for comparison. */
function naive(patterns: string[], text: string, ci = false): [number, number][] {
  const t = ci ? text.toLowerCase() : text;
  const out: [number, number][] = [];
  patterns.forEach((p, i) => {
    const q = ci ? p.toLowerCase() : p;
    for (let at = t.indexOf(q); at >= 0; at = t.indexOf(q, at + 1)) out.push([i, at]);
  });
  return out.sort((x, y) => x[1] - y[1] || x[0] - y[0]);
}

describe('AhoCorasick', () => {
  it('finds overlapping and nested patterns (the classic he/she/his/hers case)', () => {
    const patterns = ['he', 'she', 'his', 'hers'];
    const ac = new AhoCorasick(patterns.map(b));
    expect(all(ac, 'ushers')).toEqual([
      [1, 1],
      [0, 2],
      [3, 2],
    ]);
  });

  it('carries state across chunk borders: one-byte chunks give the same matches', () => {
    const patterns = ['abcab', 'bca', 'cab', 'a'];
    const ac = new AhoCorasick(patterns.map(b));
    const text = 'xxabcabcabyy';
    expect(all(ac, text, 1)).toEqual(naive(patterns, text));
    expect(all(ac, text, 3)).toEqual(naive(patterns, text));
  });

  it('folds ASCII case only when built case-insensitive', () => {
    const ci = new AhoCorasick([b('Evil.COM')], { caseInsensitive: true });
    const exact = new AhoCorasick([b('Evil.COM')]);
    expect(all(ci, 'x EVIL.com evil.com')).toEqual([
      [0, 2],
      [0, 11],
    ]);
    expect(all(exact, 'x EVIL.com Evil.COM')).toEqual([[0, 11]]);
  });

  it('reports every duplicate pattern', () => {
    const ac = new AhoCorasick([b('ab'), b('ab')]);
    expect(all(ac, 'ab')).toEqual([
      [0, 0],
      [1, 0],
    ]);
  });

  it('matches arbitrary bytes, including NUL and 0xFF', () => {
    const ac = new AhoCorasick([Buffer.from([0, 0xff, 0])]);
    expect(all(ac, '\u0000\u00ff\u0000\u00ff\u0000')).toEqual([
      [0, 0],
      [0, 2],
    ]);
  });

  it('agrees with a brute-force search on random input', () => {
    let seed = 7;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const word = (len: number): string => Array.from({ length: len }, () => 'abc'[rand(3)]).join('');
    const patterns = Array.from({ length: 40 }, () => word(1 + rand(5)));
    const unique = [...new Set(patterns)];
    const text = word(2000);
    const ac = new AhoCorasick(unique.map(b));
    expect(all(ac, text, 7)).toEqual(naive(unique, text));
  });

  it('rejects an empty pattern', () => {
    expect(() => new AhoCorasick([b('')])).toThrow(/empty/);
  });
});
