import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, rename, rm, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gunzipSync } from 'node:zlib';
import type { Insertable, Kysely } from 'kysely';
import tar from 'tar-stream';
import type { CaseDatabase, EvidenceEntryTable } from '../store/case-schema.js';
import { type AuditActor, appendAudit } from '../audit/audit-log.js';
import { listFiles } from '../shared/file-tree.js';
import { isoUtc } from '../shared/time.js';
import { type LogFormat, detectFormat } from './detect-format.js';
import type { FieldMapping } from './field-mapping.js';

/**
 * Evidence custody. Every file is streamed into the vault while it is hashed (SHA-256), stored
 * under its hash and made read-only, and recorded with who added it, when, from which path (or
 * which entry of which triage tarball), its size and format. The same content twice is recorded
 * once; the second add says where the first copy came from. Triage tarballs (.tar, .tar.gz, .tgz)
 * are walked entry by entry, each file its own piece of evidence, the tarball itself too.
 */

export interface EvidenceOptions {
  readonly format?: LogFormat;
  readonly host?: string;
  readonly timezone?: string;
  readonly dateOrder?: 'mdy' | 'dmy' | 'ymd';
  /** Field mapping for generic JSONL/CSV files (field-mapping.ts), stored with each file. */
  readonly mapping?: FieldMapping;
}

export interface AddedEvidence {
  readonly sha256: string;
  readonly originalPath: string;
  readonly size: number;
  readonly format: LogFormat | 'tar';
  /**
   * `reformatted`: the content was already stored with no parser (format `unknown`) and this add
   * named a format (`--format`), so it is recorded with that format and parsed now.
   */
  readonly status: 'added' | 'already-present' | 'reformatted';
  /** For a repeat: where the stored copy came from. */
  readonly firstSeenAs?: string;
}

export interface VaultLocation {
  readonly workspaceDir: string;
  /** The vault folder, relative to the workspace (weerbaar.yaml `vault`). */
  readonly vault: string;
}

const HEAD_BYTES = 64 * 1024;

/** Streams `source` into a temporary vault file, hashing as it goes; returns hash, size and the first bytes. */
async function intoVault(source: Readable, vault: VaultLocation): Promise<{ sha256: string; size: number; head: Buffer; temp: string }> {
  const tmpDir = join(vault.workspaceDir, vault.vault, 'tmp');
  await mkdir(tmpDir, { recursive: true, mode: 0o700 });
  const temp = join(tmpDir, randomUUID());
  const hash = createHash('sha256');
  let size = 0;
  const heads: Buffer[] = [];
  let headLength = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      if (headLength < HEAD_BYTES) {
        heads.push(chunk.subarray(0, HEAD_BYTES - headLength));
        headLength += Math.min(chunk.length, HEAD_BYTES - headLength);
      }
      done(null, chunk);
    },
  });
  await pipeline(source, tap, createWriteStream(temp, { mode: 0o600 }));
  return { sha256: hash.digest('hex'), size, head: Buffer.concat(heads), temp };
}

function isGzip(head: Buffer): boolean {
  return head[0] === 0x1f && head[1] === 0x8b;
}

/** The first bytes of a gzip member, decompressed as far as the head allows (for format sniffing). */
function gunzipHead(head: Buffer): Buffer {
  try {
    return gunzipSync(head, { finishFlush: 2 /* Z_SYNC_FLUSH: tolerate a truncated head */ });
  } catch {
    return Buffer.alloc(0);
  }
}

function isTar(path: string, head: Buffer): boolean {
  const plain = isGzip(head) ? gunzipHead(head) : head;
  return /\.(tar|tgz|tar\.gz)$/i.test(path) || plain.subarray(257, 262).toString('latin1') === 'ustar';
}

export async function addEvidence(db: Kysely<CaseDatabase>, who: AuditActor, vault: VaultLocation, paths: readonly string[], options: EvidenceOptions = {}): Promise<AddedEvidence[]> {
  const results: AddedEvidence[] = [];
  for (const path of paths) {
    const root = resolve(path);
    // A folder is a collected tree like a tarball (`folder:<absolute path>` names it): its entries
    // keep their relative paths and metadata for the triage rules.
    // (A missing path is reported by listFiles with its reason.)
    const folder = (await stat(root).then((s) => s.isDirectory(), () => false)) ? `folder:${root}` : null;
    const entries: Insertable<EvidenceEntryTable>[] = [];
    for (const file of await listFiles(root)) {
      const added = await addFile(db, who, vault, file, options);
      results.push(...added);
      if (folder && added[0]) {
        const info = await stat(file);
        entries.push({ container_sha256: folder, path: relative(root, file).split(sep).join('/'), type: 'file', sha256: added[0].sha256, size: info.size, mode: info.mode & 0o7777, owner: String(info.uid), mtime: isoUtc(info.mtime), link_target: null });
      }
    }
    await insertEntries(db, entries);
  }
  return results;
}

async function insertEntries(db: Kysely<CaseDatabase>, entries: readonly Insertable<EvidenceEntryTable>[]): Promise<void> {
  // Re-adding the same tree records nothing new (its entries are already listed).
  for (let i = 0; i < entries.length; i += 500) await db.insertInto('evidence_entry').values(entries.slice(i, i + 500)).onConflict((oc) => oc.doNothing()).execute();
}

async function addFile(db: Kysely<CaseDatabase>, who: AuditActor, vault: VaultLocation, file: string, options: EvidenceOptions): Promise<AddedEvidence[]> {
  const stored = await intoVault(createReadStream(file), vault);
  const tarball = isTar(file, stored.head);
  const mtime = (await stat(file)).mtime;
  const own = await record(db, who, vault, stored, { originalPath: file, container: null, format: tarball ? 'tar' : undefined, mtime }, options);
  if (!tarball) return [own];
  const results = [own];
  const extract = tar.extract();
  const source = createReadStream(join(vault.workspaceDir, vaultPath(vault, own.sha256)));
  const done = pipeline(isGzip(stored.head) ? source.pipe(createGunzip()) : source, extract);
  const entries: Insertable<EvidenceEntryTable>[] = [];
  for await (const entry of extract) {
    const h = entry.header;
    const meta = { container_sha256: own.sha256, path: h.name, size: h.size ?? 0, mode: h.mode ?? null, owner: h.uname || (h.uid === undefined ? null : String(h.uid)), mtime: h.mtime ? isoUtc(h.mtime) : null };
    if (h.type !== 'file') {
      entry.resume();
      const type = h.type === 'symlink' || h.type === 'directory' ? h.type : 'other';
      entries.push({ ...meta, type, sha256: null, link_target: h.linkname ?? null });
      continue;
    }
    const inner = await intoVault(Readable.from(entry), vault);
    const origin = { originalPath: `${file}!/${h.name}`, container: own.sha256, mtime: h.mtime ?? null };
    const added = await record(db, who, vault, inner, origin, options);
    results.push(added);
    entries.push({ ...meta, type: 'file', sha256: added.sha256, link_target: null });
  }
  await done;
  await insertEntries(db, entries);
  return results;
}

async function reformat(db: Kysely<CaseDatabase>, who: AuditActor, sha256: string, options: EvidenceOptions): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('evidence_file')
      .set({
        format: options.format!,
        ...(options.host ? { host: options.host } : {}),
        ...(options.timezone ? { timezone: options.timezone } : {}),
        ...(options.dateOrder ? { date_order: options.dateOrder } : {}),
        ...(options.mapping ? { field_mapping: JSON.stringify(options.mapping) } : {}),
      })
      .where('sha256', '=', sha256)
      .where('format', '=', 'unknown')
      .execute();
    await appendAudit(trx, who, { action: 'evidence.format', subject: `evidence:${sha256}`, details: { from: 'unknown', to: options.format!, host: options.host ?? null } });
  });
}

/** Where content with this hash lives, relative to the workspace. */
export function vaultPath(vault: VaultLocation, sha256: string): string {
  return join(vault.vault, 'sha256', sha256.slice(0, 2), sha256.slice(2, 4), sha256);
}

async function record(
  db: Kysely<CaseDatabase>,
  who: AuditActor,
  vault: VaultLocation,
  stored: { sha256: string; size: number; head: Buffer; temp: string },
  origin: { originalPath: string; container: string | null; format?: 'tar'; mtime: Date | null },
  options: EvidenceOptions,
): Promise<AddedEvidence> {
  const existing = await db.selectFrom('evidence_file').select(['original_path', 'format']).where('sha256', '=', stored.sha256).executeTakeFirst();
  const gz = isGzip(stored.head);
  const format = origin.format ?? options.format ?? detectFormat(origin.originalPath, gz ? gunzipHead(stored.head) : stored.head);
  if (existing) {
    await rm(stored.temp, { force: true });
    // A file stored without a parser can be given one later; a parsed file keeps its reading
    // (its events are evidence already; reading it differently is a new decision, not a repeat).
    if (existing.format === 'unknown' && options.format && origin.format !== 'tar') {
      await reformat(db, who, stored.sha256, options);
      return { sha256: stored.sha256, originalPath: origin.originalPath, size: stored.size, format: options.format, status: 'reformatted', firstSeenAs: existing.original_path };
    }
    return { sha256: stored.sha256, originalPath: origin.originalPath, size: stored.size, format: existing.format as LogFormat, status: 'already-present', firstSeenAs: existing.original_path };
  }
  const relativePath = vaultPath(vault, stored.sha256);
  const target = join(vault.workspaceDir, relativePath);
  await mkdir(join(target, '..'), { recursive: true, mode: 0o700 });
  await rename(stored.temp, target);
  await chmod(target, 0o444);
  const at = isoUtc(who.clock());
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('evidence_file')
      .values({
        sha256: stored.sha256,
        size: stored.size,
        format,
        compression: gz ? 'gzip' : null,
        original_path: origin.originalPath,
        container_sha256: origin.container,
        host: options.host ?? null,
        timezone: options.timezone ?? null,
        date_order: options.dateOrder ?? null,
        added_by: who.actor,
        added_at: at,
        vault_path: relativePath,
        source_mtime: origin.mtime ? isoUtc(origin.mtime) : null,
        field_mapping: options.mapping ? JSON.stringify(options.mapping) : null,
      })
      .execute();
    await appendAudit(trx, who, {
      action: 'evidence.add',
      subject: `evidence:${stored.sha256}`,
      details: { original_path: origin.originalPath, size: stored.size, format, container: origin.container, host: options.host ?? null },
    });
  });
  return { sha256: stored.sha256, originalPath: origin.originalPath, size: stored.size, format, status: 'added' };
}

export interface EvidenceRecord {
  readonly sha256: string;
  readonly size: number;
  readonly format: string;
  readonly compression: string | null;
  readonly originalPath: string;
  readonly container: string | null;
  readonly host: string | null;
  readonly addedBy: string;
  readonly addedAt: string;
  readonly vaultPath: string;
  readonly timezone: string | null;
  readonly dateOrder: 'mdy' | 'dmy' | 'ymd' | null;
  readonly sourceMtime: string | null;
  /** Parsed events and failed lines; null while the file has not been parsed (a tarball, or a format without a parser). */
  readonly events: number | null;
  readonly failures: number | null;
  readonly firstEvent: string | null;
  readonly lastEvent: string | null;
  /** Set when the file could not be read to its end (a truncated gzip rotation). */
  readonly readError: string | null;
}

export async function listEvidence(db: Kysely<CaseDatabase>): Promise<EvidenceRecord[]> {
  const rows = await db
    .selectFrom('evidence_file')
    .leftJoin('evidence_parse', 'evidence_parse.sha256', 'evidence_file.sha256')
    .selectAll('evidence_file')
    .select(['evidence_parse.events', 'evidence_parse.failures', 'evidence_parse.first_event', 'evidence_parse.last_event', 'evidence_parse.read_error'])
    .orderBy('evidence_file.added_at')
    .orderBy('evidence_file.original_path')
    .execute();
  return rows.map((r) => ({
    sha256: r.sha256,
    size: Number(r.size),
    format: r.format,
    compression: r.compression,
    originalPath: r.original_path,
    container: r.container_sha256,
    host: r.host,
    addedBy: r.added_by,
    addedAt: r.added_at,
    vaultPath: r.vault_path,
    timezone: r.timezone,
    dateOrder: r.date_order as EvidenceRecord['dateOrder'],
    sourceMtime: r.source_mtime,
    events: r.events === null ? null : Number(r.events),
    failures: r.failures === null ? null : Number(r.failures),
    firstEvent: r.first_event,
    lastEvent: r.last_event,
    readError: r.read_error,
  }));
}

