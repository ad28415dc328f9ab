import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './support/cli-harness.js';
import { useEngineWorkspace } from './support/engine-workspace.js';
import { engines, postgresSkipReason } from './support/engines.js';

/** `weerbaar footprint` (derived entities, analyst decisions, audited) and `weerbaar timeline` (JSON, Timesketch CSV). */

if (postgresSkipReason) describe.skip(postgresSkipReason, () => undefined);

interface Entity {
  kind: string;
  value: string;
  via: string;
  rules: string[];
  first: string | null;
  last: string | null;
  events: number;
}

const login = (t: string, user: string, session: number, ip: string) =>
  `<134> 07/15/2025:${t} GMT ns-gw-01 0-PPE-0 : default SSLVPN LOGIN 1 0 : Context ${user}@eps.example@${ip} - SessionId: ${session} - User ${user}@eps.example - Client_ip ${ip} - Nat_ip "Mapped Ip" - Vserver 192.0.2.10:443 - Browser_type "Mozilla/5.0" - Group(s) "N/A"`;
const conn = (t: string, user: string, session: number, ip: string) =>
  `<134> 07/15/2025:${t} GMT ns-gw-01 0-PPE-0 : default SSLVPN TCPCONNSTAT 2 0 : Context ${user}@eps.example@${ip} - SessionId: ${session} - User ${user}@eps.example - Client_ip ${ip} - Nat_ip 10.0.0.8 - Vserver 192.0.2.10:443 - Source ${ip}:50000 - Destination 10.1.2.3:443 - Start_time "07/15/2025:${t} GMT" - End_time "07/15/2025:${t} GMT" - Duration 00:00:01  - Total_bytes_send 10 - Total_bytes_recv 20 - Access Allowed - Group(s) "N/A"`;

describe.each(engines)('footprint and timeline on $name', (engine) => {
  const t = useEngineWorkspace(engine);

  it('derives the attacker entities from a hijacked session, pivots, and keeps analyst decisions in the audit log', async () => {
    const gw = join(t.root, 'gw');
    const web = join(t.root, 'web');
    await mkdir(gw);
    await mkdir(web);
    await writeFile(
      join(gw, 'ns.log'),
      Buffer.concat([
        Buffer.from(
          [
            login('07:00:00', 'bob', 3, '198.18.3.10'),
            conn('07:10:00', 'bob', 3, '198.18.3.10'),
            '<135> 07/15/2025:08:30:00 GMT ns-gw-01 0-PPE-6 : default AAA Message 12345678 0 :  "Authentication is rejected for ',
          ].join('\n'),
        ),
        Buffer.from([0x61, 0xc8, 0x9f, 0xff]),
        Buffer.from(['"', conn('09:00:00', 'bob', 3, '203.0.113.66'), conn('09:05:00', 'bob', 3, '203.0.113.66'), ''].join('\n')),
      ]),
    );
    await writeFile(join(web, 'access.log'), '203.0.113.66 - - [15/Jul/2025:09:06:00 +0000] "GET /vpn/index.html HTTP/1.1" 200 512 "-" "=cmd|curl/8.1"\n');
    expect((await cli(['-w', t.ws, 'evidence', 'add', gw], { env: t.env })).code).toBe(0);
    expect((await cli(['-w', t.ws, 'evidence', 'add', '--host', 'web-01', web], { env: t.env })).code).toBe(0);
    expect((await cli(['-w', t.ws, 'hunt'], { env: t.env })).code).toBe(0);

    const print = JSON.parse((await cli(['-w', t.ws, 'footprint', '--json'], { env: t.env })).stdout) as { entities: Entity[]; excluded: Entity[] };
    const seen = print.entities.map((e) => `${e.kind} ${e.value} ${e.via} ${e.first ?? '-'} ${e.last ?? '-'} ${e.events}`);
    expect(seen).toEqual([
      // The hijacking address: from NS-R4 (escalated by the NS-R1 attempt before it), first and last seen over all its events.
      'address 203.0.113.66 detection 2025-07-15T09:00:00.000Z 2025-07-15T09:06:00.000Z 3',
      // The session and its owner's account: the session spans the legitimate use too.
      'session 3 detection 2025-07-15T07:00:00.000Z 2025-07-15T09:05:00.000Z 4',
      'account bob detection 2025-07-15T07:00:00.000Z 2025-07-15T09:05:00.000Z 4',
      // Pivot: the user agent the address used on the web server.
      'user_agent =cmd|curl/8.1 pivot 2025-07-15T09:06:00.000Z 2025-07-15T09:06:00.000Z 1',
    ]);
    // The legitimate home address of the victim is not the attacker's.
    expect(print.entities.some((e) => e.value === '198.18.3.10')).toBe(false);

    const csv = (await cli(['-w', t.ws, 'timeline', '--csv'], { env: t.env })).stdout.split('\n');
    expect(csv[0]).toBe('message,datetime,timestamp,timestamp_desc,kind,end,rule,verdict,confidence,fix_relation,host,source_ip,user,session,file,line,offset,evidence_sha256');
    expect(csv.filter((l) => /,Session (Start|End),session,/.test(l))).toHaveLength(2);
    expect(csv.find((l) => l.includes(',Session Start,'))).toContain(',2025-07-15T07:00:00.000Z,1752562800000000,');
    expect(csv.some((l) => l.includes(',NS-R1,ATTEMPT,high,') && l.includes(',2025-07-15T08:30:00.000Z,'))).toBe(true);
    const json = JSON.parse((await cli(['-w', t.ws, 'timeline', '--json'], { env: t.env })).stdout) as { datetime: string; kind: string; rule: string | null; line: number | null }[];
    expect(json.map((e) => e.datetime)).toEqual([...json.map((e) => e.datetime)].sort());
    expect(json.filter((e) => e.rule === 'NS-R4').map((e) => e.line)).toEqual([4, 5]);

    const excluded = await cli(['-w', t.ws, 'footprint', 'exclude', 'address', '203.0.113.66', '--reason', 'our red team'], { env: t.env });
    expect(excluded.code, excluded.stderr).toBe(0);
    const after = JSON.parse((await cli(['-w', t.ws, 'footprint', '--json'], { env: t.env })).stdout) as { entities: Entity[]; excluded: (Entity & { decision: { reason: string } })[] };
    expect(after.excluded.map((e) => `${e.kind} ${e.value} ${e.decision.reason}`)).toEqual(['address 203.0.113.66 our red team']);
    // Without the address there is nothing to pivot from: the user agent goes too.
    expect(after.entities.map((e) => e.kind)).toEqual(['session', 'account']);
    expect((await cli(['-w', t.ws, 'footprint', 'confirm', 'address', '192.0.2.99', '--reason', 'partner CERT sighting'], { env: t.env })).code).toBe(0);
    const confirmed = JSON.parse((await cli(['-w', t.ws, 'footprint', '--json'], { env: t.env })).stdout) as { entities: Entity[] };
    expect(confirmed.entities.find((e) => e.value === '192.0.2.99')).toMatchObject({ via: 'analyst', events: 0 });

    const log = JSON.parse((await cli(['-w', t.ws, 'audit', 'log', '--json'], { env: t.env })).stdout) as { action: string; subject: string }[];
    expect(log.filter((e) => e.action.startsWith('footprint.')).map((e) => `${e.action} ${e.subject}`)).toEqual(['footprint.exclude address:203.0.113.66', 'footprint.confirm address:192.0.2.99']);
    const noReason = await cli(['-w', t.ws, 'footprint', 'exclude', 'address', '1.2.3.4', '--reason', ' '], { env: t.env });
    expect(noReason.code).not.toBe(0);
    expect((await cli(['-w', t.ws, 'footprint', 'exclude', 'host', 'x', '--reason', 'r'], { env: t.env })).stderr).toMatch(/unknown entity kind "host"/);
  });
});
