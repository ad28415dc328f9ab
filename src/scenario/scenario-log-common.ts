import type { Scenario } from './example-prosecution-service.js';
import { SeededRandom } from './seeded-random.js';

/**
 * Shared ground of the scenario's log generator: the period, the network plan, the staff, and the
 * time formats the log sources write. Every address is documentation-safe: staff connect from the
 * benchmarking range 198.18.0.0/15 (home networks in 198.18/16, mobile networks in 198.19/16),
 * the gateways listen on TEST-NET-1 (192.0.2.0/24), internet sites are TEST-NET-1 too, and the
 * attacker uses TEST-NET-2 and TEST-NET-3 (198.51.100.0/24, 203.0.113.0/24), where no staff member
 * ever logs in; internal hosts are RFC 1918. Domains end in `.example`.
 */

/** The first local day logged: Monday 23 June 2025, 00:00 Europe/Amsterdam (CEST, UTC+2). */
export const LOG_START_MS = Date.UTC(2025, 5, 22, 22, 0, 0);
export const LOG_DAYS = 28;
/** Exclusive end: Monday 21 July 2025, 00:00 Europe/Amsterdam. */
export const LOG_END_MS = LOG_START_MS + LOG_DAYS * 86_400_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export const DOMAIN = 'eps.example';
export const PORTAL_HOST = 'portal.eps.example';
/** The appliances' management addresses and their Gateway virtual servers. */
export const GATEWAY_NET: Record<string, { nsip: string; vserver: string }> = {
  'ns-gw-01': { nsip: '10.0.1.11', vserver: '192.0.2.10' },
  'ns-gw-02': { nsip: '10.0.1.12', vserver: '192.0.2.20' },
};
/** Where the application servers answer, by scenario asset id. */
export { SERVER_ADDRESS } from './example-prosecution-service.js';
export const ADM_ADDRESS = '10.0.9.5';
export const JUMP_ADDRESS = '10.0.8.11';
/** The Gateway hands out intranet addresses from 10.250.0.0/16 to VPN sessions. */
export const VPN_POOL_PREFIX = '10.250';

export type StaffRole = 'national-officer' | 'prosecutor' | 'support' | 'hr' | 'victim-care' | 'witness-officer' | 'it-admin';

/** Role by position, so every role is present even in a small test population. */
const ROLE_CYCLE: readonly StaffRole[] = [
  'national-officer', 'victim-care', 'hr', 'witness-officer', 'prosecutor', 'support', 'victim-care', 'prosecutor', 'hr', 'it-admin',
  'prosecutor', 'support', 'prosecutor', 'prosecutor', 'support', 'prosecutor', 'prosecutor', 'prosecutor', 'support', 'prosecutor',
];

export interface StaffMember {
  readonly index: number;
  /** The account name, e.g. `a.devries`; `user@eps.example` on the Gateway. */
  readonly user: string;
  readonly role: StaffRole;
  /** Also reads organised-crime and terrorism files (some prosecutors). */
  readonly ocAccess: boolean;
  readonly office: number;
  /** Probability of working remotely (through the Gateway) on a working day. */
  readonly remoteShare: number;
  /** Probability of choosing ns-gw-01 over ns-gw-02 while both are online. */
  readonly gw1Share: number;
  /** Home network `/24` (three octets) and host, stable per person. */
  readonly homeNet: string;
  readonly homeHost: number;
  /** Mobile network `/24` (three octets), stable per person; the host varies. */
  readonly mobileNet: string;
  readonly workstation: string;
  readonly browser: string;
  /** Usual start of the working day, minutes after local midnight. */
  readonly startMinute: number;
  /** Actions in the business applications per working hour (mean). */
  readonly pace: number;
}

const FIRST_NAMES = [
  'Anouk', 'Bram', 'Fatima', 'Jeroen', 'Lotte', 'Mehmet', 'Noor', 'Pieter', 'Sanne', 'Thijs', 'Yara', 'Wouter', 'Daan', 'Emma', 'Sem',
  'Julia', 'Lucas', 'Mila', 'Finn', 'Tess', 'Levi', 'Sara', 'Ruben', 'Iris', 'Milan', 'Fenna', 'Jesse', 'Lieke', 'Stijn', 'Eva',
  'Hamza', 'Ilse', 'Koen', 'Marloes', 'Niels', 'Olga', 'Rik', 'Sophie', 'Tim', 'Vera',
];
const LAST_NAMES = [
  'de Vries', 'Jansen', 'Bakker', 'Visser', 'Smit', 'El Amrani', 'Mulder', 'de Boer', 'Yilmaz', 'Dekker', 'Bos', 'Hendriks',
  'van Dijk', 'de Jong', 'Meijer', 'van den Berg', 'Vos', 'Peters', 'van Leeuwen', 'Kok', 'Brouwer', 'de Groot', 'Gerritsen',
  'Willems', 'Verhoeven', 'Schouten', 'Kuipers', 'Prins', 'Huisman', 'Postma', 'Kramer', 'van der Meer', 'Hoekstra', 'Maas',
  'Verbeek', 'Koster', 'Sahin', 'Boukhari', 'Wijaya', 'Nguyen',
];
const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'CitrixReceiver/24.5.0.102 (Windows NT 10.0)',
];

/** The seed of the log generator's own random streams, apart from the inventory's. */
export function logSeed(scenario: Scenario, stream: number): number {
  return (Math.imul(scenario.seed ^ 0x5eed1095, 2654435761) + Math.imul(stream, 40503)) >>> 0;
}

/** Office workstation pools of the scenario (the `ws-*` assets). */
export function officeIds(scenario: Scenario): string[] {
  return scenario.infrastructureAssets.filter((a) => a.kind === 'workstation').map((a) => a.id);
}

/**
 * The staff, generated in order from one stream: the first members are the same whatever the
 * count, so the attack plan (which names member 0) does not depend on the scale.
 */
export function generateStaff(scenario: Scenario, count: number): StaffMember[] {
  const random = new SeededRandom(logSeed(scenario, 1));
  const offices = Math.max(1, officeIds(scenario).length);
  const taken = new Set<string>();
  const staff: StaffMember[] = [];
  for (let index = 0; index < count; index++) {
    const first = random.pick(FIRST_NAMES);
    const last = random.pick(LAST_NAMES);
    const base = `${first[0]!.toLowerCase()}.${last.toLowerCase().replace(/[^a-z]/g, '')}`;
    let user = base;
    for (let n = 2; taken.has(user); n++) user = `${base}${n}`;
    taken.add(user);
    const cycled = ROLE_CYCLE[index % ROLE_CYCLE.length]!;
    const role: StaffRole = cycled === 'it-admin' && index >= 200 ? 'prosecutor' : cycled;
    const office = random.int(0, offices - 1);
    staff.push({
      index,
      user,
      role,
      ocAccess: role === 'national-officer' || role === 'witness-officer' || (role === 'prosecutor' && random.next() < 0.25),
      office,
      remoteShare: index === 0 ? 0.8 : random.pick([0.1, 0.3, 0.4, 0.5, 0.6, 0.8]),
      gw1Share: random.pick([0.55, 0.7, 0.85]),
      homeNet: `198.18.${random.int(0, 255)}`,
      homeHost: random.int(2, 253),
      mobileNet: `198.19.${random.int(0, 255)}`,
      workstation: `10.${20 + office}.${1 + (index >> 8)}.${1 + (index & 0xff)}`,
      browser: random.pick(BROWSERS),
      startMinute: random.int(7 * 60, 9 * 60 + 30),
      pace: 0.4 + random.next(),
    });
  }
  return staff;
}

export function staffHome(member: StaffMember): string {
  return `${member.homeNet}.${member.homeHost}`;
}

// ---------------------------------------------------------------------------------------------
// Time formats. Built from cached per-day strings and a two-digit table: the generator formats
// millions of timestamps, and Intl or Date#toISOString would dominate its run time.

const P2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const P3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const MONTH = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAY = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

interface DayText {
  readonly mdy: string;
  readonly iso: string;
  readonly bsd: string;
  readonly apache: string;
  readonly ctime: string;
  readonly year: number;
}
const days = new Map<number, DayText>();

function dayText(ms: number): DayText {
  const key = Math.floor(ms / DAY_MS);
  let text = days.get(key);
  if (!text) {
    const d = new Date(key * DAY_MS);
    const y = d.getUTCFullYear();
    const m = d.getUTCMonth();
    const dd = d.getUTCDate();
    text = {
      mdy: `${P2[m + 1]}/${P2[dd]}/${y}`,
      iso: `${y}-${P2[m + 1]}-${P2[dd]}`,
      bsd: `${MONTH[m]} ${String(dd).padStart(2, ' ')}`,
      apache: `${P2[dd]}/${MONTH[m]}/${y}`,
      ctime: `${WEEKDAY[d.getUTCDay()]} ${MONTH[m]} ${P2[dd]}`,
      year: y,
    };
    days.set(key, text);
  }
  return text;
}

function clock(ms: number): string {
  const s = Math.floor(ms / 1000) % 86_400;
  return `${P2[Math.floor(s / 3600)]}:${P2[Math.floor(s / 60) % 60]}:${P2[s % 60]}`;
}

const dstCache = new Map<number, [number, number]>();
/** Europe/Amsterdam: CET, CEST from the last Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC. */
export function amsterdamOffsetMs(ms: number): number {
  const year = new Date(ms).getUTCFullYear();
  let range = dstCache.get(year);
  if (!range) {
    const lastSunday = (month: number) => {
      const end = new Date(Date.UTC(year, month + 1, 0, 1));
      return end.getTime() - end.getUTCDay() * DAY_MS;
    };
    range = [lastSunday(2), lastSunday(9)];
    dstCache.set(year, range);
  }
  return ms >= range[0] && ms < range[1] ? 2 * HOUR_MS : HOUR_MS;
}

/** `07/15/2025:05:41:12` (UTC; the writer appends ` GMT`). */
export function nsTime(ms: number): string {
  return `${dayText(ms).mdy}:${clock(ms)}`;
}

/** `2025-07-15T05:41:12.123Z`. */
export function isoUtc(ms: number): string {
  return `${dayText(ms).iso}T${clock(ms)}.${P3[ms % 1000]}Z`;
}

/** `2025-07-15T07:41:12.123+02:00` (Europe/Amsterdam). */
export function isoLocal(ms: number): string {
  const offset = amsterdamOffsetMs(ms);
  const local = ms + offset;
  return `${dayText(local).iso}T${clock(local)}.${P3[ms % 1000]}${offset === 2 * HOUR_MS ? '+02:00' : '+01:00'}`;
}

/** BSD syslog time in the appliance's zone (Europe/Amsterdam), no year: `Jul 15 07:41:12`. */
export function bsdLocal(ms: number): string {
  const local = ms + amsterdamOffsetMs(ms);
  return `${dayText(local).bsd} ${clock(local)}`;
}

/** Apache `%t` in the appliance's zone: `15/Jul/2025:07:41:12 +0200`. */
export function apacheLocal(ms: number): string {
  const offset = amsterdamOffsetMs(ms);
  const local = ms + offset;
  return `${dayText(local).apache}:${clock(local)} ${offset === 2 * HOUR_MS ? '+0200' : '+0100'}`;
}

/** Apache error-log time in the appliance's zone: `Tue Jul 15 07:41:12.127785 2025`. */
export function apacheErrorLocal(ms: number, micros: number): string {
  const local = ms + amsterdamOffsetMs(ms);
  const text = dayText(local);
  return `${text.ctime} ${clock(local)}.${P3[ms % 1000]}${P3[micros % 1000]} ${text.year}`;
}

/** `HH:MM:SS` for durations. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${P2[Math.min(99, Math.floor(s / 3600))]}:${P2[Math.floor(s / 60) % 60]}:${P2[s % 60]}`;
}

/** Minutes after local midnight, and the local weekday (0 = Sunday). */
export function localClock(ms: number): { minute: number; weekday: number } {
  const local = ms + amsterdamOffsetMs(ms);
  return { minute: Math.floor((local % DAY_MS) / 60_000), weekday: new Date(local).getUTCDay() };
}

// ---------------------------------------------------------------------------------------------
// Events as the generator collects them before they are ordered and written.

/** One ns.log message before its envelope (priority, packet engine and log id) is put around it. */
export interface NsEvent {
  readonly t: number;
  readonly pri: number;
  readonly ppe: number;
  /** `FEATURE MESSAGE`, e.g. `SSLVPN TCPCONNSTAT`. */
  readonly fm: string;
  /** Everything after `<logid> 0 :` (a leading space included). */
  readonly body: string;
  /** Set on the attack's own lines: what part of the attack wrote it (the ground truth's line list). */
  readonly attack?: AttackLineKind;
}

/**
 * The parts of the attack that leave lines in the logs. `hijack-request`: the stolen session's
 * HTTPREQUEST lines, which NetScaler logs with the session's (the victim's) login address.
 */
export type AttackLineKind =
  | 'exploit-attempt'
  | 'exploit-handshake'
  | 'exploit-request'
  | 'hijack-connection'
  | 'hijack-handshake'
  | 'hijack-request'
  | 'hijack-logout'
  | 'shell'
  | 'command-output'
  | 'data-access'
  | 'exfiltration';

/** A complete line (or several physical lines, `lines` of them) for any other source. */
export interface LineEvent {
  readonly t: number;
  readonly s: string;
  readonly lines?: number;
  readonly attack?: AttackLineKind;
}

/** The body of an SSLVPN TCPCONNSTAT line. */
export function tcpConnStat(o: {
  user: string; loginIp: string; sessionId: number; natIp: string; vserver: string; source: string; destination: string;
  start: number; end: number; send: number; recv: number;
}): string {
  return tcpConnStatTail(tcpConnStatHead(o), o.source, o.destination, o.start, o.end, o.send, o.recv);
}

/** The part of a TCPCONNSTAT body that stays the same for a whole session (up to `Source `). */
export function tcpConnStatHead(o: { user: string; loginIp: string; sessionId: number; natIp: string; vserver: string }): string {
  return ` Context ${o.user}@${DOMAIN}@${o.loginIp} - SessionId: ${o.sessionId} - User ${o.user}@${DOMAIN} - Client_ip ${o.loginIp} - Nat_ip ${o.natIp} - Vserver ${o.vserver}:443 - Source `;
}

const TCP_TRAILER = ' - Total_compressedbytes_send 0 - Total_compressedbytes_recv 0 - Compression_ratio_send 0.00% - Compression_ratio_recv 0.00% - Access Allowed - Group(s) "VPN_USERS"';

export function tcpConnStatTail(head: string, source: string, destination: string, start: number, end: number, send: number, recv: number): string {
  return `${head}${source} - Destination ${destination} - Start_time "${nsTime(start)} GMT" - End_time "${nsTime(end)} GMT" - Duration ${duration(end - start)}  - Total_bytes_send ${send} - Total_bytes_recv ${recv}${TCP_TRAILER}`;
}

/** The body of an SSLVPN HTTPREQUEST line (its own colon-separated layout). */
export function httpRequest(o: { user: string; loginIp: string; sessionId: number; vserver: string; t: number; request: string }): string {
  return ` Context ${o.user}@${DOMAIN}@${o.loginIp} - SessionId: ${o.sessionId} - ${PORTAL_HOST} User ${o.user}@${DOMAIN} : Group(s) VPN_USERS : Vserver ${o.vserver}:443 - ${nsTime(o.t)} GMT : SSO is ON : ${o.request} - -`;
}

/** The body of an SSLVPN LOGOUT line (the session summary). */
export function logoutBody(o: {
  user: string; loginIp: string; clientIp: string; sessionId: number; vserver: string; start: number; end: number;
  connections: number; send: number; recv: number; http: number; method: string;
}): string {
  return ` Context ${o.user}@${DOMAIN}@${o.loginIp} - SessionId: ${o.sessionId} - User ${o.user}@${DOMAIN} - Client_ip ${o.clientIp} - Nat_ip "Mapped Ip" - Vserver ${o.vserver}:443 - Start_time "${nsTime(o.start)} GMT" - End_time "${nsTime(o.end)} GMT" - Duration ${duration(o.end - o.start)}  - Http_resources_accessed ${o.http} - NonHttp_services_accessed 0 - Total_TCP_connections ${o.connections} - Total_UDP_flows 0 - Total_policies_allowed ${o.connections} - Total_policies_denied 0 - Total_bytes_send ${o.send} - Total_bytes_recv ${o.recv} - Total_compressedbytes_send 0 - Total_compressedbytes_recv 0 - Compression_ratio_send 0.00% - Compression_ratio_recv 0.00% - LogoutMethod "${o.method}" - Group(s) "VPN_USERS"`;
}

export function sslHandshake(o: { spcb: number; clientIp: string; clientPort: number; vserver: string; ms: number }): string {
  return `  SPCBId ${o.spcb} - ClientIP ${o.clientIp} - ClientPort ${o.clientPort} - VserverServiceIP ${o.vserver} - VserverServicePort 443 - ClientVersion TLSv1.2 - CipherSuite "TLS1.2-ECDHE-RSA-AES256-GCM-SHA384" - Session New  - HandshakeTime ${o.ms} ms`;
}

/** An httpaccess.log line in the `combined_resptime_with_citrix_hdrs` format. */
export function httpAccess(o: { t: number; client: string; vserver: string; pid: number; request: string; status: number; size: number; agent: string; micros: number }): string {
  return `${o.client} -> ${o.vserver} - - [${apacheLocal(o.t)}] [${o.pid}] "${o.request}" ${o.status} ${o.size} "-" "${o.agent}" "Time: ${o.micros} microsecs"\n`;
}

/** One JSON line of an application audit log, keys in the documented order. */
/** The managed browser on every workstation and laptop (one image for the whole fleet). */
export const FLEET_AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36 Edg/138.0.0.0';

export function auditLine(o: {
  t: number; system: string; user: string; session: string; ip: string; action: string; recordType: string; recordId: string | null;
  bytes: number; outcome: string; agent: string;
}): string {
  return `{"timestamp":"${isoLocal(o.t)}","system":"${o.system}","user":"${o.user}","session":"${o.session}","source_ip":"${o.ip}","user_agent":"${o.agent}","action":"${o.action}","record_type":"${o.recordType}","record_id":${o.recordId === null ? 'null' : `"${o.recordId}"`},"bytes":${o.bytes},"outcome":"${o.outcome}"}\n`;
}

export const PROXY_HEADER = 'timestamp,device,src_ip,src_port,dst_ip,dst_port,protocol,bytes_out,bytes_in,action,user,url';

/** One row of proxy-flows.csv (no field contains a comma or a quote). */
export function proxyRow(o: {
  t: number; device: string; src: string; srcPort: number; dst: string; dstPort: number; protocol: string; out: number; in: number;
  action: string; user: string; url: string;
}): string {
  return `${isoUtc(o.t)},${o.device},${o.src},${o.srcPort},${o.dst},${o.dstPort},${o.protocol},${o.out},${o.in},${o.action},${o.user},${o.url}\n`;
}

/** A shell-audit line (`bash.log`, `notice.log`): appliance-local BSD time, as NetScaler writes it. */
export function shellLine(o: { t: number; host: string; shell: string; pid: number; user: string; tty: string; text: string }): string {
  return `${bsdLocal(o.t)} <local7.notice> ${o.host} ${o.shell}[${o.pid}]: ${o.user} on ${o.tty} ${o.text}\n`;
}

/** `shell_command="…"` with inner quotes escaped as NetScaler does; newlines stay (multi-line commands). */
export function shellCommand(command: string): string {
  return `shell_command="${command.replace(/"/g, '\\"')}"`;
}

// ---------------------------------------------------------------------------------------------
// Business applications and their records.

export type RecordCategory = 'case-files' | 'oc-terrorism-files' | 'hr-files' | 'staff-directory' | 'shelter-addresses' | 'crown-witnesses' | 'informant-files';

/** The application asset that holds each category (the first `application` of the inventory holding it). */
export function applicationFor(scenario: Scenario, category: RecordCategory): string {
  const holder = scenario.coreAssets.find((a) => a.kind === 'application' && a.data_categories.includes(category));
  if (!holder) throw new Error(`no application holds ${category}`);
  return holder.id;
}

/** The audited systems, each with its log file, in a fixed order. */
export function auditedSystems(scenario: Scenario): string[] {
  const ids = (['case-files', 'hr-files', 'shelter-addresses', 'crown-witnesses', 'informant-files'] as const).map((c) => applicationFor(scenario, c));
  return [...new Set(ids)];
}

export function auditPath(system: string): string {
  return `apps/${system}/audit.jsonl`;
}

export const RECORD_TYPE: Record<RecordCategory, string> = {
  'case-files': 'case-file',
  'oc-terrorism-files': 'oc-terrorism-file',
  'hr-files': 'hr-file',
  'staff-directory': 'staff-directory-entry',
  'shelter-addresses': 'shelter-address',
  'crown-witnesses': 'crown-witness',
  'informant-files': 'informant-file',
};

/** App session id prefixes, as the example `cm-7f3a9c`. */
export const SESSION_PREFIX: Record<string, string> = { 'cms-app': 'cm', 'hr-app': 'hr', 'shelter-registry': 'sr', 'witness-register': 'wr', 'informant-register': 'ir' };

/** A record id of a category; `n` is reduced into the category's pool. */
export function recordId(category: RecordCategory, n: number): string {
  switch (category) {
    case 'case-files':
      return `CASE-${2023 + (n % 3)}-${String(n % 1_000_000).padStart(6, '0')}`;
    case 'oc-terrorism-files':
      return `OCT-${2022 + (n % 4)}-${String(n % 900).padStart(4, '0')}`;
    case 'hr-files':
      return `HR-${10_000 + (n % 4000)}`;
    case 'staff-directory':
      return `EMP-${20_000 + (n % 4000)}`;
    case 'shelter-addresses':
      return `SH-${String(1 + (n % 140)).padStart(4, '0')}`;
    case 'crown-witnesses':
      return `CW-${String(1 + (n % 80)).padStart(4, '0')}`;
    case 'informant-files':
      return `CIE-${String(1 + (n % 300)).padStart(4, '0')}`;
  }
}

/** `gateway-ns-gw-01/var/log/ns.log` and friends: the triage collection layout. */
export function gatewayLog(gateway: string, name: string): string {
  return `gateway-${gateway}/var/log/${name}`;
}

export const PROXY_PATH = 'network/proxy-flows.csv';

/** Where activities put their events; the writer orders them per hour before writing. */
export interface EventSink {
  ns(gateway: string, event: NsEvent): void;
  line(file: string, event: LineEvent): void;
}

/**
 * Something that produces events over time (a VPN session, a working day in the applications).
 * `advance` emits every event up to `until` (events may lie later: a connection is logged when it
 * ends) and returns true when it has nothing more to emit. No event lies before `activation`.
 */
export interface Activity {
  readonly activation: number;
  advance(until: number, sink: EventSink): boolean;
}

/** An exponentially distributed wait with the given mean. */
export function wait(random: SeededRandom, mean: number): number {
  return Math.max(1_000, Math.round(-Math.log(1 - random.next()) * mean));
}
