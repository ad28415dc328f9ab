import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { appendAudit } from '../audit/audit-log.js';
import type { AssessmentWindow } from '../exposure/assessment-window.js';
import { type ArchiveKind, listArchive } from '../integrity/backup-archive.js';
import { archiveStamp, backupStamp } from '../integrity/backup-rotation.js';
import { extractArchive } from '../integrity/archive-extract.js';
import { copyFolder, listFolder } from '../integrity/backup-folder.js';
import type { LadderEvidence } from '../integrity/backup-ladder.js';
import { type TreeEntry, scanTree } from '../integrity/file-tree-scan.js';
import { type TreeChange, diffTrees } from '../integrity/tree-diff.js';
import { WeerbaarError } from '../shared/errors.js';
import { isoUtc, parseInstant } from '../shared/time.js';
import type { AppContext } from './app-context.js';
import { type BackupSet, findBackupSet, listBackupSets } from './backup-service.js';
import { exposureWindow } from './exposure-service.js';
import { findManifest, listManifests, provenEntries } from './integrity-service.js';
import { preIncidentBaseline } from './manipulation-service.js';

/**
 * Restore tests of backup sets (issue 7 §5): performed here — the backup is restored into an empty
 * folder, the restored tree is scanned and compared with what the backup lists (L4 "restored") and
 * with its source's pre-incident baseline (L5) — or stated, when a test was done elsewhere (it then
 * counts for the yearly requirement, BIO2 8.13.04, but lifts no backup on the ladder: there is no
 * evidence of it here).
 */

export interface RestoreTestReport {
  readonly backup: string;
  readonly testedAt: string;
  readonly passed: boolean;
  readonly restoredTo: string;
  readonly members: number;
  readonly bytes: number;
  readonly problems: readonly string[];
  /** What identified the backup's content when it was restored (backup-rotation.ts backupStamp). */
  readonly backupStamp: string;
  readonly baseline: { readonly id: string; readonly name: string; readonly at: string; readonly contentChanges: number; readonly metadataChanges: number; readonly changes: readonly Pick<TreeChange, 'kind' | 'path' | 'fields'>[] } | null;
}

export interface RestoreRegime {
  readonly rule: string;
  /** The latest passed restore test of a backup of the same source (or of this set, without a source). */
  readonly lastPassed: { readonly backup: string; readonly testedAt: string; readonly performed: boolean } | null;
  readonly dueBy: string | null;
  readonly met: boolean;
}

const MAX_LISTED_CHANGES = 200;

async function* fromArray<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

export async function performRestoreTest(app: AppContext, name: string, options: { into?: string; onProgress?: (p: { entries: number; bytes: number }) => void } = {}): Promise<RestoreTestReport> {
  const set = await findBackupSet(app, name);
  if (set.kind === 'restored' && options.into) throw new WeerbaarError('USAGE', `${set.name} is a restored copy already: its test reads it where it is (leave out --into)`);
  if (set.kind !== 'restored' && !options.into) throw new WeerbaarError('USAGE', 'say where to restore to: --into DIR (an empty folder)');
  const into = set.kind === 'restored' ? set.location : resolve(options.into!);
  const problems: string[] = [];
  // The backup's own listing is what a complete restore must reproduce.
  const archive = set.kind === 'folder' || set.kind === 'restored' ? null : await archiveStamp(set.location);
  const listing = archive === null ? await listFolder(set.location) : await listArchive(set.location, set.kind as ArchiveKind);
  problems.push(...listing.problems.map((p) => p.reason));
  if (set.kind === 'folder') problems.push(...(await copyFolder(set.location, into)).problems.map((p) => p.reason));
  else if (set.kind !== 'restored') problems.push(...(await extractArchive(set.location, set.kind, into)).problems.map((p) => p.reason));
  const restored: TreeEntry[] = [];
  let bytes = 0;
  for await (const entry of scanTree(into)) {
    restored.push(entry);
    bytes += entry.size ?? 0;
    if (entry.error !== null) problems.push(`${entry.path}: cannot be read back (${entry.error})`);
    options.onProgress?.({ entries: restored.length, bytes });
  }
  const byPath = new Map(restored.map((e) => [e.path, e]));
  for (const m of listing.members) {
    const r = byPath.get(m.path);
    if (!r) problems.push(`${m.path}: not restored`);
    else if (r.type !== m.type || (m.type === 'file' && r.size !== m.size)) problems.push(`${m.path}: restored as ${r.type} of ${r.size ?? '-'} bytes, the backup holds ${m.type} of ${m.size ?? '-'} bytes`);
  }
  const baseline = await compareWithBaseline(app, set, restored);
  const report: RestoreTestReport = { backup: set.name, testedAt: isoUtc(app.clock()), passed: problems.length === 0, restoredTo: into, members: listing.members.length, bytes, problems: [...new Set(problems)], backupStamp: backupStamp(listing.members, archive), baseline };
  await app.store.db.transaction().execute(async (trx) => {
    await trx.insertInto('restore_test').values({ id: randomUUID(), backup_id: set.id, tested_at: report.testedAt, performed: 1, result: report.passed ? 'passed' : 'failed', restored_to: into, baseline_id: baseline?.id ?? null, report: JSON.stringify(report), actor: app.actor, recorded_at: report.testedAt }).execute();
    await appendAudit(trx, app, { action: 'backups.restore-test', subject: set.name, details: { passed: report.passed, restored_to: into, problems: problems.length, baseline: baseline?.id ?? null, content_changes: baseline?.contentChanges ?? null } });
  });
  return report;
}

/** The restored tree against the source's pre-incident baseline, or its latest baseline when none predates the window. */
async function compareWithBaseline(app: AppContext, set: BackupSet, restored: readonly TreeEntry[]): Promise<RestoreTestReport['baseline']> {
  if (!set.source) return null;
  const manifests = await listManifests(app);
  const chosen = preIncidentBaseline(manifests, set.source, await exposureWindow(app)) ?? manifests.filter((m) => m.baseline !== null && m.source === set.source).sort((a, b) => a.baseline!.at.localeCompare(b.baseline!.at)).pop();
  if (!chosen) return null;
  let contentChanges = 0;
  let metadataChanges = 0;
  const changes: Pick<TreeChange, 'kind' | 'path' | 'fields'>[] = [];
  for await (const c of diffTrees(provenEntries(app, await findManifest(app, chosen.id)), fromArray(restored))) {
    // A restore sets folders' times and may set owners: metadata is listed, content decides.
    if (c.kind === 'metadata') metadataChanges++;
    else contentChanges++;
    if (changes.length < MAX_LISTED_CHANGES && c.kind !== 'metadata') changes.push({ kind: c.kind, path: c.path, fields: c.fields });
  }
  return { id: chosen.id, name: chosen.name, at: chosen.baseline!.at, contentChanges, metadataChanges, changes };
}

export async function recordStatedRestoreTest(app: AppContext, name: string, input: { at: string; result: string; statement: string }): Promise<void> {
  const set = await findBackupSet(app, name);
  if (input.result !== 'passed' && input.result !== 'failed') throw new WeerbaarError('USAGE', `--result must be passed or failed, not "${input.result}"`);
  if (input.statement.trim() === '') throw new WeerbaarError('USAGE', 'give a --statement: who tested, with what, and where the report is');
  const at = parseInstant('--at', input.at);
  if (Date.parse(at) > app.clock().getTime()) throw new WeerbaarError('USAGE', `--at ${at} is in the future`);
  const recordedAt = isoUtc(app.clock());
  await app.store.db.transaction().execute(async (trx) => {
    await trx.insertInto('restore_test').values({ id: randomUUID(), backup_id: set.id, tested_at: at, performed: 0, result: input.result, restored_to: null, baseline_id: null, report: JSON.stringify({ statement: input.statement.trim() }), actor: app.actor, recorded_at: recordedAt }).execute();
    await appendAudit(trx, app, { action: 'backups.restore-test.stated', subject: set.name, details: { at, result: input.result, statement: input.statement.trim() } });
  });
}

/** The latest restore test performed here of this set, as ladder evidence (the baseline judged against the window now). */
export async function latestRestoreTest(app: AppContext, set: BackupSet, window: AssessmentWindow | null, stampNow: string | null): Promise<LadderEvidence['restore']> {
  const row = await app.store.db.selectFrom('restore_test').selectAll().where('backup_id', '=', set.id).where('performed', '=', 1).orderBy('tested_at', 'desc').orderBy('recorded_at', 'desc').limit(1).executeTakeFirst();
  if (!row) return null;
  const r = JSON.parse(row.report) as RestoreTestReport;
  const preIncident = (b: NonNullable<RestoreTestReport['baseline']>) => window !== null && !window.startIsLowerBound && Date.parse(b.at) <= Date.parse(window.start);
  // A restore proves the content it restored: once the backup has changed, it proves nothing about it.
  if (stampNow !== r.backupStamp) return { testedAt: r.testedAt, passed: false, problems: [`the backup has changed since it was restored on ${r.testedAt.slice(0, 16)}: restore it again`], baseline: null };
  return { testedAt: r.testedAt, passed: r.passed, problems: r.problems, baseline: r.baseline ? { name: r.baseline.name, at: r.baseline.at, contentChanges: r.baseline.contentChanges, preIncident: preIncident(r.baseline) } : null };
}

/** One year after `iso`, the same calendar date (29 February → 28 February). */
export function oneYearAfter(iso: string): string {
  const d = new Date(iso);
  const next = new Date(Date.UTC(d.getUTCFullYear() + 1, d.getUTCMonth(), 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()));
  const lastDay = new Date(Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + 1, 0)).getUTCDate();
  next.setUTCDate(Math.min(d.getUTCDate(), lastDay));
  return next.toISOString();
}

/** BIO2 8.13.04: restore tested at least once a year (or after a major change), per source. */
export async function restoreRegime(app: AppContext, set: BackupSet, now: Date): Promise<RestoreRegime> {
  const sets = set.source ? (await listBackupSets(app)).filter((b) => b.source === set.source) : [set];
  const names = new Map(sets.map((b) => [b.id, b.name]));
  const row = await app.store.db.selectFrom('restore_test').selectAll().where('backup_id', 'in', [...names.keys()]).where('result', '=', 'passed').orderBy('tested_at', 'desc').limit(1).executeTakeFirst();
  const rule = 'BIO2 8.13.04: restore tested at least once a year, and after a major change';
  if (!row) return { rule, lastPassed: null, dueBy: null, met: false };
  const dueBy = oneYearAfter(row.tested_at);
  return { rule, lastPassed: { backup: names.get(row.backup_id) ?? row.backup_id, testedAt: row.tested_at, performed: Number(row.performed) === 1 }, dueBy, met: Date.parse(dueBy) > now.getTime() };
}
