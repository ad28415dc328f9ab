import { userInfo } from 'node:os';
import { type CaseStore, type CaseStoreSettings, openCaseStore } from '../store/case-store.js';
import { caseStoreOwner, checkCaseStoreOwner, claimCaseStore, clearCaseStore } from '../store/case-store-owner.js';
import type { AuditActor } from '../audit/audit-log.js';
import type { EventStore } from '../store/event-store.js';
import { WeerbaarError } from '../shared/errors.js';
import { type Clock, systemClock } from '../shared/time.js';
import { type Workspace, openWorkspace, resolveWorkspaceDir } from '../workspace/workspace.js';

/**
 * What every application service works with: the open workspace, its case store and who is acting.
 * Surfaces (CLI, later HTTP) build one per request or command and close it afterwards.
 */

export interface AppEnvironment {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly clock?: Clock;
}

export interface AppContext extends AuditActor {
  readonly workspace: Workspace;
  readonly store: CaseStore;
  /** The event store, opened on first use (DuckDB takes a file lock, so only commands that need it open it). */
  events(): Promise<EventStore>;
  close(): Promise<void>;
}

export interface OpenOptions {
  readonly workspace?: string;
  readonly actor?: string;
}

export async function openApp(options: OpenOptions, environment: AppEnvironment): Promise<AppContext> {
  const workspace = await openWorkspace(resolveWorkspaceDir(options.workspace, environment.env, environment.cwd));
  return contextFor(workspace, options, environment);
}

export async function contextFor(
  workspace: Workspace,
  options: OpenOptions,
  environment: AppEnvironment,
  claim?: { replacing?: string },
): Promise<AppContext> {
  const store = await openCaseStore(caseStoreSettings(workspace, environment.env));
  try {
    const id = workspace.config.workspace_id;
    if (!claim) {
      await checkCaseStoreOwner(store.db, id, store.description);
    } else {
      // The demo may take over the store of the earlier demo it replaces, and only that one.
      if (claim.replacing !== undefined && (await caseStoreOwner(store.db)) === claim.replacing) await clearCaseStore(store.db);
      await claimCaseStore(store.db, id, store.description);
    }
  } catch (error) {
    await store.close();
    throw error;
  }
  let events: Promise<EventStore> | null = null;
  return {
    workspace,
    store,
    actor: resolveActor(options.actor, environment.env),
    clock: environment.clock ?? systemClock,
    events: () => (events ??= openEvents(workspace)),
    close: async () => {
      try {
        if (events) await (await events).close();
      } finally {
        await store.close();
      }
    },
  };
}

async function openEvents(workspace: Workspace): Promise<EventStore> {
  const configured = workspace.config.event_store;
  // Loaded on first use: DuckDB's native module costs about 0.3 s of start-up, and commands that
  // never touch the event store (inventory, audit, integrity, clocks) should not pay it.
  const { DuckdbEventStore } = await import('../store/duckdb-event-store.js');
  return DuckdbEventStore.open({ engine: 'duckdb', path: workspace.path(configured.path), ...(configured.memory_limit ? { memoryLimit: configured.memory_limit } : {}) });
}

/** `--actor`, then WEERBAAR_ACTOR, then the operating-system user. */
export function resolveActor(option: string | undefined, env: NodeJS.ProcessEnv): string {
  const actor = option ?? env['WEERBAAR_ACTOR'];
  if (actor !== undefined) {
    if (actor.trim() === '' || /\p{Cc}/u.test(actor)) throw new WeerbaarError('USAGE', 'the actor must be a non-empty name without control characters');
    return actor.trim();
  }
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/**
 * WEERBAAR_DATABASE_URL switches any workspace to PostgreSQL (with WEERBAAR_DATABASE_SCHEMA, or the
 * configured schema); otherwise weerbaar.yaml decides.
 */
export function caseStoreSettings(workspace: Workspace, env: NodeJS.ProcessEnv): CaseStoreSettings {
  const configured = workspace.config.case_store;
  const overrideUrl = env['WEERBAAR_DATABASE_URL'];
  const configuredSchema = configured.engine === 'postgres' ? configured.schema : 'public';
  const schema = env['WEERBAAR_DATABASE_SCHEMA'] ?? configuredSchema;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new WeerbaarError('CONFIG_INVALID', `database schema "${schema}" must be a lower-case SQL identifier`);
  if (overrideUrl) return { engine: 'postgres', url: overrideUrl, schema };
  if (configured.engine === 'sqlite') return { engine: 'sqlite', file: workspace.path(configured.path) };
  const url = configured.url ?? env[configured.url_env];
  if (!url) {
    throw new WeerbaarError('CONFIG_INVALID', `the case store is PostgreSQL but no URL is set: set ${configured.url_env} (or case_store.url in weerbaar.yaml)`);
  }
  return { engine: 'postgres', url, schema };
}
