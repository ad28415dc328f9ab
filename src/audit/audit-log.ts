import type { Kysely } from 'kysely';
import type { CaseDatabase } from '../store/case-schema.js';
import type { Clock } from '../shared/time.js';
import { isoUtc } from '../shared/time.js';
import { sha256Hex } from '../shared/hashing.js';
import { type AuditEntry, GENESIS_HASH, detailsText, entryHash } from './audit-entry.js';

/**
 * The append-only, hash-chained audit log. `appendAudit` must run inside the same transaction as
 * the change it records, so a change and its entry land together or not at all. It first bumps the
 * single head row: on PostgreSQL that row lock serialises concurrent appenders; SQLite has one
 * writer anyway.
 */

export interface AuditActor {
  readonly actor: string;
  readonly clock: Clock;
}

export interface AuditRecord {
  readonly action: string;
  readonly subject: string;
  readonly details?: unknown;
}

export async function appendAudit(trx: Kysely<CaseDatabase>, who: AuditActor, record: AuditRecord): Promise<AuditEntry> {
  const bumped = await trx
    .updateTable('audit_head')
    .set((eb) => ({ seq: eb('seq', '+', 1) }))
    .where('id', '=', 1)
    .returning(['seq', 'entry_hash'])
    .executeTakeFirst();
  let seq: number;
  let prevHash: string;
  if (bumped) {
    seq = Number(bumped.seq);
    prevHash = bumped.entry_hash;
  } else {
    seq = 1;
    prevHash = GENESIS_HASH;
  }
  const details = detailsText(record.details);
  const content = {
    seq,
    at: isoUtc(who.clock()),
    actor: who.actor,
    action: record.action,
    subject: record.subject,
    details_hash: sha256Hex(details),
    prev_hash: prevHash,
  };
  const entry: AuditEntry = { ...content, details, entry_hash: entryHash(content) };
  await trx.insertInto('audit_log').values(entry).execute();
  if (bumped) {
    await trx.updateTable('audit_head').set({ entry_hash: entry.entry_hash }).where('id', '=', 1).execute();
  } else {
    await trx.insertInto('audit_head').values({ id: 1, seq, entry_hash: entry.entry_hash }).execute();
  }
  return entry;
}

export interface AuditQuery {
  readonly afterSeq?: number;
  readonly limit?: number;
}

export async function listAuditEntries(db: Kysely<CaseDatabase>, query: AuditQuery = {}): Promise<AuditEntry[]> {
  let q = db.selectFrom('audit_log').selectAll().orderBy('seq');
  if (query.afterSeq !== undefined) q = q.where('seq', '>', query.afterSeq);
  if (query.limit !== undefined) q = q.limit(query.limit);
  const rows = await q.execute();
  return rows.map((row) => ({ ...row, seq: Number(row.seq) }));
}

export async function auditHead(db: Kysely<CaseDatabase>): Promise<{ seq: number; entry_hash: string } | undefined> {
  const row = await db.selectFrom('audit_head').select(['seq', 'entry_hash']).where('id', '=', 1).executeTakeFirst();
  return row ? { seq: Number(row.seq), entry_hash: row.entry_hash } : undefined;
}
