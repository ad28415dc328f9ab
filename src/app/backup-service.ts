import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { appendAudit } from '../audit/audit-log.js';
import { addEvidence } from '../ingest/custody.js';
import { type ArchiveKind, archiveKindOf } from '../integrity/backup-archive.js';
import type { BackupSetTable } from '../store/case-schema.js';
import { WeerbaarError } from '../shared/errors.js';
import { isoUtc, parseInstant } from '../shared/time.js';
import type { AppContext } from './app-context.js';
import { findManifest } from './integrity-service.js';

/**
 * `weerbaar backups`: the backup sets of a case (issue 7 §5) — where each is, what it holds, the
 * immutability declared for it (with the evidence that declaration rests on), and its restore
 * tests. Checking a set on the assurance ladder is backup-check-service.ts.
 */

export type BackupKind = ArchiveKind | 'folder' | 'restored';
const KINDS: readonly BackupKind[] = ['folder', 'tar', 'tar.gz', 'zip', 'restored'];
export const IMMUTABILITY_MODES = ['compliance', 'governance', 'legal-hold', 'append-only', 'none'] as const;
export type ImmutabilityMode = (typeof IMMUTABILITY_MODES)[number];

export interface BackupSet {
  readonly id: string;
  readonly name: string;
  readonly kind: BackupKind;
  readonly location: string;
  readonly source: string | null;
  readonly takenAt: string | null;
  readonly manifest: { readonly id: string; readonly name: string } | null;
  readonly cycleDays: number;
  readonly registeredAt: string;
}

export interface ImmutabilityFact {
  readonly mode: ImmutabilityMode;
  readonly retainUntil: string | null;
  readonly evidenceSha256: string | null;
  readonly statement: string;
  readonly actor: string;
  readonly recordedAt: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export async function addBackupSet(
  app: AppContext,
  input: { name: string; location: string; kind?: string; source?: string; takenAt?: string; manifest?: string; cycleDays?: number },
): Promise<BackupSet> {
  if (!NAME.test(input.name)) throw new WeerbaarError('USAGE', `backup name "${input.name}" must be letters, digits, ".", "_" or "-" (up to 128), starting with a letter or digit`);
  const location = resolve(input.location);
  const info = await stat(location).catch(() => null);
  const kind = (input.kind ?? (info?.isDirectory() ? 'folder' : archiveKindOf(location))) as BackupKind | undefined;
  if (!kind || !KINDS.includes(kind)) throw new WeerbaarError('USAGE', `${location}: say what kind of backup it is with --kind (${KINDS.join(', ')}); it is not a folder and its name does not end in .tar, .tar.gz, .tgz or .zip`);
  const cycleDays = input.cycleDays ?? 7;
  if (!Number.isInteger(cycleDays) || cycleDays < 1 || cycleDays > 366) throw new WeerbaarError('USAGE', `--cycle-days ${input.cycleDays} must be a whole number of days from 1 to 366`);
  const manifest = input.manifest ? await findManifest(app, input.manifest) : null;
  if (manifest && manifest.kind !== 'files') throw new WeerbaarError('USAGE', `manifest ${manifest.name} is of records: a backup's content is checked against a manifest of the tree it holds (weerbaar integrity snapshot)`);
  const takenAt = input.takenAt ? parseInstant('--taken-at', input.takenAt) : null;
  if (await app.store.db.selectFrom('backup_set').select('id').where('name', '=', input.name).executeTakeFirst()) throw new WeerbaarError('USAGE', `a backup set named "${input.name}" is already registered`);
  const row: BackupSetTable = {
    id: randomUUID(), name: input.name, kind, location, source: input.source ? resolve(input.source) : (manifest?.source ?? null), taken_at: takenAt,
    manifest_id: manifest?.id ?? null, cycle_days: cycleDays, registered_at: isoUtc(app.clock()), actor: app.actor,
  };
  await app.store.db.transaction().execute(async (trx) => {
    await trx.insertInto('backup_set').values(row).execute();
    await appendAudit(trx, app, { action: 'backups.add', subject: row.name, details: { id: row.id, kind, location, source: row.source, taken_at: takenAt, manifest: manifest?.id ?? null, cycle_days: cycleDays } });
  });
  return toBackupSet(row, manifest);
}

function toBackupSet(r: BackupSetTable, manifest: { id: string; name: string } | null): BackupSet {
  return { id: r.id, name: r.name, kind: r.kind as BackupKind, location: r.location, source: r.source, takenAt: r.taken_at, manifest: manifest ? { id: manifest.id, name: manifest.name } : null, cycleDays: Number(r.cycle_days), registeredAt: r.registered_at };
}

export async function listBackupSets(app: AppContext): Promise<BackupSet[]> {
  const rows = await app.store.db.selectFrom('backup_set').leftJoin('manifest', 'manifest.id', 'backup_set.manifest_id').selectAll('backup_set').select(['manifest.name as manifest_name']).orderBy('backup_set.name').execute();
  return rows.map((r) => toBackupSet(r, r.manifest_id && r.manifest_name ? { id: r.manifest_id, name: r.manifest_name } : null));
}

export async function findBackupSet(app: AppContext, name: string): Promise<BackupSet> {
  const set = (await listBackupSets(app)).find((b) => b.name === name || b.id === name);
  if (!set) throw new WeerbaarError('NOT_FOUND', `no backup set named "${name}" (see weerbaar backups list)`);
  return set;
}

/**
 * Declares the immutability of a backup set (WORM, object lock, legal hold, append-only). A
 * declaration is a claim: the evidence file it rests on (an exported object-lock configuration, a
 * storage report) goes into custody like any evidence, hashed, and the fact keeps its hash.
 */
export async function recordImmutability(app: AppContext, name: string, input: { mode: string; retainUntil?: string; evidence?: string; statement: string }): Promise<ImmutabilityFact> {
  const set = await findBackupSet(app, name);
  if (!(IMMUTABILITY_MODES as readonly string[]).includes(input.mode)) throw new WeerbaarError('USAGE', `--mode ${input.mode} is not one of ${IMMUTABILITY_MODES.join(', ')}`);
  if (input.statement.trim() === '') throw new WeerbaarError('USAGE', 'give a --statement: who states this and on what (e.g. "S3 object lock, compliance mode, per the storage team\'s export")');
  const retainUntil = input.retainUntil ? parseInstant('--until', input.retainUntil) : null;
  if ((input.mode === 'compliance' || input.mode === 'governance') && !retainUntil) throw new WeerbaarError('USAGE', `an object lock in ${input.mode} mode has a retain-until date: give --until`);
  let evidenceSha256: string | null = null;
  if (input.evidence) {
    const [added] = await addEvidence(app.store.db, app, { workspaceDir: app.workspace.dir, vault: app.workspace.config.vault }, [resolve(input.evidence)], { format: 'unknown' });
    evidenceSha256 = added?.sha256 ?? null;
  }
  const fact: ImmutabilityFact = { mode: input.mode as ImmutabilityMode, retainUntil, evidenceSha256, statement: input.statement.trim(), actor: app.actor, recordedAt: isoUtc(app.clock()) };
  await app.store.db.transaction().execute(async (trx) => {
    await trx.insertInto('backup_immutability').values({ id: randomUUID(), backup_id: set.id, mode: fact.mode, retain_until: retainUntil, evidence_sha256: evidenceSha256, statement: fact.statement, actor: app.actor, recorded_at: fact.recordedAt }).execute();
    await appendAudit(trx, app, { action: 'backups.immutability', subject: set.name, details: { mode: fact.mode, retain_until: retainUntil, evidence: evidenceSha256 } });
  });
  return fact;
}

export async function immutabilityFacts(app: AppContext, backupId: string): Promise<ImmutabilityFact[]> {
  const rows = await app.store.db.selectFrom('backup_immutability').selectAll().where('backup_id', '=', backupId).orderBy('recorded_at').orderBy('id').execute();
  return rows.map((r) => ({ mode: r.mode as ImmutabilityMode, retainUntil: r.retain_until, evidenceSha256: r.evidence_sha256, statement: r.statement, actor: r.actor, recordedAt: r.recorded_at }));
}

/** What the latest immutability fact says now: protected until a date, expired, or not protected. */
export function immutabilityNow(facts: readonly ImmutabilityFact[], now: Date): string {
  const last = facts.at(-1);
  if (!last) return 'no immutability declared';
  if (last.mode === 'none') return `declared not immutable (${last.statement})`;
  const evidence = last.evidenceSha256 ? `evidence ${last.evidenceSha256.slice(0, 12)}… in custody` : 'no evidence attached: a claim only';
  if (last.retainUntil && Date.parse(last.retainUntil) <= now.getTime()) return `${last.mode} lock expired on ${last.retainUntil.slice(0, 10)} (${evidence})`;
  const governance = last.mode === 'governance' ? '; governance mode can be bypassed by anyone with the permission' : '';
  return `${last.mode}${last.retainUntil ? ` until ${last.retainUntil.slice(0, 10)}` : ''} (${evidence}${governance})`;
}
