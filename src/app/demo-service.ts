import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import type { AuditVerification } from '../audit/audit-verify.js';
import type { ImportResult } from '../inventory/import-inventory.js';
import { type Inventory, loadInventory } from '../inventory/inventory-store.js';
import { INVENTORY_AS_OF, generateScenario } from '../scenario/example-prosecution-service.js';
import { type GroundTruth, SENSITIVE_CATEGORY_IDS, groundTruth } from '../scenario/ground-truth.js';
import { netscalerBulletins } from '../scenario/netscaler-bulletins.js';
import { writeScenarioFiles, writeScenarioPatches } from '../scenario/scenario-files.js';
import type { PatchImportResult } from '../inventory/import-patches.js';
import type { AdvisoryImportResult } from '../advisory/import-advisories.js';
import type { FindingsRun } from '../advisory/findings.js';
import { type FindingWithSla as Finding, findings as listFindings, importAdvisoryPaths, importPatchFile } from './advisory-service.js';
import { WeerbaarError } from '../shared/errors.js';
import type { AppEnvironment } from './app-context.js';
import { auditCheckpoint, auditVerify } from './audit-service.js';
import { importInventoryFiles } from './inventory-service.js';
import { createWorkspace } from './workspace-service.js';
import { type DemoEvidence, collectDemoEvidence } from './demo-evidence.js';
import type { IngestProgress } from '../ingest/ingest-evidence.js';
import { type TruthCheck, truthCheck as check } from './truth-check.js';

/**
 * `weerbaar demo`: builds a workspace for the seeded Example Prosecution Service through the same
 * services a user calls (init, import, checkpoint, verify), then reads the results back from the
 * store and checks them against the scenario's ground truth. A mismatch is a failed demo, not a
 * footnote.
 */

export const DEFAULT_DEMO_DIR = 'weerbaar-demo';
export const DEFAULT_SEED = 20250716;

export interface DemoOptions {
  readonly out?: string;
  readonly seed?: number;
  readonly actor?: string;
  /** Log volume: 1 ≈ 60 MB of generated logs; 40 ≈ 2.5 GB (1 GB of ns.log) for benchmarks. */
  readonly scale?: number;
  readonly onProgress?: (progress: IngestProgress) => void;
}

export type { TruthCheck } from './truth-check.js';

export interface DemoReport {
  readonly workspace: string;
  readonly organisation: string;
  readonly caseStore: string;
  readonly seed: number;
  readonly imported: ImportResult;
  readonly inventory: Inventory;
  /** One import per bulletin, in publication order (the last is a revision of the first). */
  readonly advisoryImports: (AdvisoryImportResult & { file: string; findings?: FindingsRun })[];
  readonly patches: PatchImportResult & { findings: FindingsRun };
  readonly findings: Finding[];
  readonly audit: AuditVerification;
  readonly checkpoint: { treeSize: number; rootHash: string };
  readonly evidence: DemoEvidence;
  readonly checks: readonly TruthCheck[];
  readonly ok: boolean;
}

export async function runDemo(options: DemoOptions, environment: AppEnvironment): Promise<DemoReport> {
  const dir = resolve(environment.cwd, options.out ?? DEFAULT_DEMO_DIR);
  const seed = options.seed ?? DEFAULT_SEED;
  const earlier = await clearEarlierDemo(dir);
  const scenario = generateScenario(seed);
  const truth = groundTruth(scenario);
  const { workspace, app } = await createWorkspace(
    dir,
    {
      organisation: truth.organisation,
      timezone: 'Europe/Amsterdam',
      scenario: `example-prosecution-service seed ${seed}`,
      actor: options.actor ?? 'demo',
      ...(earlier ? { replacingWorkspaceId: earlier } : {}),
    },
    environment,
  );
  try {
    const files = await writeScenarioFiles(scenario, join(dir, 'inputs'));
    const imported = await importInventoryFiles(app, files, { asOf: INVENTORY_AS_OF });
    // The ground truth describes the inventory as of its snapshot, before the July changes.
    const snapshot = await loadInventory(app.store.db);
    const advisoryImports = [];
    await mkdir(join(dir, 'inputs', 'advisories'), { recursive: true });
    for (const bulletin of netscalerBulletins(scenario)) {
      const file = join(dir, 'inputs', 'advisories', bulletin.fileName);
      await writeFile(file, `${JSON.stringify(bulletin.document, null, 2)}\n`);
      advisoryImports.push({ ...(await importAdvisoryPaths(app, [file], { receivedAt: bulletin.receivedAt })), file });
    }
    const patches = await importPatchFile(app, await writeScenarioPatches(join(dir, 'inputs')));
    const findings = await listFindings(app);
    const evidence = await collectDemoEvidence(app, scenario, join(dir, 'inputs'), options.scale ?? 1, options.onProgress);
    const checkpoint = await auditCheckpoint(app);
    const audit = await auditVerify(app);
    const inventory = await loadInventory(app.store.db);
    const checks = [...checkAgainstTruth(snapshot, truth), ...checkFindings(findings, truth), ...evidence.checks];
    return {
      workspace: workspace.dir,
      organisation: workspace.config.organisation,
      caseStore: app.store.description,
      seed,
      imported,
      inventory,
      advisoryImports,
      patches,
      findings,
      audit,
      checkpoint: { treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash },
      evidence,
      checks,
      ok: audit.ok && checks.every((c) => c.ok),
    };
  } finally {
    await app.close();
  }
}

/** Compares what the store holds after the import with what the generator says it wrote. */
export function checkAgainstTruth(inventory: Inventory, truth: GroundTruth): TruthCheck[] {
  const sorted = (values: Iterable<string>) => [...values].sort();
  const checks = [
    check('assets', truth.assetCount, inventory.assets.length),
    check('internet-facing assets', sorted(truth.internetFacingIds), sorted(inventory.assets.filter((a) => a.internet_facing).map((a) => a.id))),
    check(
      'gateway versions',
      sorted(truth.gatewayIds.map((id) => `${id}@${truth.gatewayVersion}`)),
      sorted(inventory.assets.filter((a) => truth.gatewayIds.includes(a.id)).map((a) => `${a.id}@${a.version ?? ''}`)),
    ),
    check('partners', sorted(truth.partnerIds), sorted(inventory.partners.map((p) => p.id))),
    check('interfaces', truth.interfaceCount, inventory.interfaces.length),
    check('dependency edges', truth.dependencyEdgeCount, inventory.assets.reduce((n, a) => n + a.depends_on.length, 0)),
  ];
  for (const category of SENSITIVE_CATEGORY_IDS) {
    checks.push(
      check(
        `holders of ${category}`,
        sorted(truth.holdersByCategory[category] ?? []),
        sorted(inventory.assets.filter((a) => a.data_categories.includes(category)).map((a) => a.id)),
      ),
    );
  }
  return checks;
}

function checkFindings(findings: readonly Finding[], truth: GroundTruth): TruthCheck[] {
  const pairs = (status: string) => findings.filter((f) => f.status === status).map((f) => `${f.asset} ${f.vulnerability}`).sort();
  const windows = (f: Finding) => `${f.asset} ${f.window.start ?? '-'}${f.window.startIsLowerBound ? ' (at the latest)' : ''} → ${f.window.end ?? 'open'} ${f.window.endReason ?? ''}`.trim();
  const expectedWindows = findings.map((f) => {
    const end = truth.windowEnds[f.asset];
    return `${f.asset} ${truth.windowStart} (at the latest) → ${end ? `${end.end} ${end.reason}` : 'open'}`;
  });
  return [
    check('SLA verdicts', findings.map(() => truth.slaVerdict), findings.map((f) => f.sla.verdict)),
    check('affected findings', truth.affectedFindings, pairs('affected')),
    check('fixed findings', truth.fixedFindings, pairs('fixed')),
    check('exposure windows', expectedWindows, findings.map(windows)),
  ];
}

/**
 * The demo may replace its own earlier output, never anything else. Returns the earlier demo's
 * workspace id, so that its case store (on a shared server) may be replaced too.
 */
async function clearEarlierDemo(dir: string): Promise<string | undefined> {
  try {
    await stat(dir);
  } catch {
    return undefined;
  }
  let config: unknown;
  try {
    config = parse(await readFile(join(dir, 'weerbaar.yaml'), 'utf8'));
  } catch {
    config = undefined;
  }
  const { scenario, workspace_id: id } = (config ?? {}) as { scenario?: unknown; workspace_id?: unknown };
  if (typeof scenario !== 'string' || !scenario.startsWith('example-prosecution-service')) {
    throw new WeerbaarError('WORKSPACE_EXISTS', `${dir} exists and is not an earlier demo workspace; choose another folder with --out`);
  }
  await rm(dir, { recursive: true, force: true });
  return typeof id === 'string' ? id : undefined;
}
