import { describe, expect, it } from 'vitest';
import { BURST, WINDOW_MS, bursts } from './auth-probe-burst.js';

const minute = 60_000;

describe('NS-R2 probe bursts', () => {
  it('needs BURST requests within the window, counted inclusively at its edge', () => {
    const spaced = Array.from({ length: BURST }, (_, i) => i * (WINDOW_MS / (BURST - 1)));
    expect(bursts('a', spaced)).toEqual([{ source: 'a', first: 0, last: WINDOW_MS, requests: BURST }]);
    // One millisecond more and the first request falls out of every window.
    expect(bursts('a', spaced.map((t, i) => (i === BURST - 1 ? t + 1 : t)))).toEqual([]);
    expect(bursts('a', spaced.slice(1))).toEqual([]);
  });

  it('merges overlapping windows into one burst and keeps separate bursts apart', () => {
    const first = Array.from({ length: 12 }, (_, i) => i * minute);
    const second = Array.from({ length: BURST }, (_, i) => 120 * minute + i * minute);
    expect(bursts('b', [...first, 60 * minute, ...second])).toEqual([
      { source: 'b', first: 0, last: 11 * minute, requests: 12 },
      { source: 'b', first: 120 * minute, last: 124 * minute, requests: BURST },
    ]);
  });
});
