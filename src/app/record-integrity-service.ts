import { rename, rm } from 'node:fs/promises';
import { type RecordChange, diffRecords } from '../integrity/record-diff.js';
import { MANIFEST_FORMAT } from '../integrity/manifest.js';
import { type ManifestRow, type RecordManifestHeader, newSalt, readRecordManifest, sortedManifestRows, writeRecordManifest } from '../integrity/record-manifest.js';
import { type RecordSourceSpec, describeRecordSource, openRecordSource, parseRecordSource } from '../integrity/record-source.js';
import { WeerbaarError } from '../shared/errors.js';
import type { AppContext } from './app-context.js';
import { type ManifestRecord, findManifest, newManifestFile, proveHeader, provenRows, recordManifest } from './integrity-service.js';

/**
 * `weerbaar integrity records`: manifests of database content (issue 7 §2) — a table or an export,
 * hashed per row and keyed by its primary key — and which records were added, deleted or modified
 * since, with the columns that changed. The manifest holds keys and digests, never values.
 */

export interface RecordVerifyReport {
  readonly manifest: ManifestRecord;
  /** What was read now (describeRecordSource: never a password). */
  readonly source: string;
  readonly counts: Record<RecordChange['kind'], number>;
  readonly changes: readonly RecordChange[];
}

/** A source as the manifest names it ("csv:/x.csv", "sqlite:/x.db#t", "postgresql://u@h/db#s.t") back to what opens it. */
export function specOfDescription(description: string): RecordSourceSpec {
  const at = description.lastIndexOf('#');
  const [kind, rest] = [description.slice(0, description.indexOf(':')), description.slice(description.indexOf(':') + 1)];
  if (kind === 'csv' || kind === 'jsonl') return { kind, file: rest };
  if (kind === 'sqlite' && at > 0) return { kind, file: description.slice('sqlite:'.length, at), table: description.slice(at + 1) };
  if ((kind === 'postgresql' || kind === 'postgres') && at > 0) return { kind: 'postgresql', url: description.slice(0, at), table: description.slice(at + 1) };
  throw new WeerbaarError('USAGE', `cannot tell how to read "${description}" now: name the source (a CSV or JSONL file, sqlite:FILE or a postgresql:// URL with --table)`);
}

function keyColumns(key: string): string[] {
  const columns = key.split(',').map((k) => k.trim());
  if (columns.some((k) => k === '')) throw new WeerbaarError('USAGE', `--key "${key}" must name one or more columns, separated by commas`);
  return columns;
}

export async function snapshotRecords(app: AppContext, source: string, options: { key: string; table?: string; name?: string; onProgress?: (rows: number) => void }): Promise<ManifestRecord> {
  const spec = parseRecordSource(source, options.table);
  const description = describeRecordSource(spec);
  const key = keyColumns(options.key);
  const name = options.name ?? ('table' in spec ? spec.table.split('.').pop()! : (spec.file.split('/').pop() ?? 'records').replace(/\.[^.]*$/, ''));
  const { id, created, partial, file } = await newManifestFile(app, name);
  const opened = await openRecordSource(spec, key, options.onProgress ? { onProgress: options.onProgress } : {});
  const header: RecordManifestHeader = { format: MANIFEST_FORMAT, kind: 'records', name, source: description, key, columns: opened.columns, salt: (await earlierSalt(app, description, key)) ?? newSalt(), created };
  let summary;
  try {
    summary = await writeRecordManifest(partial, header, opened.rows());
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  } finally {
    await opened.close();
  }
  await rename(partial, app.workspace.path(file));
  return recordManifest(app, { id, name, kind: 'records', source: description, created, file, size: summary.size, root: summary.root, files: summary.rows, bytes: 0, errors: 0 });
}

/**
 * Every record manifest of one source (and key) shares the salt of the first: their digests, and
 * so their leaves, are then comparable — an append-only table's later manifest extends the earlier
 * one (a consistency proof), and unchanged rows have unchanged lines.
 */
async function earlierSalt(app: AppContext, source: string, key: readonly string[]): Promise<string | undefined> {
  const first = await app.store.db.selectFrom('manifest').select(['id']).where('kind', '=', 'records').where('source', '=', source).orderBy('created_at').orderBy('id').limit(1).executeTakeFirst();
  if (!first) return undefined;
  const header = await headerOf(app, await findManifest(app, first.id));
  return header.key.join('\u0000') === key.join('\u0000') ? header.salt : undefined;
}

/** The source as it is now, hashed with the manifest's salt and sorted by key like the manifest. */
async function currentRows(manifest: ManifestRecord, header: RecordManifestHeader, source?: string, table?: string): Promise<{ description: string; rows: ManifestRow[] }> {
  const recorded = specOfDescription(manifest.source);
  // Read elsewhere now (a restored database): the same table unless told otherwise.
  const isFile = (text: string) => /\.(csv|jsonl|ndjson)$/i.test(text);
  const spec = source ? parseRecordSource(source, table ?? ('table' in recorded && !isFile(source) ? recorded.table : undefined)) : recorded;
  const opened = await openRecordSource(spec, header.key);
  try {
    // The columns as they are now: a column added or dropped since is a change to every row.
    return { description: describeRecordSource(spec), rows: await sortedManifestRows(opened.rows(), opened.columns, header.salt) };
  } finally {
    await opened.close();
  }
}

async function headerOf(app: AppContext, manifest: ManifestRecord): Promise<RecordManifestHeader> {
  for await (const item of readRecordManifest(app.workspace.path(manifest.file))) if ('header' in item) return item.header;
  throw new WeerbaarError('VERIFICATION_FAILED', `manifest ${manifest.name}: no header`);
}

async function* fromArray<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

/** Compares a source now (or the manifest's own source) with a record manifest, proven first (signature, header, root). */
export async function verifyRecords(app: AppContext, against: string, options: { source?: string; table?: string } = {}): Promise<RecordVerifyReport> {
  const manifest = await findManifest(app, against);
  if (manifest.kind !== 'records') throw new WeerbaarError('USAGE', `manifest ${manifest.name} is of a file tree: verify it with a folder`);
  await proveHeader(app, manifest);
  const header = await headerOf(app, manifest);
  const now = await currentRows(manifest, header, options.source, options.table);
  const counts: Record<RecordChange['kind'], number> = { added: 0, deleted: 0, modified: 0 };
  const changes: RecordChange[] = [];
  for await (const change of diffRecords(provenRows(app, manifest), fromArray(now.rows))) {
    counts[change.kind]++;
    changes.push(change);
  }
  const { note: _note, ...record } = manifest;
  return { manifest: record, source: now.description, counts, changes };
}
