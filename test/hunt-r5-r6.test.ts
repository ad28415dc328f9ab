import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findConcurrency } from '../src/detection/session-concurrency.js';
import { netscalerSyslogParser } from '../src/ingest/netscaler-syslog-parser.js';
import { parseFile } from '../src/ingest/parse-file.js';
import { DuckdbEventStore } from '../src/store/duckdb-event-store.js';
import { cli } from './support/cli-harness.js';
import { useEngineWorkspace } from './support/engine-workspace.js';
import { engines, postgresSkipReason } from './support/engines.js';

/**
 * NS-R6 (status split for path-based CVEs in httpaccess.log), NS-R7 (command output in
 * httperror.log) through `weerbaar hunt`, and NS-R5 (concurrency) through findConcurrency on a
 * DuckDB store loaded by the ns.log parser.
 */

if (postgresSkipReason) describe.skip(postgresSkipReason, () => undefined);

interface Report {
  errors: unknown[];
  summary: { ruleId: string; verdict: string; hits: number }[];
}

/** One `combined_resptime` httpaccess line (the packet engine's loopback peer, as on a real box). */
const access = (second: number, request: string, status: number, agent = 'Mozilla/5.0 (X11; Linux x86_64)') =>
  `127.0.0.1 - - [15/Jul/2025:06:00:${String(second).padStart(2, '0')} +0000] [4242] "${request} HTTP/1.1" ${status} 512 "-" "${agent}" "Time: 812 microsecs"`;

describe.each(engines)('hunt NS-R6/R7 on $name', (engine) => {
  const t = useEngineWorkspace(engine);

  it('splits path exploits by what the appliance answered, and leaves stock requests alone', async () => {
    const logs = join(t.root, 'var', 'log');
    await mkdir(logs, { recursive: true });
    const longHost = `${'a'.repeat(150)}.example`;
    await writeFile(
      join(logs, 'httpaccess.log'),
      [
        access(1, 'GET /vpn/x.php', 404), // script-attempt: looking for a shell
        access(2, 'GET /logon/LogonPoint/uiareas/y.php', 200), // script-success
        access(3, 'GET /%76%70%6e%73/theme/a.php', 200), // script-success, `vpns` percent-encoded
        access(4, 'POST /vpn/b.phtml', 500), // script-scan
        access(5, 'GET /vpn/js/gateway_login_view.js', 200), // stock file: nothing
        access(6, 'GET /vpn/index.html?x=.php', 200), // .php only in the query: nothing
        access(7, 'GET /vpns/portal/scripts/newbm.pl', 200), // authenticated portal use, no traversal: nothing
        access(8, 'POST /vpn/../vpns/portal/scripts/newbm.pl', 200), // vpns-traversal-success
        access(9, 'GET /vpn/../vpns/cfg/smb.conf', 403), // vpns-traversal-scan (mitigation policy)
        access(10, 'GET /vpns/portal/abc.xml', 304), // vpns-template-success
        access(11, 'GET /vpn/%2E%2E/vpns/portal/def.xml', 404), // vpns-template-attempt, not also traversal
        access(12, 'GET /vpn/index.html', 200, 'Y2F0IC9ldGMvcGFzc3dk'), // b64-agent-success: "cat /etc/passwd"
        access(13, 'GET /vpn/nothere.html', 404, 'INDEX:aWQ='), // b64-agent-attempt
        access(14, 'GET /vpn/index.html', 200, 'GoogleBotCrawler'), // letters only: not base64 evidence
        access(15, 'GET /oauth/idp/.well-known/openid-configuration', 200), // oidc-success (Host unknown)
        access(16, `GET http://${longHost}/oauth/idp/.well-known/openid-configuration`, 200), // oidc-long-host-success
        access(17, 'GET http://gw.example/oauth/idp/.well-known/openid-configuration', 200), // short Host: nothing
        '',
      ].join('\n'),
    );
    await writeFile(
      join(logs, 'httperror.log'),
      [
        "[Wed Jul 15 06:01:00.127785 2025] [:info] [pid 993] AH00094: Command line: '/bin/httpd -f /etc/httpd.conf'",
        'curl: (7) Failed to connect to 203.0.113.9 port 80: Connection refused',
        '  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current',
        '[Wed Jul 15 06:02:00 2025] [cgi:error] [pid 995] [client 198.51.100.7:50000] AH01215: cat: /proc/version: No such file or directory',
        'Traceback (most recent call last):',
        '[Wed Jul 15 06:03:00 2025] [core:error] [pid 996] [client 198.51.100.7:50001] AH00128: File does not exist: /netscaler/ns_gui/vpn/curl.js',
        '',
      ].join('\n'),
    );
    expect((await cli(['-w', t.ws, 'evidence', 'add', logs], { env: t.env })).code).toBe(0);

    const run = await cli(['-w', t.ws, 'hunt', '--json'], { env: t.env });
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.errors).toEqual([]);
    expect(Object.fromEntries(report.summary.map((r) => [r.ruleId, `${r.verdict} ${r.hits}`]))).toEqual({
      'NS-R6-script-attempt': 'REVIEW 1',
      'NS-R6-script-success': 'ATTEMPT 2',
      'NS-R6-script-scan': 'REVIEW 1',
      'NS-R6-vpns-traversal-success': 'ATTEMPT 1',
      'NS-R6-vpns-traversal-scan': 'INFO 1',
      'NS-R6-vpns-template-success': 'COMPROMISE 1',
      'NS-R6-vpns-template-attempt': 'ATTEMPT 1',
      'NS-R6-b64-agent-success': 'ATTEMPT 1',
      'NS-R6-b64-agent-attempt': 'REVIEW 1',
      'NS-R6-oidc-success': 'REVIEW 1',
      'NS-R6-oidc-long-host-success': 'ATTEMPT 1',
      'NS-R7': 'COMPROMISE 4',
    });
    // Untimed command output sits on the timeline at its lower bound: after the previous timed line.
    const timeline = JSON.parse((await cli(['-w', t.ws, 'timeline', '--json'], { env: t.env })).stdout) as { rule: string | null; datetime: string; timestamp_desc: string; line: number | null }[];
    expect(timeline.filter((e) => e.rule === 'NS-R7').map((e) => `${e.line} ${e.datetime} ${e.timestamp_desc}`)).toEqual([
      '2 2025-07-15T06:01:00.127Z Written After',
      '3 2025-07-15T06:01:00.127Z Written After',
      '4 2025-07-15T06:02:00.000Z Event Recorded',
      '5 2025-07-15T06:02:00.000Z Written After',
    ]);
  });
});

describe('NS-R5 concurrency on a DuckDB store', () => {
  const login = (time: string, user: string, session: number, ip: string) =>
    `<134> 07/15/2025:${time} GMT ns-gw-01 0-PPE-0 : default SSLVPN LOGIN 1 0 : Context ${user}@eps.example@${ip} - SessionId: ${session} - User ${user}@eps.example - Client_ip ${ip} - Nat_ip "Mapped Ip" - Vserver 192.0.2.10:443 - Browser_type "Mozilla/5.0" - Group(s) "N/A"`;
  const conn = (time: string, user: string, session: number, client: string, source: string) =>
    `<134> 07/15/2025:${time} GMT ns-gw-01 0-PPE-0 : default SSLVPN TCPCONNSTAT 2 0 : Context ${user}@eps.example@${client} - SessionId: ${session} - User ${user}@eps.example - Client_ip ${client} - Nat_ip 10.0.0.8 - Vserver 192.0.2.10:443 - Source ${source}:50000 - Destination 10.1.2.3:443 - Start_time "07/15/2025:${time} GMT" - End_time "07/15/2025:${time} GMT" - Duration 00:00:01  - Total_bytes_send 10 - Total_bytes_recv 20 - Access Allowed - Group(s) "N/A"`;

  it('finds a user on two networks at once and an address shared by ten users, reading the store page by page', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weerbaar-r5-'));
    const store = await DuckdbEventStore.open({ engine: 'duckdb', path: join(dir, 'events.duckdb') });
    try {
      const nat = Array.from({ length: 10 }, (_, i) => login(`08:0${i}:00`, `staff${i}`, 100 + i, '192.0.2.200'));
      const lines = [
        login('07:00:00', 'alice', 1, '198.51.100.7'),
        conn('07:04:00', 'alice', 1, '198.51.100.7', '198.51.100.9'), // same /24: one network
        conn('07:10:00', 'alice', 1, '198.51.100.7', '203.0.113.66'), // exactly ten minutes after the login
        login('07:00:00', 'bob', 2, '2001:db8:1:1::5'),
        conn('07:05:00', 'bob', 2, '2001:db8:1:1::5', '2001:db8:1:ff::9'), // same /48
        login('09:00:00', 'carol', 3, '198.51.100.20'),
        login('09:20:00', 'carol', 4, '203.0.113.20'), // twenty minutes later: not concurrent
        ...nat.slice(0, 9),
        login('08:09:00', 'staff9', 109, '192.0.2.200'),
        '',
      ];
      const file = join(dir, 'ns.log');
      await writeFile(file, lines.join('\n'));
      await parseFile(
        { file, gzip: false, dataset: 'netscaler.syslog', options: { path: 'ns.log' }, custody: { evidenceSha256: 'cd'.repeat(32), path: '/evidence/ns.log', host: null }, batchDir: dir },
        netscalerSyslogParser,
        async (batch) => {
          if (batch.eventsCsv) await store.loadCsv('events', batch.eventsCsv, batch.custody);
        },
      );
      const findings = await findConcurrency(store, { pageSize: 3 });
      expect(findings.map(({ eventIds, ...rest }) => ({ ...rest, evidence: eventIds.length }))).toEqual([
        {
          kind: 'user-networks',
          key: 'alice',
          values: ['198.51.100.0/24', '203.0.113.0/24'],
          first: Date.parse('2025-07-15T07:04:00Z'),
          last: Date.parse('2025-07-15T07:10:00Z'),
          evidence: 2,
        },
        {
          kind: 'shared-ip',
          key: '192.0.2.200',
          values: Array.from({ length: 10 }, (_, i) => `staff${i}`),
          first: Date.parse('2025-07-15T08:00:00Z'),
          last: Date.parse('2025-07-15T08:09:00Z'),
          evidence: 10,
        },
      ]);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
