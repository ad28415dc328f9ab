import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { GATEWAY_CHANGES, GATEWAY_VERSION, allAssets, generateScenario } from './example-prosecution-service.js';
import { SENSITIVE_CATEGORY_IDS, groundTruth } from './ground-truth.js';
import { BULLETIN_CVES, netscalerBulletins } from './netscaler-bulletins.js';
import { writeScenarioFiles } from './scenario-files.js';

const dirs: string[] = [];
async function written(seed: number): Promise<{ files: string[]; bytes: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'weerbaar-scenario-'));
  dirs.push(dir);
  const files = await writeScenarioFiles(generateScenario(seed), dir);
  return { files, bytes: await Promise.all(files.map((f) => readFile(f, 'utf8'))) };
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('the seeded scenario', () => {
  it('writes byte-identical files for the same seed and different ones for another', async () => {
    const a = await written(20250716);
    const b = await written(20250716);
    const c = await written(7);
    expect(a.bytes).toEqual(b.bytes);
    expect(a.bytes).not.toEqual(c.bytes);
  });

  it.each([1, 2, 3, 7, 20250716])('keeps its structure for seed %i', (seed) => {
    const scenario = generateScenario(seed);
    const assets = allAssets(scenario);
    const ids = new Set(assets.map((a) => a.id));
    expect(assets.length).toBeGreaterThanOrEqual(36);
    expect(assets.length).toBeLessThanOrEqual(44);
    expect(ids.size).toBe(assets.length);

    const facing = assets.filter((a) => a.internet_facing);
    expect(facing.map((a) => [a.kind, a.version])).toEqual([
      ['gateway', GATEWAY_VERSION],
      ['gateway', GATEWAY_VERSION],
    ]);

    const categories = new Set(scenario.dataCategories.map((c) => c.id));
    const partners = new Set(scenario.partners.map((p) => p.id));
    for (const asset of assets) {
      for (const id of asset.depends_on) expect(ids, `${asset.id} depends on ${id}`).toContain(id);
      for (const id of asset.data_categories) expect(categories).toContain(id);
    }
    for (const i of scenario.interfaces) {
      expect(ids).toContain(i.asset);
      expect(partners).toContain(i.partner);
    }
    expect([...partners].sort()).toEqual(['fines-agency', 'judiciary', 'ncsc', 'police', 'shelter-federation']);
    for (const category of SENSITIVE_CATEGORY_IDS) expect(assets.some((a) => a.data_categories.includes(category)), category).toBe(true);
    expect(hasCycle(assets)).toBe(false);
  });

  it('puts every asset in exactly one file, in valid formats', async () => {
    const scenario = generateScenario(3);
    const { bytes } = await written(3);
    const [yamlText = '', csvText = '', bomText = ''] = bytes;
    const yamlIds = (parse(yamlText) as { assets: { id: string }[] }).assets.map((a) => a.id);
    const csvLines = csvText.trim().split('\r\n');
    const header = csvLines[0]?.split(',') ?? [];
    expect(header).toHaveLength(15);
    const csvIds = csvLines.slice(1).map((line) => line.split(',')[0]);
    const bom = JSON.parse(bomText) as { specVersion: string; components: { type: string; 'bom-ref': string }[] };
    expect(bom.specVersion).toBe('1.6');
    expect(bom.components.map((c) => c.type)).toEqual(['device', 'device']);
    const all = [...yamlIds, ...csvIds, ...bom.components.map((c) => c['bom-ref'])].sort();
    expect(all).toEqual(allAssets(scenario).map((a) => a.id).sort());
  });

  it('runs its gateways on a build older than every bulletin fix, as the affected-findings truth assumes', () => {
    const [, build = ''] = GATEWAY_VERSION.split('-');
    for (const fix of Object.values(BULLETIN_CVES)) {
      const [fixBuild = '', fixSub = ''] = (fix.split('-')[1] ?? '').split('.');
      const [b = '', s = ''] = build.split('.');
      expect(Number(b) < Number(fixBuild) || (Number(b) === Number(fixBuild) && Number(s) < Number(fixSub)), fix).toBe(true);
    }
  });

  it('makes every July change late for every bulletin deadline, as the SLA truth says', () => {
    const deadlines = netscalerBulletins().flatMap(({ document }) => {
      const doc = document as { vulnerabilities: { release_date?: string; remediations: { date: string }[]; threats?: { date: string }[] }[] };
      return doc.vulnerabilities.flatMap((v) => [
        ...v.remediations.map((r) => Date.parse(r.date) + 168 * 3_600_000),
        ...(v.threats ?? []).map((t) => Date.parse(t.date) + 72 * 3_600_000),
      ]);
    });
    for (const change of GATEWAY_CHANGES) expect(Date.parse(change.time)).toBeGreaterThan(Math.max(...deadlines));
    expect(groundTruth(generateScenario()).slaVerdict).toBe('breached');
  });

  it('derives its ground truth from the generated data', () => {
    const scenario = generateScenario(20250716);
    const truth = groundTruth(scenario);
    expect(truth.internetFacingIds).toEqual(truth.gatewayIds);
    expect(truth.assetCount).toBe(allAssets(scenario).length);
    expect(truth.holdersByCategory['crown-witnesses']).toEqual(['witness-backup', 'witness-register']);
    expect(Object.values(truth.interfacesByPartner).flat()).toHaveLength(truth.interfaceCount);
  });
});

function hasCycle(assets: readonly { id: string; depends_on: readonly string[] }[]): boolean {
  const edges = new Map(assets.map((a) => [a.id, a.depends_on]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string): boolean => {
    if (state.get(id) === 'visiting') return true;
    if (state.get(id) === 'done') return false;
    state.set(id, 'visiting');
    const cyclic = (edges.get(id) ?? []).some(visit);
    state.set(id, 'done');
    return cyclic;
  };
  return assets.some((a) => visit(a.id));
}
