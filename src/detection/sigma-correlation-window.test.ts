import { describe, expect, it } from 'vitest';
import { type Occurrence, type WindowSpec, evaluateWindows, satisfies } from './sigma-correlation-window.js';
import type { CorrelationCondition } from './sigma-rule.js';

/** Window semantics without an engine: occurrences in, hits out. Times are seconds for reading. */

const S = 1000;
let nextId = 1;
/** An event of referenced rule `rule` at `t` seconds in group `group`. */
const ev = (t: number, rule = 0, group: string | null = 'g', value: string | null = null, id = nextId++): Occurrence => ({
  t: t * S, seq: id, key: `e${id}`, rule, group: [group], value, eventIds: [id],
});
const spec = (type: WindowSpec['type'], timespan: number, condition: CorrelationCondition): WindowSpec => ({ type, timespanMs: timespan * S, condition });
const ids = (o: readonly Occurrence[]) => o.map((x) => x.eventIds[0]);

describe('conditions', () => {
  it('ANDs the operators of a range', () => {
    expect([100, 101, 200, 201].map((n) => satisfies({ gt: 100, lte: 200 }, n))).toEqual([false, true, true, false]);
    expect([4, 5, 6].map((n) => satisfies({ neq: 5 }, n))).toEqual([true, false, true]);
    expect([4, 5].map((n) => satisfies({ eq: 5 }, n))).toEqual([false, true]);
  });
});

describe('event_count', () => {
  it('fires when events exactly timespan apart share a window, not one millisecond more', () => {
    const inside = [ev(0), ev(30), ev(60)];
    expect(evaluateWindows(spec('event_count', 60, { gte: 3 }), inside)).toEqual([
      { group: ['g'], start: 0, end: 60 * S, firedAt: 60 * S, count: 3, eventIds: ids(inside) },
    ]);
    const outside = [ev(0), ev(30), { ...ev(60), t: 60 * S + 1 }];
    expect(evaluateWindows(spec('event_count', 60, { gte: 3 }), outside)).toEqual([]);
  });

  it('merges overlapping firing windows and keeps separate bursts apart', () => {
    const first = [ev(0), ev(10), ev(20), ev(30)];
    const lone = ev(500);
    const second = [ev(1000), ev(1001)];
    const hits = evaluateWindows(spec('event_count', 15, { gte: 2 }), [...first, lone, ...second]);
    expect(hits.map((h) => [h.start / S, h.end / S, h.count, h.eventIds])).toEqual([
      [0, 30, 2, ids(first)],
      [1000, 1001, 2, ids(second)],
    ]);
  });

  it('counts an event that matches two referenced rules once', () => {
    const both = ev(0, 0);
    const twin = { ...both, rule: 1 };
    expect(evaluateWindows(spec('event_count', 60, { gte: 2 }), [both, twin])).toEqual([]);
    expect(evaluateWindows(spec('event_count', 60, { gte: 2 }), [both, twin, ev(1, 1)])).toHaveLength(1);
  });

  it('judges upper bounds on the densest window of the group, with all its events as evidence', () => {
    const sparse = [ev(0), ev(100), ev(200)];
    const dense = [ev(0, 0, 'h'), ev(1, 0, 'h'), ev(2, 0, 'h'), ev(300, 0, 'h')];
    const hits = evaluateWindows(spec('event_count', 10, { lt: 2 }), [...sparse, ...dense]);
    expect(hits).toEqual([{ group: ['g'], start: 0, end: 0, firedAt: 200 * S, count: 1, eventIds: ids(sparse) }]);
    const exactly3 = evaluateWindows(spec('event_count', 10, { eq: 3 }), [...sparse, ...dense]);
    expect(exactly3.map((h) => [h.group, h.count, h.start / S, h.end / S, h.eventIds])).toEqual([[['h'], 3, 0, 2, ids(dense)]]);
  });

  it('groups events without the group-by field together under null', () => {
    const unknown = [ev(0, 0, null), ev(1, 0, null)];
    const hits = evaluateWindows(spec('event_count', 10, { gte: 2 }), [...unknown, ev(2, 0, 'g')]);
    expect(hits.map((h) => [h.group, h.eventIds])).toEqual([[[null], ids(unknown)]]);
  });
});

describe('value_count', () => {
  it('counts distinct non-empty values; events without a value are not evidence', () => {
    const o = [ev(0, 0, 'g', 'alice'), ev(1, 0, 'g', 'alice'), ev(2, 0, 'g', null), ev(3, 0, 'g', 'bob')];
    expect(evaluateWindows(spec('value_count', 10, { gte: 3 }), o)).toEqual([]);
    const hits = evaluateWindows(spec('value_count', 10, { gte: 2 }), o);
    expect(hits.map((h) => [h.count, h.firedAt / S, h.eventIds])).toEqual([[2, 3, [o[0]!, o[1]!, o[3]!].map((x) => x.eventIds[0])]]);
  });
});

describe('temporal', () => {
  it('needs every referenced rule within the window, in any order', () => {
    const o = [ev(0, 2), ev(5, 0), ev(10, 1)];
    expect(evaluateWindows(spec('temporal', 10, { gte: 3 }), o)).toHaveLength(1);
    expect(evaluateWindows(spec('temporal', 9, { gte: 3 }), o)).toEqual([]);
    expect(evaluateWindows(spec('temporal', 5, { gte: 2 }), o).map((h) => h.count)).toEqual([2]);
  });

  it('keeps groups apart', () => {
    expect(evaluateWindows(spec('temporal', 60, { gte: 2 }), [ev(0, 0, 'a'), ev(1, 1, 'b')])).toEqual([]);
  });
});

describe('temporal_ordered', () => {
  it('fires in the listed order and not in another', () => {
    const ordered = [ev(0, 0), ev(5, 1), ev(9, 2)];
    const hits = evaluateWindows(spec('temporal_ordered', 10, { gte: 3 }), ordered);
    expect(hits.map((h) => [h.count, h.firedAt / S, h.eventIds])).toEqual([[3, 9, ids(ordered)]]);
    expect(evaluateWindows(spec('temporal_ordered', 10, { gte: 3 }), [ev(0, 0), ev(5, 2), ev(9, 1)])).toEqual([]);
    expect(evaluateWindows(spec('temporal_ordered', 10, { gte: 2 }), [ev(0, 1), ev(5, 0)])).toEqual([]);
  });

  it('orders events of one millisecond by event id, and one event never fills two steps', () => {
    expect(evaluateWindows(spec('temporal_ordered', 10, { gte: 2 }), [ev(0, 0, 'g', null, 900), ev(0, 1, 'g', null, 901)])).toHaveLength(1);
    expect(evaluateWindows(spec('temporal_ordered', 10, { gte: 2 }), [ev(0, 0, 'g', null, 911), ev(0, 1, 'g', null, 910)])).toEqual([]);
    const both = ev(0, 0);
    expect(evaluateWindows(spec('temporal_ordered', 10, { gte: 2 }), [both, { ...both, rule: 1 }])).toEqual([]);
  });

  it('leaves out an order completed after the timespan', () => {
    expect(evaluateWindows(spec('temporal_ordered', 10, { gte: 2 }), [ev(0, 0), { ...ev(0, 1), t: 10 * S + 1 }])).toEqual([]);
    expect(evaluateWindows(spec('temporal_ordered', 10, { gte: 2 }), [ev(0, 0), ev(10, 1)])).toHaveLength(1);
  });

  it('takes a later first step when an earlier one runs out of time', () => {
    const o = [ev(0, 0), ev(50, 0), ev(55, 1)];
    expect(evaluateWindows(spec('temporal_ordered', 10, { gte: 2 }), o).map((h) => h.eventIds)).toEqual([ids(o.slice(1))]);
  });
});
