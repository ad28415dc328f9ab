import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './support/cli-harness.js';
import { useEngineWorkspace } from './support/engine-workspace.js';
import { engines, postgresSkipReason } from './support/engines.js';

/** `weerbaar canary` and the hunt's tripwires: honey records and fingerprinted canary values, on every case store. */

if (postgresSkipReason) describe.skip(postgresSkipReason, () => undefined);

const INVENTORY = `
data_categories:
  - { id: shelter-addresses, name: Shelter addresses, sensitivity: secret, personal_data: true }
assets:
  - { id: shelter-registry, name: Shelter registry, kind: application, data_categories: [shelter-addresses], audit_logging: { granularity: record } }
`;
const ADDRESS = 'Lindenlaan 12, 3512 AB Utrecht';
const audit = (t: string, id: string) =>
  `{"timestamp":"${t}","system":"shelter-registry","user":"eve","session":"sr-1","source_ip":"10.250.1.5","action":"view","record_type":"shelter-address","record_id":"${id}","bytes":900,"outcome":"success"}`;

describe.each(engines)('canaries on $name', (engine) => {
  const t = useEngineWorkspace(engine);
  const run = (args: string[]) => cli(['-w', t.ws, ...args], { env: t.env });

  it('finds a honey-record access and canary values in later evidence, keeping only keyed fingerprints', async () => {
    await writeFile(join(t.root, 'inventory.yaml'), INVENTORY);
    expect((await run(['inventory', 'import', join(t.root, 'inventory.yaml')])).code).toBe(0);
    await writeFile(join(t.root, 'address.txt'), `${ADDRESS}\n`);

    // Registration: bad input is refused with the reason; nothing half-stored.
    expect((await run(['canary', 'add', 'address', '--label', 'decoy at lindenlaan 12 3512ab utrecht', '--value-file', join(t.root, 'address.txt')])).stderr).toContain('the label must not contain the canary value');
    expect((await run(['canary', 'add', 'phone', '--label', 'x', '--value', '12'])).code).toBe(3);
    expect((await run(['canary', 'add', 'honey-record', '--label', 'x', '--value', 'no-colon'])).stderr).toContain('SYSTEM:RECORD_ID');
    await writeFile(join(t.root, 'bad.csv'), 'kind,category,label,value,placed_at\ndns,shelter-addresses,beacon,zz9.canary.example.org,2025-07-01\nweird,,x,y,\n');
    const bad = await run(['canary', 'import', join(t.root, 'bad.csv')]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/bad\.csv:3.*unknown canary kind "weird"/);
    expect(JSON.parse((await run(['canary', 'list', '--json'])).stdout)).toEqual([]);

    expect((await run(['canary', 'add', 'honey-record', '--label', 'decoy shelter 1', '--value', 'shelter-registry:SH-9001', '--category', 'shelter-addresses', '--placed-at', '2025-07-01T00:00:00Z'])).code).toBe(0);
    const added = await run(['canary', 'add', 'address', '--label', 'decoy address A', '--value-file', join(t.root, 'address.txt'), '--category', 'shelter-addresses', '--placed-at', '2025-07-01']);
    expect(added.code).toBe(0);
    expect(added.stderr).toContain('is inside the workspace; set canaries.key_file');
    await writeFile(join(t.root, 'good.csv'), 'kind,category,label,value,placed_at\ndns,shelter-addresses,export beacon,zz9.canary.example.org,2025-07-01\ncredential,,honey admin password,Wint3r!Decoy#77,2025-07-01\n');
    expect((await run(['canary', 'import', join(t.root, 'good.csv')])).stdout).toContain('2 canaries registered');
    expect((await stat(join(t.ws, 'keys', 'canary-hmac.key'))).mode & 0o777).toBe(0o600);

    // Evidence: the application audit, proxy flows, a leak-site export (generic JSONL).
    await writeFile(join(t.root, 'audit.jsonl'), [audit('2025-06-20T10:00:00Z', 'SH-9001'), audit('2025-07-20T10:00:00Z', 'SH-9001'), audit('2025-07-20T10:01:00Z', 'SH-0001'), ''].join('\n'));
    await writeFile(
      join(t.root, 'proxy-flows.csv'),
      'timestamp,device,src_ip,src_port,dst_ip,dst_port,protocol,bytes_out,bytes_in,action,user,url\n2025-08-02T09:00:00Z,proxy-01,10.1.2.3,50000,192.0.2.9,443,https,900,5000,allowed,bob,https://a1.zz9.canary.example.org/pixel.gif\n2025-08-02T09:01:00Z,proxy-01,10.1.2.3,50001,192.0.2.9,443,https,900,5000,allowed,bob,https://canary.example.org/\n',
    );
    // Row 3 buries the address after 300 words of filler: a long line is searched in full.
    const filler = Array.from({ length: 300 }, (_, i) => `woord${i}`).join(' ');
    await writeFile(join(t.root, 'leak.jsonl'), ['{"row":1,"naam":"J. Jansen","adres":"3512ab  UTRECHT; lindenlaan 12"}', '{"row":2,"naam":"P. Smit","adres":"Dorpsstraat 3, 1000 AA Amsterdam"}', `{"row":3,"notes":"${filler} Lindenlaan 12 3512AB Utrecht"}`, ''].join('\n'));
    expect((await run(['evidence', 'add', join(t.root, 'audit.jsonl'), join(t.root, 'proxy-flows.csv'), join(t.root, 'leak.jsonl')])).code).toBe(0);

    const hunt = JSON.parse((await run(['hunt', '--json'])).stdout) as { canaries: { registered: number; sightings: number }; summary: { ruleId: string; ruleset: string; verdict: string; title: string; hits: number }[] };
    expect(hunt.canaries).toMatchObject({ registered: 4, sightings: 3 });
    const sightings = hunt.summary.filter((r) => r.ruleset === 'canary').map((r) => `${r.verdict} ${r.title} ${r.hits}`).sort();
    expect(sightings).toEqual([
      'COMPROMISE Canary address decoy address A (shelter-addresses) in evidence text 2',
      'COMPROMISE Canary dns export beacon (shelter-addresses) in url.original, url.domain 1',
      'COMPROMISE Honey record decoy shelter 1 (shelter-addresses) accessed (shelter-registry SH-9001) 1',
    ]);

    // What the case keeps: labels and fingerprints, never the values (list, audit log, and for SQLite the database file).
    const listed = (await run(['canary', 'list', '--json'])).stdout;
    const log = (await run(['audit', 'log', '--json'])).stdout;
    for (const text of [listed, log]) {
      expect(text).not.toMatch(/lindenlaan|zz9\.canary|Wint3r/i);
    }
    if (engine.name === 'sqlite') expect((await readFile(join(t.ws, 'case.sqlite'))).toString('latin1')).not.toMatch(/lindenlaan|zz9\.canary|Wint3r/i);
    expect(JSON.parse(listed)).toHaveLength(4);
  });

  it('refuses to match when the key is gone, rather than reporting no sightings', async () => {
    expect((await run(['canary', 'add', 'dns', '--label', 'beacon', '--value', 'q7.canary.example.org'])).code).toBe(0);
    const { rm } = await import('node:fs/promises');
    await rm(join(t.ws, 'keys', 'canary-hmac.key'));
    const hunt = await run(['hunt']);
    expect(hunt.code).toBe(3);
    expect(hunt.stderr).toContain("canary key");
    expect(hunt.stderr).toContain('is missing');
  });
});
