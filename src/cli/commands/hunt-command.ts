import { resolve } from 'node:path';
import type { Command } from 'commander';
import { hunt } from '../../app/hunt-service.js';
import { type CliIo, formatTable, printJson, printLines } from '../cli-io.js';
import type { ActionRunner } from '../command-support.js';
import { withApp } from './with-app.js';

export function registerHuntCommand(program: Command, io: CliIo, run: ActionRunner): void {
  program
    .command('hunt')
    .description('run the built-in NetScaler log rules and given Sigma rules over the event store; detections cite file, line and byte offset')
    .option('--rules <path>', 'a Sigma rule file or folder (repeatable)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option('--json', 'print the report as JSON')
    .action(function (this: Command) {
      return run(async () => {
        const o = this.opts<{ rules: string[]; json?: boolean }>();
        const onRule = io.interactive ? (done: number, total: number) => io.stderr(`\rrules: ${done}/${total}`) : undefined;
        const report = await withApp(this, io, (app) => hunt(app, { rules: o.rules.map((p) => resolve(io.cwd, p)), ...(onRule ? { onRule } : {}) }));
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
          `${report.rules.builtin + report.rules.sigma} rules run (${report.rules.builtin} built-in, ${report.rules.sigma} Sigma), ${report.failed.length} failed, ${report.notApplicable.length} not applicable, ${report.errors.length} refused by the engine; ${report.detections} detections (hunt ${report.huntId})`,
        ]);
      })();
    });
}
