import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { generateScenario } from '../src/scenario/example-prosecution-service.js';
import { netscalerBulletins } from '../src/scenario/netscaler-bulletins.js';
import { writeScenarioFiles } from '../src/scenario/scenario-files.js';
import { cli, tempDir } from './support/cli-harness.js';
import { useEngineWorkspace } from './support/engine-workspace.js';
import { engines, postgresSkipReason } from './support/engines.js';

/** Advisories meet the inventory: findings per (asset, CVE), revisions that change nothing, patches. */

if (postgresSkipReason) describe.skip(postgresSkipReason, () => undefined);

interface FindingJson {
  asset: string;
  vulnerability: string;
  advisory: string;
  status: string;
  cvss: number | null;
  exploitation: { date?: string; details: string }[];
  evidence: { via: string; versionState: string }[];
}

describe.each(engines)('findings on $name', (engine) => {
  const t = useEngineWorkspace(engine, { timezone: 'Europe/Amsterdam' });
  let root: string;
  let ws: string;
  let env: NodeJS.ProcessEnv;
  let bulletins: string[];
  let inventoryFiles: string[];
  beforeEach(async () => {
    ({ root, ws, env } = t);
    inventoryFiles = await writeScenarioFiles(generateScenario(), join(root, 'inventory'));
    expect((await cli(['-w', ws, 'inventory', 'import', ...inventoryFiles], { env })).code).toBe(0);
    bulletins = [];
    for (const b of netscalerBulletins()) {
      const file = join(root, b.fileName);
      await writeFile(file, JSON.stringify(b.document, null, 2));
      bulletins.push(file);
    }
  });

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
    expect(all.find((f) => f.asset === 'ns-gw-01' && f.vulnerability === 'CVE-2025-5777')?.exploitation).toEqual([{ date: '2025-07-10T00:00:00.000Z', details: 'Exploitation of unmitigated appliances has been observed.' }]);
    const diff = await cli(['-w', ws, 'advisories', 'diff', 'EXAMPLE-NS-2025-0617'], { env });
    expect(diff.stdout).toContain('added    vulnerabilities[1].threats');
    expect(diff.stdout).toContain('Nothing that matching depends on changed');
    expect((await cli(['-w', ws, 'advisories', 'diff', 'EXAMPLE-NS-2025-0625'], { env })).stderr).toContain('has 1 revision; nothing to compare');

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

  it('moves findings along the protocol, records skipped steps, and excepts deadlines, all audited', async () => {
    await cli(['-w', ws, 'advisories', 'import', ...bulletins], { env });
    const assessed = await cli(['-w', ws, 'finding', 'state', 'ns-gw-01', 'CVE-2025-5777', 'assessed', '--note', 'CISO briefed'], { env });
    expect(assessed.code).toBe(0);
    expect(assessed.stdout).toContain('ns-gw-01 CVE-2025-5777: assessed');
    const backwards = await cli(['-w', ws, 'finding', 'state', 'ns-gw-01', 'CVE-2025-5777', 'received'], { env });
    expect(backwards.code).toBe(2);
    expect(backwards.stderr).toContain('only moves forward');
    const hunted = await cli(['-w', ws, 'finding', 'state', 'ns-gw-01', 'CVE-2025-5777', 'hunted', '--json'], { env });
    expect(JSON.parse(hunted.stdout)).toMatchObject({ state: 'hunted', skipped: ['remediating', 'remediated'] });
    expect((await cli(['-w', ws, 'finding', 'state', 'ns-gw-09', 'CVE-2025-5777', 'assessed'], { env })).stderr).toContain('no finding ns-gw-09|CVE-2025-5777');
    expect((await cli(['-w', ws, 'finding', 'state', 'ns-gw-01', 'CVE-2025-5777', 'done'], { env })).code).toBe(2);

    expect((await cli(['-w', ws, 'finding', 'except', 'ns-gw-02', 'CVE-2025-5349', '--reason', 'management interface not reachable from the internet'], { env })).code).toBe(0);
    const all = JSON.parse((await cli(['-w', ws, 'findings', '--json'], { env })).stdout) as { asset: string; vulnerability: string; sla: { verdict: string; reason?: string }; protocol: { state: string } }[];
    const find = (asset: string, cve: string) => all.find((f) => f.asset === asset && f.vulnerability === cve);
    expect(find('ns-gw-01', 'CVE-2025-5777')?.protocol.state).toBe('hunted');
    expect(find('ns-gw-01', 'CVE-2025-5349')?.protocol.state).toBe('received');
    expect(find('ns-gw-02', 'CVE-2025-5349')?.sla).toMatchObject({ verdict: 'excepted', reason: 'management interface not reachable from the internet' });
    const log = JSON.parse((await cli(['-w', ws, 'audit', 'log', '--json'], { env })).stdout) as { action: string; details: unknown }[];
    expect(log.filter((e) => e.action === 'finding.protocol').map((e) => e.details)).toEqual([
      { from: 'received', to: 'assessed', skipped: [], note: 'CISO briefed' },
      { from: 'assessed', to: 'hunted', skipped: ['remediating', 'remediated'], note: null },
    ]);
    expect(log.some((e) => e.action === 'finding.exception')).toBe(true);
  });

  it('matches on demand and rejects an unknown status filter', async () => {
    await cli(['-w', ws, 'advisories', 'import', ...bulletins], { env });
    expect((await cli(['-w', ws, 'advisories', 'match'], { env })).stdout).toContain('findings: 0 new, 0 changed, 0 refreshed, 6 unchanged');
    expect((await cli(['-w', ws, 'findings', '--status', 'pwned'], { env })).code).toBe(2);
  });
});

describe.each(engines)('patch records on $name', (engine) => {
  it('close exposure windows, move findings to fixed, and reject bad records with their line', async () => {
    const { env, cleanup } = await engine.prepare();
    const { dir: root, remove } = await tempDir();
    try {
      const ws = join(root, 'ws');
      await cli(['init', ws, '--timezone', 'UTC'], { env });
      const files = await writeScenarioFiles(generateScenario(), join(root, 'inventory'));
      expect((await cli(['-w', ws, 'inventory', 'import', '--as-of', '2025-06-01T00:00:00Z', ...files], { env })).code).toBe(0);
      const bulletin = join(root, 'bulletin.json');
      await writeFile(bulletin, JSON.stringify(netscalerBulletins()[0]?.document));
      await cli(['-w', ws, 'advisories', 'import', bulletin], { env });

      const bad = join(root, 'bad.csv');
      await writeFile(bad, 'asset,to_version,time\nns-gw-01,14.1-47.46,yesterday\nns-gw-09,14.1-47.46,2025-07-18T19:30:00Z\n');
      const rejected = await cli(['-w', ws, 'patches', 'import', bad], { env });
      expect(rejected.code).toBe(3);
      expect(rejected.stderr).toContain(`${bad}:2 (time): must be an ISO 8601 time with a zone`);

      const unknown = join(root, 'unknown.csv');
      await writeFile(unknown, 'asset,to_version,time\nns-gw-09,14.1-47.46,2025-07-18T19:30:00Z\n');
      expect((await cli(['-w', ws, 'patches', 'import', unknown], { env })).stderr).toContain('unknown asset "ns-gw-09"');

      const good = join(root, 'changes.json');
      await writeFile(
        good,
        JSON.stringify([
          { asset: 'ns-gw-01', from_version: '14.1-43.50', to_version: '14.1-43.56', time: '2025-07-18T21:30:00+02:00', ticket: 'CHG-1' },
          { asset: 'ns-gw-02', event: 'disconnect', time: '2025-07-16T10:00:00+02:00', from_version: '14.1-40.1' },
        ]),
      );
      const run = await cli(['-w', ws, 'patches', 'import', good], { env });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('ns-gw-01: 14.1-43.50 → 14.1-43.56');
      expect(run.stdout).toContain('warning: ');
      expect(run.stdout).toContain('from_version 14.1-40.1, but the history says 14.1-43.50');
      expect(run.stdout).toContain('findings: 0 new, 2 changed');
      const all = JSON.parse((await cli(['-w', ws, 'findings', '--json'], { env })).stdout) as {
        asset: string;
        vulnerability: string;
        status: string;
        window: { start: string; startIsLowerBound: boolean; end: string; endReason: string };
        sla: { verdict: string; deadline: string; rule: string };
      }[];
      // CVE-2025-5777 (CVSS 9.8) on an internet-facing gateway: 72 hours from the release on 17 June.
      expect(all.find((f) => f.asset === 'ns-gw-01' && f.vulnerability === 'CVE-2025-5777')?.sla).toMatchObject({
        verdict: 'breached',
        rule: 'critical, internet-facing',
        deadline: '2025-06-20T12:00:00.000Z',
      });
      expect(all.filter((f) => f.asset === 'ns-gw-01').map((f) => [f.status, f.window.end, f.window.endReason])).toEqual([
        ['fixed', '2025-07-18T19:30:00.000Z', 'fixed'],
        ['fixed', '2025-07-18T19:30:00.000Z', 'fixed'],
      ]);
      expect(all.find((f) => f.asset === 'ns-gw-02')).toMatchObject({
        status: 'affected',
        window: { start: '2025-06-01T00:00:00.000Z', startIsLowerBound: true, end: '2025-07-16T08:00:00.000Z', endReason: 'disconnected' },
      });
      expect((await cli(['-w', ws, 'audit', 'verify'], { env })).code).toBe(0);
    } finally {
      await remove();
      await cleanup();
    }
  });
});

describe('advisory timeline', () => {
  it('orders what we knew and did, with a reconstructed receipt time, and refuses unknown ids', async () => {
    const { dir: root, remove } = await tempDir();
    try {
      const ws = join(root, 'ws');
      await cli(['init', ws, '--timezone', 'UTC']);
      await cli(['-w', ws, 'inventory', 'import', '--as-of', '2025-06-01T00:00:00Z', ...(await writeScenarioFiles(generateScenario(), join(root, 'inventory')))]);
      const [first] = netscalerBulletins();
      const file = join(root, 'bulletin.json');
      await writeFile(file, JSON.stringify(first?.document));
      expect((await cli(['-w', ws, 'advisories', 'import', '--received-at', '2025-06-18T07:45:00Z', file])).code).toBe(0);
      const changes = join(root, 'changes.csv');
      await writeFile(changes, 'asset,to_version,time,ticket\nns-gw-01,14.1-43.56,2025-06-19T20:00:00Z,CHG-7\n');
      await cli(['-w', ws, 'patches', 'import', changes]);
      const timeline = JSON.parse((await cli(['-w', ws, 'advisories', 'timeline', '--json', 'EXAMPLE-NS-2025-0617'])).stdout) as { events: { at: string; what: string; subject: string }[] };
      const whats = timeline.events.map((e) => `${e.at.slice(0, 16)} ${e.what.split(':')[0]}`);
      expect(whats.indexOf('2025-06-17T12:00 released version 1 (final)')).toBeGreaterThanOrEqual(0);
      expect(whats.indexOf('2025-06-18T07:45 received version 1 from ' + file)).toBeGreaterThan(whats.indexOf('2025-06-17T12:00 released version 1 (final)'));
      expect(whats).toContain('2025-06-19T20:00 upgrade to 14.1-43.56 (CHG-7)');
      // The fix landed within 72 h of the release: the deadline event says so.
      expect(timeline.events.find((e) => e.subject === 'ns-gw-01|CVE-2025-5777' && e.what.startsWith('patch deadline'))?.what).toContain('fixed 16 h before the deadline');
      expect((await cli(['-w', ws, 'advisories', 'timeline', 'NOPE'])).code).toBe(2);
    } finally {
      await remove();
    }
  });
});
