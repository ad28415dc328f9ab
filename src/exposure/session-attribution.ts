import type { EventStore } from '../store/event-store.js';
import { type Expr, and, col, compare, epochMs, eq, isIn, isNull, max, min, not, or, select, val } from '../store/query-node.js';

/**
 * Whose are the application accesses that came through a hijacked VPN session? The applications
 * see the session's intranet address (the gateway's NAT address), which the owner used as well.
 *
 * - Application sessions the owner opened before the thief's first use (the first event of the VPN
 *   session from a footprint address) stay the owner's.
 * - Of those opened later, up to the VPN session's end: when the audit records the client's user
 *   agent, a session whose agent the owner's own work never showed before the theft is the
 *   thief's (a different browser replaying the stolen cookie); one whose agents all match the
 *   owner's earlier work is *ambiguous*: the owner working on, or a thief imitating their browser.
 *   Ambiguous accesses are listed, never silently dropped, and keep a category's verdict open.
 * - Without recorded agents, or without an earlier baseline, every later session is the thief's:
 *   the exposure errs on the side of "touched".
 */

/**
 * `footprint`: the attacker's; `ambiguous`: through a hijacked session's address in the owner's
 * browser; `exposed-account`: by an account whose credentials were exposed (its owner, or whoever
 * held them).
 */
export type Attribution = 'footprint' | 'ambiguous' | 'exposed-account';

export interface AccessScope {
  /** The footprint entity; `address` scopes name theirs per row, from `source.ip`. */
  readonly via: string;
  readonly where: Expr;
  readonly attribution: Attribution;
  /** Several addresses in one scan: the entity of each row is `address <source.ip>`. */
  readonly perAddress?: boolean;
  /** A hijacked session's scope: its theft, so that later questions (exfiltration) need not find it again. */
  readonly span?: HijackSpan;
}

const DATA_ACCESS = eq(col('event.dataset'), val('app.data_access'));
const at = (op: '>=' | '<=' | '<', ms: number) => compare(op, epochMs(col('@timestamp')), val(ms));

/** A hijacked VPN session's theft: its NAT address, from the thief's first use to the session's last event. */
export interface HijackSpan {
  readonly session: string;
  readonly nat: string;
  readonly from: number;
  readonly to: number;
}

export async function hijackSpans(store: EventStore, sessions: readonly string[], addresses: readonly string[]): Promise<HijackSpan[]> {
  if (sessions.length === 0 || addresses.length === 0) return [];
  const vpn = and(eq(col('event.dataset'), val('netscaler.syslog')), isIn(col('weerbaar.session_id'), sessions));
  const spans = await store.query(
    select({
      from: 'events',
      columns: [{ expr: col('weerbaar.session_id'), as: 'session' }, { expr: col('source.nat.ip'), as: 'nat' }, { expr: epochMs(max(col('@timestamp'))), as: 'end' }],
      where: vpn,
      groupBy: [col('weerbaar.session_id'), col('source.nat.ip')],
    }),
  );
  const uses = await store.query(
    select({
      from: 'events',
      columns: [{ expr: col('weerbaar.session_id'), as: 'session' }, { expr: epochMs(min(col('@timestamp'))), as: 't' }],
      where: and(vpn, isIn(col('source.ip'), addresses)),
      groupBy: [col('weerbaar.session_id')],
    }),
  );
  const firstUse = new Map(uses.map((u) => [String(u['session']), Number(u['t'])]));
  const endOf = new Map<string, number>();
  for (const s of spans) endOf.set(String(s['session']), Math.max(endOf.get(String(s['session'])) ?? 0, Number(s['end'])));
  const out: HijackSpan[] = [];
  for (const s of spans) {
    const session = String(s['session']);
    const from = firstUse.get(session);
    if (typeof s['nat'] === 'string' && from !== undefined) out.push({ session, nat: s['nat'], from, to: endOf.get(session)! });
  }
  return out;
}

export async function hijackedSessionScopes(store: EventStore, sessions: readonly string[], addresses: readonly string[]): Promise<AccessScope[]> {
  const scopes: AccessScope[] = [];
  for (const span of await hijackSpans(store, sessions, addresses)) {
    const { session, nat, from, to } = span;
    const through = and(DATA_ACCESS, eq(col('source.ip'), val(nat)));
    const opened = await store.query(
      select({
        from: 'events',
        columns: [{ expr: col('weerbaar.session_id'), as: 'app' }, { expr: col('user_agent.original'), as: 'agent' }, { expr: epochMs(min(col('@timestamp'))), as: 't' }],
        where: through,
        groupBy: [col('weerbaar.session_id'), col('user_agent.original')],
      }),
    );
    const baseline = await ownerAgents(store, nat, from);
    const apps = new Map<string, { t: number; agents: Set<string | null> }>();
    for (const o of opened) {
      if (o['app'] === null) continue;
      const app = apps.get(String(o['app'])) ?? { t: Infinity, agents: new Set<string | null>() };
      app.t = Math.min(app.t, Number(o['t']));
      app.agents.add(typeof o['agent'] === 'string' ? o['agent'] : null);
      apps.set(String(o['app']), app);
    }
    // A NAT address other VPN sessions used during the theft too (a shared SNIP rather than an
    // intranet address per session) cannot tell this session's accesses from theirs.
    const shared = await sharedBy(store, nat, session, from, to);
    const thief: string[] = [];
    const ambiguous: string[] = [];
    for (const [id, app] of apps) {
      if (app.t < from) continue; // opened by the owner before the theft
      const owners = shared || (baseline.size > 0 && [...app.agents].every((a) => a !== null && baseline.has(a)));
      (owners ? ambiguous : thief).push(id);
    }
    const inTheft = and(through, at('>=', from), at('<=', to));
    const via = shared ? `session ${session} (NAT address ${nat} shared with other sessions)` : `session ${session}`;
    if (thief.length > 0) scopes.push({ via, where: and(inTheft, isIn(col('weerbaar.session_id'), thief)), attribution: 'footprint', span });
    if (ambiguous.length > 0) scopes.push({ via, where: and(inTheft, isIn(col('weerbaar.session_id'), ambiguous)), attribution: 'ambiguous', span });
    // Accesses that name no application session cannot be split by session or browser: listed, never dropped.
    scopes.push({ via, where: and(inTheft, isNull(col('weerbaar.session_id'))), attribution: 'ambiguous', span });
  }
  return scopes;
}

async function sharedBy(store: EventStore, nat: string, session: string, from: number, to: number): Promise<boolean> {
  const rows = await store.query(
    select({
      from: 'events',
      columns: [{ expr: col('weerbaar.session_id'), as: 'session' }],
      where: and(eq(col('event.dataset'), val('netscaler.syslog')), eq(col('source.nat.ip'), val(nat)), at('>=', from), at('<=', to), not(isNull(col('weerbaar.session_id')))),
      groupBy: [col('weerbaar.session_id')],
      limit: 2,
    }),
  );
  return rows.some((r) => String(r['session']) !== session);
}

/** The user agents of the owner's own work before the theft: through this address, and by the same users anywhere. */
async function ownerAgents(store: EventStore, nat: string, before: number): Promise<Set<string>> {
  const earlier = and(DATA_ACCESS, at('<', before));
  const users = await store.query(select({ from: 'events', columns: [{ expr: col('user.name'), as: 'user' }], where: and(earlier, eq(col('source.ip'), val(nat))), groupBy: [col('user.name')] }));
  const names = users.map((u) => u['user']).filter((u): u is string => typeof u === 'string');
  const who = names.length > 0 ? or(eq(col('source.ip'), val(nat)), isIn(col('user.name'), names)) : eq(col('source.ip'), val(nat));
  const rows = await store.query(
    select({ from: 'events', columns: [{ expr: col('user_agent.original'), as: 'agent' }], where: and(earlier, who, not(eq(col('user_agent.original'), val('')))), groupBy: [col('user_agent.original')] }),
  );
  return new Set(rows.map((r) => r['agent']).filter((a): a is string => typeof a === 'string'));
}
