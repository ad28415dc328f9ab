import { resolve } from 'node:path';
import { type Finding, type FindingsRun, advisoryMoments, listFindings, updateFindings } from '../advisory/findings.js';
import { type SlaVerdict, slaVerdict } from '../advisory/patch-sla.js';
import { type ProtocolState, type ProtocolTrail, type SlaException, exceptFinding, moveFinding, protocolTrails, slaExceptions } from '../advisory/finding-protocol.js';
import { loadInventory } from '../inventory/inventory-store.js';
import { patchPolicy } from '../workspace/workspace-config.js';
import { type AdvisoryImportOptions, type AdvisoryImportResult, importAdvisories } from '../advisory/import-advisories.js';
import { type TimelineEvent, advisoryTimeline, resolveAdvisoryId } from '../advisory/advisory-timeline.js';
import { type RevisionDiff, diffRevisions } from '../advisory/revision-diff.js';
import { type ProviderSyncResult, checkTransport, httpFetcher, readOpenpgpKeys, syncProvider } from '../advisory/provider-sync.js';
import { readFile } from 'node:fs/promises';
import { type PatchImportResult, importPatches } from '../inventory/import-patches.js';
import { validateCsafPaths } from '../advisory/validate-csaf-files.js';
import type { CsafValidation } from '../advisory/validate-csaf.js';
import { WeerbaarError } from '../shared/errors.js';
import type { AppContext } from './app-context.js';

/** Advisory services. Validation needs no workspace: it reads files and changes nothing. */
export async function validateAdvisories(
  paths: readonly string[],
  cwd: string,
  onProgress?: (done: number, total: number) => void,
): Promise<{ results: CsafValidation[]; valid: number; invalid: number }> {
  if (paths.length === 0) throw new WeerbaarError('USAGE', 'name at least one CSAF file or folder');
  const results = await validateCsafPaths(
    paths.map((p) => resolve(cwd, p)),
    onProgress,
  );
  const valid = results.filter((r) => r.valid).length;
  return { results, valid, invalid: results.length - valid };
}

/** Imports advisories, then re-runs matching when anything new arrived (CSAF clause 13: a new document triggers a run). */
export async function importAdvisoryPaths(
  app: AppContext,
  paths: readonly string[],
  options: AdvisoryImportOptions = {},
): Promise<AdvisoryImportResult & { findings?: FindingsRun }> {
  if (paths.length === 0) throw new WeerbaarError('USAGE', 'name at least one CSAF file or folder');
  const result = await importAdvisories(app.store.db, app, paths, options);
  return result.imported.length > 0 ? { ...result, findings: await updateFindings(app.store.db, app) } : result;
}

export async function matchAdvisories(app: AppContext): Promise<FindingsRun> {
  return updateFindings(app.store.db, app);
}

/** Imports patch records, then re-runs matching: upgraded assets move their findings to fixed. */
export async function importPatchFile(app: AppContext, file: string): Promise<PatchImportResult & { findings: FindingsRun }> {
  const result = await importPatches(app.store.db, app, file);
  return { ...result, findings: await updateFindings(app.store.db, app) };
}

export type FindingWithSla = Finding & { readonly sla: SlaVerdict; readonly protocol: ProtocolTrail };

/** The findings with their patch-SLA verdicts under the workspace's policy, as of now. */
export async function findings(app: AppContext): Promise<FindingWithSla[]> {
  const [all, moments, inventory, trails, exceptions] = await Promise.all([
    listFindings(app.store.db),
    advisoryMoments(app.store.db),
    loadInventory(app.store.db),
    protocolTrails(app.store.db),
    slaExceptions(app.store.db),
  ]);
  const policy = patchPolicy(app.workspace.config);
  const internetFacing = new Map(inventory.assets.map((a) => [a.id, a.internet_facing]));
  const now = app.clock();
  return all.map((finding) => {
    const when = moments.get(finding.advisory);
    const computed: SlaVerdict = when
      ? slaVerdict(finding, internetFacing.get(finding.asset) ?? false, when, policy, now)
      : { verdict: 'not_applicable', reason: 'the deciding advisory is missing' };
    const exception = exceptions.get(finding.id);
    const sla: SlaVerdict = exception ? { verdict: 'excepted', ...exception, underlying: computed } : computed;
    const protocol: ProtocolTrail = trails.get(finding.id) ?? { state: 'received', transitions: [], skipped: [] };
    return { ...finding, sla, protocol };
  });
}

/** Moves a finding along the protocol (received → assessed → remediating → remediated → hunted). */
export async function moveFindingState(app: AppContext, asset: string, vulnerability: string, state: ProtocolState, note?: string): Promise<ProtocolTrail> {
  return moveFinding(app.store.db, app, `${asset}|${vulnerability}`, state, note);
}

/** Grants an exception to a finding's patch deadline, with its reason and who granted it. */
export async function exceptFindingDeadline(app: AppContext, asset: string, vulnerability: string, reason: string): Promise<SlaException> {
  return exceptFinding(app.store.db, app, `${asset}|${vulnerability}`, reason);
}

/** What we knew when and what we did when, for one advisory (tracking id or full id). */
export async function advisoryTimelineOf(app: AppContext, id: string): Promise<{ advisory: string; events: TimelineEvent[] }> {
  const advisory = await resolveAdvisoryId(app.store.db, id);
  return { advisory, events: await advisoryTimeline(app.store.db, advisory, await findings(app)) };
}

/** The differences between two revisions of an advisory (default: the last two). */
export async function advisoryDiff(app: AppContext, id: string, from?: string, to?: string): Promise<RevisionDiff> {
  return diffRevisions(app.store.db, await resolveAdvisoryId(app.store.db, id), from, to);
}

/** Synchronises trusted CSAF providers (provider-metadata.json URLs), then re-runs matching when anything new arrived. */
export async function syncAdvisoryProviders(app: AppContext, urls: readonly string[]): Promise<{ providers: ProviderSyncResult[]; findings?: FindingsRun }> {
  for (const url of urls) checkTransport(url);
  const providers: ProviderSyncResult[] = [];
  for (const url of urls) {
    const configured = app.workspace.config.csaf_providers?.find((p) => p.metadata_url === url);
    const keys = [];
    for (const file of configured?.openpgp_keys ?? []) {
      try {
        keys.push(...(await readOpenpgpKeys([await readFile(app.workspace.path(file), 'utf8')])));
      } catch (error) {
        throw new WeerbaarError('CONFIG_INVALID', `OpenPGP key ${app.workspace.path(file)} for ${url} cannot be used: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    }
    providers.push(await syncProvider(app.store.db, app, url, httpFetcher, keys));
  }
  const imported = providers.some((p) => p.imported.length > 0);
  return imported ? { providers, findings: await updateFindings(app.store.db, app) } : { providers };
}
