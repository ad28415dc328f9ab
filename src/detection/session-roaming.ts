import { isIPv4, isIPv6 } from 'node:net';
import type { EventStore, Row } from '../store/event-store.js';
import { type Expr, and, col, count, epochMs, eq, isIn, isNull, min, not, or, select, val } from '../store/query-node.js';
import type { DetectionRule } from './detection-rule.js';

/**
 * NS-R4, session roaming (NetScaler reference §7.4, CERT.at's algorithm, upgraded): a VPN session
 * whose connections come from an address other than the one it logged in from may be a stolen
 * session token (CitrixBleed). Steps:
 * 1. sessions are keyed by (appliance, SessionId, user);
 * 2. the login address is the LOGIN's Client_ip (X-Forwarded-For when Client_ip is empty);
 * 3. every TCPCONNSTAT/UDPFLOWSTAT/ICA connection of the session whose source address differs is a
 *    roam;
 * 4. a roam is cleared when its network (/24 for IPv4, /48 for IPv6) has seen a successful login by
 *    anyone — staff moving between home and phone networks log in from both;
 * 5. what remains is REVIEW; it becomes COMPROMISE (medium confidence) when the same appliance saw
 *    CitrixBleed-2 attempts (NS-R1) in the 24 hours before the first roam.
 * Sessions whose LOGIN lies outside the logs are not judged here (no login address to compare).
 *
 * Stateful, so code rather than a row predicate: the engine groups the session events by session
 * and source address, the judgement is made here on those groups, and the roaming connections are
 * copied into `detections` by a predicate naming their sessions and addresses.
 */

const CONNECTIONS = ['sslvpn.tcpconnstat', 'sslvpn.udpflowstat', 'sslvpn.icastart', 'sslvpn.icaend_connstat'];
const DAY = 86_400_000;

export function networkOf(address: string): string | null {
  if (isIPv4(address)) return `${address.split('.').slice(0, 3).join('.')}.0/24`;
  if (isIPv6(address)) {
    const [head = '', tail = ''] = address.toLowerCase().split('::');
    const left = head ? head.split(':') : [];
    const right = tail ? tail.split(':') : [];
    const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
    return `${groups.slice(0, 3).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/48`;
  }
  return null;
}

export interface RoamingFinding {
  readonly host: string;
  readonly sessionId: string;
  readonly user: string;
  readonly loginIp: string;
  readonly roamedTo: readonly string[];
  /** Connection events from the roamed-to addresses. */
  readonly connections: number;
  readonly firstRoam: number;
  readonly escalated: boolean;
  /** Selects those connection events (for the detections). */
  readonly where: Expr;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const same = (column: string, value: string | null): Expr => (value === null ? isNull(col(column)) : eq(col(column), val(value)));

/**
 * Judges the sessions; NS-R1 hits of hunt `huntId` (already run) decide the escalation. The engine
 * aggregates: JavaScript sees one row per login and one per (session, source address), never
 * the connection events themselves, so memory follows the number of sessions, not of events.
 */
export async function findSessionRoaming(store: EventStore, huntId: string): Promise<RoamingFinding[]> {
  const keyColumns = ['host.name', 'weerbaar.session_id', 'user.name', 'source.ip', 'network.forwarded_ip'];
  const grouped = (actions: readonly string[]) =>
    store.query(
      select({
        from: 'events',
        columns: [
          ...keyColumns.map((name, i) => ({ expr: col(name), as: `k${i}` })),
          { expr: epochMs(min(col('@timestamp'))), as: 't' },
          { expr: count(), as: 'n' },
        ],
        where: and(eq(col('event.dataset'), val('netscaler.syslog')), not(isNull(col('weerbaar.session_id'))), isIn(col('event.action'), actions)),
        groupBy: keyColumns.map((name) => col(name)),
        orderBy: [{ expr: epochMs(min(col('@timestamp'))) }],
      }),
    );
  const logins = await grouped(['sslvpn.login']);
  const connections = await grouped(CONNECTIONS);
  const attempts = await store.query(
    select({
      from: 'detections',
      columns: [{ expr: col('host.name'), as: 'host' }, { expr: epochMs(col('@timestamp')), as: 't' }],
      where: and(eq(col('rule.id'), val('NS-R1')), eq(col('weerbaar.hunt_id'), val(huntId))),
    }),
  );
  const sessionKey = (r: Row) => `${String(r['k0'])}\u0000${String(r['k1'])}\u0000${String(r['k2'])}`;
  const addressOf = (r: Row) => text(r['k3']) ?? text(r['k4']);
  const loginNetworks = new Set<string>();
  const loginIp = new Map<string, string>();
  for (const r of logins) {
    const ip = addressOf(r);
    if (!ip) continue;
    // Rows come in time order: the first login of a session gives its address.
    if (!loginIp.has(sessionKey(r))) loginIp.set(sessionKey(r), ip);
    const network = networkOf(ip);
    if (network) loginNetworks.add(network);
  }
  const roams = new Map<string, Row[]>();
  for (const r of connections) {
    const ip = addressOf(r);
    const login = loginIp.get(sessionKey(r));
    if (!ip || !login || ip === login || loginNetworks.has(networkOf(ip) ?? ip)) continue;
    const known = roams.get(sessionKey(r));
    if (known) known.push(r);
    else roams.set(sessionKey(r), [r]);
  }
  const findings: RoamingFinding[] = [];
  for (const [key, rows] of roams) {
    const first = rows[0]!;
    const host = String(first['k0'] ?? '');
    const firstRoam = Math.min(...rows.map((r) => Number(r['t'])));
    const escalated = attempts.some((a) => a['host'] === host && Number(a['t']) <= firstRoam && firstRoam - Number(a['t']) <= DAY);
    const where = and(
      eq(col('event.dataset'), val('netscaler.syslog')),
      isIn(col('event.action'), CONNECTIONS),
      or(...rows.map((r) => and(...keyColumns.map((name, i) => same(name, text(r[`k${i}`])))))),
    );
    findings.push({
      host,
      sessionId: String(first['k1']),
      user: String(first['k2'] ?? ''),
      loginIp: loginIp.get(key)!,
      roamedTo: [...new Set(rows.map(addressOf).filter((ip): ip is string => ip !== null))].sort(),
      connections: rows.reduce((n, r) => n + Number(r['n']), 0),
      firstRoam,
      escalated,
      where,
    });
  }
  return findings;
}

/** The rule as the hunt reports it; `where` selects the roaming connections of the judged sessions. */
export function roamingRule(findings: readonly RoamingFinding[], escalated: boolean): DetectionRule {
  return {
    id: 'NS-R4',
    title: 'VPN session used from a network it never logged in from (possible session hijack)',
    ruleset: 'netscaler',
    level: 'high',
    verdict: escalated ? 'COMPROMISE' : 'REVIEW',
    confidence: 'medium',
    rationale: escalated
      ? 'The session roamed to a network with no login by anyone, within a day after CitrixBleed-2 attempts on the same appliance: a stolen session token in use.'
      : 'The session roamed to a network with no login by anyone: a stolen session token, or a user behind an unusual network.',
    where: or(...findings.map((f) => f.where)),
  };
}
