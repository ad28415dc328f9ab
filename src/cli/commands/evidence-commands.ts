import { resolve } from 'node:path';
import type { Command } from 'commander';
import { addEvidencePaths, evidence } from '../../app/evidence-service.js';
import { LOG_FORMATS } from '../../ingest/detect-format.js';
import { UsageError } from '../../shared/errors.js';
import { isValidTimeZone } from '../../shared/time.js';
import { type CliIo, formatTable, printJson, printLines } from '../cli-io.js';
import { type ActionRunner, choice } from '../command-support.js';
import { withApp } from './with-app.js';

export function registerEvidenceCommands(program: Command, io: CliIo, run: ActionRunner): void {
  const group = program.command('evidence').description('evidence files in custody: hashed, content-addressed, read-only');

  group
    .command('add')
    .description('put files, folders, .gz rotations and .tar/.tar.gz/.tgz triage collections into the vault')
    .argument('<path...>', 'files or folders')
    .option('--format <format>', `the log format instead of detecting it: ${LOG_FORMATS.join(', ')}`)
    .option('--host <name>', 'the host the logs come from')
    .option('--tz <zone>', 'the time zone of local times in these logs (IANA name)')
    .option('--date-order <order>', 'order of numeric dates in these logs: mdy, dmy or ymd')
    .option('--json', 'print the result as JSON')
    .action(function (this: Command, paths: string[]) {
      return run(async () => {
        const o = this.opts<{ format?: string; host?: string; tz?: string; dateOrder?: string; json?: boolean }>();
        if (o.tz !== undefined && !isValidTimeZone(o.tz)) throw new UsageError(`--tz "${o.tz}" is not an IANA time-zone name (such as Europe/Amsterdam)`);
        const options = {
          ...(o.format ? { format: choice(o.format, LOG_FORMATS, '--format') } : {}),
          ...(o.host ? { host: o.host } : {}),
          ...(o.tz ? { timezone: o.tz } : {}),
          ...(o.dateOrder ? { dateOrder: choice(o.dateOrder, ['mdy', 'dmy', 'ymd'] as const, '--date-order') } : {}),
        };
        const added = await withApp(this, io, (app) => addEvidencePaths(app, paths.map((p) => resolve(io.cwd, p)), options));
        if (o.json) return printJson(io, added);
        printLines(io, [
          ...added.map((e) =>
            e.status === 'added'
              ? `added    ${e.sha256.slice(0, 16)}…  ${e.format.padEnd(20)} ${e.size} bytes  ${e.originalPath}`
              : `present  ${e.sha256.slice(0, 16)}…  ${e.originalPath} is identical to ${e.firstSeenAs ?? 'a stored file'}: not stored again`,
          ),
          `${added.filter((e) => e.status === 'added').length} added, ${added.filter((e) => e.status !== 'added').length} already present`,
        ]);
      })();
    });

  group
    .command('list')
    .description('the evidence in custody')
    .option('--json', 'print every file with its hash, size, format, origin and custody facts')
    .action(function (this: Command) {
      return run(async () => {
        const all = await withApp(this, io, evidence);
        if (this.opts<{ json?: boolean }>().json) return printJson(io, all);
        printLines(io, [
          ...formatTable(
            ['SHA-256', 'FORMAT', 'SIZE', 'ADDED (UTC)', 'BY', 'ORIGINAL PATH'],
            all.map((e) => [`${e.sha256.slice(0, 16)}…`, e.format, String(e.size), e.addedAt.slice(0, 19), e.addedBy, e.originalPath]),
          ),
          `${all.length} files in custody`,
        ]);
      })();
    });
}
