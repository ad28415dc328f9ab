import type { CorrelationCondition } from './sigma-rule.js';

/**
 * The time-window judgement of Sigma correlations, pure and engine-free: occurrences of the
 * referenced rules (already read from the store, or hits of an inner correlation) in, hits out.
 *
 * Semantics — the spec says "within timespan" and leaves the rest open; this is what we chose:
 * - A window is any closed interval [t, t + timespan] that starts at an occurrence of the group
 *   ("anchored" sliding windows, not fixed buckets): events exactly `timespan` apart are in one
 *   window, one millisecond more and they are not.
 * - The count of a window: `event_count` the distinct events in it; `value_count` the distinct
 *   non-empty values of the field (events without a value do not count and are not evidence);
 *   `temporal` the distinct referenced rules seen; `temporal_ordered` the length of the chain
 *   rule 1 → rule 2 → … that starts at the window's first event (a rule-1 event) and takes each
 *   next rule's earliest later event. "Later" is the order of (time, event id): events of one
 *   millisecond count in the order they were stored; one event never fills two steps.
 * - A condition with only lower bounds (`gt`, `gte`) fires for every window whose count satisfies
 *   it; overlapping firing windows of a group merge into one hit whose evidence is every counted
 *   event in them. `firedAt` is the time of the event that first made the condition true.
 * - A condition with an upper bound (`lt`, `lte`, `eq`, `neq`, or a range) judges the group's peak
 *   — its densest window — because a sliding window can always be shrunk below any bound: `lt: 5`
 *   means "never 5 or more within timespan", and the hit's evidence is every counted event of the
 *   group (the statement is about all of them); `firedAt` is the group's last event.
 * - Groups are the distinct tuples of group-by values; a missing value (NULL) is a value of its
 *   own, as SQL's GROUP BY does: events lacking the field form one group, reported with `null`.
 *   A group exists only where there are events, so `lt` never fires for silence.
 */

export type WindowType = 'event_count' | 'value_count' | 'temporal' | 'temporal_ordered';

/** One event (or one hit of an inner correlation) that matched the referenced rule `rule`. */
export interface Occurrence {
  /** Epoch milliseconds. */
  readonly t: number;
  /** Tie-break within a millisecond (the event id). */
  readonly seq: number;
  /** Identity for counting: the same event matching two referenced rules counts once. */
  readonly key: string;
  /** Index into the correlation's `rules`. */
  readonly rule: number;
  readonly group: readonly (string | null)[];
  /** The `value_count` field's value. */
  readonly value: string | null;
  /** The events this occurrence stands for (one, or an inner hit's evidence). */
  readonly eventIds: readonly number[];
}

export interface WindowSpec {
  readonly type: WindowType;
  readonly timespanMs: number;
  readonly condition: CorrelationCondition;
}

export interface WindowHit {
  readonly group: readonly (string | null)[];
  /** First and last time of the window (lower bounds) or of the densest window (upper bounds). */
  readonly start: number;
  readonly end: number;
  readonly firedAt: number;
  /** The peak count among the firing windows. */
  readonly count: number;
  /** Sorted, distinct. */
  readonly eventIds: readonly number[];
}

export function satisfies(c: CorrelationCondition, n: number): boolean {
  return (
    (c.gt === undefined || n > c.gt) &&
    (c.gte === undefined || n >= c.gte) &&
    (c.lt === undefined || n < c.lt) &&
    (c.lte === undefined || n <= c.lte) &&
    (c.eq === undefined || n === c.eq) &&
    (c.neq === undefined || n !== c.neq)
  );
}

export const hasUpperBound = (c: CorrelationCondition): boolean => c.lt !== undefined || c.lte !== undefined || c.eq !== undefined || c.neq !== undefined;

const byTime = (a: Occurrence, b: Occurrence) => a.t - b.t || a.seq - b.seq || a.rule - b.rule;

/** Judges all groups; hits ordered by group then time. */
export function evaluateWindows(spec: WindowSpec, occurrences: readonly Occurrence[]): WindowHit[] {
  const groups = new Map<string, Occurrence[]>();
  for (const occurrence of [...occurrences].sort(byTime)) {
    const key = JSON.stringify(occurrence.group);
    const list = groups.get(key);
    if (list) list.push(occurrence);
    else groups.set(key, [occurrence]);
  }
  return [...groups.values()].flatMap((group) => evaluateGroup(spec, group));
}

/** What one window counts for the type; undefined when an occurrence adds nothing to the count. */
function countKey(type: WindowType, o: Occurrence): string | undefined {
  switch (type) {
    case 'event_count':
      return o.key;
    case 'value_count':
      return o.value ?? undefined;
    case 'temporal':
    case 'temporal_ordered':
      return String(o.rule);
  }
}

class Multiset {
  private readonly counts = new Map<string, number>();
  add(key: string | undefined): void {
    if (key !== undefined) this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  remove(key: string | undefined): void {
    if (key === undefined) return;
    const n = (this.counts.get(key) ?? 0) - 1;
    if (n <= 0) this.counts.delete(key);
    else this.counts.set(key, n);
  }
  get size(): number {
    return this.counts.size;
  }
}

interface Anchored {
  /** Index of the window's first and last counted occurrence. */
  readonly first: number;
  readonly last: number;
  readonly count: number;
  /** temporal_ordered: the indexes of the chain (the evidence); otherwise every counted index in first…last. */
  readonly chain?: readonly number[];
}

function evaluateGroup(spec: WindowSpec, o: readonly Occurrence[]): WindowHit[] {
  const anchors = spec.type === 'temporal_ordered' ? orderedAnchors(spec, o) : slidingAnchors(spec, o);
  if (anchors.length === 0) return [];
  const counted = (i: number) => countKey(spec.type, o[i]!) !== undefined;
  if (hasUpperBound(spec.condition)) {
    const peak = anchors.reduce((best, a) => (a.count > best.count ? a : best));
    if (!satisfies(spec.condition, peak.count)) return [];
    const evidence = o.map((_, i) => i).filter(counted);
    return [hit(o, evidence, peak, o[o.length - 1]!.t)];
  }
  const hits: WindowHit[] = [];
  let merged: { window: Anchored; evidence: Set<number>; firedAt: number } | undefined;
  const close = () => {
    if (merged) hits.push(hit(o, [...merged.evidence].sort((a, b) => a - b), merged.window, merged.firedAt));
  };
  for (const anchor of anchors) {
    if (!satisfies(spec.condition, anchor.count)) continue;
    const members = anchor.chain ?? range(anchor.first, anchor.last).filter(counted);
    if (merged && anchor.first <= merged.window.last) {
      for (const m of members) merged.evidence.add(m);
      const w = merged.window;
      merged.window = { first: w.first, last: Math.max(w.last, anchor.last), count: Math.max(w.count, anchor.count) };
      continue;
    }
    close();
    merged = { window: { first: anchor.first, last: anchor.last, count: anchor.count }, evidence: new Set(members), firedAt: firedAt(spec, o, members) };
  }
  close();
  return hits;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Every counted occurrence anchors a window [t, t + timespan]; two pointers keep the count. */
function slidingAnchors(spec: WindowSpec, o: readonly Occurrence[]): Anchored[] {
  const anchors: Anchored[] = [];
  const inWindow = new Multiset();
  let end = 0;
  let lastCounted = -1;
  for (let first = 0; first < o.length; first++) {
    const limit = o[first]!.t + spec.timespanMs;
    while (end < o.length && o[end]!.t <= limit) {
      const key = countKey(spec.type, o[end]!);
      inWindow.add(key);
      if (key !== undefined) lastCounted = end;
      end++;
    }
    if (countKey(spec.type, o[first]!) !== undefined) anchors.push({ first, last: lastCounted, count: inWindow.size });
    inWindow.remove(countKey(spec.type, o[first]!));
  }
  return anchors;
}

/** Every occurrence of the first listed rule anchors a chain through the later rules, in order. */
function orderedAnchors(spec: WindowSpec, o: readonly Occurrence[]): Anchored[] {
  const anchors: Anchored[] = [];
  for (let first = 0; first < o.length; first++) {
    if (o[first]!.rule !== 0) continue;
    const limit = o[first]!.t + spec.timespanMs;
    const chain = [first];
    const used = new Set([o[first]!.key]);
    for (let i = first + 1; i < o.length && o[i]!.t <= limit; i++) {
      const next = o[i]!;
      if (next.rule === chain.length && !used.has(next.key)) {
        chain.push(i);
        used.add(next.key);
      }
    }
    anchors.push({ first, last: chain[chain.length - 1]!, count: chain.length, chain });
  }
  return anchors;
}

/** The time of the event that first made the window (its counted members, in order) satisfy the condition. */
function firedAt(spec: WindowSpec, o: readonly Occurrence[], members: readonly number[]): number {
  const seen = new Multiset();
  for (const i of members) {
    seen.add(countKey(spec.type, o[i]!));
    if (satisfies(spec.condition, seen.size)) return o[i]!.t;
  }
  return o[members[members.length - 1]!]!.t;
}

function hit(o: readonly Occurrence[], evidence: readonly number[], window: Anchored, fired: number): WindowHit {
  const ids = new Set<number>();
  for (const i of evidence) for (const id of o[i]!.eventIds) ids.add(id);
  return {
    group: o[window.first]!.group,
    start: o[window.first]!.t,
    end: o[window.last]!.t,
    firedAt: fired,
    count: window.count,
    eventIds: [...ids].sort((a, b) => a - b),
  };
}
