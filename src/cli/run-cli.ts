import { Command, CommanderError } from 'commander';
import { ExitCode, type ExitCodeValue } from '../shared/exit-codes.js';
import type { CliIo } from './cli-io.js';
import type { ActionRunner, CommandOutcome } from './command-support.js';
import { renderError } from './render-error.js';

/**
 * The `weerbaar` command line. Commands parse their arguments and call `app/` services; they hold
 * no SQL and no domain rules. Returns the exit status instead of exiting, so it runs in-process.
 */

export const VERSION = '0.1.0';

type Registrar = (program: Command, io: CliIo, run: ActionRunner) => void;

/**
 * Which module registers which top-level command. Only the module of the command being run is
 * imported: importing every command's services cost about 0.2 s of start-up on every call (it
 * showed in the snapshot benchmark). Help, unknown commands and bare options load them all.
 * src/cli/run-cli.test.ts checks that this table names every command a module registers.
 */
export const COMMAND_MODULES: Readonly<Record<string, () => Promise<Registrar>>> = {
  init: async () => (await import('./commands/init-command.js')).registerInitCommand,
  inventory: async () => (await import('./commands/inventory-commands.js')).registerInventoryCommands,
  audit: async () => (await import('./commands/audit-commands.js')).registerAuditCommands,
  advisories: async () => (await import('./commands/advisory-commands.js')).registerAdvisoryCommands,
  patches: async () => (await import('./commands/advisory-commands.js')).registerAdvisoryCommands,
  findings: async () => (await import('./commands/advisory-commands.js')).registerAdvisoryCommands,
  finding: async () => (await import('./commands/finding-commands.js')).registerFindingCommands,
  evidence: async () => (await import('./commands/evidence-commands.js')).registerEvidenceCommands,
  hunt: async () => (await import('./commands/hunt-command.js')).registerHuntCommand,
  footprint: async () => (await import('./commands/footprint-commands.js')).registerFootprintCommands,
  timeline: async () => (await import('./commands/footprint-commands.js')).registerFootprintCommands,
  exposure: async () => (await import('./commands/exposure-commands.js')).registerExposureCommands,
  clocks: async () => (await import('./commands/clock-commands.js')).registerClockCommands,
  canary: async () => (await import('./commands/canary-commands.js')).registerCanaryCommands,
  integrity: async () => (await import('./commands/integrity-commands.js')).registerIntegrityCommands,
  backups: async () => (await import('./commands/backup-commands.js')).registerBackupCommands,
  demo: async () => (await import('./commands/demo-command.js')).registerDemoCommand,
};

/** Global options that take a value: the word after them is not the command. */
const VALUED_GLOBALS = new Set(['-w', '--workspace', '--actor']);

/** The top-level command named in argv, or undefined (help, version, nothing, or an option error). */
export function commandOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (VALUED_GLOBALS.has(word)) i++;
    else if (!word.startsWith('-')) return word;
  }
  return undefined;
}

/** The registrars for argv: the named command's module, or every module (in help order) when none is known. */
export async function registrarsFor(argv: readonly string[]): Promise<Registrar[]> {
  const name = commandOf(argv);
  const wanted = name !== undefined && Object.hasOwn(COMMAND_MODULES, name) && !argv.includes('--help') && !argv.includes('-h') ? [COMMAND_MODULES[name]!] : Object.values(COMMAND_MODULES);
  const loaded = await Promise.all(wanted.map((load) => load()));
  return [...new Set(loaded)];
}

export function buildProgram(io: CliIo, setOutcome: (code: ExitCodeValue) => void, registrars: readonly Registrar[]): Command {
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
  for (const register of registrars) register(program, io, run);
  program.commands.forEach(function inherit(command: Command): void {
    command.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr }).showHelpAfterError('(run with --help for usage)');
    command.commands.forEach(inherit);
  });
  return program;
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCodeValue> {
  let outcome: ExitCodeValue = ExitCode.OK;
  const program = buildProgram(
    io,
    (code) => {
      outcome = code;
    },
    await registrarsFor(argv),
  );
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
