import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { GATEWAY_CHANGES, generateScenario } from '../src/scenario/example-prosecution-service.js';
import { groundTruth } from '../src/scenario/ground-truth.js';
import { attackGroundTruth } from '../src/scenario/scenario-attack.js';
import { cli } from './support/cli-harness.js';
import { useEngineWorkspace } from './support/engine-workspace.js';
import { engines, postgresSkipReason } from './support/engines.js';

/** `weerbaar demo` end to end: the workspace it builds answers what the ground truth says. */

/** The whole pipeline runs (generation, custody, parsing, hunt): room on a loaded machine, not a timing assertion. */
const DEMO_TIMEOUT = 180_000;

if (postgresSkipReason) describe.skip(postgresSkipReason, () => undefined);

describe.each(engines)('the demo on $name', (engine) => {
  const t = useEngineWorkspace(engine, { init: false });
  let root: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    ({ root, env } = t);
  });

  it('builds a verified workspace whose inventory matches the ground truth', async () => {
    const run = await cli(['demo', '--out', 'demo'], { env, cwd: root });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Example Prosecution Service');
    expect(run.stdout).toMatch(/Ground truth: (\d+) of \1 checks agree/);
    expect(run.stdout).toMatch(/Audit log: \d+ entries, signed checkpoint at #\d+ .*verified/);

    const truth = groundTruth(generateScenario(20250716));
    const ws = join(root, 'demo');
    const assets = JSON.parse((await cli(['-w', ws, 'inventory', 'list', '--json'], { env })).stdout) as { id: string; internet_facing: boolean; version: string | null }[];
    expect(assets).toHaveLength(truth.assetCount);
    // After the July change records: upgraded gateways run their new build, the others the old one.
    const upgraded = new Map(GATEWAY_CHANGES.filter((c) => c.event === 'upgrade').map((c) => [c.asset, c.to_version]));
    expect(assets.filter((a) => a.internet_facing).map((a) => `${a.id}@${a.version ?? ''}`)).toEqual(truth.gatewayIds.map((id) => `${id}@${upgraded.get(id) ?? truth.gatewayVersion}`));
    const shelter = JSON.parse((await cli(['-w', ws, 'inventory', 'show', 'shelter-addresses', '--json'], { env })).stdout) as { held_by: string[] };
    expect(shelter.held_by.sort()).toEqual(truth.holdersByCategory['shelter-addresses']);
    expect((await cli(['-w', ws, 'audit', 'verify'], { env })).code).toBe(0);
    const found = JSON.parse((await cli(['-w', ws, 'findings', '--json', '--status', 'affected'], { env })).stdout) as { asset: string; vulnerability: string }[];
    expect(found.map((f) => `${f.asset} ${f.vulnerability}`).sort()).toEqual(truth.affectedFindings);
    expect(truth.affectedFindings.length).toBeGreaterThan(0);
    expect(truth.fixedFindings.length).toBeGreaterThan(0);

    // Evidence: the gateways arrive as triage tarballs, every file inside is parsed, nothing fails.
    const attack = attackGroundTruth(generateScenario(20250716));
    const list = JSON.parse((await cli(['-w', ws, 'evidence', 'list', '--json'], { env })).stdout) as { originalPath: string; format: string; host: string | null; events: number | null; failures: number | null }[];
    expect(list.filter((e) => e.format === 'tar').map((e) => e.originalPath.split('/').pop())).toEqual(['ns-gw-01-triage.tgz', 'ns-gw-02-triage.tgz']);
    const nsLog = list.find((e) => e.originalPath.endsWith('ns-gw-01-triage.tgz!/var/log/ns.log'));
    expect(nsLog).toMatchObject({ format: 'netscaler-syslog', host: 'ns-gw-01', failures: 0 });
    expect(nsLog!.events).toBeGreaterThan(0);
    expect(list.filter((e) => e.format !== 'tar' && e.format !== 'unknown').every((e) => e.failures === 0)).toBe(true);
    // Kept, not parsed: the off-site bucket's object-lock configuration, evidence for its immutability.
    expect(list.filter((e) => e.format === 'unknown').map((e) => e.originalPath.split('/').pop())).toEqual(['offsite-object-lock.json']);
    const coverage = JSON.parse((await cli(['-w', ws, 'evidence', 'coverage', '--json'], { env })).stdout) as { host: string; dataset: string; gaps: { from: string; to: string }[] }[];
    const gapSource = coverage.find((c) => c.host === attack.gap.system)!;
    expect(gapSource.gaps.some((g) => g.from <= attack.gap.to && g.to >= attack.gap.from)).toBe(true);
    // Sources that log without a break show no gap inside the attack window.
    const gateway = coverage.find((c) => c.host === 'ns-gw-01' && c.dataset === 'netscaler.syslog')!;
    expect(gateway.gaps).toEqual([]);
    expect(run.stdout).toContain('Log coverage per source:');

    // The hunt and the footprint attribute exactly the attack's own lines, line by line.
    expect(run.stdout).toMatch(/Attribution, line by line against the attack's ground truth: (\d+) of \1 attacker lines found \(recall 100\.0%\), (\d+) of \2 attributed lines are the attacker's \(precision 100\.0%\)/);
    const print = JSON.parse((await cli(['-w', ws, 'footprint', '--json'], { env })).stdout) as { entities: { kind: string; value: string }[] };
    expect(print.entities.filter((e) => e.kind === 'address').map((e) => e.value).sort()).toEqual([attack.attackerIps.exploit, attack.attackerIps.hijack].sort());
    expect(run.stdout).toMatch(/Key moments \(UTC\):\n.*vulnerable since/);
    expect(run.stdout).toContain('first attempt (NS-R1)');

    // Q5: the workspace keeps both backup sets and their latest checks; the summary gives each level and why.
    expect(run.stdout).toMatch(/backup docstore-nightly \(tar, .*\): assurance L5 — restored and matches the pre-incident baseline/);
    expect(run.stdout).toMatch(/backup docstore-offsite \(tar, .*\): assurance L0 — exists\n +✓ L0 exists: .*\n +✗ L1 structure intact: listing stopped early/);
    expect(run.stdout).toMatch(/immutability: compliance until 2032-06-20 \(evidence [0-9a-f]{12}… in custody\)/);
    const backups = JSON.parse((await cli(['-w', ws, 'backups', 'list', '--json'], { env })).stdout) as { name: string; lastCheck: { level: number | null } }[];
    expect(backups.map((b) => `${b.name} L${b.lastCheck.level}`)).toEqual(['docstore-nightly L5', 'docstore-offsite L0']);
    const offsite = await cli(['-w', ws, 'backups', 'verify', 'docstore-offsite'], { env });
    expect(offsite.code).toBe(4);
  }, DEMO_TIMEOUT);

  it('replaces an earlier demo but never another folder', async () => {
    expect((await cli(['demo', '--out', 'demo', '--seed', '3'], { env, cwd: root })).code).toBe(0);
    expect((await cli(['demo', '--out', 'demo', '--seed', '4'], { env, cwd: root })).code).toBe(0);
    await mkdir(join(root, 'precious'));
    await writeFile(join(root, 'precious', 'notes.txt'), 'keep me');
    const refused = await cli(['demo', '--out', 'precious'], { env, cwd: root });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('is not an earlier demo workspace');
  }, DEMO_TIMEOUT);
});
