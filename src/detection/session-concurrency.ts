import type { EventStore } from '../store/event-store.js';
import { and, coalesce, col, count, countDistinct, epochMs, eq, isIn, isNull, not, select, val } from '../store/query-node.js';
import type { DetectionRule } from './detection-rule.js';
import { networkOf } from './session-roaming.js';

/**
 * NS-R5, concurrency (NetScaler reference §7.4), over SSLVPN LOGIN and TCPCONNSTAT events:
 * - `user-networks`: one user active from ≥ 2 client networks (/24 IPv4, /48 IPv6) within ten
 *   minutes — two people on one account, or a stolen session next to its owner;
 * - `shared-ip`: one client address used by ≥ 10 users within ten minutes — NAT can explain this.
 * The client address is the event's source.ip (LOGIN: Client_ip; TCPCONNSTAT: Source), else
 * X-Forwarded-For, as in session-roaming.ts. Both are REVIEW: context for NS-R1/R4, not a verdict.
 *
 * The window is inclusive: events exactly ten minutes apart are concurrent. The engine sorts the
 * events by (key, time, id) and hands them over in batches of whole keys, and the window slides
 * over one key at a time, so memory is one batch plus one window, whatever the log volume.
 */

export type ConcurrencyKind = 'user-networks' | 'shared-ip';

export interface ConcurrencyEvent {
  readonly id: number;
  /** Epoch milliseconds. */
  readonly t: number;
  /** What is counted per: the user (user-networks) or the client address (shared-ip). */
  readonly key: string;
  /** What is counted: the client network (user-networks) or the user (shared-ip). */
  readonly value: string;
}

export interface ConcurrencyFinding {
  readonly kind: ConcurrencyKind;
  readonly key: string;
  /** The distinct networks (or users) seen together, sorted. */
  readonly values: readonly string[];
  readonly first: number;
  readonly last: number;
  /** Per burst, the latest event of each value in a window that reached the threshold. */
  readonly eventIds: readonly number[];
}

export const CONCURRENCY_WINDOW_MS = 10 * 60_000;
export const CONCURRENCY_THRESHOLDS: Readonly<Record<ConcurrencyKind, number>> = Object.freeze({ 'user-networks': 2, 'shared-ip': 10 });

interface Burst {
  values: Set<string>;
  first: number;
  last: number;
  eventIds: Set<number>;
}

/**
 * The sliding window. Feed events ordered by key, then time; `push` returns the findings of the
 * keys it has finished, `end` those of the last key.
 */
export class ConcurrencyWindow {
  private key: string | null = null;
  private window: ConcurrencyEvent[] = [];
  private head = 0;
  /** Per value in the window: how many of its events are in it, and the latest one. */
  private counts = new Map<string, { n: number; latest: ConcurrencyEvent }>();
  private hot = false;
  private bursts: Burst[] = [];

  constructor(
    readonly kind: ConcurrencyKind,
    private readonly threshold = CONCURRENCY_THRESHOLDS[kind],
    private readonly windowMs = CONCURRENCY_WINDOW_MS,
  ) {}

  push(event: ConcurrencyEvent): ConcurrencyFinding[] {
    const done = event.key === this.key ? [] : this.end();
    this.key = event.key;
    while (this.head < this.window.length && this.window[this.head]!.t < event.t - this.windowMs) {
      const old = this.window[this.head++]!;
      const count = this.counts.get(old.value)!;
      if (--count.n === 0) this.counts.delete(old.value);
    }
    if (this.head > 1024 && this.head * 2 > this.window.length) {
      this.window = this.window.slice(this.head);
      this.head = 0;
    }
    this.window.push(event);
    const count = this.counts.get(event.value);
    if (count) {
      count.n += 1;
      count.latest = event;
    } else this.counts.set(event.value, { n: 1, latest: event });

    if (this.counts.size < this.threshold) {
      this.hot = false;
      return done;
    }
    const start = this.window[this.head]!.t;
    // A window that overlaps the previous burst extends it; otherwise a new burst begins.
    let burst = this.bursts.at(-1);
    const fresh = !burst || burst.last < start;
    if (fresh || !burst) this.bursts.push((burst = { values: new Set(), first: event.t, last: event.t, eventIds: new Set() }));
    burst.last = event.t;
    // Reaching the threshold brings in every value of the window; staying above it, only the newcomer.
    const added = this.hot && !fresh ? [event] : [...this.counts.values()].map((c) => c.latest);
    for (const e of added) {
      burst.values.add(e.value);
      burst.eventIds.add(e.id);
      burst.first = Math.min(burst.first, e.t);
    }
    this.hot = true;
    return done;
  }

  end(): ConcurrencyFinding[] {
    const key = this.key;
    const findings = key === null ? [] : this.bursts.map((b) => ({ kind: this.kind, key, values: [...b.values].sort(), first: b.first, last: b.last, eventIds: [...b.eventIds].sort((x, y) => x - y) }));
    this.key = null;
    this.window = [];
    this.head = 0;
    this.counts = new Map();
    this.hot = false;
    this.bursts = [];
    return findings;
  }
}

/** A user's event from a client address, keyed for `kind`: networks per user, or users per address. */
export function concurrencyEvent(kind: ConcurrencyKind, e: { id: number; t: number; user: string; ip: string }): ConcurrencyEvent {
  return kind === 'user-networks' ? { id: e.id, t: e.t, key: e.user, value: networkOf(e.ip) ?? e.ip } : { id: e.id, t: e.t, key: e.ip, value: e.user };
}

/** The pure form: events ordered by key, then time. */
export function detectConcurrency(events: Iterable<ConcurrencyEvent>, kind: ConcurrencyKind, threshold?: number, windowMs?: number): ConcurrencyFinding[] {
  const window = new ConcurrencyWindow(kind, threshold, windowMs);
  const findings: ConcurrencyFinding[] = [];
  for (const event of events) findings.push(...window.push(event));
  findings.push(...window.end());
  return findings;
}

const PAGE = 200_000;

/** Both kinds over the store's SSLVPN LOGIN and TCPCONNSTAT events. */
export async function findConcurrency(store: EventStore, options: { pageSize?: number } = {}): Promise<ConcurrencyFinding[]> {
  const findings: ConcurrencyFinding[] = [];
  for (const kind of ['user-networks', 'shared-ip'] as const) {
    const window = new ConcurrencyWindow(kind);
    for await (const event of sessionEvents(store, kind, options.pageSize ?? PAGE)) findings.push(...window.push(event));
    findings.push(...window.end());
  }
  return findings;
}

/**
 * The events of the keys that can reach the threshold, ordered by (key, time, id). The engine
 * first counts per key how many distinct addresses (users) it ever had: a user with one address,
 * an address with fewer than ten users can never fire, and most keys are such. The rest are read
 * in batches of whole keys of about `pageSize` events each — one scan per batch, not per page.
 */
async function* sessionEvents(store: EventStore, kind: ConcurrencyKind, pageSize: number): AsyncGenerator<ConcurrencyEvent> {
  const address = coalesce(col('source.ip'), col('network.forwarded_ip'));
  const key = kind === 'user-networks' ? col('user.name') : address;
  const counted = kind === 'user-networks' ? address : col('user.name');
  const t = epochMs(col('@timestamp'));
  const id = col('event.id');
  const scope = and(
    eq(col('event.dataset'), val('netscaler.syslog')),
    isIn(col('event.action'), ['sslvpn.login', 'sslvpn.tcpconnstat']),
    not(isNull(col('@timestamp'))),
    not(isNull(col('user.name'))),
    not(isNull(address)),
  );
  const keys = await store.query(
    select({ from: 'events', columns: [{ expr: key, as: 'key' }, { expr: countDistinct(counted), as: 'values' }, { expr: count(), as: 'events' }], where: scope, groupBy: [key], orderBy: [{ expr: key }] }),
  );
  const candidates = keys.filter((k) => Number(k['values']) >= CONCURRENCY_THRESHOLDS[kind]);
  for (let i = 0; i < candidates.length; ) {
    const batch: string[] = [];
    let events = 0;
    while (i < candidates.length && (batch.length === 0 || events + Number(candidates[i]!['events']) <= pageSize)) {
      batch.push(String(candidates[i]!['key']));
      events += Number(candidates[i++]!['events']);
    }
    const rows = await store.query(
      select({
        from: 'events',
        columns: [
          { expr: id, as: 'id' },
          { expr: t, as: 't' },
          { expr: col('user.name'), as: 'user' },
          { expr: address, as: 'ip' },
        ],
        where: and(scope, isIn(key, batch)),
        orderBy: [{ expr: key }, { expr: t }, { expr: id }],
      }),
    );
    for (const r of rows) yield concurrencyEvent(kind, { id: Number(r['id']), t: Number(r['t']), user: String(r['user']), ip: String(r['ip']) });
  }
}

/** The rule as the hunt reports it; `where` selects the judged events by id. */
export function concurrencyRule(eventIds: readonly number[], kind: ConcurrencyKind): DetectionRule {
  return kind === 'user-networks'
    ? {
        id: 'NS-R5-user-networks',
        title: 'VPN user active from two or more networks within ten minutes',
        ruleset: 'netscaler',
        level: 'medium',
        verdict: 'REVIEW',
        confidence: 'medium',
        rationale: 'One account used from two networks at once: shared credentials, or a stolen session next to its owner. Read with NS-R1 and NS-R4 on the same appliance.',
        where: isIn(col('event.id'), eventIds),
      }
    : {
        id: 'NS-R5-shared-ip',
        title: 'One client address used by ten or more VPN users within ten minutes',
        ruleset: 'netscaler',
        level: 'low',
        verdict: 'REVIEW',
        confidence: 'low',
        rationale: 'Many accounts from one address at once: an attacker replaying stolen sessions or credentials — but NAT can explain this (office, carrier-grade NAT, proxy).',
        where: isIn(col('event.id'), eventIds),
      };
}
