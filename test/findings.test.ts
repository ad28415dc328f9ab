import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateScenario } from '../src/scenario/example-prosecution-service.js';
import { netscalerBulletins } from '../src/scenario/netscaler-bulletins.js';
import { writeScenarioFiles } from '../src/scenario/scenario-files.js';
import { cli, tempDir } from './support/cli-harness.js';
import { engines, postgresSkipReason } from './support/engines.js';

/** Advisories meet the inventory: findings per (asset, CVE), revisions that change nothing, patches. */

if (postgresSkipReason) describe.skip(postgresSkipReason, () => undefined);

interface FindingJson {
  asset: string;
  vulnerability: string;
  advisory: string;
  status: string;
  cvss: number | null;
  exploitation: string[];
  evidence: { via: string; versionState: string }[];
}

describe.each(engines)('findings on $name', (engine) => {
  let root: string;
  let ws: string;
  let env: NodeJS.ProcessEnv;
  let cleanup: () => Promise<void>;
  let bulletins: string[];
  let inventoryFiles: string[];
  beforeEach(async () => {
    const temp = await tempDir();
    const prepared = await engine.prepare();
    root = temp.dir;
    env = prepared.env;
    ws = join(root, 'ws');
    cleanup = async () => {
      await prepared.cleanup();
      await temp.remove();
    };
    expect((await cli(['init', ws, '--timezone', 'Europe/Amsterdam'], { env })).code).toBe(0);
    inventoryFiles = await writeScenarioFiles(generateScenario(), join(root, 'inventory'));
    expect((await cli(['-w', ws, 'inventory', 'import', ...inventoryFiles], { env })).code).toBe(0);
    bulletins = [];
    for (const b of netscalerBulletins()) {
      const file = join(root, b.fileName);
      await writeFile(file, JSON.stringify(b.document, null, 2));
      bulletins.push(file);
    }
  });
  afterEach(() => cleanup());

  const findings = async () => JSON.parse((await cli(['-w', ws, 'findings', '--json'], { env })).stdout) as FindingJson[];

  it('finds both gateways affected, keeps revisions quiet, and follows a version change to fixed', async () => {
    const [v1 = '', overflow = '', v2 = ''] = bulletins;
    const first = await cli(['-w', ws, 'advisories', 'import', v1], { env });
    expect(first.stdout).toContain('findings: 4 new, 0 changed, 0 refreshed, 0 unchanged');
    let all = await findings();
    expect(all.map((f) => `${f.asset} ${f.vulnerability} ${f.status}`)).toEqual([
      'ns-gw-01 CVE-2025-5349 affected',
      'ns-gw-01 CVE-2025-5777 affected',
      'ns-gw-02 CVE-2025-5349 affected',
      'ns-gw-02 CVE-2025-5777 affected',
    ]);
    expect(all[1]).toMatchObject({ advisory: 'https://advisories.example/netscaler#EXAMPLE-NS-2025-0617', cvss: 9.8, exploitation: [] });
    expect(all[1]?.evidence.some((e) => e.versionState === 'in')).toBe(true);

    expect((await cli(['-w', ws, 'advisories', 'import', overflow], { env })).stdout).toContain('findings: 2 new, 0 changed, 0 refreshed, 4 unchanged');

    // Revision 2 adds exploitation news only: no new or changed finding; the four findings of that
    // advisory now point to its newer revision (a quiet refresh).
    expect((await cli(['-w', ws, 'advisories', 'import', v2], { env })).stdout).toContain('findings: 0 new, 0 changed, 4 refreshed, 2 unchanged');
    all = await findings();
    expect(all.find((f) => f.asset === 'ns-gw-01' && f.vulnerability === 'CVE-2025-5777')?.exploitation).toEqual(['2025-07-10T00:00:00.000Z: Exploitation of unmitigated appliances has been observed.']);

    // The gateways are upgraded to 14.1-47.46: every finding becomes fixed.
    const bom = inventoryFiles.find((f) => f.endsWith('.cdx.json')) ?? '';
    await writeFile(bom, (await readFile(bom, 'utf8')).replaceAll('14.1-43.50', '14.1-47.46'));
    const patched = await cli(['-w', ws, 'inventory', 'import', ...inventoryFiles], { env });
    expect(patched.stdout).toContain('findings: 0 new, 6 changed, 0 refreshed, 0 unchanged');
    expect(new Set((await findings()).map((f) => f.status))).toEqual(new Set(['fixed']));
    const fixedOnly = await cli(['-w', ws, 'findings', '--status', 'affected'], { env });
    expect(fixedOnly.stdout).toContain('0 findings with status affected');

    const log = JSON.parse((await cli(['-w', ws, 'audit', 'log', '--json'], { env })).stdout) as { action: string }[];
    expect(log.filter((e) => e.action === 'finding.update')).toHaveLength(6);
    expect((await cli(['-w', ws, 'audit', 'verify'], { env })).code).toBe(0);
  });

  it('matches on demand and rejects an unknown status filter', async () => {
    await cli(['-w', ws, 'advisories', 'import', ...bulletins], { env });
    expect((await cli(['-w', ws, 'advisories', 'match'], { env })).stdout).toContain('findings: 0 new, 0 changed, 0 refreshed, 6 unchanged');
    expect((await cli(['-w', ws, 'findings', '--status', 'pwned'], { env })).code).toBe(2);
  });
});
