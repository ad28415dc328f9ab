import { Command, CommanderError } from 'commander';
import { ExitCode, type ExitCodeValue } from '../shared/exit-codes.js';
import type { CliIo } from './cli-io.js';
import type { CommandOutcome } from './command-support.js';
import { registerAdvisoryCommands } from './commands/advisory-commands.js';
import { registerAuditCommands } from './commands/audit-commands.js';
import { registerDemoCommand } from './commands/demo-command.js';
import { registerEvidenceCommands } from './commands/evidence-commands.js';
import { registerCanaryCommands } from './commands/canary-commands.js';
import { registerClockCommands } from './commands/clock-commands.js';
import { registerIntegrityCommands } from './commands/integrity-commands.js';
import { registerExposureCommands } from './commands/exposure-commands.js';
import { registerFootprintCommands } from './commands/footprint-commands.js';
import { registerHuntCommand } from './commands/hunt-command.js';
import { registerFindingCommands } from './commands/finding-commands.js';
import { registerInitCommand } from './commands/init-command.js';
import { registerInventoryCommands } from './commands/inventory-commands.js';
import { renderError } from './render-error.js';

/**
 * The `weerbaar` command line. Commands parse their arguments and call `app/` services; they hold
 * no SQL and no domain rules. Returns the exit status instead of exiting, so it runs in-process.
 */

export const VERSION = '0.1.0';

export function buildProgram(io: CliIo, setOutcome: (code: ExitCodeValue) => void): Command {
  const program = new Command('weerbaar')
    .description('Incident response and cyber resilience for public-sector chains: answers, with evidence, what a board asks after a breach.')
    .version(VERSION, '-V, --version')
    .option('-w, --workspace <dir>', 'the workspace folder (default: $WEERBAAR_WORKSPACE, else the current folder)')
    .option('--actor <name>', 'who is acting, for the audit log (default: $WEERBAAR_ACTOR, else the OS user)')
    .option('--debug', 'show stack traces for errors')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      [
        '',
        'Exit status: 0 success, 1 internal error, 2 usage error (also: not a workspace),',
        '3 invalid input, 4 verification failed, 5 database unreachable. See docs/cli.md.',
      ].join('\n'),
    )
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  const run = (action: () => Promise<CommandOutcome>) => async () => {
    const outcome = await action();
    if (outcome !== undefined) setOutcome(outcome);
  };
  registerInitCommand(program, io, run);
  registerInventoryCommands(program, io, run);
  registerAuditCommands(program, io, run);
  registerAdvisoryCommands(program, io, run);
  registerFindingCommands(program, io, run);
  registerEvidenceCommands(program, io, run);
  registerHuntCommand(program, io, run);
  registerFootprintCommands(program, io, run);
  registerExposureCommands(program, io, run);
  registerClockCommands(program, io, run);
  registerCanaryCommands(program, io, run);
  registerIntegrityCommands(program, io, run);
  registerDemoCommand(program, io, run);
  program.commands.forEach(function inherit(command: Command): void {
    command.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr }).showHelpAfterError('(run with --help for usage)');
    command.commands.forEach(inherit);
  });
  return program;
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCodeValue> {
  let outcome: ExitCodeValue = ExitCode.OK;
  const program = buildProgram(io, (code) => {
    outcome = code;
  });
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return ExitCode.USAGE;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return outcome;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help asked for is success; help shown because a subcommand is missing is a usage error.
      const asked = error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || (error.code === 'commander.help' && error.exitCode === 0);
      return asked ? ExitCode.OK : ExitCode.USAGE;
    }
    return renderError(io, error, argv.includes('--debug'));
  }
}
