import type { Footprint } from '../detection/footprint.js';
import type { EventStore, Row } from '../store/event-store.js';
import { type Expr, and, coalesce, col, compare, count, epochMs, eq, isIn, lower, max, not, or, select, val } from '../store/query-node.js';
import { type HijackSpan, hijackSpans } from './session-attribution.js';
import type { TouchedRecord } from './touched-records.js';

/**
 * Possible exfiltration (issue 6 §3): outbound transfers in the flow logs (proxy, firewall) by the
 * footprint — from a footprint address at any time, or from a hijacked VPN session's NAT address
 * during the theft — that stand out against the source's own history:
 *
 * - *volume*: more than VOLUME_FACTOR times the largest upload the same source or user made before
 *   (and at least MIN_VOLUME_BYTES), or
 * - *new destination*: an address no flow in custody reached before, with at least MIN_NEW_BYTES.
 *
 * A transfer through a hijacked session's address may be the owner's own; it is the footprint's
 * when the gateway logged a connection of that session from a footprint address that was open at
 * the flow's start and sent at least as many bytes (TCPCONNSTAT), and *ambiguous* otherwise.
 * Categories are attributed by timing: those the same footprint entity read before the transfer.
 * Always labelled *possible*: flow logs carry no content, and low-and-slow transfers stay under any
 * threshold (exposure reference §4) — this raises confidence, it never proves absence.
 */

export const VOLUME_FACTOR = 5;
export const MIN_VOLUME_BYTES = 10_000_000;
export const MIN_NEW_BYTES = 1_000_000;

export interface PossibleTransfer {
  readonly label: 'possible exfiltration';
  readonly time: string;
  readonly source: string;
  readonly destination: string;
  readonly port: number | null;
  readonly url: string | null;
  readonly user: string | null;
  readonly device: string | null;
  readonly bytesOut: number;
  readonly bytesIn: number;
  readonly via: string;
  /** `system`: egress of a system that holds the category (system-reach.ts), not tied to the footprint. */
  readonly attribution: 'footprint' | 'ambiguous' | 'system';
  readonly reasons: readonly string[];
  /** The gateway connection that carried it, when one did: `session S from IP sent N bytes (file:line)`. */
  readonly corroboration: string | null;
  /** Categories the same footprint entity read before the transfer. */
  readonly categories: readonly string[];
  readonly file: string;
  readonly line: number;
}

const FLOW = eq(col('event.dataset'), val('network.flow'));
/** Flows a device let through: any action but a refusal, a flow without an action included. */
export const ALLOWED = not(isIn(lower(coalesce(col('event.action'), val(''))), ['denied', 'deny', 'blocked', 'block', 'drop', 'dropped', 'reject', 'rejected']));
const ms = (op: '>=' | '<=' | '<', t: number) => compare(op, epochMs(col('@timestamp')), val(t));
const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
const MB = (n: number) => `${(n / 1_000_000).toFixed(1)} MB`;

interface Scope {
  readonly via: string;
  readonly where: Expr;
  readonly from: number;
  readonly session: string | null;
}

/** `spans`: the hijacked sessions' thefts when the caller has them already (accessScopes carries them); found here otherwise. */
export async function possibleExfiltration(store: EventStore, print: Footprint, touched: readonly TouchedRecord[], spans?: readonly HijackSpan[]): Promise<PossibleTransfer[]> {
  const addresses = print.entities.filter((e) => e.kind === 'address').map((e) => e.value);
  const sessions = print.entities.filter((e) => e.kind === 'session').map((e) => e.value);
  const scopes: Scope[] = addresses.map((a) => ({ via: `address ${a}`, where: eq(col('source.ip'), val(a)), from: Date.parse(print.entities.find((e) => e.value === a)?.first ?? '') || 0, session: null }));
  for (const span of spans ?? (await hijackSpans(store, sessions, addresses))) {
    scopes.push({ via: `session ${span.session}`, where: and(eq(col('source.ip'), val(span.nat)), ms('>=', span.from), ms('<=', span.to)), from: span.from, session: span.session });
  }
  const out: PossibleTransfer[] = [];
  // Anything of size sent to an attacker's address is a possible transfer, from whichever source.
  if (addresses.length > 0) {
    const toAttacker = await store.query(
      select({ from: 'events', columns: FLOW_COLUMNS, where: and(FLOW, isIn(col('destination.ip'), addresses), compare('>=', col('source.bytes'), val(MIN_NEW_BYTES)), ALLOWED), orderBy: [{ expr: col('@timestamp') }] }),
    );
    for (const flow of toAttacker) out.push(transferOf(flow, { via: `address ${String(flow['dst'])}`, attribution: 'footprint', reasons: [`to an attacker's address (footprint): ${MB(num(flow['out']))} out`], corroboration: null, categories: [] }));
  }
  for (const scope of scopes) {
    const flows = await store.query(
      select({
        from: 'events',
        columns: FLOW_COLUMNS,
        where: and(FLOW, scope.where, compare('>=', col('source.bytes'), val(MIN_NEW_BYTES)), ALLOWED),
        orderBy: [{ expr: col('@timestamp') }],
      }),
    );
    for (const flow of flows) {
      const reasons = await standsOut(store, flow, scope.from);
      if (reasons.length === 0) continue;
      const corroboration = scope.session === null ? null : await carriedBy(store, scope.session, addresses, flow);
      const t = Number(flow['t']);
      const categories = [...new Set(touched.filter((r) => r.via === scope.via && r.attribution === 'footprint' && Date.parse(r.first) < t && r.category !== null).map((r) => r.category!))].sort();
      out.push(transferOf(flow, { via: scope.via, attribution: scope.session === null || corroboration !== null ? 'footprint' : 'ambiguous', reasons, corroboration, categories }));
    }
  }
  // A flow both from a hijacked address and to an attacker's is listed once, with the richer finding.
  const unique = new Map<string, PossibleTransfer>();
  for (const t of out) {
    const key = `${t.file}:${t.line}`;
    const seen = unique.get(key);
    if (!seen || t.reasons.length + t.categories.length > seen.reasons.length + seen.categories.length) unique.set(key, t);
  }
  return [...unique.values()].sort((a, b) => a.time.localeCompare(b.time));
}

export const FLOW_COLUMNS = [
  { expr: epochMs(col('@timestamp')), as: 't' },
  { expr: col('source.ip'), as: 'src' },
  { expr: col('destination.ip'), as: 'dst' },
  { expr: col('destination.port'), as: 'port' },
  { expr: col('url.original'), as: 'url' },
  { expr: col('user.name'), as: 'user' },
  { expr: col('host.name'), as: 'device' },
  { expr: col('source.bytes'), as: 'out' },
  { expr: col('destination.bytes'), as: 'in' },
  { expr: col('log.file.path'), as: 'file' },
  { expr: col('weerbaar.line'), as: 'line' },
];

/** Why a flow stands out against its source's and user's history before `since`, and the organisation's destinations. */
export async function standsOut(store: EventStore, flow: Row, since: number): Promise<string[]> {
  const out = num(flow['out']);
  const src = String(flow['src']);
  const user = str(flow['user']);
  const who = user !== null ? or(eq(col('source.ip'), val(src)), eq(col('user.name'), val(user))) : eq(col('source.ip'), val(src));
  const [history] = await store.query(select({ from: 'events', columns: [{ expr: max(col('source.bytes')), as: 'largest' }, { expr: count(), as: 'flows' }], where: and(FLOW, who, ms('<', since)) }));
  const [seen] = await store.query(select({ from: 'events', columns: [{ expr: count(), as: 'n' }], where: and(FLOW, eq(col('destination.ip'), val(String(flow['dst']))), ms('<', Number(flow['t']))) }));
  const reasons: string[] = [];
  const largest = num(history?.['largest']);
  if (out >= MIN_VOLUME_BYTES && out > VOLUME_FACTOR * largest) {
    reasons.push(num(history?.['flows']) === 0 ? `volume: ${MB(out)} out, and no earlier flows of this source or user to compare with` : `volume: ${MB(out)} out, ${(out / Math.max(1, largest)).toFixed(0)}× the largest earlier upload of this source or user (${MB(largest)})`);
  }
  if (flow['dst'] !== null && num(seen?.['n']) === 0) reasons.push(`new destination: no flow in custody reached ${String(flow['dst'])} before`);
  return reasons;
}

export function transferOf(flow: Row, found: Pick<PossibleTransfer, 'via' | 'attribution' | 'reasons' | 'corroboration' | 'categories'>): PossibleTransfer {
  return {
    label: 'possible exfiltration',
    time: new Date(Number(flow['t'])).toISOString(),
    source: String(flow['src']),
    destination: String(flow['dst']),
    port: flow['port'] === null ? null : Number(flow['port']),
    url: str(flow['url']),
    user: str(flow['user']),
    device: str(flow['device']),
    bytesOut: num(flow['out']),
    bytesIn: num(flow['in']),
    ...found,
    file: String(flow['file']),
    line: Number(flow['line']),
  };
}

/** The gateway connection of the hijacked session, from a footprint address, that carried this flow. */
async function carriedBy(store: EventStore, session: string, addresses: readonly string[], flow: Row): Promise<string | null> {
  const t = Number(flow['t']);
  const rows = await store.query(
    select({
      from: 'events',
      columns: [{ expr: col('source.ip'), as: 'ip' }, { expr: col('source.bytes'), as: 'sent' }, { expr: col('log.file.path'), as: 'file' }, { expr: col('weerbaar.line'), as: 'line' }],
      where: and(
        eq(col('event.dataset'), val('netscaler.syslog')),
        eq(col('weerbaar.session_id'), val(session)),
        isIn(col('source.ip'), addresses),
        compare('<=', epochMs(col('event.start')), val(t)),
        compare('>=', epochMs(col('event.end')), val(t)),
        compare('>=', col('source.bytes'), val(num(flow['out']))),
      ),
      orderBy: [{ expr: col('weerbaar.line') }],
      limit: 1,
    }),
  );
  const c = rows[0];
  return c ? `gateway connection of session ${session} from ${String(c['ip'])} open at the flow's start sent ${MB(num(c['sent']))} (${String(c['file'])}:${String(c['line'])})` : null;
}
