import type { Command } from 'commander';
import { exposureRecords } from '../../app/exposure-service.js';
import { csvCell } from '../../shared/csv-records.js';
import { type CliIo, formatTable, printJson, printLines } from '../cli-io.js';
import type { ActionRunner } from '../command-support.js';
import { withApp } from './with-app.js';

const CSV_COLUMNS = ['category', 'system', 'record_type', 'record_id', 'first', 'last', 'actions', 'bytes', 'via', 'events', 'file', 'line'] as const;

export function registerExposureCommands(program: Command, io: CliIo, run: ActionRunner): void {
  const group = program.command('exposure').description('which sensitive records the attacker touched (the footprint against the data-access audit)');
  group
    .command('records')
    .description('the records the footprint touched: category, system, record id, first/last access, actions, bytes, via which entity (record ids only, never content)')
    .option('--json', 'print as JSON')
    .option('--csv', 'print as CSV')
    .action(function (this: Command) {
      return run(async () => {
        const o = this.opts<{ json?: boolean; csv?: boolean }>();
        const records = await withApp(this, io, (app) => exposureRecords(app));
        if (o.json) return printJson(io, records);
        if (o.csv) {
          const rows = records.map((r) => [r.category, r.system, r.recordType, r.recordId, r.first, r.last, r.actions.join(' '), r.bytes, r.via, r.events, r.file, r.line].map(csvCell).join(','));
          return io.stdout([CSV_COLUMNS.join(','), ...rows].join('\n') + '\n');
        }
        printLines(io, [
          ...formatTable(
            ['CATEGORY', 'SYSTEM', 'RECORD', 'FIRST (UTC)', 'LAST (UTC)', 'ACTIONS', 'BYTES', 'VIA'],
            records.map((r) => [r.category ?? '(none)', r.system, r.recordId, r.first.slice(0, 19), r.last.slice(0, 19), r.actions.join(' '), String(r.bytes), r.via]),
          ),
          `${records.length} records touched in ${new Set(records.map((r) => r.category)).size} categories`,
        ]);
      })();
    });
}
