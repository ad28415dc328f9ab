import type { Command } from 'commander';
import type { AppContext } from '../../app/app-context.js';
import { addCanaries, canaryKeyLocation, importCanaries, listCanaries } from '../../app/canary-service.js';
import { readTextFile } from '../../shared/text-input.js';
import { UsageError } from '../../shared/errors.js';
import { type CliIo, formatTable, printJson, printLines } from '../cli-io.js';
import type { ActionRunner } from '../command-support.js';
import { withApp } from './with-app.js';

export function registerCanaryCommands(program: Command, io: CliIo, run: ActionRunner): void {
  const group = program.command('canary').description('tripwires for dormant misuse: honey records and canary values (kept only as keyed fingerprints); every hunt looks for them');
  group
    .command('add')
    .description('register one canary (audited; the value is never stored or logged, only its keyed fingerprint)')
    .argument('<kind>', 'honey-record, url, dns, email, credential, address, phone, name or text')
    .requiredOption('--label <text>', 'how detections name it (must not repeat the value)')
    .option('--value <text>', 'the value (for a honey record SYSTEM:RECORD_ID); prefer --value-file, which keeps it out of shell history')
    .option('--value-file <path>', 'read the value from a file (trimmed)')
    .option('--category <id>', 'the data category it sits in')
    .option('--placed-at <time>', 'when it was planted (default: now)')
    .action(function (this: Command, kind: string) {
      return run(async () => {
        const o = this.opts<{ label: string; value?: string; valueFile?: string; category?: string; placedAt?: string }>();
        if ((o.value === undefined) === (o.valueFile === undefined)) throw new UsageError('give the value with exactly one of --value or --value-file');
        const value = o.value ?? (await readTextFile(o.valueFile!, 64 * 1024)).trim();
        const [c] = await withApp(this, io, async (app) => {
          warnKeyLocation(io, app);
          return addCanaries(app, [{ kind, label: o.label, value, category: o.category ?? null, ...(o.placedAt ? { placedAt: o.placedAt } : {}) }]);
        });
        printLines(io, [`canary ${c!.id}: ${c!.kind} "${c!.label}"${c!.category ? ` in ${c!.category}` : ''}, placed ${c!.placedAt}`]);
      })();
    });
  group
    .command('import')
    .description('register canaries from a CSV (kind, category, label, value, placed_at); any bad row rejects the file, with its line')
    .argument('<file>')
    .action(function (this: Command, file: string) {
      return run(async () => {
        const added = await withApp(this, io, async (app) => {
          warnKeyLocation(io, app);
          return importCanaries(app, file);
        });
        printLines(io, [`${added.length} canaries registered from ${file}`]);
      })();
    });
  group
    .command('list')
    .description('the registered canaries: kind, label, category, where (honey records), placed; never values')
    .option('--json', 'print as JSON')
    .action(function (this: Command) {
      return run(async () => {
        const list = await withApp(this, io, (app) => listCanaries(app));
        if (this.opts<{ json?: boolean }>().json) return printJson(io, list);
        printLines(io, [
          ...formatTable(
            ['KIND', 'LABEL', 'CATEGORY', 'WHERE', 'PLACED (UTC)'],
            list.map((c) => [c.kind, c.label, c.category ?? '-', c.system ? `${c.system} ${c.recordId}` : 'fingerprint', c.placedAt.slice(0, 16)]),
          ),
          `${list.length} canaries`,
        ]);
      })();
    });
}

/** The key beside the fingerprints defeats them for whoever copies the workspace: say so every time. */
function warnKeyLocation(io: CliIo, app: AppContext): void {
  const { path, inWorkspace } = canaryKeyLocation(app);
  if (inWorkspace) io.stderr(`note: the canary key ${path} is inside the workspace; set canaries.key_file to a path off its disk (docs/configuration.md)\n`);
}
