import type { Command } from 'commander';
import { type ExposureReport, chooseExposureWindow, exposedAccounts, exposureRecords, exposureReport, importExposedAccounts } from '../../app/exposure-service.js';
import { excludedByChoice } from '../../exposure/assessment-window.js';
import type { Reason } from '../../exposure/audit-coverage.js';
import { csvCell } from '../../shared/csv-records.js';
import { type CliIo, formatTable, printJson, printLines } from '../cli-io.js';
import type { ActionRunner } from '../command-support.js';
import { withApp } from './with-app.js';

const CSV_COLUMNS = ['category', 'system', 'record_type', 'record_id', 'first', 'last', 'actions', 'bytes', 'via', 'attribution', 'events', 'file', 'line'] as const;
const VERDICT_TEXT = { shown: 'shown', 'ruled-out': 'ruled out within coverage', undeterminable: 'undeterminable' } as const;

export function registerExposureCommands(program: Command, io: CliIo, run: ActionRunner): void {
  const group = program
    .command('exposure')
    .description('per data category: shown, ruled out within coverage or undeterminable (with the reasons), the records touched and the coverage facts')
    .option('--json', 'print as JSON')
    .action(function (this: Command) {
      return run(async () => {
        const report = await withApp(this, io, (app) => exposureReport(app));
        if (this.opts<{ json?: boolean }>().json) return printJson(io, report);
        printLines(io, exposureLines(report));
      })();
    });
  group
    .command('records')
    .description('the records the footprint touched: category, system, record id, first/last access, actions, bytes, via which entity (record ids only, never content)')
    .option('--json', 'print as JSON')
    .option('--csv', 'print as CSV')
    .action(function (this: Command) {
      return run(async () => {
        // `--json` after `records` may land on the parent command, which has the same option.
        const o = this.optsWithGlobals<{ json?: boolean; csv?: boolean }>();
        const records = await withApp(this, io, (app) => exposureRecords(app));
        if (o.json) return printJson(io, records);
        if (o.csv) {
          const rows = records.map((r) => [r.category, r.system, r.recordType, r.recordId, r.first, r.last, r.actions.join(' '), r.bytes, r.via, r.attribution, r.events, r.file, r.line].map(csvCell).join(','));
          return io.stdout([CSV_COLUMNS.join(','), ...rows].join('\n') + '\n');
        }
        printLines(io, [
          ...formatTable(
            ['CATEGORY', 'SYSTEM', 'RECORD', 'FIRST (UTC)', 'LAST (UTC)', 'ACTIONS', 'BYTES', 'VIA', 'ATTRIBUTION'],
            records.map((r) => [r.category ?? '(none)', r.system, r.recordId, r.first.slice(0, 19), r.last.slice(0, 19), r.actions.join(' '), String(r.bytes), r.via, r.attribution]),
          ),
          `${records.filter((r) => r.attribution === 'footprint').length} records touched in ${new Set(records.filter((r) => r.attribution === 'footprint').map((r) => r.category)).size} categories; ` +
            `${records.filter((r) => r.attribution === 'ambiguous').length} ambiguous (through a hijacked session's address, in the owner's browser); ` +
            `${records.filter((r) => r.attribution === 'exposed-account').length} by accounts with exposed credentials`,
        ]);
      })();
    });
  group
    .command('accounts')
    .description('accounts whose credentials were exposed (an input list): their accesses from then on are listed as exposed-account and keep verdicts open')
    .option('--import <file>', 'add accounts from a CSV (account, exposed_since, reason); any bad row rejects the file')
    .option('--json', 'print as JSON')
    .action(function (this: Command) {
      return run(async () => {
        const o = this.optsWithGlobals<{ import?: string; json?: boolean }>();
        const list = await withApp(this, io, async (app) => {
          if (o.import) await importExposedAccounts(app, o.import);
          return exposedAccounts(app);
        });
        if (o.json) return printJson(io, list);
        printLines(io, [...formatTable(['ACCOUNT', 'EXPOSED SINCE (UTC)', 'REASON'], list.map((a) => [a.account, a.since.slice(0, 16), a.reason])), `${list.length} accounts with exposed credentials`]);
      })();
    });
  group
    .command('window')
    .description('choose the window every exposure verdict must cover, with a reason (audited; the latest choice holds)')
    .requiredOption('--start <time>', 'from when (a date, or a date-time with a zone)')
    .option('--end <time>', 'until when (default: derived from the findings and the footprint)')
    .requiredOption('--reason <text>', 'why this window: kept in the audit log and printed with every verdict')
    .action(function (this: Command) {
      return run(async () => {
        const o = this.opts<{ start: string; end?: string; reason: string }>();
        const c = await withApp(this, io, (app) => chooseExposureWindow(app, { start: o.start, end: o.end ?? null, reason: o.reason }));
        printLines(io, [`exposure window from ${c.start} to ${c.end ?? '(derived end)'}, chosen by ${c.actor} at ${c.at}: ${c.reason}`]);
      })();
    });
}

/** The verdict table with the window and the reasons; the demo prints it too. */
export function exposureLines(report: ExposureReport): string[] {
  const { window } = report;
  if (!window) return ['no exposure window: no finding has a vulnerable period and the footprint is empty (import advisories and hunt first)'];
  const lines = [
    `Window: ${window.startIsLowerBound ? '≤ ' : ''}${window.start.slice(0, 16)} → ${window.end.slice(0, 16)} UTC${window.open ? ' (still open)' : ''}${window.choice ? ` — chosen by ${window.choice.actor}: ${window.choice.reason}` : ' (derived from the findings and the footprint)'}`,
  ];
  const left = excludedByChoice(window);
  if (left.before) lines.push(`  derived window opens ${window.derived.startIsLowerBound ? 'at the latest ' : ''}${window.derived.start.slice(0, 10)}: before ${left.before.slice(0, 16)} nothing is judged here (undeterminable)`);
  if (left.after) lines.push(`  derived window closes ${window.derived.end.slice(0, 16)}: after ${left.after.slice(0, 16)} nothing is judged here`);
  lines.push(
    ...formatTable(
      ['CATEGORY', 'SENSITIVITY', 'VERDICT', 'EXTENT', 'RECORDS', 'ACCESSES', 'FIRST (UTC)', 'LAST (UTC)'],
      report.categories.map((c) => [c.category, c.sensitivity, VERDICT_TEXT[c.verdict], c.extent ?? '-', String(c.recordsTouched), String(c.accesses), c.firstAccess?.slice(0, 19) ?? '-', c.lastAccess?.slice(0, 19) ?? '-']),
    ),
  );
  if (report.transfers.length > 0) {
    lines.push('Possible exfiltration (flow logs carry no content: possible, never shown):');
    for (const t of report.transfers) {
      lines.push(`  ${t.time.slice(0, 19)}  ${t.source} → ${t.destination}${t.port === null ? '' : `:${t.port}`}  ${(t.bytesOut / 1_000_000).toFixed(1)} MB out  via ${t.via} (${t.attribution})${t.categories.length ? `  after reading ${t.categories.join(', ')}` : ''}`);
      for (const r of t.reasons) lines.push(`    ${r}`);
      if (t.corroboration) lines.push(`    ${t.corroboration}`);
      lines.push(`    evidence: ${t.file}:${t.line}${t.url ? `  ${t.url}` : ''}`);
    }
  }
  for (const c of report.categories) {
    if (c.reasons.length === 0) continue;
    lines.push(`  ${c.category} — ${c.verdict === 'shown' ? 'extent undeterminable' : 'undeterminable'}:`);
    lines.push(...groupedReasons(c.reasons).map((r) => `    ${r}`));
    const reached = c.systems.filter((s) => s.reached !== null);
    if (reached.length > 0) lines.push(`    reached by the footprint (gateway connections): ${reached.map((s) => `${s.system} ${s.reached!.connections}× (${(s.reached!.bytesFromSystem / 1_000_000).toFixed(1)} MB back)`).join(', ')}`);
  }
  return lines;
}

/** Reasons that say the same of several systems are printed once, with the systems listed. */
function groupedReasons(reasons: readonly Reason[]): string[] {
  const groups = new Map<string, { code: string; systems: string[]; text: string }>();
  for (const r of reasons) {
    const prefix = r.system === null ? '' : `${r.system}: `;
    const text = r.text.startsWith(prefix) ? r.text.slice(prefix.length) : r.text;
    const key = `${r.code}\u0000${text}`;
    const group = groups.get(key) ?? { code: r.code, systems: [], text };
    if (r.system !== null) group.systems.push(r.system);
    groups.set(key, group);
  }
  return [...groups.values()].map((g) => `${g.code}: ${g.systems.length > 0 ? `${g.systems.join(', ')}: ` : ''}${g.text}`);
}
