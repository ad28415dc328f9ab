import type { Command } from 'commander';
import { type ClocksReport, clocks, recordAwareness, recordSubmission } from '../../app/clock-service.js';
import { type CliIo, formatTable, printJson, printLines } from '../cli-io.js';
import type { ActionRunner } from '../command-support.js';
import { withApp } from './with-app.js';

export function registerClockCommands(program: Command, io: CliIo, run: ActionRunner): void {
  const group = program
    .command('clocks')
    .description('GDPR art. 33 and NIS2 art. 23 deadlines: start, deadline and status, from the recorded awareness and submissions')
    .option('--json', 'print as JSON')
    .action(function (this: Command) {
      return run(async () => {
        const report = await withApp(this, io, (app) => clocks(app));
        if (this.opts<{ json?: boolean }>().json) return printJson(io, report);
        printLines(io, clockLines(report));
      })();
    });
  group
    .command('aware')
    .description('record when the organisation became aware of the breach (audited; starts every clock; the latest record holds)')
    .requiredOption('--at <time>', 'when (a date-time with a zone)')
    .requiredOption('--reason <text>', 'how: the notification or detection that made it known')
    .action(function (this: Command) {
      return run(async () => {
        const o = this.opts<{ at: string; reason: string }>();
        const a = await withApp(this, io, (app) => recordAwareness(app, o));
        printLines(io, [`aware since ${a.at}: ${a.reason}`]);
      })();
    });
  group
    .command('submitted')
    .description('record a notification sent to a regulator (audited)')
    .argument('<regime>', 'gdpr or nis2')
    .argument('<obligation>', 'gdpr: art33-notification; nis2: early-warning, incident-notification, final-report')
    .requiredOption('--at <time>', 'when it was sent')
    .requiredOption('--reference <text>', "the regulator's case number or the message sent")
    .action(function (this: Command, regime: string, obligation: string) {
      return run(async () => {
        const o = this.opts<{ at: string; reference: string }>();
        const s = await withApp(this, io, (app) => recordSubmission(app, { regime, obligation, ...o }));
        printLines(io, [`${s.regime} ${s.obligation} submitted at ${s.at} (${s.reference})`]);
      })();
    });
}

const STATUS_TEXT = { open: 'open', overdue: 'OVERDUE', met: 'met', late: 'LATE', 'not-started': 'not started' } as const;

export function clockLines(report: ClocksReport): string[] {
  if (report.clocks.length === 0) return ['no clock runs: no personal data is at risk and NIS2 does not apply (regulation.nis2: false)'];
  return [
    report.awareness ? `Aware since ${report.awareness.at.slice(0, 16)} UTC: ${report.awareness.reason}` : 'Awareness not recorded: `weerbaar clocks aware --at T --reason TEXT` starts the clocks',
    ...formatTable(
      ['ARTICLE', 'OBLIGATION', 'START (UTC)', 'DEADLINE (UTC)', 'STATUS', 'SUBMITTED'],
      report.clocks.map((c) => [
        c.article,
        c.obligation,
        c.start?.slice(0, 16) ?? '-',
        c.deadline ? `${c.deadline.slice(0, 16)}${c.provisional ? ' (provisional)' : ''}` : '-',
        `${STATUS_TEXT[c.status]}${c.hoursLeft !== null && c.status === 'open' ? ` (${c.hoursLeft} h left)` : ''}`,
        c.submitted ? `${c.submitted.at.slice(0, 16)} ${c.submitted.reference}` : '-',
      ]),
    ),
    ...report.clocks.filter((c) => c.regime === 'gdpr').map((c) => `  ${c.article}: ${c.basis}`),
  ];
}
