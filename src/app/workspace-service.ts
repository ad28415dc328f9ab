import { readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { appendAudit } from '../audit/audit-log.js';
import { type InitOptions, type Workspace, initWorkspace } from '../workspace/workspace.js';
import { type AppContext, type AppEnvironment, contextFor, resolveActor } from './app-context.js';

/** Creating a workspace: the folder, its key, its case store, and the first audit entry. */
export async function createWorkspace(
  dir: string,
  options: InitOptions & { actor?: string; replacingWorkspaceId?: string },
  environment: AppEnvironment,
): Promise<{ workspace: Workspace; app: AppContext }> {
  resolveActor(options.actor, environment.env);
  const before = await readdir(resolve(dir)).catch(() => undefined);
  const workspace = await initWorkspace(dir, options);
  let app: AppContext;
  try {
    app = await contextFor(workspace, options, environment, { replacing: options.replacingWorkspaceId });
  } catch (error) {
    // A workspace whose store cannot be opened is useless; leave the folder as it was found.
    if (before === undefined) await rm(workspace.dir, { recursive: true, force: true });
    else for (const entry of await readdir(workspace.dir)) await rm(join(workspace.dir, entry), { recursive: true, force: true });
    throw error;
  }
  try {
    await app.store.db.transaction().execute((trx) =>
      appendAudit(trx, app, {
        action: 'workspace.init',
        subject: `workspace:${workspace.config.workspace_id}`,
        details: { organisation: workspace.config.organisation, timezone: workspace.config.timezone, case_store: app.store.engine },
      }),
    );
  } catch (error) {
    await app.close();
    throw error;
  }
  return { workspace, app };
}
