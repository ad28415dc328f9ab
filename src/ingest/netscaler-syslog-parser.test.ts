import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LogEvent, ParseOptions } from './log-event.js';
import { civilToUtc } from './log-time.js';
import { netscalerSyslogParser } from './netscaler-syslog-parser.js';
import { parseBuffer } from './parse-text.js';
import { corpus } from '../../test/support/corpora.js';

const CORPUS = corpus('netscaler', 'elastic-citrix_adc', 'pipeline');
const logs = readdirSync(CORPUS).filter((f) => f.endsWith('.log')).sort();

function parse(input: Buffer | string, options: Partial<ParseOptions> = {}) {
  return parseBuffer(netscalerSyslogParser, input, options);
}

function one(line: string | Buffer, options: Partial<ParseOptions> = {}): LogEvent {
  const { events, failures } = parse(line, options);
  expect(failures).toEqual([]);
  expect(events).toHaveLength(1);
  return events[0]!;
}

function failure(line: string | Buffer, options: Partial<ParseOptions> = {}): string {
  const { events, failures } = parse(line, options);
  expect(events).toEqual([]);
  expect(failures).toHaveLength(1);
  expect(failures[0]!.reason.length).toBeGreaterThan(5);
  return failures[0]!.reason;
}

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

describe('Elastic citrix_adc corpus', () => {
  it.each(logs)('%s: every non-blank line is an event or a failure with a reason', (file) => {
    const bytes = readFileSync(join(CORPUS, file));
    const nonBlank = bytes.toString('latin1').split('\n').filter((l) => l.trim() !== '').length;
    const { events, failures } = parse(bytes);
    expect(events.length + failures.length).toBe(nonBlank);
    for (const f of failures) expect(f.reason).toMatch(/\S/);
    // These Elastic samples are all well-formed records: none may be lost to a failure.
    expect(failures).toEqual([]);
  });

  it('turns the upstream merge-conflict markers and a lone quote into failures, not crashes', () => {
    const native = readFileSync(join(CORPUS, 'test-citrix-native.log'), 'utf8').split('\n');
    const spliced = ['<<<<<<< HEAD', ...native.slice(0, 3), '=======', '"', '', ...native.slice(3, 5), '>>>>>>> 1a2b3c4 (add samples)'].join('\n');
    const { events, failures } = parse(spliced);
    expect(events).toHaveLength(5);
    expect(failures.map((f) => f.reason)).toEqual([
      'git merge-conflict marker line (not a log record)',
      'git merge-conflict marker line (not a log record)',
      'stray quote line (NetScaler artefact)',
      'git merge-conflict marker line (not a log record)',
    ]);
    expect(failures.map((f) => f.line)).toEqual([1, 5, 6, 10]);
  });

  it('agrees with the fields Elastic expects where the two overlap', () => {
    let compared = 0;
    let matched = 0;
    const mismatches: string[] = [];
    for (const file of readdirSync(CORPUS).filter((f) => f.endsWith('-expected.json'))) {
      const expected = (JSON.parse(readFileSync(join(CORPUS, file), 'utf8')) as { expected: Record<string, unknown>[] }).expected;
      const byText = new Map<string, LogEvent>();
      for (const log of logs) {
        // Elastic's test config for these two files reads numeric dates as DD/MM.
        const dateOrder = /custom-format|delink|ddmmyyyy/.test(log) ? 'dmy' : undefined;
        for (const e of parse(readFileSync(join(CORPUS, log)), { dateOrder }).events) byText.set(e.message.trim(), e);
      }
      for (const exp of expected) {
        const original = get(exp, 'event.original');
        const event = typeof original === 'string' ? byText.get(original.trim()) : undefined;
        if (!event) continue;
        matched++;
        const check = (name: string, ours: unknown, theirs: unknown) => {
          if (theirs === undefined) return;
          compared++;
          if (ours !== theirs) mismatches.push(`${file} line ${event.line} ${name}: ours ${JSON.stringify(ours)} ≠ Elastic ${JSON.stringify(theirs)}`);
        };
        const ecs = event.ecs;
        const f = event.fields;
        const ts = get(exp, '@timestamp') as string | undefined;
        if (ts !== undefined) {
          if (event.timeQuality === 'year-inferred') check('@timestamp (no year)', iso(event.timestamp)?.slice(4), ts.slice(4));
          else check('@timestamp', iso(event.timestamp), ts);
        }
        check('event.id', f['ns.logid'] ?? f.cn1, get(exp, 'event.id'));
        check('observer.hostname', f['ns.hostname'], get(exp, 'observer.hostname'));
        check('source.ip', ecs['source.ip'], get(exp, 'source.ip') ?? get(exp, 'client.ip'));
        check('source.port', ecs['source.port'], get(exp, 'source.port'));
        check('source.nat.ip', ecs['source.nat.ip'], get(exp, 'source.nat.ip'));
        check('destination.ip', ecs['destination.ip'], get(exp, 'destination.ip') ?? get(exp, 'server.ip'));
        check('destination.port', ecs['destination.port'], get(exp, 'destination.port') ?? get(exp, 'server.port'));
        check('network.forwarded_ip', ecs['network.forwarded_ip'], get(exp, 'network.forwarded_ip'));
        check('source.bytes', ecs['source.bytes'], get(exp, 'source.bytes'));
        check('destination.bytes', ecs['destination.bytes'], get(exp, 'destination.bytes'));
        check('event.start', iso(ecs['event.start']), get(exp, 'event.start'));
        check('event.end', iso(ecs['event.end']), get(exp, 'event.end'));
        check('event.outcome', ecs['event.outcome'], get(exp, 'event.outcome'));
        check('process.command_line', ecs['process.command_line'], get(exp, 'process.command_line'));
        check('http.request.method', ecs['http.request.method'], get(exp, 'http.request.method'));
        check('url.original', ecs['url.original'], get(exp, 'url.original'));
        // Elastic files a CONNECT target (`host:443`) as a request path; it is not one, so we set
        // url.original/url.domain only.
        if (ecs['http.request.method'] !== 'CONNECT') check('url.path', ecs['url.path'], get(exp, 'url.path') ?? get(exp, 'citrix_adc.log.request.path'));
        check('url.domain', ecs['url.domain'], get(exp, 'url.domain'));
        check('weerbaar.session_id', ecs['weerbaar.session_id'], get(exp, 'citrix_adc.log.session_id'));
        // Elastic prefers the Context user when it differs from `User`; we keep the authenticated
        // `User` (the Context name can be a host name, see the UDPFLOWSTAT sample) and compare raw.
        const contextUser = f.Context?.slice(0, f.Context.lastIndexOf('@'));
        if (!(f.User && contextUser && contextUser !== f.User)) {
          check('user.name', ecs['user.name'], get(exp, 'user.name'));
          check('user.domain', ecs['user.domain'], get(exp, 'user.domain'));
        }
        check('fields.User', f.User, get(exp, 'citrix_adc.log.user'));
        check('fields.Group(s)', f['Group(s)'], get(exp, 'citrix_adc.log.groups'));
        check('fields.LogoutMethod', f.LogoutMethod, get(exp, 'citrix_adc.log.logout_method'));
        check('fields.Command', f.Command, get(exp, 'citrix_adc.log.command'));
        check('fields.Duration', f.Duration, (get(exp, 'citrix_adc.log.duration') as string | undefined)?.trim());
        check('fields.ICAUUID', f.ICAUUID, get(exp, 'citrix_adc.log.ica_uuid'));
        check('fields.connectionId', f.connectionId, get(exp, 'citrix_adc.log.connection_id'));
        check('fields.SSO', f.SSO, get(exp, 'citrix_adc.log.sso_status'));
      }
    }
    expect(mismatches).toEqual([]);
    expect(matched).toBeGreaterThanOrEqual(54);
    expect(compared).toBeGreaterThanOrEqual(500);
  });
});

function get(obj: Record<string, unknown>, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

describe('crafted lines per message type (reference §1.4)', () => {
  const LOGIN_BSD =
    'Oct  1 06:02:44 gw1 10/01/2023:06:02:44  C-SYS-F2-003 0-PPE-4 : default SSLVPN LOGIN 104413247 0 : Context alice@corp.example@198.51.100.7 - SessionId: 34921 - User alice@corp.example - Client_ip 198.51.100.7 - Nat_ip "Mapped Ip" - Vserver 203.0.113.10:443 - Browser_type "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/117.0.0.0 Safari/537.36" - SSLVPN_client_type ICA - Group(s) "N/A"';
  const LOGIN_LOCAL =
    'Nov  2 05:31:28 <local0.info> 10.0.0.19  11/02/2023:04:31:28 GMT EXT 0-PPE-0 : default SSLVPN LOGIN 4913897 0 : Context bob@198.51.100.8 - SessionId: 21066 - User bob - Client_ip 198.51.100.8 - Nat_ip "Mapped Ip" - Vserver 203.0.113.10:443 - Browser_type "Mozilla/5.0 (X11; Linux x86_64)" - SSLVPN_client_type ICA - Group(s) "N/A"';
  const LOGIN_PRI =
    '<135> 01/16/2026:14:17:00 GMT ns-b 0-PPE-0 : default SSLVPN LOGIN 2345680 0 :  User carol - Client_ip 198.51.100.9 - X-Forwarded-For_ip 192.0.2.5 - Nat_ip "Mapped Ip" - Vserver 203.0.113.10:443 - Browser_type "Mozilla/5.0" - Group(s) "VPN_USERS"';

  it('SSLVPN LOGIN behind a BSD prefix (no GMT → zone-assumed UTC)', () => {
    const e = one(LOGIN_BSD);
    expect(e.dataset).toBe('netscaler.syslog');
    expect(iso(e.timestamp)).toBe('2023-10-01T06:02:44.000Z');
    expect(e.timeQuality).toBe('zone-assumed');
    expect(e.ecs).toMatchObject({
      'event.action': 'sslvpn.login', 'event.category': 'authentication', 'event.outcome': 'success',
      'host.name': 'C-SYS-F2-003', 'user.name': 'alice', 'user.domain': 'corp.example', 'source.ip': '198.51.100.7',
      'destination.ip': '203.0.113.10', 'destination.port': 443, 'weerbaar.session_id': '34921',
      'user_agent.original': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/117.0.0.0 Safari/537.36',
    });
    expect(e.ecs['source.nat.ip']).toBeUndefined(); // "Mapped Ip" is not an address
    expect(e.fields.Nat_ip).toBe('Mapped Ip');
    expect(e.fields['Group(s)']).toBe('N/A');
    expect(e.message).toBe(LOGIN_BSD);
    expect(e.raw.equals(Buffer.from(LOGIN_BSD))).toBe(true);
  });

  it('SSLVPN LOGIN behind <local0.info> NSIP with GMT (exact) and behind <PRI> with XFF', () => {
    const a = one(LOGIN_LOCAL);
    expect(iso(a.timestamp)).toBe('2023-11-02T04:31:28.000Z');
    expect(a.timeQuality).toBe('exact');
    expect(a.ecs).toMatchObject({ 'host.name': 'EXT', 'user.name': 'bob', 'source.ip': '198.51.100.8', 'log.level': 'info' });
    const b = one(LOGIN_PRI);
    expect(b.ecs).toMatchObject({ 'user.name': 'carol', 'source.ip': '198.51.100.9', 'network.forwarded_ip': '192.0.2.5', 'log.level': 'debug' });
    expect(b.ecs['weerbaar.session_id']).toBeUndefined();
  });

  it('RFC 3339 prefix and no prefix at all', () => {
    const body = '07/09/2024:01:08:11 GMT ns2 0-PPE-0 : default SSLVPN LOGIN 1 0 :  User z - Client_ip 198.51.100.9';
    expect(iso(one(`2024-07-09T01:08:12.285005+00:00 10.0.0.1 ${body}`).timestamp)).toBe('2024-07-09T01:08:11.000Z');
    expect(one(body).ecs['source.ip']).toBe('198.51.100.9');
  });

  it('TCPCONNSTAT: the connection Source is source.ip/port; bytes, times, duration', () => {
    const e = one(
      '<134> 07/09/2024:01:08:11 GMT ns2 0-PPE-0 : default SSLVPN TCPCONNSTAT 441998644 0 : Context dave@corp.example@198.51.100.7 - SessionId: 13370 - User dave@corp.example - Client_ip 198.51.100.7 - Nat_ip 10.0.0.8 - Vserver 203.0.113.10:443 - Source 198.51.100.7:53772 - Destination 10.1.2.3:443 - Start_time "07/09/2024:01:08:11 GMT" - End_time "07/09/2024:01:09:11 GMT" - Duration 00:01:00  - Total_bytes_send 10 - Total_bytes_recv 3625 - Total_compressedbytes_send 0 - Total_compressedbytes_recv 0 - Compression_ratio_send 0.00% - Compression_ratio_recv 0.00% - Access Allowed - Group(s) "N/A"',
    );
    expect(e.ecs).toMatchObject({
      'event.action': 'sslvpn.tcpconnstat', 'event.category': 'network', 'event.outcome': 'success',
      'source.ip': '198.51.100.7', 'source.port': 53772, 'source.nat.ip': '10.0.0.8', 'destination.ip': '10.1.2.3', 'destination.port': 443,
      'source.bytes': 10, 'destination.bytes': 3625, 'event.duration': 60e9,
      'event.start': Date.UTC(2024, 6, 9, 1, 8, 11), 'event.end': Date.UTC(2024, 6, 9, 1, 9, 11),
    });
  });

  it('UDPFLOWSTAT, TCPCONN_TIMEDOUT and an IPv6 Source / Context', () => {
    const u = one('<134> 09/09/2024:20:46:07 GMT vpn 0-PPE-1 : default SSLVPN UDPFLOWSTAT 4783495 0 : Context eve@2001:db8::7 - SessionId: 1234 - User eve - Client_ip 2001:db8::7 - Nat_ip 10.0.0.9 - Vserver 203.0.113.1:443 - Source [2001:db8::7]:63685 - Destination 10.1.0.1:53 - Duration 00:02:03  - Total_bytes_send 49 - Total_bytes_recv 168 - Access Allowed');
    expect(u.ecs).toMatchObject({ 'source.ip': '2001:db8::7', 'source.port': 63685, 'destination.port': 53, 'event.duration': 123e9 });
    const ctx = one('<134> 09/09/2024:20:46:07 GMT vpn 0-PPE-1 : default SSLVPN LOGIN 1 0 : Context eve@corp.example@2001:db8::7 - SessionId: 9 - User eve@corp.example - Client_ip  - Nat_ip "Mapped Ip"');
    expect(ctx.ecs).toMatchObject({ 'source.ip': '2001:db8::7', 'user.name': 'eve', 'user.domain': 'corp.example' });
    const t = one('<135> 01/16/2026:14:19:00 GMT ns-b 0-PPE-0 : default SSLVPN TCPCONN_TIMEDOUT 2345682 0 :  User u - Client_ip 198.51.100.9 - Nat_ip "Mapped Ip" - Vserver 203.0.113.1:443 - Last_contact "01/16/2026:14:18:00 GMT" - Group(s) "N/A"');
    expect(t.ecs['event.action']).toBe('sslvpn.tcpconn_timedout');
    expect(t.fields.Last_contact).toBe('01/16/2026:14:18:00 GMT');
  });

  it('SSLVPN LOGOUT with trailing-space times; AAATM LOGOUT with an empty Client_ip', () => {
    const s = one('<134> 07/07/2024:11:27:48  ns1 0-PPE-0 : default SSLVPN LOGOUT 138965445 0 : Context erin@corp.example@198.51.100.20 - SessionId: 74094 - User erin@corp.example - Client_ip 198.51.100.21 - Nat_ip "Mapped Ip" - Vserver 203.0.113.15:443 - Start_time "07/07/2024:10:48:33 " - End_time "07/07/2024:11:27:48 " - Duration 00:39:15  - Total_bytes_send 0 - Total_bytes_recv 32022 - LogoutMethod "TimedOut" - Group(s) "N/A"');
    expect(s.ecs).toMatchObject({ 'event.action': 'sslvpn.logout', 'event.category': 'session', 'source.ip': '198.51.100.21', 'event.reason': 'TimedOut', 'event.start': Date.UTC(2024, 6, 7, 10, 48, 33), 'event.duration': 2355e9 });
    expect(s.fields.Start_time).toBe('07/07/2024:10:48:33 ');
    const a = one('<134> 02/06/2025:17:50:13 GMT vpx01 0-PPE-1 : default AAATM LOGOUT 12956311 0 :  User frank - Client_ip  - Nat_ip "Mapped Ip" - Vserver 0.0.0.0:0 - Start_time "02/06/2025:17:50:13 GMT" - End_time "02/06/2025:17:50:13 GMT" - Duration 00:00:00  - LogoutMethod "TimedOut" - Group(s) "N/A"');
    expect(a.fields.Client_ip).toBe('');
    expect(a.ecs['source.ip']).toBeUndefined();
    expect(a.ecs).toMatchObject({ 'event.action': 'aaatm.logout', 'user.name': 'frank', 'destination.ip': '0.0.0.0' });
  });

  it('SSLVPN and AAATM HTTPREQUEST', () => {
    const s = one('<134> 07/07/2024:10:57:19  ns1 0-PPE-0 : default SSLVPN HTTPREQUEST 138832222 0 : Context erin@corp.example@198.51.100.20 - SessionId: 74999 - portal.corp.example User erin@corp.example : Group(s) N/A : Vserver 203.0.113.15:443 - 07/07/2024:10:57:19  : SSO is ON : GET /Citrix/Roaming/Accounts?a=b - -');
    expect(s.ecs).toMatchObject({
      'event.action': 'sslvpn.httprequest', 'event.category': 'web', 'http.request.method': 'GET', 'url.original': '/Citrix/Roaming/Accounts?a=b',
      'url.path': '/Citrix/Roaming/Accounts', 'url.query': 'a=b', 'url.domain': 'portal.corp.example', 'source.ip': '198.51.100.20', 'user.name': 'erin', 'weerbaar.session_id': '74999',
    });
    const a = one('<135> 07/09/2025:19:04:21 GMT ns-b 0-PPE-0 : default AAATM HTTPREQUEST 318039900 0 : Context gina@corp.example@198.51.100.30 - SessionId: 39526570 - app.corp.example User gina@corp.example : Group(s) N/A : Vserver 203.0.113.16:8085 - 07/09/2025:19:48:23 GMT : SSO is OFF : CONNECT app.corp.example:443 - -');
    expect(a.ecs).toMatchObject({ 'event.action': 'aaatm.httprequest', 'http.request.method': 'CONNECT', 'url.original': 'app.corp.example:443', 'destination.port': 8085 });
    expect(a.fields.SSO).toBe('OFF');
  });

  it('AAA LOGIN_FAILED and AAA Message with an empty hostname slot', () => {
    const f = one('<132> 07/13/2024:17:09:11 GMT ns1 0-PPE-0 : default AAA LOGIN_FAILED 1234567 0 :  User hank@corp.example - Client_ip 198.51.100.40 - Failure_reason "Username/Password mismatch" - Browser python-httpx/0.27.0');
    expect(f.ecs).toMatchObject({ 'event.action': 'aaa.login_failed', 'event.outcome': 'failure', 'event.reason': 'Username/Password mismatch', 'user_agent.original': 'python-httpx/0.27.0', 'log.level': 'warning' });
    const m = one('<135> 07/09/2025:19:05:23 GMT  0-PPE-6 : default AAA Message 12345678 0 :  "(6-9876543) send_authenticate_pdu: Sending Ensemble"', { host: 'from-options' });
    expect(m.fields['ns.hostname']).toBeUndefined();
    expect(m.ecs['host.name']).toBe('from-options');
    expect(m.ecs['event.action']).toBe('aaa.message');
    expect(m.fields.Message).toBe('(6-9876543) send_authenticate_pdu: Sending Ensemble');
  });

  it('CitrixBleed-2-shaped AAA Message: bytes 0x80–0xFF survive in raw, text and fields', () => {
    const head = Buffer.from('<135> 07/09/2025:19:05:23 GMT ns1 0-PPE-0 : default AAA Message 12345678 0 :  "Authentication is rejected for ', 'latin1');
    const leaked = Buffer.from([0x61, 0x80, 0x9f, 0xc3, 0xff, 0xfe, 0x41]);
    const line = Buffer.concat([head, leaked, Buffer.from('"', 'latin1')]);
    const e = one(Buffer.concat([line, Buffer.from('\n')]));
    expect(e.raw.equals(line)).toBe(true);
    expect(e.message).toBe(line.toString('latin1')); // not valid UTF-8 → decoded as Latin-1, byte for byte
    expect(e.fields.Message).toBe(`Authentication is rejected for ${leaked.toString('latin1')}`);
    expect(Buffer.from(e.fields.Message!, 'latin1').subarray(-leaked.length).equals(leaked)).toBe(true);
    expect(e.ecs['event.outcome']).toBe('failure');
  });

  it('API and CLI CMD_EXECUTED: Remote_ip is the source, Command the command line', () => {
    const api = one('May 31 02:05:23 <local0.info> 10.0.0.21  05/31/2024:06:05:23 GMT HA1 0-PPE-0 : default API CMD_EXECUTED 7825 0 :  User admuser - ADM_User NONE - Remote_ip 10.0.0.21 - Command "show ns license" - Status "Success"');
    expect(api.ecs).toMatchObject({ 'event.action': 'api.cmd_executed', 'event.category': 'configuration', 'source.ip': '10.0.0.21', 'process.command_line': 'show ns license', 'event.outcome': 'success', 'user.name': 'admuser' });
    const cli = one('<134> 07/09/2024:17:12:06 GMT ns1 0-PPE-0 : default CLI CMD_EXECUTED 6870 0 :  User nsroot - ADM_User NONE - Remote_ip 198.51.100.50 - Command "rm ns - x" - Status "ERROR: No such resource"');
    expect(cli.ecs).toMatchObject({ 'event.action': 'cli.cmd_executed', 'process.command_line': 'rm ns - x', 'event.outcome': 'failure' });
  });

  it('SSLLOG handshake and TCP CONN_DELINK', () => {
    const t = one('<135> 06/14/2024:16:01:39 GMT host1 0-PPE-0 : default SSLLOG SSL_HANDSHAKE_SUCCESS 220659228 0 :  SPCBId 27719517 - ClientIP 198.51.100.60 - ClientPort 38797 - VserverServiceIP 10.0.0.1 - VserverServicePort 443 - ClientVersion TLSv1.2 - CipherSuite "TLS1.2-ECDHE-RSA-AES256-GCM-SHA384" - Session New  - HandshakeTime 120 ms');
    expect(t.ecs).toMatchObject({ 'tls.version': 'TLSv1.2', 'tls.cipher': 'TLS1.2-ECDHE-RSA-AES256-GCM-SHA384', 'source.ip': '198.51.100.60', 'source.port': 38797, 'destination.ip': '10.0.0.1', 'destination.port': 443, 'event.outcome': 'success' });
    const d = one('<134> 06/14/2024:16:01:40 GMT host1 0-PPE-0 : default TCP CONN_DELINK 220659229 0 :  Source 198.51.100.60:48277 - Vserver 203.0.113.20:443 - NatIP 10.0.0.1:12248 - Destination 10.0.0.100:443 - Delink Time 06/14/2024:16:01:40 GMT - Total_bytes_send 0 - Total_bytes_recv 619');
    expect(d.ecs).toMatchObject({ 'event.action': 'tcp.conn_delink', 'source.nat.ip': '10.0.0.1', 'destination.ip': '10.0.0.100', 'event.end': Date.UTC(2024, 5, 14, 16, 1, 40), 'destination.bytes': 619 });
    expect(d.fields['Delink Time']).toBe('06/14/2024:16:01:40 GMT');
  });

  it('ICAEND_CONNSTAT: tags, ICAUUID, username:domainname', () => {
    const e = one('<134> 07/12/2024:17:43:21 GMT ns1 0-PPE-0 : default SSLVPN ICAEND_CONNSTAT 1234567 0 :  [TCP] [CGP][ICAUUID=00000000-1234] Source 198.51.100.5:56855 - Destination 10.0.0.50:2598 - customername  - username:domainname kev:corp - startTime "07/12/2024:14:12:14 GMT" - endTime "07/12/2024:17:43:21 GMT" - Duration 03:31:07  - Total_bytes_send 64 - connectionId 3333999');
    expect(e.ecs).toMatchObject({ 'user.name': 'kev', 'user.domain': 'corp', 'source.port': 56855, 'event.duration': (3 * 3600 + 31 * 60 + 7) * 1e9 });
    expect(e.fields).toMatchObject({ tags: 'TCP,CGP', ICAUUID: '00000000-1234', customername: '', connectionId: '3333999' });
  });

  it('X-Forwarded-For variants: list, unknown, empty, IPv6', () => {
    const xff = (v: string) => one(`<135> 01/16/2026:14:22:00 GMT ns-b 0-PPE-0 : default SSLVPN LOGIN 1 0 :  User u - Client_ip 198.51.100.9 - X-Forwarded-For_ip ${v}- Nat_ip "Mapped Ip"`);
    const list = xff('192.0.2.5, 192.0.2.6 ');
    expect(list.ecs['network.forwarded_ip']).toBe('192.0.2.5');
    expect(list.fields['X-Forwarded-For_ip']).toBe('192.0.2.5, 192.0.2.6');
    expect(xff('unknown ').ecs['network.forwarded_ip']).toBeUndefined();
    expect(xff('unknown ').fields['X-Forwarded-For_ip']).toBe('unknown');
    expect(xff('').fields['X-Forwarded-For_ip']).toBe('');
    expect(xff('::ffff:192.0.2.7 ').ecs['network.forwarded_ip']).toBe('::ffff:192.0.2.7');
  });

  it('date order: DD/MM detected from a day > 12 and remembered; forced order; YYYY/MM/DD', () => {
    const line = (d: string) => `<134> ${d}:09:38:41  SYSLOGHOST 0-PPE-1 : default TCP CONN_TERMINATE 1 0 :  Source 127.1.2.1:80`;
    const auto = parse([line('21/08/2024'), line('10/08/2024')].join('\n'));
    expect(auto.events.map((e) => iso(e.timestamp))).toEqual(['2024-08-21T09:38:41.000Z', '2024-08-10T09:38:41.000Z']);
    expect(iso(one(line('10/08/2024')).timestamp)).toBe('2024-10-08T09:38:41.000Z');
    expect(iso(one(line('10/08/2024'), { dateOrder: 'dmy' }).timestamp)).toBe('2024-08-10T09:38:41.000Z');
    expect(iso(one(line('2024/08/10')).timestamp)).toBe('2024-08-10T09:38:41.000Z');
    expect(failure(line('10/30/2024'), { dateOrder: 'dmy' })).toBe('invalid date 10/30/2024:09:38:41');
    // An impossible date does not teach the order: the next ambiguous line stays MM/DD.
    const after = parse([line('13/45/2024'), line('10/08/2024')].join('\n'));
    expect(after.failures).toHaveLength(1);
    expect(iso(after.events[0]!.timestamp)).toBe('2024-10-08T09:38:41.000Z');
  });

  it('--tz Europe/Amsterdam converts times without GMT (zone-assumed) and leaves GMT alone', () => {
    const tz = { timeZone: 'Europe/Amsterdam' };
    const local = one('<134> 07/07/2024:11:27:48  ns1 0-PPE-0 : default SSLVPN LOGOUT 1 0 : User x - Start_time "07/07/2024:10:48:33 "', tz);
    expect(iso(local.timestamp)).toBe('2024-07-07T09:27:48.000Z');
    expect(local.timeQuality).toBe('zone-assumed');
    expect(local.ecs['event.start']).toBe(civilToUtc({ year: 2024, month: 7, day: 7, hour: 10, minute: 48, second: 33 }, 'Europe/Amsterdam'));
    const gmt = one('<134> 07/07/2024:11:27:48 GMT ns1 0-PPE-0 : default SSLVPN LOGOUT 1 0 : User x', tz);
    expect(iso(gmt.timestamp)).toBe('2024-07-07T11:27:48.000Z');
    expect(gmt.timeQuality).toBe('exact');
  });

  it('hour 24 is read as midnight of the next day and flagged', () => {
    const e = one('<134> 07/07/2024:24:00:05 GMT ns1 0-PPE-0 : default SSLVPN LOGIN 1 0 : User x');
    expect(iso(e.timestamp)).toBe('2024-07-08T00:00:05.000Z');
    expect(e.timeQuality).toBe('hour-24');
  });

  it('pitboss and kernel lines without an NS envelope become netscaler.syslog events', () => {
    const { events, failures } = parse(
      'Jan 19 23:00:06 ns pitboss[123]: NSPPE-00 (12345) unexpectedly died\nJan 19 23:00:07 <kern.crit> ns kernel: pid 1234 (nsppe), uid 0: exited on signal 6 (core dumped)\n',
      { referenceTime: Date.UTC(2025, 2, 1) },
    );
    expect(failures).toEqual([]);
    expect(events.map((e) => [iso(e.timestamp), e.timeQuality, e.dataset, e.ecs['event.action'], e.ecs['process.name'], e.ecs['process.pid'], e.ecs['host.name']])).toEqual([
      ['2025-01-19T23:00:06.000Z', 'year-inferred', 'netscaler.syslog', 'syslog', 'pitboss', 123, 'ns'],
      ['2025-01-19T23:00:07.000Z', 'year-inferred', 'netscaler.syslog', 'syslog', 'kernel', undefined, 'ns'],
    ]);
    expect(events[0]!.fields.Message).toBe('NSPPE-00 (12345) unexpectedly died');
    // A date inside the text does not turn a plain syslog line into a broken ns.log record.
    expect(one('Jan 19 23:00:08 ns pitboss[9]: core dump 01/19/2025:23:00:08 written', { referenceTime: Date.UTC(2025, 2, 1) }).ecs['process.name']).toBe('pitboss');
    expect(events[1]!.ecs['log.level']).toBe('crit');
  });

  it('CEF WAF records: header and extension into fields, action from the signature', () => {
    const e = one('Jun 12 23:37:17 <local0.info> 81.2.69.144 CEF:0|Citrix|NetScaler|NS11.0|APPFW|APPFW_STARTURL|6|src=198.51.100.1 spt=47606 method=GET request=http://shop.example/FFC/login.html?x=1 msg=Disallow Illegal URL. cn1=1340 cs1=pr_ffc act=blocked', { referenceTime: Date.UTC(2015, 11, 1) });
    expect(e.ecs).toMatchObject({ 'event.action': 'appfw.appfw_starturl', 'source.ip': '198.51.100.1', 'source.port': 47606, 'http.request.method': 'GET', 'url.domain': 'shop.example', 'url.path': '/FFC/login.html', 'url.query': 'x=1', 'event.reason': 'Disallow Illegal URL.' });
    expect(e.fields).toMatchObject({ 'cef.device_product': 'NetScaler', 'cef.name': 'APPFW_STARTURL', act: 'blocked', cn1: '1340' });
    expect(iso(e.timestamp)).toBe('2015-06-12T23:37:17.000Z');
    expect(failure('Jun 12 23:37:17 host CEF:0|Citrix|NetScaler|NS11.0')).toMatch(/^CEF header incomplete/);
  });
});

describe('malformed input: a failure with a reason, never a throw', () => {
  it('truncated lines', () => {
    expect(failure('<134> 07/07/2024:19:16:12  ns1 0-PPE-0 : default TCP CONN_TER')).toMatch(/^envelope incomplete after PPE id/);
    expect(failure('<134> 07/07/2024:19:16:12  ns1')).toMatch(/no packet-engine id/);
    expect(failure('<134> 07/07/20')).toBe('no NetScaler timestamp');
  });
  it('binary garbage', () => {
    expect(failure(Buffer.from([0x00, 0x01, 0xff, 0x7f, 0x1b, 0x5b, 0x32, 0x4a, 0x90]))).toMatch(/^no NetScaler timestamp \(line has \d+ control/);
  });
  it('mixed encodings on separate lines keep their own decoding', () => {
    const utf8 = Buffer.from('<134> 07/07/2024:19:16:12 GMT ns1 0-PPE-0 : default AAA LOGIN_FAILED 1 0 :  User jösé - Client_ip 198.51.100.1\n', 'utf8');
    const latin1 = Buffer.from('<134> 07/07/2024:19:16:13 GMT ns1 0-PPE-0 : default AAA LOGIN_FAILED 2 0 :  User jösé - Client_ip 198.51.100.1\n', 'latin1');
    const { events, failures } = parse(Buffer.concat([utf8, latin1, Buffer.from('\xff\xfe garbage \x00\n', 'latin1')]));
    expect(events.map((e) => e.fields.User)).toEqual(['jösé', 'jösé']);
    expect(events[1]!.raw.includes(Buffer.from([0xf6]))).toBe(true);
    expect(failures).toHaveLength(1);
  });
  it('invalid dates', () => {
    expect(failure('<134> 13/45/2024:10:00:00 GMT ns1 0-PPE-0 : default SSLVPN LOGIN 1 0 : User x')).toBe('invalid date 13/45/2024:10:00:00');
    expect(failure('<134> 02/30/2024:10:00:00 GMT ns1 0-PPE-0 : default SSLVPN LOGIN 1 0 : User x')).toBe('invalid date 02/30/2024:10:00:00');
  });
  it('an unknown --tz fails each line with the reason instead of throwing', () => {
    expect(failure('<134> 07/07/2024:19:16:12 ns1 0-PPE-0 : default SSLVPN LOGIN 1 0 : User x', { timeZone: 'Mars/Olympus' })).toMatch(/^parser error: .*time zone/i);
  });
  it('hostile 1 MiB-ish lines finish quickly (no runaway backtracking)', () => {
    const start = Date.now();
    const repeated = '01/01/2024:00:00:00 h 0-PPE-0 : A B '.repeat(25_000);
    const http = `<134> 07/07/2024:10:57:19 ns1 0-PPE-0 : default SSLVPN HTTPREQUEST 1 0 : ${'x User y : Group(s) z : '.repeat(30_000)}`;
    const { events, failures } = parse(`${repeated}\n${http}\n`);
    expect(events.length + failures.length).toBe(2);
    expect(Date.now() - start).toBeLessThan(3000);
  });
  it('blank lines are skipped; every other line is accounted for', () => {
    const { events, failures } = parse('\n   \n"\n<134> 07/07/2024:19:16:12 GMT ns1 0-PPE-0 : default SSLVPN LOGIN 1 0 : User x\n\n');
    expect(events).toHaveLength(1);
    expect(failures.map((f) => [f.line, f.reason])).toEqual([[3, 'stray quote line (NetScaler artefact)']]);
  });
});
