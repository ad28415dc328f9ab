import { resolve } from 'node:path';
import type { Command } from 'commander';
import { createWorkspace } from '../../app/workspace-service.js';
import { printLines } from '../cli-io.js';
import type { CliIo } from '../cli-io.js';
import type { ActionRunner, GlobalOptions } from '../command-support.js';
import { choice } from '../command-support.js';

export function registerInitCommand(program: Command, io: CliIo, run: ActionRunner): void {
  program
    .command('init')
    .description('create a workspace: weerbaar.yaml, the case database, the evidence vault and the audit signing key')
    .argument('[dir]', 'the folder to create (new or empty)', '.')
    .option('--organisation <name>', 'organisation name (default: the folder name)')
    .option('--timezone <zone>', 'IANA time zone of the organisation (default: this machine\'s)')
    .option('--case-store <engine>', 'sqlite (embedded, default) or postgres (URL from $WEERBAAR_DATABASE_URL)', 'sqlite')
    .option('--schema <name>', 'PostgreSQL schema for this workspace', 'public')
    .action(function (this: Command, dir: string) {
      return run(async () => {
        const options = this.opts<{ organisation?: string; timezone?: string; caseStore: string; schema: string }>();
        const globals = this.optsWithGlobals<GlobalOptions>();
        const engine = choice(options.caseStore, ['sqlite', 'postgres'] as const, '--case-store');
        const { workspace, app } = await createWorkspace(
          resolve(io.cwd, dir),
          {
            organisation: options.organisation,
            timezone: options.timezone,
            caseStore: engine === 'sqlite' ? { engine, path: 'case.sqlite' } : { engine, url_env: 'WEERBAAR_DATABASE_URL', schema: options.schema },
            actor: globals.actor,
          },
          { env: io.env, cwd: io.cwd },
        );
        const description = app.store.description;
        await app.close();
        printLines(io, [
          `Created workspace ${workspace.dir}`,
          `  organisation  ${workspace.config.organisation}`,
          `  time zone     ${workspace.config.timezone}`,
          `  case store    ${description}`,
          `  audit key     ${workspace.path(workspace.config.audit.signing_key)} (mode 0600)`,
          'Next: weerbaar inventory import FILE... (see docs/inventory.md)',
        ]);
      })();
    });
}
