import Database from 'better-sqlite3';
import type pg from 'pg';
import { type InputProblem, InvalidInputError, StoreError, UsageError, WeerbaarError } from '../shared/errors.js';
import { canonicalJson } from '../shared/hashing.js';

/**
 * The database engines under record-source.ts: a SQLite table through a read-only handle, a
 * PostgreSQL table through a read-only, repeatable-read transaction and a server-side cursor.
 * Table and column names are looked up in the catalogue with bound parameters before they are
 * quoted into SQL: identifiers cannot be bound, and a hostile name must never reach the parser.
 */

const PG_FETCH_ROWS = 5000;
const MAX_LISTED_PROBLEMS = 50;

/** What each engine provides: raw values in column order (undefined = absent), and where each row is. */
export interface Engine {
  readonly columns: readonly string[];
  /** True for CSV, where a missing key cannot be told from an empty one. */
  readonly emptyKeyIsMissing: boolean;
  rows(problems: ProblemList): AsyncGenerator<{ values: readonly unknown[]; line: number | null }>;
  close(): Promise<void>;
}

/** Problems gathered while reading; the first MAX_LISTED_PROBLEMS are kept, the rest only counted (memory stays bounded). */
export class ProblemList {
  private readonly listed: InputProblem[] = [];
  count = 0;
  constructor(readonly file: string) {}

  add(line: number | null, reason: string): void {
    this.count++;
    if (this.listed.length < MAX_LISTED_PROBLEMS) this.listed.push({ location: line === null ? { file: this.file } : { file: this.file, line }, reason });
  }

  throwIfAny(what: string): void {
    if (this.count === 0) return;
    const rest = this.count - this.listed.length;
    const problems = rest > 0 ? [...this.listed, { location: { file: this.file }, reason: `… and ${rest} more` }] : this.listed;
    throw new InvalidInputError(`${this.file}: ${this.count} ${this.count === 1 ? 'problem' : 'problems'}: ${what}`, problems);
  }
}

/** `schema.table` or `table`; a third part (a catalogue name) is refused rather than guessed. */
export function splitTableName(table: string): { schema: string | null; name: string } {
  const parts = table.split('.');
  if (parts.length > 2 || parts.some((p) => p === '')) throw new UsageError(`"${table}" is not a table name (expected table or schema.table)`);
  return parts.length === 2 ? { schema: parts[0] as string, name: parts[1] as string } : { schema: null, name: table };
}


/** Column names are hashed NUL-terminated (record-manifest.ts), and must each name one column. */
export function checkColumnNames(where: string, columns: readonly string[]): void {
  const seen = new Set<string>();
  for (const c of columns) {
    if (c === '' || c.includes('\u0000') || /\p{Cs}/u.test(c)) throw InvalidInputError.single({ file: where }, `column name ${JSON.stringify(c)} is empty or contains NUL or a lone surrogate`);
    if (seen.has(c)) throw InvalidInputError.single({ file: where }, `column ${JSON.stringify(c)} appears twice`);
    seen.add(c);
  }
}

/** Identifiers cannot be bound: they are looked up in the catalogue first, then quoted. */
function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function openSqlite(file: string, table: string, description: string): Engine {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw InvalidInputError.single({ file }, `cannot be opened as a SQLite database: ${(error as Error).message}`, error);
  }
  try {
    // Read-only twice over: the file handle, and query_only for anything that would write (a pragma).
    db.pragma('query_only = ON');
    const tables = db.prepare("select name from sqlite_master where type in ('table', 'view') and name not like 'sqlite\\_%' escape '\\' order by name").pluck().all() as string[];
    // SQLite resolves names case-insensitively; the catalogue's spelling is what gets quoted.
    const name = tables.find((t) => t === table) ?? tables.find((t) => t.toLowerCase() === table.toLowerCase());
    if (name === undefined) {
      const list = tables.length > 0 ? tables.map((t) => JSON.stringify(t)).join(', ') : '(none)';
      throw new UsageError(`${file} has no table ${JSON.stringify(table)}; its tables are ${list}`);
    }
    // The columns `select *` (and so an export) has: generated ones included, hidden ones of virtual tables not.
    const columns = db.prepare('select name from pragma_table_xinfo(?) where hidden <> 1').pluck().all(name) as string[];
    checkColumnNames(description, columns);
    // safeIntegers: a 64-bit INTEGER arrives as a bigint, exact; raw: values in column order.
    const select = db.prepare(`select ${columns.map(quoteIdentifier).join(', ')} from ${quoteIdentifier(name)}`).safeIntegers(true).raw(true);
    const database = db;
    return {
      columns,
      emptyKeyIsMissing: false,
      async *rows() {
        for (const values of select.iterate() as IterableIterator<unknown[]>) yield { values, line: null };
      },
      close: async () => {
        if (database.open) database.close();
      },
    };
  } catch (error) {
    db.close();
    if (error instanceof WeerbaarError) throw error;
    throw InvalidInputError.single({ file }, `cannot be read as a SQLite database: ${(error as Error).message}`, error);
  }
}

/** Every value as the server's text output: no client-side parsing can round or shift it. */
const textOnly = { getTypeParser: () => (text: string) => text } as unknown as pg.CustomTypesConfig;

export async function openPostgres(url: string, table: string, description: string): Promise<Engine> {
  const { schema, name } = splitTableName(table);
  // pg is loaded here only: most commands never read a PostgreSQL table, and its import costs 40 ms.
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, types: textOnly, application_name: 'weerbaar-records' });
  // A dropped connection also fails the pending query, which reports it; this only keeps the event from crashing the process.
  client.on('error', () => undefined);
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await client.query('rollback').catch(() => undefined);
    await client.end().catch(() => undefined);
  };
  const run = async <R extends unknown[] = unknown[]>(doing: string, text: string, values?: unknown[]): Promise<R[]> => {
    try {
      return (await client.query<R>({ text, values, rowMode: 'array' })).rows;
    } catch (error) {
      throw postgresError(error, `${description}: ${doing}`, url);
    }
  };
  try {
    try {
      await client.connect();
    } catch (error) {
      throw postgresError(error, `${description}: cannot connect`, url, true);
    }
    await run('cannot start a read-only transaction', 'begin transaction isolation level repeatable read read only');
    // The text of a value depends on session settings: pin them, so the server's defaults cannot change a hash.
    await run(
      'cannot set the session',
      "select set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO, YMD', true), set_config('IntervalStyle', 'postgres', true), set_config('bytea_output', 'hex', true), set_config('extra_float_digits', '1', true), set_config('lc_monetary', 'C', true)",
    );
    // pg_catalog, not information_schema: the latter hides columns this user may not read, and a
    // manifest of fewer columns than the table has would pass silently; here the SELECT fails instead.
    const catalogue = await run<[string, string, string]>(
      'cannot read the catalogue',
      `select n.nspname, a.attname, b.typname from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
        join pg_type t on t.oid = a.atttypid join pg_type b on b.oid = coalesce(nullif(t.typbasetype, 0), t.oid)
        where c.relname = $1 and n.nspname = coalesce($2, current_schema()) and c.relkind in ('r', 'p', 'v', 'm', 'f') and a.attnum > 0 and not a.attisdropped
        order by a.attnum`,
      [name, schema],
    );
    if (catalogue.length === 0) throw new UsageError(`${description}: no such table or view`);
    const columns = catalogue.map((c) => c[1]);
    checkColumnNames(description, columns);
    const isJson = catalogue.map((c) => c[2] === 'json' || c[2] === 'jsonb');
    const from = `${quoteIdentifier(catalogue[0]?.[0] as string)}.${quoteIdentifier(name)}`;
    await run('cannot open a cursor', `declare weerbaar_records no scroll cursor for select ${columns.map(quoteIdentifier).join(', ')} from ${from}`);
    return {
      columns,
      emptyKeyIsMissing: false,
      async *rows(problems) {
        let count = 0;
        for (;;) {
          const batch = await run<(string | null)[]>('cannot fetch rows', `fetch ${PG_FETCH_ROWS} from weerbaar_records`);
          if (batch.length === 0) return;
          for (const row of batch) {
            count++;
            let values: (string | null)[];
            try {
              // json/jsonb: parsed and re-serialised canonically, so jsonb's own key order and spacing never count.
              values = row.map((v, i) => (v !== null && isJson[i] ? canonicalJson(JSON.parse(v)) : v));
            } catch (error) {
              problems.add(null, `row ${count}: a json value cannot be canonicalised (${(error as Error).message})`);
              continue;
            }
            yield { values, line: null };
          }
        }
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * A driver error as a StoreError that never carries the password: the connection string (or its
 * password) is cut from the message, and only a server-reported error (SQLSTATE) is kept as cause
 * — client-side errors can hold the URL in their properties.
 */
function postgresError(error: unknown, what: string, url: string, connecting = false): WeerbaarError {
  const e = error as { code?: unknown; message?: unknown };
  const server = typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code);
  const password = URL.canParse(url) ? new URL(url).password : '';
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // A malformed escape: the password is cut as written.
  }
  let reason = typeof e.message === 'string' ? e.message : String(error);
  for (const secret of [url, password, decoded]) if (secret) reason = reason.replaceAll(secret, '***');
  if (e.code === 'ECONNREFUSED') reason = 'connection refused (is the server running and listening on that address?)';
  if (e.code === '28P01' || e.code === '28000') reason = 'authentication failed';
  const options = server ? { cause: error } : {};
  return connecting ? new WeerbaarError('STORE_UNAVAILABLE', `${what}: ${reason}`, options) : new StoreError(`${what}: ${reason}`, options);
}
