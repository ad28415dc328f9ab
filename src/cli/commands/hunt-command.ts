import { resolve } from 'node:path';
import type { Command } from 'commander';
import { hunt } from '../../app/hunt-service.js';
import { type CliIo, formatTable, printJson, printLines } from '../cli-io.js';
import type { ActionRunner } from '../command-support.js';
import { withApp } from './with-app.js';

const repeat = (value: string, previous: string[]) => [...previous, value];

export function registerHuntCommand(program: Command, io: CliIo, run: ActionRunner): void {
  program
    .command('hunt')
    .description('run the built-in NetScaler log rules, the triage rules over collected trees (tarballs, added folders), given Sigma rules and IOC files; detections cite file, line and byte offset')
    .option('--rules <path>', 'a Sigma rule file or folder (repeatable)', repeat, [] as string[])
    .option('--pipeline <file>', 'a Sigma processing pipeline (YAML: field mappings, log sources) applied after the shipped ones (repeatable)', repeat, [] as string[])
    .option('--ioc <file>', 'an IOC file: STIX 2.1 bundle, MISP event JSON or CSV (type,value,confidence,source,valid_until) (repeatable)', repeat, [] as string[])
    .option('--since <time>', 'only events at or after an ISO time (2025-07-15T00:00:00Z), or "last": only events added since the previous hunt')
    .option('--json', 'print the report as JSON')
    .action(function (this: Command) {
      return run(async () => {
        const o = this.opts<{ rules: string[]; pipeline: string[]; ioc: string[]; since?: string; json?: boolean }>();
        const onRule = io.interactive ? (done: number, total: number) => io.stderr(`\rrules: ${done}/${total}`) : undefined;
        const report = await withApp(this, io, (app) => hunt(app, { rules: o.rules.map((p) => resolve(io.cwd, p)), iocs: o.ioc.map((p) => resolve(io.cwd, p)), pipelines: o.pipeline.map((p) => resolve(io.cwd, p)), ...(o.since ? { since: o.since } : {}), ...(onRule ? { onRule } : {}) }));
        if (onRule) io.stderr('\n');
        if (o.json) return printJson(io, report);
        printLines(io, [
          ...formatTable(
            ['RULE', 'VERDICT', 'CONFIDENCE', 'HITS', 'BEFORE FIX', 'AFTER FIX', 'FIRST (UTC)', 'LAST (UTC)', 'TITLE'],
            report.summary.map((r) => [r.ruleId, r.verdict, r.confidence, String(r.hits), String(r.beforeFix), String(r.afterFix), r.first?.slice(0, 19) ?? '-', r.last?.slice(0, 19) ?? '-', r.title]),
          ),
          ...report.failed.map((f) => `failed: ${f.file}: ${f.reason}`),
          ...report.errors.map((e) => `error: ${e.rule}: ${e.reason}`),
          ...report.notApplicable.map((n) => `not applicable: ${n.rule}: ${n.reason}`),
          ...report.iocs.files.flatMap((f) => [`IOC file ${f.file}: ${f.loaded} loaded, ${f.rejected} rejected, ${f.unsupported} unsupported`, ...f.issues.map((i) => `  ${i}`)]),
          ...(report.iocs.matching
            ? [`IOCs: ${report.iocs.matching.matchable} matched against events (${report.iocs.matching.indicatorsHit} with hits), ${report.iocs.matching.fileOnly} file hashes left to the triage sweep`]
            : []),
          ...(report.since ? [report.since.limited ? `since ${report.since.text}: only events in scope were hunted` : `since ${report.since.text}: no earlier hunt, so every event was hunted`] : []),
          ...report.correlations.findings.map((f) => `correlation ${f.correlation}: ${f.type} ${f.count} in ${new Date(f.start).toISOString().slice(0, 19)}…${new Date(f.end).toISOString().slice(11, 19)} for ${JSON.stringify(f.group)}`),
          ...report.correlations.warnings.map((w) => `warning: ${w.rule}: ${w.reason}`),
          ...report.triage.problems.map((p) => `triage: ${p}`),
          `triage: ${report.triage.rules.length} rules over ${report.triage.trees} collected trees (${report.triage.files} files), ${report.triage.findings} findings`,
          ...(report.canaries.registered > 0
            ? [`canaries: ${report.canaries.registered} registered, ${report.canaries.sightings} sighted (${report.canaries.valuesChecked} distinct values and ${report.canaries.linesChecked} evidence lines fingerprinted)`]
            : []),
          `${report.rules.builtin + report.rules.sigma + report.rules.correlations + report.rules.triage} rules run (${report.rules.builtin} built-in log rules, ${report.rules.triage} triage, ${report.rules.sigma} Sigma, ${report.rules.correlations} Sigma correlations), ${report.failed.length} failed, ${report.notApplicable.length} not applicable, ${report.errors.length} refused by the engine; ${report.detections} detections (hunt ${report.huntId})`,
        ]);
      })();
    });
}
