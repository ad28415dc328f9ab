import type { EventStore } from '../store/event-store.js';
import { type Expr, and, col, count, epochMs, eq, exists, isIn, max, min, or, select, val } from '../store/query-node.js';

/**
 * The attacker's footprint (issue 5 §5): source addresses, sessions, accounts and user agents, with
 * first and last seen, derived from detections and one pivot step.
 *
 * - From detections: COMPROMISE detections give their address, session and account (a hijacked
 *   session names its victim's account: that account's session was the attacker's). ATTEMPT
 *   detections give only their address: the user name of an attempt is attacker-supplied text
 *   (CitrixBleed-2 leaks memory into it), not an account. REVIEW and INFO give nothing until an
 *   analyst confirms an entity.
 * - Pivot: every event from a footprint address adds its session and user agent, and a successful
 *   login from it adds the account. Sessions are not pivoted back to addresses: a stolen session
 *   also carries its legitimate user's own connections.
 * - Analysts confirm (always in, even if no rule found it) or exclude (never in) entities; the
 *   latest decision per entity holds. Excluded entities are listed apart, with the reason.
 * First/last seen and event counts come from all events naming the entity, not only detections.
 */

export type EntityKind = 'address' | 'session' | 'account' | 'user_agent';
export const ENTITY_KINDS: readonly EntityKind[] = ['address', 'session', 'account', 'user_agent'];

const COLUMN: Readonly<Record<EntityKind, string>> = {
  address: 'source.ip',
  session: 'weerbaar.session_id',
  account: 'user.name',
  user_agent: 'user_agent.original',
};

export interface FootprintEntity {
  readonly kind: EntityKind;
  readonly value: string;
  /** How it entered: a detection (with the rules), a pivot from another entity, or an analyst. */
  readonly via: 'detection' | 'pivot' | 'analyst';
  readonly rules: readonly string[];
  readonly first: string | null;
  readonly last: string | null;
  readonly events: number;
  readonly decision: Decision | null;
}

export interface Decision {
  readonly kind: EntityKind;
  readonly value: string;
  readonly decision: 'confirmed' | 'excluded';
  readonly reason: string;
  readonly actor: string;
  readonly at: string;
}

export interface Footprint {
  readonly entities: readonly FootprintEntity[];
  readonly excluded: readonly FootprintEntity[];
}

const key = (kind: EntityKind, value: string) => `${kind}\u0000${value}`;
const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(Number(v)).toISOString());

export async function deriveFootprint(store: EventStore, decisions: readonly Decision[], options: { scope?: Expr } = {}): Promise<Footprint> {
  const found = new Map<string, { kind: EntityKind; value: string; via: FootprintEntity['via']; rules: Set<string> }>();
  const add = (kind: EntityKind, value: unknown, via: FootprintEntity['via'], rule?: string) => {
    if (typeof value !== 'string' || value === '') return;
    const k = key(kind, value);
    const known = found.get(k) ?? { kind, value, via, rules: new Set<string>() };
    if (rule) known.rules.add(rule);
    found.set(k, known);
  };
  const detections = await store.query(
    select({
      from: 'detections',
      columns: [
        { expr: col('rule.id'), as: 'rule' },
        { expr: col('weerbaar.verdict'), as: 'verdict' },
        { expr: col('source.ip'), as: 'address' },
        { expr: col('weerbaar.session_id'), as: 'session' },
        { expr: col('user.name'), as: 'account' },
      ],
      where: isIn(col('weerbaar.verdict'), ['COMPROMISE', 'ATTEMPT']),
      groupBy: [col('rule.id'), col('weerbaar.verdict'), col('source.ip'), col('weerbaar.session_id'), col('user.name')],
    }),
  );
  for (const d of detections) {
    const rule = String(d['rule']);
    add('address', d['address'], 'detection', rule);
    if (d['verdict'] === 'COMPROMISE') {
      add('session', d['session'], 'detection', rule);
      add('account', d['account'], 'detection', rule);
    }
  }
  const latest = latestDecisions(decisions);
  for (const decision of latest.values()) if (decision.decision === 'confirmed') add(decision.kind, decision.value, 'analyst');
  const excludedKeys = new Set([...latest.values()].filter((d) => d.decision === 'excluded').map((d) => key(d.kind, d.value)));
  const addresses = [...found.values()].filter((e) => e.kind === 'address' && !excludedKeys.has(key(e.kind, e.value))).map((e) => e.value);
  if (addresses.length > 0) {
    const fromAddresses = isIn(col('source.ip'), addresses);
    const pivots = await store.query(
      select({
        from: 'events',
        columns: [
          { expr: col('weerbaar.session_id'), as: 'session' },
          { expr: col('user_agent.original'), as: 'agent' },
          { expr: col('event.action'), as: 'action' },
          { expr: col('event.outcome'), as: 'outcome' },
          { expr: col('user.name'), as: 'account' },
        ],
        where: and(fromAddresses, ...(options.scope ? [options.scope] : []), or(exists(col('weerbaar.session_id')), exists(col('user_agent.original')), eq(col('event.action'), val('sslvpn.login')))),
        groupBy: [col('weerbaar.session_id'), col('user_agent.original'), col('event.action'), col('event.outcome'), col('user.name')],
      }),
    );
    for (const p of pivots) {
      add('session', p['session'], 'pivot');
      add('user_agent', p['agent'], 'pivot');
      if (p['action'] === 'sslvpn.login' && p['outcome'] !== 'failure') add('account', p['account'], 'pivot');
    }
  }
  const entities: FootprintEntity[] = [];
  const excluded: FootprintEntity[] = [];
  const seen = await seenStats(store, [...found.values()], options.scope);
  for (const e of found.values()) {
    const k = key(e.kind, e.value);
    const stats = seen.get(k);
    const entity: FootprintEntity = { kind: e.kind, value: e.value, via: e.via, rules: [...e.rules].sort(), first: stats?.first ?? null, last: stats?.last ?? null, events: stats?.events ?? 0, decision: latest.get(k) ?? null };
    (excludedKeys.has(k) ? excluded : entities).push(entity);
  }
  const order = (a: FootprintEntity, b: FootprintEntity) => ENTITY_KINDS.indexOf(a.kind) - ENTITY_KINDS.indexOf(b.kind) || (a.first ?? '').localeCompare(b.first ?? '') || a.value.localeCompare(b.value);
  return { entities: entities.sort(order), excluded: excluded.sort(order) };
}

export function latestDecisions(decisions: readonly Decision[]): Map<string, Decision> {
  const latest = new Map<string, Decision>();
  for (const d of [...decisions].sort((a, b) => a.at.localeCompare(b.at))) latest.set(key(d.kind, d.value), d);
  return latest;
}

/** First/last seen and event count per entity: one grouped query per kind. */
async function seenStats(store: EventStore, entities: readonly { kind: EntityKind; value: string }[], scope?: Expr): Promise<Map<string, { first: string | null; last: string | null; events: number }>> {
  const stats = new Map<string, { first: string | null; last: string | null; events: number }>();
  for (const kind of ENTITY_KINDS) {
    const values = entities.filter((e) => e.kind === kind).map((e) => e.value);
    if (values.length === 0) continue;
    const column = col(COLUMN[kind]);
    const rows = await store.query(
      select({
        from: 'events',
        columns: [
          { expr: column, as: 'value' },
          { expr: epochMs(min(col('@timestamp'))), as: 'first' },
          { expr: epochMs(max(col('@timestamp'))), as: 'last' },
          { expr: count(), as: 'events' },
        ],
        where: scope ? and(isIn(column, values), scope) : isIn(column, values),
        groupBy: [column],
      }),
    );
    for (const r of rows) stats.set(key(kind, String(r['value'])), { first: iso(r['first']), last: iso(r['last']), events: Number(r['events']) });
  }
  return stats;
}
