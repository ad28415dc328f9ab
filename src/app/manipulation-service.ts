import { appendAudit } from '../audit/audit-log.js';
import type { AssessmentWindow } from '../exposure/assessment-window.js';
import type { RecordChange } from '../integrity/record-diff.js';
import type { TreeChange } from '../integrity/tree-diff.js';
import { WeerbaarError } from '../shared/errors.js';
import { parseInstant } from '../shared/time.js';
import type { AppContext } from './app-context.js';
import { exposureWindow } from './exposure-service.js';
import { type ManifestRecord, listManifests, verifyTree } from './integrity-service.js';

/**
 * Q4, "were data manipulated or removed?" (issue 7 §4), per source a baseline covers, three-valued
 * like every answer: *shown* — the tree differs from the latest baseline taken before the exposure
 * window opened, with every change listed for a human to explain (a legitimate edit or
 * manipulation: the platform cannot tell); *ruled out* — nothing differs, for what that baseline
 * covers; *undeterminable* — no baseline predates the window (or the window's start is unknown),
 * or entries cannot be read.
 */

export type ManipulationVerdict = 'shown' | 'ruled-out' | 'undeterminable';

export interface ManipulationAnswer {
  readonly source: string;
  readonly verdict: ManipulationVerdict;
  readonly reasons: readonly string[];
  readonly baseline: ManifestRecord | null;
  /** What the tree (or table) looks like now was read from here. */
  readonly path: string;
  readonly changes: readonly TreeChange[];
  /** For a baseline of records: rows added, deleted or modified, by key. */
  readonly records: readonly RecordChange[];
}

export interface ManipulationReport {
  readonly window: AssessmentWindow | null;
  readonly answers: readonly ManipulationAnswer[];
}

/** Registers a manifest as a baseline: the moment its state reflects (default: when it was taken) and why it is trusted. */
export async function registerBaseline(app: AppContext, nameOrId: string, input: { at?: string; reason: string }): Promise<ManifestRecord> {
  if (input.reason.trim() === '') throw new WeerbaarError('USAGE', 'give a --reason: why this manifest shows the untouched state (a backup of that night, a snapshot before the incident)');
  const manifest = (await listManifests(app)).filter((m) => m.name === nameOrId || m.id === nameOrId).pop();
  if (!manifest) throw new WeerbaarError('NOT_FOUND', `no manifest named "${nameOrId}" (see weerbaar integrity list)`);
  const at = input.at ? parseInstant('--at', input.at) : manifest.createdAt;
  if (Date.parse(at) > Date.parse(manifest.createdAt)) throw new WeerbaarError('USAGE', `--at ${at} is after the manifest was taken (${manifest.createdAt}): a manifest cannot show a later state`);
  await app.store.db.transaction().execute(async (trx) => {
    await trx.updateTable('manifest').set({ baseline_at: at, baseline_reason: input.reason.trim() }).where('id', '=', manifest.id).execute();
    await appendAudit(trx, app, { action: 'integrity.baseline', subject: manifest.name, details: { id: manifest.id, at, reason: input.reason.trim() } });
  });
  return { ...manifest, baseline: { at, reason: input.reason.trim() } };
}

/**
 * Per source with a baseline: compare the latest baseline from before the window with the tree now
 * (at the source path, or where `paths` says the source now lives, e.g. a restored copy).
 */
export async function manipulationReport(app: AppContext, paths: Readonly<Record<string, string>> = {}): Promise<ManipulationReport> {
  const window = await exposureWindow(app);
  const baselines = (await listManifests(app)).filter((m) => m.baseline !== null);
  const answers: ManipulationAnswer[] = [];
  for (const source of [...new Set(baselines.map((b) => b.source))].sort()) {
    const path = paths[source] ?? source;
    const before = preIncidentBaseline(baselines, source, window);
    const reasons: string[] = [];
    if (!window) reasons.push('no exposure window: no finding has a vulnerable period and the footprint is empty');
    else if (window.startIsLowerBound) reasons.push(`the window opens at the latest on ${window.start.slice(0, 10)}: no baseline can be shown to predate it`);
    if (window && !before) {
      const earliest = baselines.filter((b) => b.source === source).map((b) => b.baseline!.at).sort()[0];
      reasons.push(`no baseline predates the window (${window.start.slice(0, 16)}); the earliest is of ${earliest?.slice(0, 16) ?? '-'}`);
    }
    const baseline = before ?? null;
    let changes: readonly TreeChange[] = [];
    let records: readonly RecordChange[] = [];
    let readFrom = path;
    if (baseline?.kind === 'records') {
      // Loaded only for record baselines: the readers of CSV, JSONL and databases.
      const { verifyRecords } = await import('./record-integrity-service.js');
      const report = await verifyRecords(app, baseline.id, paths[source] ? { source: paths[source] } : {});
      records = report.changes;
      readFrom = report.source; // as described: never a password a --path URL may hold
    } else if (baseline) changes = (await verifyTree(app, path, baseline.id)).changes;
    const unreadable = changes.filter((c) => c.kind === 'unverifiable');
    if (unreadable.length > 0) reasons.push(`${unreadable.length} entr${unreadable.length === 1 ? 'y' : 'ies'} cannot be read, so their content is unknown`);
    const changed = changes.some((c) => c.kind !== 'unverifiable') || records.length > 0;
    const verdict: ManipulationVerdict = changed ? 'shown' : reasons.length > 0 || !baseline ? 'undeterminable' : 'ruled-out';
    // A record source's --path may be a URL with a password: only its description is shown.
    const isRecordSource = /^(csv|jsonl|sqlite|postgres(ql)?):/i.test(source);
    answers.push({ source, verdict, reasons, baseline, path: isRecordSource ? (baseline ? readFrom : source) : path, changes, records });
  }
  return { window, answers };
}

/** The latest baseline of `source` whose state predates the window's start (undefined without a window). */
export function preIncidentBaseline(manifests: readonly ManifestRecord[], source: string, window: AssessmentWindow | null): ManifestRecord | undefined {
  if (!window) return undefined;
  return manifests
    .filter((b) => b.baseline !== null && b.source === source && Date.parse(b.baseline.at) <= Date.parse(window.start))
    .sort((a, b) => a.baseline!.at.localeCompare(b.baseline!.at))
    .pop();
}
