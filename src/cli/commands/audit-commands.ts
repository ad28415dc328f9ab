import type { Command } from 'commander';
import { auditCheckpoint, auditLog, auditVerify } from '../../app/audit-service.js';
import { UsageError } from '../../shared/errors.js';
import { ExitCode } from '../../shared/exit-codes.js';
import { type CliIo, formatTable, printJson, printLines } from '../cli-io.js';
import type { ActionRunner } from '../command-support.js';
import { withApp } from './with-app.js';

export function registerAuditCommands(program: Command, io: CliIo, run: ActionRunner): void {
  const group = program.command('audit').description('the hash-chained, signed audit log of every change');

  group
    .command('log')
    .description('list audit entries')
    .option('--after <seq>', 'only entries after this sequence number')
    .option('--limit <n>', 'at most this many entries')
    .option('--json', 'print as JSON (details included)')
    .action(function (this: Command) {
      return run(async () => {
        const options = this.opts<{ after?: string; limit?: string; json?: boolean }>();
        const query = {
          ...(options.after !== undefined ? { afterSeq: wholeNumber(options.after, '--after') } : {}),
          ...(options.limit !== undefined ? { limit: wholeNumber(options.limit, '--limit') } : {}),
        };
        const entries = await withApp(this, io, (app) => auditLog(app, query));
        if (options.json) return printJson(io, entries.map((e) => ({ ...e, details: JSON.parse(e.details) as unknown })));
        printLines(
          io,
          formatTable(
            ['SEQ', 'TIME (UTC)', 'ACTOR', 'ACTION', 'SUBJECT', 'HASH'],
            entries.map((e) => [String(e.seq), e.at, e.actor, e.action, e.subject, e.entry_hash.slice(0, 16)]),
          ),
        );
      })();
    });

  group
    .command('checkpoint')
    .description('verify the log, then sign its current head (Ed25519, C2SP signed note)')
    .option('--json', 'print as JSON')
    .action(function (this: Command) {
      return run(async () => {
        const result = await withApp(this, io, auditCheckpoint);
        if (this.opts<{ json?: boolean }>().json) return printJson(io, result);
        printLines(io, [
          result.created ? `Signed checkpoint at entry #${result.treeSize}` : `Entry #${result.treeSize} was already checkpointed`,
          `  root  ${result.rootHash}`,
          `  note  ${result.file}`,
        ]);
      })();
    });

  group
    .command('verify')
    .description('check every entry, the chain, the head and every signed checkpoint; exit 4 if anything was tampered with')
    .option('--json', 'print as JSON')
    .action(function (this: Command) {
      return run(async () => {
        const result = await withApp(this, io, auditVerify);
        if (this.opts<{ json?: boolean }>().json) {
          printJson(io, result);
        } else if (result.ok) {
          const checkpoint = result.latestCheckpoint !== undefined ? `, signed up to #${result.latestCheckpoint}` : ', no signed checkpoint yet';
          printLines(io, [`audit log verified: ${result.entries} entries, ${result.checkpoints} checkpoints${checkpoint}`]);
        } else {
          io.stderr(`audit log FAILED verification: first bad entry #${result.firstBadSeq ?? '?'}\n`);
          for (const problem of result.problems) io.stderr(`  ${problem.message}\n`);
        }
        return result.ok ? ExitCode.OK : ExitCode.VERIFICATION_FAILED;
      })();
    });
}

function wholeNumber(text: string, option: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${option} must be a whole number`);
  return Number(text);
}
