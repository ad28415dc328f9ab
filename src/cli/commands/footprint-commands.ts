import type { Command } from 'commander';
import { decideEntity, footprint, timeline } from '../../app/footprint-service.js';
import { ENTITY_KINDS } from '../../detection/footprint.js';
import { timelineCsv } from '../../timeline/timeline.js';
import { type CliIo, formatTable, printJson, printLines } from '../cli-io.js';
import type { ActionRunner } from '../command-support.js';
import { withApp } from './with-app.js';

export function registerFootprintCommands(program: Command, io: CliIo, run: ActionRunner): void {
  const group = program
    .command('footprint')
    .description('the attacker footprint from the hunts: addresses, sessions, accounts, user agents and shell processes with first and last seen')
    .option('--json', 'print the footprint as JSON')
    .action(function (this: Command) {
      return run(async () => {
        const print = await withApp(this, io, (app) => footprint(app));
        if (this.opts<{ json?: boolean }>().json) return printJson(io, print);
        const rows = (list: typeof print.entities) => list.map((e) => [e.kind, e.value, e.via, e.rules.join(' ') || '-', e.first?.slice(0, 19) ?? '-', e.last?.slice(0, 19) ?? '-', String(e.events)]);
        printLines(io, [
          ...formatTable(['KIND', 'VALUE', 'VIA', 'RULES', 'FIRST (UTC)', 'LAST (UTC)', 'EVENTS'], rows(print.entities)),
          ...(print.excluded.length > 0 ? ['', 'excluded by an analyst:', ...print.excluded.map((e) => `  ${e.kind} ${e.value}: ${e.decision?.reason ?? ''} (${e.decision?.actor ?? ''}, ${e.decision?.at ?? ''})`)] : []),
          `${print.entities.length} entities in the footprint, ${print.excluded.length} excluded`,
        ]);
      })();
    });
  for (const [name, decision] of [
    ['confirm', 'confirmed'],
    ['exclude', 'excluded'],
  ] as const) {
    group
      .command(name)
      .description(name === 'confirm' ? 'put an entity in the footprint (audited)' : 'take an entity out of the footprint, e.g. a partner\'s scanner (audited)')
      .argument('<kind>', ENTITY_KINDS.join(', '))
      .argument('<value>', 'the address, session id, account or user agent')
      .requiredOption('--reason <text>', 'why: kept in the audit log')
      .action(function (this: Command, kind: string, value: string) {
        return run(async () => {
          const d = await withApp(this, io, (app) => decideEntity(app, { kind, value, decision, reason: this.opts<{ reason: string }>().reason }));
          printLines(io, [`${d.kind} ${d.value}: ${d.decision} by ${d.actor} at ${d.at}`]);
        })();
      });
  }
  program
    .command('timeline')
    .description('detections, footprint sessions (spans), configuration changes and patch installs in time order (UTC)')
    .option('--json', 'print the timeline as JSON')
    .option('--csv', 'print Timesketch-compatible CSV (message, datetime, timestamp, timestamp_desc, fields)')
    .action(function (this: Command) {
      return run(async () => {
        const o = this.opts<{ json?: boolean; csv?: boolean }>();
        const entries = await withApp(this, io, (app) => timeline(app));
        if (o.json) return printJson(io, entries);
        if (o.csv) return io.stdout(timelineCsv(entries));
        printLines(io, [
          ...entries.map((e) => `${e.datetime.slice(0, 19)}${e.end ? `…${e.end.slice(11, 19)}` : ''}  ${e.timestamp_desc.padEnd(20)} ${e.fix_relation ? `${e.fix_relation.padEnd(9)} ` : ''}${e.message.slice(0, 160)}`),
          `${entries.length} entries`,
        ]);
      })();
    });
}
