import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { CaseDatabase } from '../store/case-schema.js';
import { type AuditActor, appendAudit } from '../audit/audit-log.js';
import { InvalidInputError } from '../shared/errors.js';
import { sha256Hex } from '../shared/hashing.js';
import { parseJsonSource } from '../shared/structured-source.js';
import { decodeText, describeFsError } from '../shared/text-input.js';
import { isoUtc } from '../shared/time.js';
import { MAX_CSAF_BYTES, expandCsafPaths } from './validate-csaf-files.js';
import { type CsafValidation, validateCsaf } from './validate-csaf.js';

/**
 * Imports CSAF documents into the case store. Each document stands alone: a valid one is stored as
 * a revision (every version is kept, byte for byte, with when we received it), an identical one is
 * recorded as unchanged, an invalid or unreadable one is rejected with its reason. Every file
 * tried is recorded as a retrieval (source, time, SHA-256, result), and every stored revision is an
 * audit entry.
 */

export interface RejectedAdvisory {
  readonly source: string;
  readonly reason: string;
}

export interface ImportedRevision {
  readonly advisoryId: string;
  readonly version: string;
  readonly sha256: string;
  readonly source: string;
}

export interface AdvisoryImportResult {
  readonly imported: ImportedRevision[];
  readonly unchanged: number;
  readonly rejected: RejectedAdvisory[];
}

interface CsafHead {
  document: {
    title: string;
    csaf_version: string;
    publisher: { name: string; namespace: string };
    tracking: { id: string; version: string; status: string; initial_release_date: string; current_release_date: string };
  };
}

export type ExaminedDocument =
  | { kind: 'ok'; bytes: Buffer; text: string; doc: CsafHead; validation: CsafValidation }
  | { kind: 'rejected'; sha256?: string; reason: string };

async function readOne(source: string): Promise<ExaminedDocument> {
  let bytes: Buffer;
  try {
    const info = await stat(source);
    if (!info.isFile()) return { kind: 'rejected', reason: 'not a regular file' };
    if (info.size > MAX_CSAF_BYTES) return { kind: 'rejected', reason: `${info.size} bytes; larger than ${MAX_CSAF_BYTES}` };
    bytes = await readFile(source);
  } catch (error) {
    return { kind: 'rejected', reason: `cannot be read: ${describeFsError(error)}` };
  }
  return examineDocument(source, bytes);
}

/** Decodes, parses and validates one document from wherever it came from (a file or a URL). */
export async function examineDocument(source: string, bytes: Buffer): Promise<ExaminedDocument> {
  const sha256 = sha256Hex(bytes);
  try {
    const text = decodeText(bytes, source);
    const parsed = parseJsonSource(source, text);
    const validation = await validateCsaf(parsed);
    if (!validation.valid) {
      const first = validation.failures.slice(0, 3).map((f) => `${f.test} ${f.path}${f.line ? ` (line ${f.line})` : ''}: ${f.message}`);
      const more = validation.failures.length > 3 ? `; and ${validation.failures.length - 3} more` : '';
      return { kind: 'rejected', sha256, reason: `invalid CSAF: ${first.join('; ')}${more}` };
    }
    return { kind: 'ok', bytes, text, doc: parsed.value as CsafHead, validation };
  } catch (error) {
    if (error instanceof InvalidInputError) return { kind: 'rejected', sha256, reason: error.problems.map((p) => `${p.location.line ? `line ${p.location.line}: ` : ''}${p.reason}`).join('; ') };
    throw error;
  }
}

export interface AdvisoryImportOptions {
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * When we actually received these documents (ISO 8601), for reconstructing the past from an
   * archive; default: now. The retrieval record keeps the real time of this import.
   */
  readonly receivedAt?: string;
}

export async function importAdvisories(db: Kysely<CaseDatabase>, who: AuditActor, paths: readonly string[], options: AdvisoryImportOptions = {}): Promise<AdvisoryImportResult> {
  const { onProgress } = options;
  const files = await expandCsafPaths(paths);
  const reads: { source: string; read: ExaminedDocument }[] = [];
  for (const source of files) {
    reads.push({ source, read: await readOne(source) });
    onProgress?.(reads.length, files.length);
  }
  return db.transaction().execute(async (trx) => {
    const result = emptyImportResult();
    for (const { source, read } of reads) await recordDocument(trx, who, source, read, options.receivedAt, result);
    await appendAudit(trx, who, {
      action: 'advisory.import',
      subject: 'advisories',
      details: { imported: result.imported.length, unchanged: result.unchanged, rejected: result.rejected },
    });
    return result;
  });
}

export function emptyImportResult(): { imported: ImportedRevision[]; unchanged: number; rejected: RejectedAdvisory[] } {
  return { imported: [], unchanged: 0, rejected: [] };
}

/** Stores one examined document as a revision (or records it unchanged or rejected), with its retrieval record and audit entry. */
export async function recordDocument(
  trx: Kysely<CaseDatabase>,
  who: AuditActor,
  source: string,
  read: ExaminedDocument,
  receivedAtOption: string | undefined,
  result: ReturnType<typeof emptyImportResult>,
): Promise<void> {
  const at = isoUtc(who.clock());
  if (read.kind === 'rejected') {
    result.rejected.push({ source, reason: read.reason });
    await trx.insertInto('advisory_retrieval').values({ id: randomUUID(), at, source, sha256: read.sha256 ?? null, result: 'rejected', advisory_id: null, reason: read.reason }).execute();
    return;
  }
  const { document } = read.doc;
  const advisoryId = `${document.publisher.namespace}#${document.tracking.id}`;
  const sha256 = sha256Hex(read.bytes);
  const known = await trx.selectFrom('advisory_revision').select('sha256').where('advisory_id', '=', advisoryId).where('sha256', '=', sha256).executeTakeFirst();
  await trx.insertInto('advisory_retrieval').values({ id: randomUUID(), at, source, sha256, result: known ? 'unchanged' : 'imported', advisory_id: advisoryId, reason: null }).execute();
  if (known) {
    result.unchanged++;
    return;
  }
  const receivedAt = receivedAtOption ?? at;
  await storeRevision(trx, advisoryId, read.doc, read.text, sha256, source, receivedAt);
  await appendAudit(trx, who, {
    action: 'advisory.revision.import',
    subject: `advisory:${advisoryId}`,
    details: { version: document.tracking.version, status: document.tracking.status, sha256, source, current_release_date: document.tracking.current_release_date, received_at: receivedAt },
  });
  result.imported.push({ advisoryId, version: document.tracking.version, sha256, source });
}

async function storeRevision(trx: Kysely<CaseDatabase>, advisoryId: string, doc: CsafHead, text: string, sha256: string, source: string, at: string): Promise<void> {
  const { document } = doc;
  const existing = await trx.selectFrom('advisory').select('latest_sha256').where('id', '=', advisoryId).executeTakeFirst();
  if (!existing) {
    await trx
      .insertInto('advisory')
      .values({
        id: advisoryId,
        publisher: document.publisher.name,
        publisher_namespace: document.publisher.namespace,
        tracking_id: document.tracking.id,
        title: document.title,
        csaf_version: document.csaf_version,
        latest_sha256: sha256,
        first_seen_at: at,
      })
      .execute();
  }
  await trx
    .insertInto('advisory_revision')
    .values({
      advisory_id: advisoryId,
      sha256,
      version: document.tracking.version,
      status: document.tracking.status,
      initial_release_date: document.tracking.initial_release_date,
      current_release_date: document.tracking.current_release_date,
      received_at: at,
      source,
      document: text,
    })
    .execute();
  if (!existing) return;
  // The latest revision is the one the publisher released last, whatever order we received them in.
  const latest = await trx.selectFrom('advisory_revision').select('current_release_date').where('advisory_id', '=', advisoryId).where('sha256', '=', existing.latest_sha256).executeTakeFirst();
  if (!latest || Date.parse(document.tracking.current_release_date) >= Date.parse(latest.current_release_date)) {
    await trx.updateTable('advisory').set({ latest_sha256: sha256, title: document.title }).where('id', '=', advisoryId).execute();
  }
}
