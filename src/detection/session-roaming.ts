import { isIPv4, isIPv6 } from 'node:net';
import type { EventStore } from '../store/event-store.js';
import { and, col, epochMs, eq, isIn, isNull, not, select, val } from '../store/query-node.js';
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
 * Stateful, so code rather than a row predicate: the session events are read once (sorted by the
 * engine), judged here, and the roaming events copied into `detections` by their ids.
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
  readonly eventIds: readonly number[];
  readonly firstRoam: number;
  readonly escalated: boolean;
}

/** Judges the sessions; NS-R1 hits of hunt `huntId` (already run) decide the escalation. */
export async function findSessionRoaming(store: EventStore, huntId: string): Promise<RoamingFinding[]> {
  const rows = await store.query(
    select({
      from: 'events',
      columns: [
        { expr: col('event.id'), as: 'id' },
        { expr: col('host.name'), as: 'host' },
        { expr: col('weerbaar.session_id'), as: 'session' },
        { expr: col('user.name'), as: 'user' },
        { expr: col('event.action'), as: 'action' },
        { expr: col('source.ip'), as: 'ip' },
        { expr: col('network.forwarded_ip'), as: 'xff' },
        { expr: epochMs(col('@timestamp')), as: 't' },
      ],
      where: and(eq(col('event.dataset'), val('netscaler.syslog')), not(isNull(col('weerbaar.session_id'))), isIn(col('event.action'), ['sslvpn.login', ...CONNECTIONS])),
      orderBy: [{ expr: col('@timestamp') }],
    }),
  );
  const attempts = await store.query(
    select({
      from: 'detections',
      columns: [{ expr: col('host.name'), as: 'host' }, { expr: epochMs(col('@timestamp')), as: 't' }],
      where: and(eq(col('rule.id'), val('NS-R1')), eq(col('weerbaar.hunt_id'), val(huntId))),
    }),
  );
  const loginNetworks = new Set<string>();
  const sessions = new Map<string, { host: string; session: string; user: string; loginIp: string | null; connections: { id: number; ip: string; t: number }[] }>();
  for (const r of rows) {
    const key = `${String(r['host'])}\u0000${String(r['session'])}\u0000${String(r['user'])}`;
    let s = sessions.get(key);
    if (!s) sessions.set(key, (s = { host: String(r['host'] ?? ''), session: String(r['session']), user: String(r['user'] ?? ''), loginIp: null, connections: [] }));
    const ip = typeof r['ip'] === 'string' && r['ip'] !== '' ? r['ip'] : typeof r['xff'] === 'string' ? r['xff'] : null;
    if (r['action'] === 'sslvpn.login') {
      if (ip) {
        s.loginIp ??= ip;
        const network = networkOf(ip);
        if (network) loginNetworks.add(network);
      }
    } else if (ip) s.connections.push({ id: Number(r['id']), ip, t: Number(r['t']) });
  }
  const findings: RoamingFinding[] = [];
  for (const s of sessions.values()) {
    if (!s.loginIp) continue;
    const roams = s.connections.filter((c) => c.ip !== s.loginIp && !loginNetworks.has(networkOf(c.ip) ?? c.ip));
    if (roams.length === 0) continue;
    const firstRoam = Math.min(...roams.map((c) => c.t));
    const escalated = attempts.some((a) => a['host'] === s.host && Number(a['t']) <= firstRoam && firstRoam - Number(a['t']) <= DAY);
    findings.push({ host: s.host, sessionId: s.session, user: s.user, loginIp: s.loginIp, roamedTo: [...new Set(roams.map((c) => c.ip))].sort(), eventIds: roams.map((c) => c.id), firstRoam, escalated });
  }
  return findings;
}

/** The rule as the hunt reports it; `where` selects the judged events by id. */
export function roamingRule(eventIds: readonly number[], escalated: boolean): DetectionRule {
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
    where: isIn(col('event.id'), eventIds),
  };
}
