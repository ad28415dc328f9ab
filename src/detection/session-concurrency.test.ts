import { describe, expect, it } from 'vitest';
import { type ConcurrencyKind, CONCURRENCY_WINDOW_MS, concurrencyEvent, concurrencyRule, detectConcurrency } from './session-concurrency.js';

const T0 = Date.parse('2025-07-15T07:00:00Z');
const MIN = 60_000;

/** Events as (minute offset, user, ip); ids count from 1; sorted the way the engine sorts them. */
function judge(kind: ConcurrencyKind, rows: readonly [number, string, string][]) {
  const events = rows.map(([at, user, ip], i) => concurrencyEvent(kind, { id: i + 1, t: T0 + at, user, ip }));
  events.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.t - b.t || a.id - b.id));
  return detectConcurrency(events, kind);
}

describe('NS-R5 user-networks window', () => {
  it('counts two networks exactly ten minutes apart, and not a millisecond more', () => {
    expect(judge('user-networks', [[0, 'alice', '198.51.100.7'], [CONCURRENCY_WINDOW_MS, 'alice', '203.0.113.9']])).toEqual([
      { kind: 'user-networks', key: 'alice', values: ['198.51.100.0/24', '203.0.113.0/24'], first: T0, last: T0 + 10 * MIN, eventIds: [1, 2] },
    ]);
    expect(judge('user-networks', [[0, 'alice', '198.51.100.7'], [CONCURRENCY_WINDOW_MS + 1, 'alice', '203.0.113.9']])).toEqual([]);
  });

  it('counts a /24 once, however many addresses of it the user comes from', () => {
    expect(judge('user-networks', [[0, 'alice', '198.51.100.7'], [MIN, 'alice', '198.51.100.200'], [2 * MIN, 'alice', '198.51.100.7']])).toEqual([]);
  });

  it('aggregates IPv6 to /48: another /64 of the same /48 is the same network', () => {
    expect(judge('user-networks', [[0, 'bob', '2001:db8:1:1::5'], [MIN, 'bob', '2001:db8:1:ffff::9']])).toEqual([]);
    expect(judge('user-networks', [[0, 'bob', '2001:db8:1:1::5'], [MIN, 'bob', '2001:db8:2::9']])).toEqual([expect.objectContaining({ key: 'bob', values: ['2001:db8:1::/48', '2001:db8:2::/48'] })]);
  });

  it('keeps users apart and merges overlapping windows into one burst with the latest event per network', () => {
    const findings = judge('user-networks', [
      [0, 'alice', '198.51.100.7'], // 1
      [1 * MIN, 'carol', '192.0.2.1'], // 2: carol alone, other network than alice's second
      [2 * MIN, 'alice', '198.51.100.8'], // 3: same /24 — replaces 1 as the latest of its network
      [5 * MIN, 'alice', '203.0.113.9'], // 4: burst starts
      [12 * MIN, 'alice', '198.51.100.7'], // 5: window 2…12 still holds both networks: same burst
      [40 * MIN, 'alice', '203.0.113.9'], // 6: alone again
      [45 * MIN, 'alice', '192.0.2.50'], // 7: a second burst
    ]);
    expect(findings).toEqual([
      { kind: 'user-networks', key: 'alice', values: ['198.51.100.0/24', '203.0.113.0/24'], first: T0 + 2 * MIN, last: T0 + 12 * MIN, eventIds: [3, 4, 5] },
      { kind: 'user-networks', key: 'alice', values: ['192.0.2.0/24', '203.0.113.0/24'], first: T0 + 40 * MIN, last: T0 + 45 * MIN, eventIds: [6, 7] },
    ]);
  });
});

describe('NS-R5 shared-ip window', () => {
  const users = (n: number, ip = '198.51.100.7', step = 30_000) => Array.from({ length: n }, (_, i) => [i * step, `user${i}`, ip] as [number, string, string]);

  it('flags one address with ten users in ten minutes, not nine', () => {
    expect(judge('shared-ip', users(9))).toEqual([]);
    const [finding, ...rest] = judge('shared-ip', users(10));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ kind: 'shared-ip', key: '198.51.100.7', first: T0, last: T0 + 9 * 30_000 });
    expect(finding?.values).toHaveLength(10);
    expect(finding?.eventIds).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('does not count users spread beyond the window', () => {
    expect(judge('shared-ip', users(12, '198.51.100.7', 2 * MIN))).toEqual([]);
  });

  it('says NAT can explain it, and selects the judged events by id', () => {
    const rule = concurrencyRule([3, 4], 'shared-ip');
    expect(rule).toMatchObject({ id: 'NS-R5-shared-ip', verdict: 'REVIEW' });
    expect(rule.rationale).toContain('NAT can explain this');
    expect(rule.where).toEqual({ kind: 'in', arg: { kind: 'column', name: 'event.id' }, values: [3, 4] });
    expect(concurrencyRule([1], 'user-networks')).toMatchObject({ id: 'NS-R5-user-networks', verdict: 'REVIEW' });
  });
});
