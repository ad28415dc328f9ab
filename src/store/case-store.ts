import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { StoreError, WeerbaarError } from '../shared/errors.js';
import { caseMigrationProvider } from './case-migrations.js';
import type { CaseDatabase } from './case-schema.js';

/**
 * Opens the case store on its engine and brings its schema up to date. SQLite (better-sqlite3) is
 * the embedded default; PostgreSQL serves a team. Callers see one `Kysely<CaseDatabase>` and never
 * the engine, except for `engine` in diagnostics.
 */

export type CaseStoreSettings =
  | { readonly engine: 'sqlite'; readonly file: string }
  | { readonly engine: 'postgres'; readonly url: string; readonly schema: string };

export interface CaseStore {
  readonly db: Kysely<CaseDatabase>;
  readonly engine: CaseStoreSettings['engine'];
  /** Where the store lives, safe to print (PostgreSQL passwords are masked). */
  readonly description: string;
  close(): Promise<void>;
}

export async function openCaseStore(settings: CaseStoreSettings): Promise<CaseStore> {
  const store = settings.engine === 'sqlite' ? openSqlite(settings.file) : await openPostgres(settings.url, settings.schema);
  try {
    await migrate(store.db);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

function openSqlite(file: string): CaseStore {
  let database: Database.Database;
  try {
    database = new Database(file);
    database.pragma('journal_mode = WAL');
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
  } catch (error) {
    throw new WeerbaarError('STORE_UNAVAILABLE', `cannot open the SQLite case store ${file}: ${(error as Error).message}`, { cause: error });
  }
  const db = new Kysely<CaseDatabase>({ dialect: new SqliteDialect({ database }) });
  return { db, engine: 'sqlite', description: `SQLite ${file}`, close: () => db.destroy() };
}

async function openPostgres(url: string, schema: string): Promise<CaseStore> {
  const description = `PostgreSQL ${redactUrl(url)} schema ${schema}`;
  // search_path as a startup option, so every pooled connection sees the workspace's schema.
  // pg is loaded only here: most workspaces use SQLite, and its import costs 40 ms of every start-up.
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, options: `-c search_path=${schema}`, max: 4 });
  const db = new Kysely<CaseDatabase>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  } catch (error) {
    await db.destroy();
    throw new WeerbaarError('STORE_UNAVAILABLE', `cannot use ${description}: ${describePgError(error)}`, { cause: error });
  }
  return { db, engine: 'postgres', description, close: () => db.destroy() };
}

async function migrate(db: Kysely<CaseDatabase>): Promise<void> {
  const migrator = new Migrator({ db, provider: caseMigrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new StoreError(`case store migration ${failed} failed: ${(error as Error).message}`, { cause: error });
  }
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

function describePgError(error: unknown): string {
  const e = error as { code?: string; message?: string };
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused (is the server running and listening on that address?)';
    case 'ENOTFOUND':
      return 'host not found';
    case '28P01':
    case '28000':
      return 'authentication failed';
    case '3D000':
      return 'the database does not exist';
    default:
      return e.message ?? String(error);
  }
}
