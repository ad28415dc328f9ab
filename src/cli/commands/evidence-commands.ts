import { resolve } from 'node:path';
import type { Command } from 'commander';
import { addEvidencePaths, evidence, evidenceCoverage, parseFailures, readFieldMapping } from '../../app/evidence-service.js';
import type { IngestProgress } from '../../ingest/ingest-evidence.js';
import { LOG_FORMATS } from '../../ingest/detect-format.js';
import { UsageError } from '../../shared/errors.js';
import { isValidTimeZone } from '../../shared/time.js';
import { type CliIo, formatTable, printJson, printLines } from '../cli-io.js';
import { type ActionRunner, choice } from '../command-support.js';
import { withApp } from './with-app.js';
import { coverageLines } from '../coverage-lines.js';

export function registerEvidenceCommands(program: Command, io: CliIo, run: ActionRunner): void {
  const group = program.command('evidence').description('evidence files in custody (hashed, content-addressed, read-only), parsed into the event store');

  group
    .command('add')
    .description('put files, folders, .gz rotations and .tar/.tar.gz/.tgz triage collections into the vault, and parse new files into the event store')
    .argument('<path...>', 'files or folders')
    .option('--format <format>', `the log format instead of detecting it: ${LOG_FORMATS.join(', ')}`)
    .option('--host <name>', 'the host the logs come from')
    .option('--tz <zone>', 'the time zone of local times in these logs (IANA name; default: the mapping\'s zone, then the workspace\'s)')
    .option('--date-order <order>', 'order of numeric dates in these logs: mdy, dmy or ymd')
    .option('--mapping <file>', 'field mapping (YAML/JSON) for generic JSONL or CSV logs: time field and format, ECS columns (docs/evidence.md)')
    .option('--json', 'print the result as JSON')
    .action(function (this: Command, paths: string[]) {
      return run(async () => {
        const o = this.opts<{ format?: string; host?: string; tz?: string; dateOrder?: string; mapping?: string; json?: boolean }>();
        if (o.tz !== undefined && !isValidTimeZone(o.tz)) throw new UsageError(`--tz "${o.tz}" is not an IANA time-zone name (such as Europe/Amsterdam)`);
        const options = {
          ...(o.format ? { format: choice(o.format, LOG_FORMATS, '--format') } : {}),
          ...(o.host ? { host: o.host } : {}),
          ...(o.tz ? { timezone: o.tz } : {}),
          ...(o.dateOrder ? { dateOrder: choice(o.dateOrder, ['mdy', 'dmy', 'ymd'] as const, '--date-order') } : {}),
          ...(o.mapping ? { mapping: await readFieldMapping(resolve(io.cwd, o.mapping)) } : {}),
        };
        const progress = io.interactive
          ? (p: IngestProgress) => io.stderr(`\rparsing: ${p.filesDone}/${p.files} files, ${(p.bytesRead / 1e6).toFixed(1)} MB read`)
          : undefined;
        const { added, parsed } = await withApp(this, io, (app) => addEvidencePaths(app, paths.map((p) => resolve(io.cwd, p)), options, progress));
        if (progress && parsed.length) io.stderr('\n');
        if (o.json) return printJson(io, { added, parsed: parsed.map((p) => ({ sha256: p.sha256, originalPath: p.originalPath, dataset: p.dataset, ...p.stats })) });
        const events = parsed.reduce((n, p) => n + p.stats.events, 0);
        const failures = parsed.reduce((n, p) => n + p.stats.failures, 0);
        const skipped = parsed.reduce((n, p) => n + p.stats.skipped, 0);
        printLines(io, [
          ...added.map((e) =>
            e.status === 'added'
              ? `added    ${e.sha256.slice(0, 16)}…  ${e.format.padEnd(20)} ${e.size} bytes  ${e.originalPath}`
              : e.status === 'reformatted'
                ? `format   ${e.sha256.slice(0, 16)}…  ${e.originalPath} was stored without a parser; now read as ${e.format}`
                : `present  ${e.sha256.slice(0, 16)}…  ${e.originalPath} is identical to ${e.firstSeenAs ?? 'a stored file'}: not stored again`,
          ),
          ...parsed.filter((p) => p.stats.failures > 0 || p.stats.readError).map((p) => `warning: ${p.originalPath}: ${p.stats.failures} lines not parsed${p.stats.readError ? `; ${p.stats.readError}` : ''} (weerbaar evidence failures)`),
          `${added.filter((e) => e.status === 'added').length} added, ${added.filter((e) => e.status !== 'added').length} already present`,
          `${parsed.length} files parsed: ${events} events, ${failures} lines not parsed${skipped ? `, ${skipped} blank or header lines` : ''}`,
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
            ['SHA-256', 'FORMAT', 'SIZE', 'EVENTS', 'FAILED', 'ADDED (UTC)', 'BY', 'ORIGINAL PATH'],
            all.map((e) => [`${e.sha256.slice(0, 16)}…`, e.format, String(e.size), e.events === null ? '-' : String(e.events), e.failures === null ? '-' : String(e.failures), e.addedAt.slice(0, 19), e.addedBy, e.originalPath]),
          ),
          `${all.length} files in custody`,
        ]);
      })();
    });

  group
    .command('coverage')
    .description('the coverage ledger: per source (host × log type) its span, events per hour, gaps, failures and time quality')
    .option('--json', 'print the full ledger as JSON')
    .action(function (this: Command) {
      return run(async () => {
        const ledger = await withApp(this, io, evidenceCoverage);
        if (this.opts<{ json?: boolean }>().json) return printJson(io, ledger);
        printLines(io, coverageLines(ledger));
      })();
    });

  group
    .command('failures')
    .description('lines that could not be parsed, with file, line, byte offset and reason')
    .option('--limit <n>', 'show at most this many', '50')
    .option('--json', 'print as JSON')
    .action(function (this: Command) {
      return run(async () => {
        const o = this.opts<{ limit: string; json?: boolean }>();
        const limit = Number(o.limit);
        if (!Number.isInteger(limit) || limit < 0) throw new UsageError('--limit must be a whole number');
        const result = await withApp(this, io, (app) => parseFailures(app, limit));
        if (o.json) return printJson(io, result);
        printLines(io, [
          ...result.failures.map((f) => `${f.path}:${f.line} (byte ${f.offset}): ${f.reason}\n    ${JSON.stringify(f.text.slice(0, 160))}`),
          `${result.total} lines not parsed${result.total > result.failures.length ? ` (${result.failures.length} shown)` : ''}`,
        ]);
      })();
    });
}
