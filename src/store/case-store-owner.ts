import type { Kysely } from 'kysely';
import { WeerbaarError } from '../shared/errors.js';
import type { CaseDatabase } from './case-schema.js';

/**
 * A case store belongs to exactly one workspace: its audit log is signed with that workspace's key.
 * On a shared PostgreSQL server two workspaces pointed at the same schema would interleave their
 * logs and break each other's verification, so the owner is recorded and checked on every open.
 */

const OWNER_KEY = 'workspace_id';

export async function caseStoreOwner(db: Kysely<CaseDatabase>): Promise<string | undefined> {
  const row = await db.selectFrom('store_meta').select('value').where('key', '=', OWNER_KEY).executeTakeFirst();
  return row?.value;
}

/** Claims an empty store for a new workspace; refuses a store that holds another workspace. */
export async function claimCaseStore(db: Kysely<CaseDatabase>, workspaceId: string, description: string): Promise<void> {
  const owner = await caseStoreOwner(db);
  const entries = await db.selectFrom('audit_log').select('seq').limit(1).execute();
  if (owner !== undefined || entries.length > 0) {
    throw new WeerbaarError(
      'WORKSPACE_EXISTS',
      `${description} already holds the case store of another workspace${owner ? ` (${owner})` : ''}; use another database or schema`,
    );
  }
  await db.insertInto('store_meta').values({ key: OWNER_KEY, value: workspaceId }).execute();
}

export async function checkCaseStoreOwner(db: Kysely<CaseDatabase>, workspaceId: string, description: string): Promise<void> {
  const owner = await caseStoreOwner(db);
  if (owner !== undefined && owner !== workspaceId) {
    throw new WeerbaarError('CONFIG_INVALID', `${description} belongs to workspace ${owner}, not to this one (${workspaceId}); check the store settings`);
  }
}

/** Every table, children before the tables they refer to. */
const TABLES = [
  'restore_test',
  'backup_immutability',
  'backup_check',
  'backup_member',
  'backup_set',
  'manifest',
  'exposed_account',
  'canary',
  'regulatory_record',
  'exposure_window',
  'footprint_decision',
  'hunt',
  'evidence_entry',
  'evidence_parse',
  'evidence_file',
  'advisory_quarantine',
  'advisory_provider',
  'finding_exception',
  'finding_transition',
  'asset_version_history',
  'finding',
  'advisory_retrieval',
  'advisory_revision',
  'advisory',
  'interface_data_category',
  'interface',
  'partner',
  'asset_dependency',
  'asset_data_category',
  'asset',
  'data_category',
  'audit_checkpoint',
  'audit_head',
  'audit_log',
  'store_meta',
] as const satisfies readonly (keyof CaseDatabase)[];

// A table added to the schema but not here fails to compile: a replaced demo would keep its rows.
const everyTableCleared: Exclude<keyof CaseDatabase, (typeof TABLES)[number]> extends never ? true : never = true;

/** Empties every table; only for replacing a store whose owner the caller has identified. */
export async function clearCaseStore(db: Kysely<CaseDatabase>): Promise<void> {
  void everyTableCleared;
  await db.transaction().execute(async (trx) => {
    for (const table of TABLES) await trx.deleteFrom(table).execute();
  });
}
