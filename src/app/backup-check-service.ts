import { randomUUID } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { appendAudit } from '../audit/audit-log.js';
import { type ArchiveListing, type ArchiveMember, type MemberRead, listArchive, readArchiveMembers } from '../integrity/backup-archive.js';
import { listFolder, readFolderMembers } from '../integrity/backup-folder.js';
import { type Assurance, type LadderEvidence, assuranceLevel } from '../integrity/backup-ladder.js';
import { type PreviousRead, archiveStamp, backupStamp, chooseMembers, readCounts } from '../integrity/backup-rotation.js';
import { comparePaths } from '../integrity/file-tree-scan.js';
import { VerificationError, WeerbaarError } from '../shared/errors.js';
import { describeFsError } from '../shared/text-input.js';
import { isoUtc } from '../shared/time.js';
import type { AppContext } from './app-context.js';
import { type BackupSet, type ImmutabilityFact, findBackupSet, immutabilityFacts, immutabilityNow } from './backup-service.js';
import { type RestoreRegime, latestRestoreTest, restoreRegime } from './restore-test-service.js';
import { exposureWindow } from './exposure-service.js';
import { findManifest, provenEntries } from './integrity-service.js';

/**
 * `weerbaar backups verify`: one backup set on the assurance ladder (integrity/backup-ladder.ts),
 * from evidence gathered now — it is there, its whole listing is intact, the data chosen by rotation
 * is read (and what earlier checks in the cycle read still counts), every member's hash equals the
 * signed manifest of what was written — plus the latest restore test and its comparison with the
 * pre-incident baseline. Every check is kept (backup_check) with its report.
 */

export interface BackupCheckReport {
  readonly backup: BackupSet;
  readonly checkedAt: string;
  readonly level: Assurance['level'];
  readonly steps: Assurance['steps'];
  /** Bytes and members read by this check, and covered within the cycle (this check included). */
  readonly read: { readonly members: number; readonly bytes: number };
  readonly coverage: LadderEvidence['coverage'];
  /** Damage found (structure, unreadable data, content differing from the manifest): exit status 4. */
  readonly damaged: boolean;
  readonly problems: readonly string[];
  readonly immutability: { readonly now: string; readonly facts: readonly ImmutabilityFact[] };
  readonly restoreRegime: RestoreRegime;
}

/** Whether the backup is there, and its listing (null when it is not there). */
async function inspect(set: BackupSet): Promise<{ exists: LadderEvidence['exists']; listing: Omit<ArchiveListing, 'kind'> | null; archive: string | null }> {
  const info = await stat(set.location).catch((error: unknown) => describeFsError(error));
  if (typeof info === 'string') return { exists: { ok: false, detail: `${set.location} is not there: ${info}` }, listing: null, archive: null };
  if (set.kind === 'folder' || set.kind === 'restored') {
    if (!info.isDirectory()) return { exists: { ok: false, detail: `${set.location} is not a folder` }, listing: null, archive: null };
    if ((await readdir(set.location)).length === 0) return { exists: { ok: false, detail: `${set.location} is empty` }, listing: null, archive: null };
    const listing = await listFolder(set.location);
    return { exists: { ok: true, detail: `${set.location}: a folder of ${listing.members.length} entries` }, listing, archive: null };
  }
  if (!info.isFile() || info.size === 0) return { exists: { ok: false, detail: `${set.location} is ${info.isFile() ? 'empty' : 'not a file'}` }, listing: null, archive: null };
  // Stamped before the listing: a file rewritten while it is read shows as changed at the next check.
  const archive = await archiveStamp(set.location);
  return { exists: { ok: true, detail: `${set.location}: ${(info.size / 1e6).toFixed(1)} MB ${set.kind}` }, listing: await listArchive(set.location, set.kind), archive };
}

async function readMembers(set: BackupSet, members: readonly ArchiveMember[], chosen: ReadonlySet<string>, onProgress?: (p: { members: number; bytes: number }) => void): Promise<readonly MemberRead[]> {
  const select = (m: ArchiveMember) => chosen.has(m.path);
  if (set.kind === 'folder' || set.kind === 'restored') return readFolderMembers(set.location, members, select, onProgress);
  return (await readArchiveMembers(set.location, set.kind, select, onProgress ? { onProgress } : {})).reads;
}

type StoredRead = PreviousRead & { sha256: string | null; result: string; error: string | null };

async function previousReads(app: AppContext, backupId: string): Promise<Map<string, StoredRead>> {
  const rows = await app.store.db.selectFrom('backup_member').selectAll().where('backup_id', '=', backupId).execute();
  return new Map(rows.map((r) => [r.path, { readAt: r.read_at, size: Number(r.size), stamp: r.stamp, sha256: r.sha256, result: r.result, error: r.error }]));
}

async function storeReads(app: AppContext, backupId: string, reads: readonly MemberRead[], members: ReadonlyMap<string, { size: number; stamp: string }>, at: string): Promise<void> {
  const rows = reads.map((r) => ({ backup_id: backupId, path: r.path, size: members.get(r.path)?.size ?? r.bytesRead, stamp: members.get(r.path)?.stamp ?? '', sha256: r.sha256, result: r.error === null ? 'read' : 'unreadable', error: r.error, read_at: at }));
  for (let i = 0; i < rows.length; i += 500) {
    await app.store.db
      .insertInto('backup_member')
      .values(rows.slice(i, i + 500))
      .onConflict((oc) => oc.columns(['backup_id', 'path']).doUpdateSet((eb) => ({ size: eb.ref('excluded.size'), stamp: eb.ref('excluded.stamp'), sha256: eb.ref('excluded.sha256'), result: eb.ref('excluded.result'), error: eb.ref('excluded.error'), read_at: eb.ref('excluded.read_at') })))
      .execute();
  }
}

/** Compares the listing (and the hashes read within the cycle) with the backup's signed manifest, both in path order. */
async function againstManifest(app: AppContext, set: BackupSet, members: readonly ArchiveMember[], counted: ReadonlyMap<string, StoredRead>): Promise<LadderEvidence['crypto']> {
  if (!set.manifest) return null;
  const result = { manifest: set.manifest.name, missing: [] as string[], extra: [] as string[], mismatched: [] as string[], notYetRead: 0, unverifiableInManifest: 0, manifestProblem: null as string | null };
  const listed = members.filter((m) => m.type !== 'directory');
  let i = 0;
  try {
    for await (const entry of provenEntries(app, await findManifest(app, set.manifest.id))) {
      if (entry.type === 'directory') continue;
      while (i < listed.length && comparePaths(listed[i]!.path, entry.path) < 0) result.extra.push(listed[i++]!.path);
      const m = listed[i];
      if (!m || m.path !== entry.path) {
        result.missing.push(entry.path);
        continue;
      }
      i++;
      if (entry.error !== null) result.unverifiableInManifest++;
      else if (m.type !== entry.type || m.size !== entry.size || m.target !== entry.target) result.mismatched.push(m.path);
      else if (m.type === 'file') {
        const read = counted.get(m.path);
        if (!read) result.notYetRead++;
        else if (read.sha256 !== entry.sha256) result.mismatched.push(m.path);
      }
    }
  } catch (error) {
    if (!(error instanceof VerificationError)) throw error;
    result.manifestProblem = error.message;
  }
  while (i < listed.length) result.extra.push(listed[i++]!.path);
  return result;
}

export async function verifyBackup(app: AppContext, name: string, options: { share?: number; onProgress?: (p: { members: number; bytes: number }) => void } = {}): Promise<BackupCheckReport> {
  const set = await findBackupSet(app, name);
  const share = options.share ?? 1;
  if (!(share > 0 && share <= 1)) throw new WeerbaarError('USAGE', `--share must be a percentage above 0 and at most 100`);
  const now = app.clock();
  const checkedAt = isoUtc(now);
  const { exists, listing, archive } = await inspect(set);
  const files = (listing?.members ?? []).filter((m) => m.type === 'file');
  const current = new Map(files.map((m) => [m.path, { size: m.size ?? 0, stamp: archive ?? m.stamp ?? '' }]));
  const sizes = new Map([...current].map(([path, m]) => [path, m.size]));
  const before = await previousReads(app, set.id);
  const chosen = listing ? chooseMembers([...current].map(([path, m]) => ({ path, ...m })), before, share) : new Set<string>();
  const reads = listing && chosen.size > 0 ? await readMembers(set, listing.members, chosen, options.onProgress) : [];
  await storeReads(app, set.id, reads, current, checkedAt);
  const after = await previousReads(app, set.id);
  const counts = (path: string, r: StoredRead) => current.has(path) && readCounts(r, current.get(path)!, now, set.cycleDays);
  const counted = new Map([...after].filter(([path, r]) => counts(path, r) && r.result === 'read'));
  const unreadable = files.filter((m) => {
    const r = after.get(m.path);
    return r?.result === 'unreadable' && counts(m.path, r);
  });
  const coverage: LadderEvidence['coverage'] = {
    members: files.length,
    bytes: files.reduce((s, m) => s + (m.size ?? 0), 0),
    coveredMembers: counted.size,
    coveredBytes: [...counted.keys()].reduce((s, p) => s + (sizes.get(p) ?? 0), 0),
    unreadable: unreadable.map((m) => `${m.path} (${after.get(m.path)?.error})`),
    cycleDays: set.cycleDays,
  };
  const crypto = exists.ok && listing ? await againstManifest(app, set, listing.members, counted) : set.manifest ? { manifest: set.manifest.name, missing: [], extra: [], mismatched: [], notYetRead: 0, unverifiableInManifest: 0, manifestProblem: 'the backup is not there' } : null;
  const window = await exposureWindow(app);
  const restore = await latestRestoreTest(app, set, window, listing ? backupStamp(listing.members, archive) : null);
  const assurance = assuranceLevel({ exists, structure: { problems: (listing?.problems ?? []).map((p) => p.reason), complete: listing?.complete ?? false }, coverage, crypto, restore });
  const problems = [
    ...(listing?.problems ?? []).map((p) => p.reason),
    ...coverage.unreadable.map((u) => `unreadable: ${u}`),
    ...(crypto?.mismatched ?? []).map((p) => `differs from manifest ${crypto!.manifest}: ${p}`),
    ...(crypto?.missing ?? []).map((p) => `missing (in manifest ${crypto!.manifest}): ${p}`),
    ...(crypto?.extra ?? []).map((p) => `not in manifest ${crypto!.manifest}: ${p}`),
    ...(crypto?.manifestProblem ? [crypto.manifestProblem] : []),
  ];
  const facts = await immutabilityFacts(app, set.id);
  const report: BackupCheckReport = {
    backup: set, checkedAt, level: assurance.level, steps: assurance.steps,
    read: { members: reads.length, bytes: reads.reduce((s, r) => s + r.bytesRead, 0) },
    coverage, damaged: problems.length > 0, problems,
    immutability: { now: immutabilityNow(facts, now), facts },
    restoreRegime: await restoreRegime(app, set, now),
  };
  await app.store.db.transaction().execute(async (trx) => {
    await trx.insertInto('backup_check').values({ id: randomUUID(), backup_id: set.id, checked_at: checkedAt, actor: app.actor, level: assurance.level, bytes_read: report.read.bytes, report: JSON.stringify(report) }).execute();
    await appendAudit(trx, app, { action: 'backups.verify', subject: set.name, details: { level: assurance.level, read_bytes: report.read.bytes, covered_bytes: coverage.coveredBytes, bytes: coverage.bytes, damaged: report.damaged } });
  });
  return report;
}

/** The latest check of every set (for `backups list` and the summary's Q5), without reading anything. */
export async function latestChecks(app: AppContext): Promise<Map<string, { checkedAt: string; level: number | null; report: BackupCheckReport }>> {
  const rows = await app.store.db.selectFrom('backup_check').selectAll().orderBy('checked_at').orderBy('id').execute();
  return new Map(rows.map((r) => [r.backup_id, { checkedAt: r.checked_at, level: r.level === null ? null : Number(r.level), report: JSON.parse(r.report) as BackupCheckReport }]));
}
