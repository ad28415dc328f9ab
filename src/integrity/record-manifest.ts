import * as crypto from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { MerkleAccumulator, hashLeaf } from '../audit/merkle.js';
import { VerificationError, WeerbaarError } from '../shared/errors.js';
import { canonicalJson } from '../shared/hashing.js';
import { compareUtf8 } from '../shared/utf8-order.js';
import { MANIFEST_FORMAT, manifestLines } from './manifest.js';
import type { SourceRow } from './record-source.js';

/**
 * A manifest of records (issue 7 §2): a header line, then one JSON line per row in key order. A row
 * line holds its key, the SHA-256 of the whole row (RFC 8785 canonical JSON of {column: value}
 * over every column, key columns included) and a short salted digest per column, so a later diff
 * names the columns that changed without the manifest holding any value. As in manifest.ts every
 * row line is a Merkle leaf over its exact bytes, and only the exact written form is accepted back.
 *
 * Column digest: the first 16 hex of SHA-256 over UTF-8(salt as its 32 hex characters ‖ name ‖ NUL
 * ‖ marker), where the marker is NUL for null and U+0001 ‖ value otherwise (names never hold NUL:
 * record-source.ts refuses them, so the split is unambiguous). The random salt defeats tables precomputed for all manifests, not a guess aimed at one:
 * whoever holds a manifest can test a guessable value (a status, a birth date) against a digest,
 * so a manifest is as sensitive as the keys it holds. The digests — and so the root — depend on
 * the salt: compare two states by hashing the second with the first manifest's salt.
 *
 * Order: key arrays compared element by element, each as text in UTF-8 byte order (not numeric:
 * "10" sorts before "9"); a shorter array first when one is a prefix. The column digests inside a
 * line follow the same text order. Writing sorts in memory: about one line (≈ 100 bytes + the key +
 * 21 bytes and the name per column) and a key array per row.
 */

export interface RecordManifestHeader {
  readonly format: typeof MANIFEST_FORMAT;
  readonly kind: 'records';
  readonly name: string;
  /** describeRecordSource(): never a password. */
  readonly source: string;
  readonly key: readonly string[];
  readonly columns: readonly string[];
  /** 16 random bytes as hex (newSalt()). */
  readonly salt: string;
  readonly created: string;
}

export interface ManifestRow {
  readonly key: readonly string[];
  readonly sha256: string;
  /** Column name → 16 hex digest, for every column of the header. */
  readonly columns: ReadonlyMap<string, string>;
}

export interface RecordManifestSummary {
  /** Leaves in the Merkle tree: one per row. */
  readonly size: number;
  readonly root: Uint8Array;
  readonly rows: number;
}

const CHUNK_CHARS = 256 * 1024;
const HEX_SALT = /^[0-9a-f]{32}$/;
const HEX_DIGEST = /^[0-9a-f]{16}$/;
const HEX_SHA256 = /^[0-9a-f]{64}$/;

/**
 * One-shot crypto.hash (Node ≥ 20.12) over a string: a digest per column makes this the hot path,
 * and it is several times faster than a Hash object per call. Older Node 20 falls back.
 */
const hashText: (text: string) => string =
  typeof crypto.hash === 'function' ? (text) => crypto.hash('sha256', text, 'hex') : (text) => crypto.createHash('sha256').update(text, 'utf8').digest('hex');

export function newSalt(): string {
  return crypto.randomBytes(16).toString('hex');
}

/** Text in UTF-8 byte order (shared/utf8-order.ts). */
export function compareText(a: string, b: string): number {
  return compareUtf8(a, b);
}

export function compareKeys(a: readonly string[], b: readonly string[]): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const order = compareText(a[i] as string, b[i] as string);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

/** A source row as the manifest holds it, hashed with `salt` over exactly `columns`. */
export function manifestRow(row: SourceRow, columns: readonly string[], salt: string): ManifestRow {
  if (row.values.size !== columns.length || columns.some((c) => !row.values.has(c))) {
    throw new TypeError(`the row ${JSON.stringify(row.key)} does not have the manifest's columns`);
  }
  // A null-prototype object: a column named __proto__ is then a column, not a prototype.
  const whole: Record<string, string | null> = Object.create(null) as Record<string, string | null>;
  const digests = new Map<string, string>();
  for (const column of columns) {
    const value = row.values.get(column) ?? null;
    whole[column] = value;
    digests.set(column, hashText(`${salt}${column}\u0000${value === null ? '\u0000' : `\u0001${value}`}`).slice(0, 16));
  }
  return { key: row.key, sha256: hashText(canonicalJson(whole)), columns: digests };
}

/**
 * The row's line, byte for byte: fixed key order, digests in text order. Built by hand because
 * JSON.stringify would move integer-like names ("2024") ahead of the others.
 */
export function recordLine(row: ManifestRow): string {
  const names = [...row.columns.keys()].sort(compareText);
  const digests = names.map((n) => `${JSON.stringify(n)}:${JSON.stringify(row.columns.get(n))}`).join(',');
  return `{"key":${JSON.stringify(row.key)},"sha256":${JSON.stringify(row.sha256)},"columns":{${digests}}}`;
}

/** The rows hashed and sorted by key, all in memory; a duplicate key is refused. */
export async function sortedManifestRows(rows: AsyncIterable<SourceRow>, columns: readonly string[], salt: string): Promise<ManifestRow[]> {
  const list: ManifestRow[] = [];
  for await (const row of rows) list.push(manifestRow(row, columns, salt));
  return sortByKey(list);
}

function sortByKey<T extends { key: readonly string[] }>(list: T[]): T[] {
  list.sort((a, b) => compareKeys(a.key, b.key));
  for (let i = 1; i < list.length; i++) {
    if (compareKeys((list[i - 1] as T).key, (list[i] as T).key) === 0) throw new WeerbaarError('INVALID_INPUT', `duplicate key ${JSON.stringify((list[i] as T).key)}`);
  }
  return list;
}

/**
 * Reads every row, sorts them, then writes `file` (created new, read-only) and returns the Merkle
 * root over the row lines. The file is claimed before the source is read, so an existing file fails
 * before a long read, and removed again when the source is refused: no half manifest is left.
 */
export async function writeRecordManifest(file: string, header: RecordManifestHeader, rows: AsyncIterable<SourceRow>): Promise<RecordManifestSummary> {
  checkHeader(file, header);
  let out;
  try {
    out = await open(file, 'wx', 0o400);
  } catch (error) {
    const exists = (error as NodeJS.ErrnoException).code === 'EEXIST';
    throw new WeerbaarError('USAGE', `${file}: ${exists ? 'already exists (a manifest is never overwritten)' : `cannot be created (${(error as Error).message})`}`, { cause: error });
  }
  const tree = new MerkleAccumulator();
  let written = false;
  try {
    const lines: { key: readonly string[]; line: string }[] = [];
    for await (const row of rows) {
      if (header.key.some((k, i) => row.values.get(k) !== row.key[i])) throw new TypeError(`the row ${JSON.stringify(row.key)} is not keyed by ${JSON.stringify(header.key)}`);
      const m = manifestRow(row, header.columns, header.salt);
      lines.push({ key: m.key, line: recordLine(m) });
    }
    sortByKey(lines);
    const { format, kind, name, source, key, columns, salt, created } = header;
    let chunk = `${JSON.stringify({ format, kind, name, source, key, columns, salt, created })}\n`;
    for (const { line } of lines) {
      tree.add(hashLeaf(Buffer.from(line, 'utf8')));
      chunk += `${line}\n`;
      if (chunk.length >= CHUNK_CHARS) {
        await out.write(chunk);
        chunk = '';
      }
    }
    await out.write(chunk);
    written = true;
  } finally {
    await out.close();
    if (!written) await rm(file, { force: true });
  }
  return { size: tree.size, root: tree.root(), rows: tree.size };
}

/** The header, then every row with its leaf hash, checked line by line; a line not in the written form is tampering. */
export async function* readRecordManifest(file: string): AsyncGenerator<{ header: RecordManifestHeader } | { row: ManifestRow; leaf: Uint8Array; line: number }> {
  let header: RecordManifestHeader | undefined;
  let previous: readonly string[] | undefined;
  for await (const { line: n, text } of manifestLines(file)) {
    if (header === undefined) {
      header = parseHeader(file, text);
      yield { header };
      continue;
    }
    const row = parseRow(file, n, text, header);
    if (previous !== undefined && compareKeys(previous, row.key) >= 0) {
      throw new VerificationError(`${file}:${n}: key ${JSON.stringify(row.key)} is ${compareKeys(previous, row.key) === 0 ? 'a duplicate' : 'out of order'}`);
    }
    previous = row.key;
    yield { row, leaf: hashLeaf(Buffer.from(text, 'utf8')), line: n };
  }
}

/** Only the rows of a manifest, for diffRecords. */
export async function* recordManifestRows(file: string): AsyncGenerator<ManifestRow> {
  for await (const item of readRecordManifest(file)) if ('row' in item) yield item.row;
}

function parseHeader(file: string, text: string): RecordManifestHeader {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new VerificationError(`${file}:1: the manifest header is not JSON`);
  }
  const h = value as Partial<RecordManifestHeader> | null;
  if (h?.format !== MANIFEST_FORMAT || h.kind !== 'records') throw new VerificationError(`${file}:1: not a ${MANIFEST_FORMAT} header of records`);
  checkHeader(`${file}:1`, h as RecordManifestHeader);
  return h as RecordManifestHeader;
}

function checkHeader(where: string, h: RecordManifestHeader): void {
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
  const ok =
    typeof h.name === 'string' &&
    typeof h.source === 'string' &&
    typeof h.created === 'string' &&
    typeof h.salt === 'string' &&
    HEX_SALT.test(h.salt) &&
    strings(h.key) &&
    strings(h.columns) &&
    h.key.length > 0 &&
    new Set(h.columns).size === h.columns.length &&
    h.key.every((k) => h.columns.includes(k));
  if (!ok) throw new VerificationError(`${where}: the record manifest header is malformed (name, source, created, a 32-hex salt, key columns among unique columns)`);
}

/** A row line is valid only in the exact form recordLine writes, over exactly the header's columns. */
function parseRow(file: string, line: number, text: string, header: RecordManifestHeader): ManifestRow {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new VerificationError(`${file}:${line}: not a JSON row`);
  }
  const v = value as { key?: unknown; sha256?: unknown; columns?: unknown } | null;
  const key = v?.key;
  const columns = v?.columns;
  const ok =
    typeof v === 'object' &&
    v !== null &&
    Array.isArray(key) &&
    key.length === header.key.length &&
    key.every((k) => typeof k === 'string') &&
    typeof v.sha256 === 'string' &&
    HEX_SHA256.test(v.sha256) &&
    typeof columns === 'object' &&
    columns !== null &&
    !Array.isArray(columns);
  if (ok) {
    const entries = Object.entries(columns as Record<string, unknown>);
    const digests = new Map(entries as [string, string][]);
    const row: ManifestRow = { key: key as string[], sha256: v.sha256 as string, columns: digests };
    const complete = entries.length === header.columns.length && header.columns.every((c) => digests.has(c)) && entries.every(([, d]) => typeof d === 'string' && HEX_DIGEST.test(d));
    if (complete && recordLine(row) === text) return row;
  }
  throw new VerificationError(`${file}:${line}: the row is not in the form a record manifest writes`);
}
