import type { Command } from 'commander';
import { type AppContext, openApp } from '../../app/app-context.js';
import type { CliIo } from '../cli-io.js';
import type { GlobalOptions } from '../command-support.js';

/** Opens the workspace named by the global options for one command and always closes it. */
export async function withApp<T>(command: Command, io: CliIo, action: (app: AppContext) => Promise<T>): Promise<T> {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const app = await openApp({ workspace: globals.workspace, actor: globals.actor }, { env: io.env, cwd: io.cwd });
  try {
    return await action(app);
  } finally {
    await app.close();
  }
}
