import type { Command } from 'commander';
import { resolve } from 'node:path';
import {
  advisoryDiff,
  advisoryTimelineOf,
  findings,
  importAdvisoryPaths,
  importPatchFile,
  matchAdvisories,
  syncAdvisoryProviders,
  validateAdvisories,
} from '../../app/advisory-service.js';
import type { FindingsRun } from '../../advisory/findings.js';
import { ExitCode } from '../../shared/exit-codes.js';
import { type CliIo, formatTable, printJson, printLines } from '../cli-io.js';
import { type ActionRunner, choice } from '../command-support.js';
import { UsageError } from '../../shared/errors.js';
import { withApp } from './with-app.js';

const FINDING_STATUSES = ['affected', 'under_investigation', 'fixed', 'not_affected', 'unknown'] as const;

export function findingsLine(run: FindingsRun): string {
  return `findings: ${run.created} new, ${run.updated} changed, ${run.refreshed} refreshed, ${run.unchanged} unchanged`;
}

export function registerAdvisoryCommands(program: Command, io: CliIo, run: ActionRunner): void {
  const group = program.command('advisories').description('CSAF security advisories');

  group
    .command('import')
    .description('import CSAF documents into the workspace: valid ones are stored as revisions, invalid ones rejected with their reason')
    .argument('<path...>', 'CSAF files or folders (every .json below them), or provider-metadata.json URLs of trusted providers (https)')
    .option('--received-at <time>', 'when these documents were actually received (ISO 8601), to reconstruct the past from an archive')
    .option('--json', 'print the result as JSON')
    .action(function (this: Command, paths: string[]) {
      return run(async () => {
        const options = this.opts<{ receivedAt?: string; json?: boolean }>();
        if (options.receivedAt !== undefined && Number.isNaN(Date.parse(options.receivedAt))) throw new UsageError('--received-at must be an ISO 8601 time such as 2025-06-18T08:00:00Z');
        const urls = paths.filter((p) => /^[a-z]+:\/\//i.test(p));
        if (urls.length > 0) {
          if (urls.length !== paths.length) throw new UsageError('import either provider URLs or files and folders, not both at once');
          const synced = await withApp(this, io, (app) => syncAdvisoryProviders(app, urls));
          if (options.json) return printJson(io, synced);
          const lines: string[] = [];
          for (const p of synced.providers) {
            lines.push(`provider ${p.provider}: ${p.listed} listed, ${p.skipped} not newer than the last sync`);
            for (const r of p.rejected) lines.push(`  rejected ${r.source}: ${r.reason}`);
            for (const q of p.quarantined) lines.push(`  QUARANTINED ${q.source}: ${q.reason}`);
            for (const r of p.imported) lines.push(`  imported ${r.advisoryId} version ${r.version}`);
            lines.push(`  ${p.imported.length} imported, ${p.unchanged} unchanged, ${p.rejected.length} rejected, ${p.quarantined.length} quarantined`);
            for (const n of p.notChecked) lines.push(`  not checked: ${n}`);
          }
          if (synced.findings) lines.push(findingsLine(synced.findings));
          return printLines(io, lines);
        }
        const progress = io.interactive ? (done: number, total: number) => io.stderr(`\rreading ${done}/${total}`) : undefined;
        const result = await withApp(this, io, (app) =>
          importAdvisoryPaths(
            app,
            paths.map((p) => resolve(io.cwd, p)),
            { ...(progress ? { onProgress: progress } : {}), ...(options.receivedAt ? { receivedAt: new Date(options.receivedAt).toISOString() } : {}) },
          ),
        );
        if (progress) io.stderr('\n');
        if (options.json) return printJson(io, result);
        const lines = result.rejected.map((r) => `rejected ${r.source}: ${r.reason}`);
        for (const r of result.imported) lines.push(`imported ${r.advisoryId} version ${r.version}`);
        lines.push(`${result.imported.length + result.unchanged + result.rejected.length} documents: ${result.imported.length} imported, ${result.unchanged} unchanged, ${result.rejected.length} rejected`);
        if (result.findings) lines.push(findingsLine(result.findings));
        printLines(io, lines);
      })();
    });

  group
    .command('timeline')
    .description('what we knew when and what we did when, for one advisory')
    .argument('<id>', 'the tracking id, or <publisher namespace>#<tracking id>')
    .option('--json', 'print the events as JSON')
    .action(function (this: Command, id: string) {
      return run(async () => {
        const timeline = await withApp(this, io, (app) => advisoryTimelineOf(app, id));
        if (this.opts<{ json?: boolean }>().json) return printJson(io, timeline);
        printLines(io, [
          `Timeline of ${timeline.advisory} (UTC)`,
          ...formatTable(
            ['WHEN', 'WHO', 'SUBJECT', 'WHAT'],
            timeline.events.map((e) => [e.at.slice(0, 16).replace('T', ' '), e.who, e.subject, e.what]),
          ),
        ]);
      })();
    });

  group
    .command('diff')
    .description('differences between two revisions of an advisory (default: the last two), and whether they can change findings')
    .argument('<id>', 'the tracking id, or <publisher namespace>#<tracking id>')
    .option('--from <version>', 'the older revision')
    .option('--to <version>', 'the newer revision')
    .option('--json', 'print the differences as JSON')
    .action(function (this: Command, id: string) {
      return run(async () => {
        const options = this.opts<{ from?: string; to?: string; json?: boolean }>();
        const diff = await withApp(this, io, (app) => advisoryDiff(app, id, options.from, options.to));
        if (options.json) return printJson(io, diff);
        const show = (v: unknown) => {
          const text = JSON.stringify(v);
          return text.length > 100 ? `${text.slice(0, 99)}…` : text;
        };
        printLines(io, [
          `${diff.advisory}: version ${diff.from.version} (${diff.from.released}) → ${diff.to.version} (${diff.to.released})`,
          ...diff.entries.map((e) => `  ${e.change.padEnd(8)} ${e.path}${e.change === 'changed' ? `: ${show(e.from)} → ${show(e.to)}` : e.change === 'added' ? `: ${show(e.to)}` : ''}`),
          diff.affectsMatching
            ? 'The product tree, a product status or a remediation changed: findings may change (matching re-ran on import).'
            : 'Nothing that matching depends on changed: no finding can change.',
        ]);
      })();
    });

  group
    .command('match')
    .description('match the latest revision of every stored advisory against the inventory and update the findings')
    .option('--json', 'print the counts as JSON')
    .action(function (this: Command) {
      return run(async () => {
        const result = await withApp(this, io, matchAdvisories);
        if (this.opts<{ json?: boolean }>().json) return printJson(io, result);
        printLines(io, [findingsLine(result)]);
      })();
    });

  program
    .command('patches')
    .description('change records of assets: upgrades, disconnections, reconnections')
    .command('import')
    .description('import change records (CSV or JSON: asset, event, from_version, to_version, time, ticket, actor); findings follow')
    .argument('<file>', 'the CSV or JSON file')
    .option('--json', 'print the result as JSON')
    .action(function (this: Command, file: string) {
      return run(async () => {
        const result = await withApp(this, io, (app) => importPatchFile(app, resolve(io.cwd, file)));
        if (this.opts<{ json?: boolean }>().json) return printJson(io, result);
        printLines(io, [
          `read ${result.records} change records from ${result.file}`,
          ...result.versionChanges.map((c) => `  ${c.asset}: ${c.from ?? '-'} → ${c.to ?? '-'}`),
          ...result.warnings.map((w) => `warning: ${w}`),
          findingsLine(result.findings),
        ]);
      })();
    });

  program
    .command('findings')
    .description('one finding per (asset, vulnerability): status, confidence, score and the advisory that decided it')
    .option('--status <status>', `only findings with this status: ${FINDING_STATUSES.join(', ')}`)
    .option('--json', 'print every finding with its evidence as JSON')
    .action(function (this: Command) {
      return run(async () => {
        const options = this.opts<{ status?: string; json?: boolean }>();
        const wanted = options.status ? choice(options.status, FINDING_STATUSES, '--status') : undefined;
        const all = await withApp(this, io, findings);
        const shown = wanted ? all.filter((f) => f.status === wanted) : all;
        if (options.json) return printJson(io, shown);
        printLines(io, [
          ...formatTable(
            ['ASSET', 'VULNERABILITY', 'STATUS', 'CVSS', 'CONF', 'EXPOSED FROM', 'UNTIL', 'PATCH SLA', 'PROTOCOL', 'ADVISORY'],
            shown.map((f) => [
              f.asset,
              f.vulnerability,
              f.status,
              f.cvss?.toFixed(1) ?? '-',
              f.confidence.toFixed(2),
              f.window.start ? `${f.window.startIsLowerBound ? '≤ ' : ''}${f.window.start.slice(0, 16)}` : '-',
              f.window.end ? `${f.window.end.slice(0, 16)} (${f.window.endReason ?? ''})` : f.window.start ? 'open' : '-',
              f.sla.verdict === 'not_applicable' ? '-' : f.sla.verdict === 'excepted' ? `excepted: ${f.sla.reason}` : `${f.sla.verdict}: ${f.sla.summary}`,
              f.protocol.state,
              f.advisory.split('#').pop() ?? f.advisory,
            ]),
          ),
          `${shown.length} findings${wanted ? ` with status ${wanted}` : ''}`,
        ]);
      })();
    });

  group
    .command('validate')
    .description('validate CSAF 2.0 documents (schema and mandatory tests; 2.1: schema and the tests the validator implements)')
    .argument('<path...>', 'CSAF files or folders (every .json below them)')
    .option('--json', 'print one result object per document')
    .action(function (this: Command, paths: string[]) {
      return run(async () => {
        const progress = io.interactive ? (done: number, total: number) => io.stderr(`\rvalidating ${done}/${total}`) : undefined;
        const { results, valid, invalid } = await validateAdvisories(paths, io.cwd, progress);
        if (progress) io.stderr('\n');
        if (this.opts<{ json?: boolean }>().json) {
          printJson(io, results);
        } else {
          const lines: string[] = [];
          for (const result of results) {
            const version = result.version ? `CSAF ${result.version}` : 'not CSAF';
            if (result.valid) {
              lines.push(`valid    ${result.file} (${version})`);
            } else {
              lines.push(`INVALID  ${result.file} (${version})`);
              for (const f of result.failures) lines.push(`  ${f.test.padEnd(9)} ${f.path || '(document)'}${f.line ? ` (line ${f.line})` : ''}: ${f.message}`);
            }
          }
          const limits = [...new Set(results.flatMap((r) => r.limits))];
          lines.push(`${results.length} documents: ${valid} valid, ${invalid} invalid`);
          for (const limit of limits) lines.push(`not checked: ${limit}`);
          printLines(io, lines);
        }
        return invalid > 0 ? ExitCode.INVALID_INPUT : ExitCode.OK;
      })();
    });
}
