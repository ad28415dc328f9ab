import { isIPv4, isIPv6 } from 'node:net';
import type { EventStore } from '../store/event-store.js';
import { type Expr, and, col, count, epochMs, eq, exists, isIn, max, min, or, select, val } from '../store/query-node.js';

/**
 * The attacker's footprint (issue 5 §5): source addresses, sessions, accounts and user agents, with
 * first and last seen, derived from detections and one pivot step.
 *
 * - From detections: COMPROMISE detections give their address (external only: internal addresses
 *   are our own systems), session and account (a hijacked
 *   session names its victim's account: that account's session was the attacker's). ATTEMPT
 *   detections give only their address: the user name of an attempt is attacker-supplied text
 *   (CitrixBleed-2 leaks memory into it), not an account. REVIEW and INFO give nothing until an
 *   analyst confirms an entity.
 * - A COMPROMISE detection in the appliance's shell history gives its shell process (host, pid):
 *   the attacker's other commands in that shell are theirs too (`id`, `uname -a` say nothing alone).
 * - Pivot: every event from a footprint address adds its session and user agent, and a successful
 *   login from it adds the account. Sessions are not pivoted back to addresses: a stolen session
 *   also carries its legitimate user's own connections.
 * - Analysts confirm (always in, even if no rule found it) or exclude (never in) entities; the
 *   latest decision per entity holds. Excluded entities are listed apart, with the reason.
 * First/last seen and event counts come from all events naming the entity, not only detections.
 */

export type EntityKind = 'address' | 'session' | 'account' | 'user_agent' | 'process';
export const ENTITY_KINDS: readonly EntityKind[] = ['address', 'session', 'account', 'user_agent', 'process'];

/** The column naming each kind; a process is `<host> pid <pid>` on the appliance's shell log. */
const COLUMN: Readonly<Record<Exclude<EntityKind, 'process'>, string>> = {
  address: 'source.ip',
  session: 'weerbaar.session_id',
  account: 'user.name',
  user_agent: 'user_agent.original',
};

export const processValue = (host: string, pid: number): string => `${host} pid ${pid}`;
const PROCESS = /^(.*) pid (\d+)$/;

/** Events of the footprint's shell processes: same host, same pid, in the shell history. */
export function processEvents(values: readonly string[]): Expr | null {
  const parts = values.flatMap((v) => {
    const m = PROCESS.exec(v);
    return m ? [and(eq(col('host.name'), val(m[1]!)), eq(col('process.pid'), val(Number(m[2]))))] : [];
  });
  return parts.length === 0 ? null : and(eq(col('event.dataset'), val('netscaler.shell')), or(...parts));
}

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
        { expr: col('event.dataset'), as: 'dataset' },
      ],
      where: isIn(col('weerbaar.verdict'), ['COMPROMISE', 'ATTEMPT']),
      groupBy: [col('rule.id'), col('weerbaar.verdict'), col('source.ip'), col('weerbaar.session_id'), col('user.name'), col('event.dataset')],
    }),
  );
  for (const shell of await compromisedShells(store)) add('process', shell.value, 'detection', shell.rule);
  for (const d of detections) {
    const rule = String(d['rule']);
    // Our own internal addresses (a VPN pool address the stolen session used, the source of a flow
    // to an indicator's destination) are not the attacker's sources: the session stands for them.
    if (typeof d['address'] !== 'string' || !isInternalAddress(d['address'])) add('address', d['address'], 'detection', rule);
    if (d['verdict'] === 'COMPROMISE') {
      // A footprint session is a gateway (VPN) session; an application's session id (a honey
      // record opened in the registry) is found through the gateway session that carried it.
      if (String(d['dataset']).startsWith('netscaler.')) add('session', d['session'], 'detection', rule);
      // The appliance's shell runs as root: the shell process is the entity, not the local superuser.
      if (d['dataset'] !== 'netscaler.shell') add('account', d['account'], 'detection', rule);
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

/** Private, shared, loopback and link-local ranges (RFC 1918, 6598, 4193, 4291): our side of the network. */
export function isInternalAddress(address: string): boolean {
  if (isIPv4(address)) {
    const [a = 0, b = 0] = address.split('.').map(Number);
    return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254);
  }
  if (isIPv6(address)) {
    const head = address.toLowerCase();
    return head === '::1' || /^f[cd][0-9a-f]{0,2}:/.test(head) || /^fe[89ab][0-9a-f]?:/.test(head);
  }
  return false;
}

export function latestDecisions(decisions: readonly Decision[]): Map<string, Decision> {
  const latest = new Map<string, Decision>();
  for (const d of [...decisions].sort((a, b) => a.at.localeCompare(b.at))) latest.set(key(d.kind, d.value), d);
  return latest;
}

/** The shell processes (host, pid) of COMPROMISE detections in the shell history, with their rule. */
async function compromisedShells(store: EventStore): Promise<{ value: string; rule: string }[]> {
  const hits = await store.query(
    select({
      from: 'detections',
      columns: [
        { expr: col('weerbaar.evidence_sha256'), as: 'sha' },
        { expr: col('log.offset'), as: 'offset' },
        { expr: col('rule.id'), as: 'rule' },
      ],
      where: and(eq(col('weerbaar.verdict'), val('COMPROMISE')), eq(col('event.dataset'), val('netscaler.shell'))),
      groupBy: [col('weerbaar.evidence_sha256'), col('log.offset'), col('rule.id')],
      limit: 1000,
    }),
  );
  if (hits.length === 0) return [];
  const events = await store.query(
    select({
      from: 'events',
      columns: [
        { expr: col('host.name'), as: 'host' },
        { expr: col('process.pid'), as: 'pid' },
        { expr: col('weerbaar.evidence_sha256'), as: 'sha' },
        { expr: col('log.offset'), as: 'offset' },
      ],
      where: or(...hits.map((h) => and(eq(col('weerbaar.evidence_sha256'), val(h['sha'] as string)), eq(col('log.offset'), val(Number(h['offset'])))))),
    }),
  );
  const ruleOf = new Map(hits.map((h) => [`${String(h['sha'])}@${String(h['offset'])}`, String(h['rule'])]));
  return events.filter((e) => e['host'] !== null && e['pid'] !== null).map((e) => ({ value: processValue(String(e['host']), Number(e['pid'])), rule: ruleOf.get(`${String(e['sha'])}@${String(e['offset'])}`) ?? '' }));
}

/** First/last seen and event count per entity: one grouped query per kind. */
async function seenStats(store: EventStore, entities: readonly { kind: EntityKind; value: string }[], scope?: Expr): Promise<Map<string, { first: string | null; last: string | null; events: number }>> {
  const stats = new Map<string, { first: string | null; last: string | null; events: number }>();
  const processes = entities.filter((e) => e.kind === 'process').map((e) => e.value);
  const shellEvents = processEvents(processes);
  if (shellEvents) {
    const rows = await store.query(
      select({
        from: 'events',
        columns: [
          { expr: col('host.name'), as: 'host' },
          { expr: col('process.pid'), as: 'pid' },
          { expr: epochMs(min(col('@timestamp'))), as: 'first' },
          { expr: epochMs(max(col('@timestamp'))), as: 'last' },
          { expr: count(), as: 'events' },
        ],
        where: scope ? and(shellEvents, scope) : shellEvents,
        groupBy: [col('host.name'), col('process.pid')],
      }),
    );
    for (const r of rows) stats.set(key('process', processValue(String(r['host']), Number(r['pid']))), { first: iso(r['first']), last: iso(r['last']), events: Number(r['events']) });
  }
  for (const kind of ENTITY_KINDS) {
    if (kind === 'process') continue;
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
