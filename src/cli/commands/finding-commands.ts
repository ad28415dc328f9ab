import type { Command } from 'commander';
import { exceptFindingDeadline, moveFindingState } from '../../app/advisory-service.js';
import { PROTOCOL_STATES } from '../../advisory/finding-protocol.js';
import { type CliIo, printJson, printLines } from '../cli-io.js';
import { type ActionRunner, choice } from '../command-support.js';
import { withApp } from './with-app.js';

export function registerFindingCommands(program: Command, io: CliIo, run: ActionRunner): void {
  const group = program.command('finding').description('act on one finding: move it along the protocol, or except its patch deadline');

  group
    .command('state')
    .description(`move a finding forward: ${PROTOCOL_STATES.join(' → ')}`)
    .argument('<asset>', 'the asset id')
    .argument('<vulnerability>', 'the CVE (or the advisory\'s vulnerability id)')
    .argument('<state>', PROTOCOL_STATES.join(', '))
    .option('--note <text>', 'what was done, for the record')
    .option('--json', 'print the protocol trail as JSON')
    .action(function (this: Command, asset: string, vulnerability: string, state: string) {
      return run(async () => {
        const options = this.opts<{ note?: string; json?: boolean }>();
        const trail = await withApp(this, io, (app) => moveFindingState(app, asset, vulnerability, choice(state, PROTOCOL_STATES, 'the state'), options.note));
        if (options.json) return printJson(io, trail);
        printLines(io, [
          `${asset} ${vulnerability}: ${trail.state}`,
          ...trail.transitions.map((t) => `  ${t.at}  ${t.state.padEnd(11)} ${t.actor}${t.note ? `: ${t.note}` : ''}`),
          ...(trail.skipped.length > 0 ? [`  protocol steps skipped: ${trail.skipped.join(', ')}`] : []),
        ]);
      })();
    });

  group
    .command('except')
    .description('grant an exception to a finding\'s patch deadline (the SLA verdict becomes "excepted")')
    .argument('<asset>', 'the asset id')
    .argument('<vulnerability>', 'the CVE (or the advisory\'s vulnerability id)')
    .requiredOption('--reason <text>', 'why the deadline does not apply')
    .option('--json', 'print the exception as JSON')
    .action(function (this: Command, asset: string, vulnerability: string) {
      return run(async () => {
        const options = this.opts<{ reason: string; json?: boolean }>();
        const exception = await withApp(this, io, (app) => exceptFindingDeadline(app, asset, vulnerability, options.reason));
        if (options.json) return printJson(io, exception);
        printLines(io, [`${asset} ${vulnerability}: deadline excepted by ${exception.actor} at ${exception.at}: ${exception.reason}`]);
      })();
    });
}
