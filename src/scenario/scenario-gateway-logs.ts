import { GATEWAY_CHANGES } from './example-prosecution-service.js';
import {
  ADM_ADDRESS, type Activity, DOMAIN, type EventSink, GATEWAY_NET, HOUR_MS, JUMP_ADDRESS, type LineEvent, type NsEvent, type StaffMember,
  apacheErrorLocal, bsdLocal, gatewayLog, httpAccess, httpRequest, localClock, logoutBody, shellCommand, shellLine, sslHandshake, tcpConnStatHead, tcpConnStatTail, wait,
} from './scenario-log-common.js';
import type { SeededRandom } from './seeded-random.js';

/**
 * Normal life on the two Gateways: staff VPN sessions (SSLLOG handshake, an occasional mistyped
 * password, LOGIN, HTTPREQUEST, a TCPCONNSTAT per connection, LOGOUT), the management poller and
 * administrators (CMD_EXECUTED, shell sessions), internet password-spraying noise, cron and the
 * shell-audit background loop, and the July changes (ns-gw-02 taken offline, ns-gw-01 upgraded).
 */

/** Mean time between two connections of a VPN session; sets most of ns.log's volume. */
export const CONNECTION_MEAN_MS = 34 * 60_000;

export interface VpnSessionSpec {
  readonly member: StaffMember;
  readonly gateway: string;
  readonly start: number;
  /** Last activity; the LOGOUT follows (at once, or 30 minutes later for a time-out). */
  readonly end: number;
  readonly sessionId: number;
  readonly natIp: string;
  readonly loginIp: string;
  readonly ppe: number;
  readonly destinations: readonly string[];
  /** Write the portal requests to httpaccess.log (only the collected gateway has one). */
  readonly web: boolean;
  /** Force the LOGOUT time, client address, method and extra totals (the attack plan's hijacked session). */
  readonly logout?: { readonly t: number; readonly clientIp: string; readonly method: string; readonly extra: { connections: number; send: number; recv: number; http: number } };
  readonly forceTimeout?: boolean;
}

const IN_SESSION_REQUESTS = ['GET /vpns/services.html', 'GET /Citrix/Roaming/Accounts', 'GET /vpn/pluginlist.xml', 'GET /cvpn/http/intranet.eps.example/', 'POST /cgi/setclient?wica'];
const PORTAL_REQUESTS: [string, number, number][] = [
  ['GET /logon/LogonPoint/index.html HTTP/1.1', 200, 4_210],
  ['GET /logon/LogonPoint/receiver/js/ctxs.core.min.js HTTP/1.1', 304, 0],
  ['POST /nf/auth/getAuthenticationRequirements.do HTTP/1.1', 200, 2_318],
  ['POST /nf/auth/doAuthentication.do HTTP/1.1', 200, 1_144],
  ['GET /vpn/index.html HTTP/1.1', 302, 0],
];

export class VpnSession implements Activity {
  readonly activation: number;
  private next = 0;
  private started = false;
  private source: string;
  private roamAt: number;
  private connections = 0;
  private send = 0;
  private recv = 0;
  private http = 0;
  private readonly user: string;
  private readonly head: string;

  constructor(
    private readonly spec: VpnSessionSpec,
    private readonly random: SeededRandom,
  ) {
    this.activation = spec.start - 30_000;
    this.source = spec.loginIp;
    this.user = spec.member.user;
    this.head = tcpConnStatHead({ user: this.user, loginIp: spec.loginIp, sessionId: spec.sessionId, natIp: spec.natIp, vserver: GATEWAY_NET[spec.gateway]!.vserver });
    // One session in thirty changes address inside the home /24 (a DHCP renewal): a roam a hunter must clear.
    this.roamAt = spec.loginIp.startsWith(`${spec.member.homeNet}.`) && random.next() < 1 / 30 ? spec.start + (spec.end - spec.start) / 2 : Infinity;
  }

  advance(until: number, sink: EventSink): boolean {
    const { spec, random } = this;
    const { vserver } = GATEWAY_NET[spec.gateway]!;
    const common = { user: this.user, loginIp: spec.loginIp, sessionId: spec.sessionId, vserver };
    if (!this.started) {
      this.started = true;
      const t = spec.start;
      const port = random.int(49_152, 65_535);
      sink.ns(spec.gateway, { t: t - 4_000, pri: 135, ppe: spec.ppe, fm: 'SSLLOG SSL_HANDSHAKE_SUCCESS', body: sslHandshake({ spcb: random.int(10_000_000, 99_999_999), clientIp: spec.loginIp, clientPort: port, vserver, ms: random.int(20, 180) }) });
      if (random.next() < 0.04) {
        sink.ns(spec.gateway, { t: t - 21_000, pri: 132, ppe: spec.ppe, fm: 'AAA LOGIN_FAILED', body: `  User ${this.user}@${DOMAIN} - Client_ip ${spec.loginIp} - Failure_reason "Username/Password mismatch" - Browser ${spec.member.browser}` });
      }
      if (spec.web) {
        PORTAL_REQUESTS.forEach(([request, status, size], i) => {
          const at = t - 3_500 + i * 700;
          sink.line(gatewayLog(spec.gateway, 'httpaccess.log'), { t: at, s: httpAccess({ t: at, client: spec.loginIp, vserver, pid: 69_000 + random.int(0, 400), request, status, size, agent: spec.member.browser, micros: random.int(900, 90_000) }) });
        });
      }
      const clientType = spec.member.browser.startsWith('Citrix') ? 'ICA' : 'Agent';
      sink.ns(spec.gateway, {
        t, pri: 134, ppe: spec.ppe, fm: 'SSLVPN LOGIN',
        body: ` Context ${this.user}@${DOMAIN}@${spec.loginIp} - SessionId: ${spec.sessionId} - User ${this.user}@${DOMAIN} - Client_ip ${spec.loginIp} - Nat_ip "Mapped Ip" - Vserver ${vserver}:443 - Browser_type "${spec.member.browser}" - SSLVPN_client_type ${clientType} - Group(s) "VPN_USERS"`,
      });
      for (const [i, request] of ['GET /vpn/index.html', 'GET /vpns/services.html'].entries()) {
        sink.ns(spec.gateway, { t: t + 1_000 + i * 900, pri: 134, ppe: spec.ppe, fm: 'SSLVPN HTTPREQUEST', body: httpRequest({ ...common, t: t + 1_000 + i * 900, request }) });
        this.http++;
      }
      this.next = t + wait(random, CONNECTION_MEAN_MS / 3);
    }
    while (this.next < spec.end && this.next < until) {
      const start = this.next;
      if (start >= this.roamAt) {
        this.source = `${spec.member.homeNet}.${1 + ((spec.member.homeHost + random.int(1, 200)) % 254)}`;
        this.roamAt = Infinity;
      }
      const end = start + Math.min(wait(random, 40_000), 30 * 60_000);
      const send = 200 + Math.floor(random.next() ** 3 * 60_000);
      const recv = 800 + Math.floor(random.next() ** 4 * 3_000_000);
      const body = tcpConnStatTail(this.head, `${this.source}:${random.int(49_152, 65_535)}`, random.pick(spec.destinations), start, end, send, recv);
      sink.ns(spec.gateway, { t: end, pri: 134, ppe: spec.ppe, fm: 'SSLVPN TCPCONNSTAT', body });
      this.connections++;
      this.send += send;
      this.recv += recv;
      if (random.next() < 0.1) {
        const at = start + 500;
        sink.ns(spec.gateway, { t: at, pri: 134, ppe: spec.ppe, fm: 'SSLVPN HTTPREQUEST', body: httpRequest({ ...common, t: at, request: random.pick(IN_SESSION_REQUESTS) }) });
        this.http++;
      }
      this.next = start + wait(random, CONNECTION_MEAN_MS);
    }
    if (this.next < spec.end) return false;
    const forced = spec.logout;
    const roll = random.next();
    const method = forced?.method ?? (spec.forceTimeout || roll < 0.33 ? 'TimedOut' : roll < 0.98 ? 'Explicit' : 'InternalError');
    const t = forced?.t ?? (method === 'TimedOut' ? spec.end + 30 * 60_000 : spec.end + random.int(1_000, 20_000));
    const extra = forced?.extra ?? { connections: 0, send: 0, recv: 0, http: 0 };
    sink.ns(spec.gateway, {
      t, pri: 134, ppe: spec.ppe, fm: 'SSLVPN LOGOUT',
      body: logoutBody({
        ...common, clientIp: forced?.clientIp ?? this.source, start: spec.start, end: t, connections: this.connections + extra.connections,
        send: this.send + extra.send, recv: this.recv + extra.recv, http: this.http + extra.http, method,
      }),
      // The hijacked session times out after the attacker's last use: its LOGOUT names the attacker's address.
      ...(forced ? { attack: 'hijack-logout' as const } : {}),
    });
    return true;
  }
}

/** A few CLI commands by an administrator from the jump host, and sometimes a shell on the box. */
export class AdminSession implements Activity {
  readonly activation: number;
  constructor(
    private readonly member: StaffMember,
    private readonly gateway: string,
    private readonly start: number,
    private readonly shellLog: boolean,
    private readonly random: SeededRandom,
  ) {
    this.activation = start;
  }

  advance(_until: number, sink: EventSink): boolean {
    const { random, gateway } = this;
    let t = this.start;
    const commands = random.shuffle(['show ns version', 'show vpn vserver', 'stat vpn', 'show ha node', 'show ns license', 'stat system', 'show aaa session']).slice(0, random.int(2, 5));
    if (random.next() < 0.2) commands.push('save ns config');
    const withShell = this.shellLog && random.next() < 0.4;
    if (withShell) commands.push('shell');
    for (const command of commands) {
      t += random.int(15_000, 90_000);
      sink.ns(gateway, { t, pri: 134, ppe: 0, fm: 'CLI CMD_EXECUTED', body: cmdBody(this.member.user, JUMP_ADDRESS, command) });
    }
    if (withShell) {
      const pid = random.int(2_000, 39_999);
      const lines = random.shuffle(['cd /var/log', 'tail -n 200 ns.log', 'df -h', 'ls -la /var/core', 'nsconmsg -K /var/nslog/newnslog -d setime', 'uptime', 'top -b -d 1']).slice(0, random.int(2, 5));
      for (const command of [...lines, 'exit']) {
        t += random.int(5_000, 60_000);
        shellPair(sink, gateway, t, pid, '/dev/pts/0', command);
      }
    }
    return true;
  }
}

export function cmdBody(user: string, remoteIp: string, command: string): string {
  return `  User ${user} - ADM_User NONE - Remote_ip ${remoteIp} - Command "${command}" - Status "Success"`;
}

function shellPair(sink: EventSink, gateway: string, t: number, pid: number, tty: string, command: string): void {
  const text = shellLine({ t, host: gateway, shell: 'bash', pid, user: 'root', tty, text: shellCommand(command) });
  const done = shellLine({ t: t + 300, host: gateway, shell: 'bash', pid, user: 'root', tty, text: 'return_code="0"' });
  for (const name of ['bash.log', 'notice.log']) {
    sink.line(gatewayLog(gateway, name), { t, s: text });
    sink.line(gatewayLog(gateway, name), { t: t + 300, s: done });
  }
}

const ADM_COMMANDS = ['stat ns', 'show ns license', 'show ha node', 'stat system', 'show ns runningConfig'];
const SPRAY_USERS = ['admin', 'test', 'citrix', 'vpn', 'administrator', 'user1', 'scanner', 'backup', 'support'];
const SPRAY_AGENTS = ['python-httpx/0.27.0', 'curl/8.5.0', 'Go-http-client/1.1'];
const PROBE_FILES = ['/netscaler/ns_gui/vpn/images/favicon.ico', '/var/netscaler/logon/LogonPoint/custom/strings.en.json', '/netscaler/ns_gui/robots.txt'];

/**
 * The hour's machine noise on one gateway: the management poller, internet password spraying and,
 * on the collected gateway, cron, the shell-audit background loop and Apache's missing-file notes.
 */
export function systemHour(gateway: string, hourStart: number, collected: boolean, online: boolean, homes: readonly string[], random: SeededRandom, sink: EventSink): void {
  const { vserver } = GATEWAY_NET[gateway]!;
  for (const half of [0, 30]) {
    const t = hourStart + half * 60_000 + random.int(1_000, 9_000);
    sink.ns(gateway, { t, pri: 134, ppe: 0, fm: 'API CMD_EXECUTED', body: cmdBody('adm_svc', ADM_ADDRESS, random.pick(ADM_COMMANDS)) });
  }
  for (let n = online && random.next() < 0.6 ? random.int(1, 3) : 0; n > 0; n--) {
    const t = hourStart + random.int(0, HOUR_MS - 60_000);
    const ip = `192.0.2.${random.int(200, 250)}`;
    sink.ns(gateway, { t, pri: 135, ppe: random.int(0, 3), fm: 'SSLLOG SSL_HANDSHAKE_SUCCESS', body: sslHandshake({ spcb: random.int(10_000_000, 99_999_999), clientIp: ip, clientPort: random.int(30_000, 65_000), vserver, ms: random.int(20, 300) }) });
    sink.ns(gateway, { t: t + 800, pri: 132, ppe: random.int(0, 3), fm: 'AAA LOGIN_FAILED', body: `  User ${random.pick(SPRAY_USERS)} - Client_ip ${ip} - Failure_reason "Username/Password mismatch" - Browser ${random.pick(SPRAY_AGENTS)}` });
  }
  if (!collected) return;
  const cron = gatewayLog(gateway, 'cron');
  for (let minute = 0; minute < 60; minute += 5) {
    const t = hourStart + minute * 60_000;
    sink.line(cron, { t, s: cronLine(t, gateway, random.int(10_000, 99_999), '(root) CMD (/usr/libexec/atrun)') });
    if (minute === 0) sink.line(cron, { t, s: cronLine(t, gateway, random.int(10_000, 99_999), '(root) CMD (newsyslog)') });
  }
  if (localClock(hourStart).minute === 3 * 60) {
    const t = hourStart + 60_000;
    sink.line(cron, { t, s: cronLine(t, gateway, random.int(10_000, 99_999), '(root) CMD (periodic daily)') });
  }
  for (let minute = random.int(0, 9); minute < 60; minute += 10) {
    const t = hourStart + minute * 60_000 + random.int(0, 59_000);
    const pid = 1_800 + random.int(0, 99);
    sink.line(gatewayLog(gateway, 'notice.log'), { t, s: shellLine({ t, host: gateway, shell: 'sh', pid, user: 'root', tty: '(null)', text: shellCommand(`kill -0 ${pid + 1} > /dev/null 2>&1; sleep 60`) }) });
  }
  if (homes.length > 0 && random.next() < 0.3) {
    const t = hourStart + random.int(0, HOUR_MS - 1_000);
    const micros = random.int(0, 999);
    sink.line(gatewayLog(gateway, 'httperror.log'), {
      t,
      s: `[${apacheErrorLocal(t, micros)}] [core:info] [pid ${random.int(60_000, 69_999)}] [client ${random.pick(homes)}:${random.int(49_152, 65_535)}] AH00128: File does not exist: ${random.pick(PROBE_FILES)}\n`,
    });
  }
}

export function cronLine(t: number, host: string, pid: number, text: string): string {
  return `${bsdLocal(t)} <cron.info> ${host} /usr/sbin/cron[${pid}]: ${text}\n`;
}

/** `newsyslog` rotating ns.log, as the cron log records it (no facility in this line). */
export function newsyslogLine(t: number, host: string, pid: number): string {
  return `${bsdLocal(t)} ${host} newsyslog[${pid}]: logfile turned over due to size>100K\n`;
}


/** The July changes of GATEWAY_CHANGES as the gateways log them (admin commands, the install shell). */
export function changeEvents(collected: string, random: SeededRandom): { ns: Map<string, NsEvent[]>; lines: Map<string, LineEvent[]> } {
  const ns = new Map<string, NsEvent[]>();
  const lines = new Map<string, LineEvent[]>();
  const sink: EventSink = {
    ns: (gateway, event) => void (ns.get(gateway) ?? ns.set(gateway, []).get(gateway)!).push(event),
    line: (file, event) => void (lines.get(file) ?? lines.set(file, []).get(file)!).push(event),
  };
  for (const change of GATEWAY_CHANGES) {
    const at = Date.parse(change.time);
    const user = change.actor === 'network-operations' ? 'netops' : 'itops';
    let t = at - 10 * 60_000;
    const cli = (command: string) => sink.ns(change.asset, { t: (t += random.int(20_000, 70_000)), pri: 134, ppe: 0, fm: 'CLI CMD_EXECUTED', body: cmdBody(user, JUMP_ADDRESS, command) });
    if (change.event === 'disconnect') {
      for (const command of ['show vpn vserver', 'disable vpn vserver vs_remote_access', 'save ns config']) cli(command);
      continue;
    }
    for (const command of ['show ns version', 'save ns config', 'shell']) cli(command);
    const pid = random.int(2_000, 39_999);
    const build = change.to_version ?? '';
    for (const command of [`cd /var/nsinstall/${build}`, `tar -xzvf build-${build}_nc_64.tgz`, './installns -y', 'exit']) {
      t += random.int(20_000, 120_000);
      if (change.asset === collected) shellPair(sink, change.asset, t, pid, '/dev/pts/0', command);
    }
    cli('reboot -warm');
    if (change.asset === collected) {
      const up = t + 9 * 60_000;
      sink.line(gatewayLog(change.asset, 'httperror.log'), { t: up, s: `[${apacheErrorLocal(up, 412)}] [core:notice] [pid 1123] AH00094: Command line: '/bin/httpd -f /etc/httpd.conf'\n` });
    }
  }
  return { ns, lines };
}
