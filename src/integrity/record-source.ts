import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { CsvError, parse as parseCsv } from 'csv-parse';
import { InvalidInputError, UsageError } from '../shared/errors.js';
import { canonicalJson } from '../shared/hashing.js';
import { type Engine, ProblemList, checkColumnNames, openPostgres, openSqlite, splitTableName } from './record-engines.js';
import { readTextFile } from '../shared/text-input.js';

/**
 * Database content as rows keyed by a primary key (issue 7 §2), from a CSV export (header row), a
 * JSONL export (one object per line), a SQLite table or a PostgreSQL table — the databases read
 * through a read-only connection and transaction, so reading can never change what is read.
 *
 * Every value becomes the text an export would write, so that "the export of June" and "the table
 * now" hash the same when the data is the same:
 * - null stays null, distinct from '' (a CSV has no null: an empty cell is '');
 * - strings as they are; numbers via String() (integers in decimal; a float is the engine's own:
 *   1e15 is "1000000000000000" from SQLite or JSON but "1e+15" from PostgreSQL); bigint in decimal;
 *   booleans 'true'/'false'; a Date as toISOString(); bytes as '\x' + hex (PostgreSQL's bytea text);
 * - objects and arrays (JSONL nested values, PostgreSQL json/jsonb) as RFC 8785 canonical JSON, so
 *   key order and spacing never count. A json/jsonb column is canonical JSON even for a scalar
 *   ('"abc"', 'null'), keeping JSON null apart from SQL NULL; a JSONL top-level scalar is itself.
 * - PostgreSQL values arrive as the server's text output (no client-side parsing: int8, numeric and
 *   timestamptz microseconds stay exact), with TimeZone UTC and ISO DateStyle pinned for the read.
 * Column names are kept exactly as the source spells them.
 *
 * Files are read whole, decoded strictly (UTF-8, or UTF-16 with a BOM; see shared/text-input.ts)
 * and refused over MAX_TEXT_INPUT_BYTES (256 MiB): a larger export is better loaded into SQLite,
 * which is streamed. Rows are validated while they stream: a missing or null key and a duplicate key
 * are collected (file:line, or the key) and thrown together at the end — nothing is dropped, and
 * no row is yielded after the first problem.
 */

export type RecordSourceSpec =
  | { readonly kind: 'csv' | 'jsonl'; readonly file: string }
  | { readonly kind: 'sqlite'; readonly file: string; readonly table: string }
  /** `table` may be `schema.table`; without a schema, PostgreSQL's current_schema(). */
  | { readonly kind: 'postgresql'; readonly url: string; readonly table: string };

export interface SourceRow {
  /** The key columns' values, in the order the key was named. */
  readonly key: readonly string[];
  /** Every column, in the source's column order. */
  readonly values: ReadonlyMap<string, string | null>;
  /** The line a row starts on, for files; null for databases. */
  readonly line: number | null;
}

export interface RecordSourceOptions {
  /** Called every 10,000 rows and once at the end with the number of rows read. */
  readonly onProgress?: (rows: number) => void;
}

/** An opened source: its columns are known before any row is read (a manifest header needs them). */
export interface RecordSource {
  readonly description: string;
  readonly columns: readonly string[];
  /** The rows, once; the source closes when they end. */
  rows(): AsyncGenerator<SourceRow>;
  /** Releases the file, database handle or connection; safe to call more than once. */
  close(): Promise<void>;
}

const PROGRESS_EVERY = 10_000;
const CSV_SLICE_CHARS = 64 * 1024;

export function parseRecordSource(source: string, table?: string): RecordSourceSpec {
  const needsTable = (what: string): string => {
    if (table === undefined || table === '') throw new UsageError(`${what} source needs a table name`);
    return table;
  };
  const file = (kind: 'csv' | 'jsonl'): RecordSourceSpec => {
    if (table !== undefined) throw new UsageError(`a table name applies only to a database source, not to ${safeText(source)}`);
    return { kind, file: resolve(source) };
  };
  if (/^postgres(ql)?:\/\//i.test(source)) {
    // Not echoed: an unparseable URL is often one whose password has an unencoded special character.
    if (!URL.canParse(source)) throw new UsageError('the PostgreSQL URL cannot be parsed (percent-encode special characters in the user name and password)');
    const spec = { kind: 'postgresql', url: source, table: needsTable('a PostgreSQL') } as const;
    splitTableName(spec.table);
    return spec;
  }
  const lower = source.toLowerCase();
  if (lower.startsWith('sqlite:') || /\.(sqlite3?|db)$/.test(lower)) {
    const path = lower.startsWith('sqlite:') ? source.slice('sqlite:'.length) : source;
    if (path === '') throw new UsageError('sqlite: needs a file path (sqlite:PATH)');
    return { kind: 'sqlite', file: resolve(path), table: needsTable('a SQLite') };
  }
  if (lower.endsWith('.csv')) return file('csv');
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return file('jsonl');
  throw new UsageError(
    `${safeText(source)} is not a record source: name a .csv, .jsonl or .ndjson file, a SQLite database (sqlite:PATH, or a .sqlite, .sqlite3 or .db file) or a postgresql:// URL`,
  );
}

/** Stable and printable: never a password, nor a parameter that can carry one (the others are kept, to reconnect alike). */
export function describeRecordSource(spec: RecordSourceSpec): string {
  switch (spec.kind) {
    case 'csv':
    case 'jsonl':
      return `${spec.kind}:${spec.file}`;
    case 'sqlite':
      return `sqlite:${spec.file}#${spec.table}`;
    case 'postgresql':
      return `${describePostgresUrl(spec.url)}#${spec.table}`;
  }
}

/** Parameters that can carry a secret, or key material: never kept. Everything else (sslmode, host, …) is needed to reconnect the same way. */
const SECRET_PARAMS = new Set(['password', 'passfile', 'sslpassword', 'sslkey', 'sslcert']);

function describePostgresUrl(url: string): string {
  if (!URL.canParse(url)) return 'postgresql://(unparseable URL)';
  const u = new URL(url);
  const kept = new URLSearchParams([...u.searchParams].filter(([k]) => !SECRET_PARAMS.has(k.toLowerCase())));
  const query = kept.size > 0 ? `?${kept.toString()}` : '';
  return `postgresql://${u.username ? `${u.username}@` : ''}${u.hostname}${u.hostname ? `:${u.port || '5432'}` : ''}${u.pathname}${query}`;
}

/** What the user typed, for a message: in anything URL-like, credentials and parameters are masked. */
function safeText(source: string): string {
  return `"${source.replace(/^([a-z][a-z0-9+.-]*:\/\/).*@/i, '$1***@').replace(/\?.*$/, '?…')}"`;
}

/** The text an export would write for one value (see the module comment); null for SQL NULL. */
export function canonicalValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'bigint':
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
  }
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  if (typeof value === 'object') return canonicalJson(value);
  throw new TypeError(`a ${typeof value} has no text form`);
}

export async function openRecordSource(spec: RecordSourceSpec, keyColumns: readonly string[], options: RecordSourceOptions = {}): Promise<RecordSource> {
  const description = describeRecordSource(spec);
  if (keyColumns.length === 0) throw new UsageError('name at least one key column');
  if (new Set(keyColumns).size !== keyColumns.length) throw new UsageError(`a key column is named twice (${keyColumns.join(', ')})`);
  const engine = await openEngine(spec, description);
  try {
    const missing = keyColumns.filter((k) => !engine.columns.includes(k));
    if (missing.length > 0) {
      const available = engine.columns.length > 0 ? engine.columns.map((c) => JSON.stringify(c)).join(', ') : '(none)';
      throw new UsageError(`${description} has no column ${missing.map((c) => JSON.stringify(c)).join(', ')}; its columns are ${available}`);
    }
  } catch (error) {
    await engine.close();
    throw error;
  }
  let started = false;
  return {
    description,
    columns: engine.columns,
    rows() {
      if (started) throw new Error('the rows of a record source can be read once');
      started = true;
      // Problems name the file and line for files, the source (never a password) for databases.
      return checkedRows(spec.kind === 'csv' || spec.kind === 'jsonl' ? spec.file : description, engine, keyColumns, options);
    },
    close: engine.close,
  };
}

/** The rows of a source, opened and closed around them. Use openRecordSource to learn the columns first. */
export async function* readRecordSource(spec: RecordSourceSpec, keyColumns: readonly string[], options: RecordSourceOptions = {}): AsyncGenerator<SourceRow> {
  const source = await openRecordSource(spec, keyColumns, options);
  try {
    yield* source.rows();
  } finally {
    await source.close();
  }
}

async function* checkedRows(where: string, engine: Engine, keyColumns: readonly string[], options: RecordSourceOptions): AsyncGenerator<SourceRow> {
  const { columns } = engine;
  const keyIndexes = keyColumns.map((k) => columns.indexOf(k));
  const problems = new ProblemList(where);
  // Every key read so far, to refuse duplicates where they occur: memory is one short string per row.
  const seen = new Map<string, string>();
  let count = 0;
  try {
    for await (const raw of engine.rows(problems)) {
      count++;
      if (count % PROGRESS_EVERY === 0) options.onProgress?.(count);
      const at = raw.line === null ? `row ${count}` : `line ${raw.line}`;
      const values = new Map<string, string | null>();
      columns.forEach((column, i) => {
        let text: string | null = null;
        try {
          text = canonicalValue(raw.values[i]);
        } catch (error) {
          problems.add(raw.line, `column ${JSON.stringify(column)}: ${(error as Error).message}`);
        }
        if (text !== null && /\p{Cs}/u.test(text)) problems.add(raw.line, `column ${JSON.stringify(column)}: not valid Unicode (a lone surrogate)`);
        values.set(column, text);
      });
      const key = keyIndexes.map((i) => values.get(columns[i] as string) ?? null);
      const absent = keyColumns.filter((_, i) => key[i] === null || (engine.emptyKeyIsMissing && key[i] === ''));
      if (absent.length > 0) {
        const what = engine.emptyKeyIsMissing ? 'empty' : 'null or missing';
        const others = raw.line === null ? ` (${at}; key ${JSON.stringify(key)})` : '';
        problems.add(raw.line, `key column ${absent.map((c) => JSON.stringify(c)).join(', ')} is ${what}${others}`);
        continue;
      }
      const id = JSON.stringify(key);
      const first = seen.get(id);
      if (first !== undefined) {
        problems.add(raw.line, `duplicate key ${id} (first at ${first})`);
        continue;
      }
      seen.set(id, at);
      if (problems.count === 0) yield { key: key as string[], values, line: raw.line };
    }
  } finally {
    await engine.close();
  }
  options.onProgress?.(count);
  problems.throwIfAny('rows whose key is missing, null or duplicated, or with a value that cannot be read');
}

function openEngine(spec: RecordSourceSpec, description: string): Promise<Engine> {
  switch (spec.kind) {
    case 'csv':
      return openCsv(spec.file);
    case 'jsonl':
      return openJsonl(spec.file);
    case 'sqlite':
      return Promise.resolve(openSqlite(spec.file, spec.table, description));
    case 'postgresql':
      return openPostgres(spec.url, spec.table, description);
  }
}

async function openCsv(file: string): Promise<Engine> {
  const text = await readTextFile(file);
  // Fed in slices cut at line ends (never inside a character), so records stream instead of all
  // being parsed at once. Cells are kept exactly: no trimming, no type casting; lines end in LF or CRLF.
  const parser = parseCsv({ info: true, relax_column_count: true, skip_empty_lines: true, record_delimiter: ['\r\n', '\n'] });
  Readable.from(slicesAtLineEnds(text)).pipe(parser);
  type Parsed = { record: string[]; info: { lines: number; empty_lines: number } };
  const records = parser[Symbol.asyncIterator]() as AsyncIterator<Parsed>;
  const next = async (): Promise<IteratorResult<Parsed>> => {
    try {
      return await records.next();
    } catch (error) {
      const line = error instanceof CsvError ? (error as CsvError & { lines?: number }).lines : undefined;
      throw InvalidInputError.single({ file, line }, `CSV syntax: ${(error as Error).message.replace(/^Invalid [^:]*: /, '')}`, error);
    }
  };
  const close = async (): Promise<void> => void parser.destroy();
  const header = await next();
  if (header.done) throw InvalidInputError.single({ file }, 'the CSV file is empty (no header row)');
  const columns = header.value.record;
  try {
    checkColumnNames(file, columns);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    columns,
    emptyKeyIsMissing: true,
    async *rows(problems) {
      // csv-parse counts the line a record ends on; a quoted cell may span lines, so the start is
      // one after the previous record's end, past any skipped empty lines.
      let [previousEnd, previousEmpty] = [header.value.info.lines, header.value.info.empty_lines];
      for (let r = await next(); !r.done; r = await next()) {
        const { record, info } = r.value;
        const line = previousEnd + 1 + (info.empty_lines - previousEmpty);
        [previousEnd, previousEmpty] = [info.lines, info.empty_lines];
        if (record.length !== columns.length) problems.add(line, `has ${record.length} cells; the header has ${columns.length}`);
        else yield { values: record, line };
      }
    },
    close,
  };
}

function* slicesAtLineEnds(text: string): Generator<string> {
  let start = 0;
  while (start < text.length) {
    const newline = text.indexOf('\n', start + CSV_SLICE_CHARS);
    const end = newline === -1 ? text.length : newline + 1;
    yield text.slice(start, end);
    start = end;
  }
}

function* textLines(text: string): Generator<{ line: number; text: string }> {
  let [start, line] = [0, 1];
  while (start < text.length) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    yield { line, text: text.slice(start, text[end - 1] === '\r' ? end - 1 : end) };
    [start, line] = [end + 1, line + 1];
  }
}

async function openJsonl(file: string): Promise<Engine> {
  const text = await readTextFile(file);
  // Objects may differ in their keys: the columns are every key seen, in order of first
  // appearance, which takes a first pass; a key absent from a line reads as null.
  const problems = new ProblemList(file);
  const keys = new Set<string>();
  for (const { line, text: source } of textLines(text)) {
    const value = parseJsonObject(source, line, problems);
    if (value) for (const k of Object.keys(value)) keys.add(k);
  }
  problems.throwIfAny('lines that are not JSON objects');
  const columns = [...keys];
  checkColumnNames(file, columns);
  return {
    columns,
    emptyKeyIsMissing: false,
    async *rows(rowProblems) {
      for (const { line, text: source } of textLines(text)) {
        const value = parseJsonObject(source, line, rowProblems);
        if (!value) continue;
        const values = columns.map((c) => (Object.hasOwn(value, c) ? value[c] : null));
        // JSON numbers are doubles: past 2^53 the digits in the file are already lost, so refuse.
        const inexact = columns.filter((_, i) => typeof values[i] === 'number' && Number.isInteger(values[i]) && !Number.isSafeInteger(values[i]));
        if (inexact.length > 0) rowProblems.add(line, `column ${inexact.map((c) => JSON.stringify(c)).join(', ')}: an integer beyond 2^53 cannot be read exactly from JSON (write it as a string)`);
        else yield { values, line };
      }
    },
    close: () => Promise.resolve(),
  };
}

function parseJsonObject(text: string, line: number, problems: ProblemList): Record<string, unknown> | null {
  if (text.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    problems.add(line, `not JSON: ${(error as Error).message}`);
    return null;
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  problems.add(line, 'not a JSON object');
  return null;
}
