import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { AuditLogging, CategorySelector } from '../../inventory/inventory-model.js';
import { importInventoryFiles, inventory, inventoryItem } from '../../app/inventory-service.js';
import type { EntityKind } from '../../inventory/inventory-model.js';
import { type CliIo, formatTable, printJson, printLines } from '../cli-io.js';
import { type ActionRunner, choice } from '../command-support.js';
import { UsageError } from '../../shared/errors.js';
import { findingsLine } from './advisory-commands.js';
import { withApp } from './with-app.js';

const CSV_KINDS: Record<string, EntityKind> = {
  assets: 'asset',
  'data-categories': 'data_category',
  partners: 'partner',
  interfaces: 'interface',
};

export function registerInventoryCommands(program: Command, io: CliIo, run: ActionRunner): void {
  const group = program.command('inventory').description('assets, data categories, partners and interfaces');

  group
    .command('import')
    .description('import inventory files (YAML, JSON, CSV, CycloneDX 1.5/1.6 JSON) as one transaction')
    .argument('<file...>', 'files to import; all or nothing')
    .option('--kind <kind>', `what CSV files hold when their name does not say: ${Object.keys(CSV_KINDS).join(', ')}`)
    .option('--as-of <time>', 'the moment the files describe (ISO 8601), recorded as when new versions were seen running (default: a BOM\'s timestamp, else now)')
    .option('--json', 'print the result as JSON')
    .action(function (this: Command, files: string[]) {
      return run(async () => {
        const options = this.opts<{ kind?: string; asOf?: string; json?: boolean }>();
        const csvKind = options.kind ? CSV_KINDS[choice(options.kind, Object.keys(CSV_KINDS), '--kind')] : undefined;
        if (options.asOf !== undefined && Number.isNaN(Date.parse(options.asOf))) throw new UsageError('--as-of must be an ISO 8601 time such as 2025-06-01T00:00:00Z');
        const asOf = options.asOf !== undefined ? new Date(options.asOf).toISOString() : undefined;
        const result = await withApp(this, io, (app) =>
          importInventoryFiles(
            app,
            files.map((f) => resolve(io.cwd, f)),
            { ...(csvKind ? { csvKind } : {}), ...(asOf ? { asOf } : {}) },
          ),
        );
        if (options.json) return printJson(io, result);
        const lines = result.files.map((f) => `read ${f.file} (${f.format}, ${f.items} records, sha256 ${f.sha256.slice(0, 16)}…)`);
        lines.push(`imported: ${result.created} created, ${result.updated} updated, ${result.unchanged} unchanged`);
        for (const change of result.changes.filter((c) => c.action === 'updated')) {
          const fields = Object.entries(change.changes).map(([field, c]) => `${field}: ${show(c.from)} → ${show(c.to)}`);
          lines.push(`  updated ${change.kind} ${change.id}: ${fields.join('; ')}`);
        }
        if (result.findings) lines.push(findingsLine(result.findings));
        printLines(io, lines);
      })();
    });

  group
    .command('list')
    .description('list the assets')
    .option('--json', 'print a JSON array of assets with all their fields')
    .action(function (this: Command) {
      return run(async () => {
        const inv = await withApp(this, io, inventory);
        if (this.opts<{ json?: boolean }>().json) return printJson(io, inv.assets);
        const rows = inv.assets.map((a) => [
          a.id,
          a.kind,
          [a.vendor, a.product, a.version].filter(Boolean).join(' '),
          a.internet_facing ? 'yes' : 'no',
          a.criticality,
          a.data_categories.join(','),
        ]);
        printLines(io, formatTable(['ID', 'KIND', 'PRODUCT', 'INTERNET', 'CRITICALITY', 'DATA'], rows));
        printLines(io, [
          `${inv.assets.length} assets, ${inv.data_categories.length} data categories, ${inv.partners.length} partners, ${inv.interfaces.length} interfaces`,
        ]);
      })();
    });

  group
    .command('show')
    .description('show one asset, data category, partner or interface')
    .argument('<id>', 'its id')
    .option('--json', 'print as JSON')
    .action(function (this: Command, id: string) {
      return run(async () => {
        const item = await withApp(this, io, (app) => inventoryItem(app, id));
        if (this.opts<{ json?: boolean }>().json) return printJson(io, item);
        const lines = [`${item.kind.replace('_', ' ')} ${item.value.id}`];
        for (const [field, value] of Object.entries(item.value)) if (field !== 'id') lines.push(`  ${field.padEnd(16)}${showField(field, value)}`);
        if (item.kind === 'asset') {
          lines.push(`  ${'needed by'.padEnd(16)}${show(item.dependents)}`);
          lines.push(`  ${'interfaces'.padEnd(16)}${show(item.interfaces.map((i) => `${i.id} (${i.direction} ${i.partner})`))}`);
        } else if (item.kind === 'data_category') {
          lines.push(`  ${'held by'.padEnd(16)}${show(item.held_by)}`);
        } else if (item.kind === 'partner') {
          lines.push(`  ${'interfaces'.padEnd(16)}${show(item.interfaces.map((i) => `${i.id} (${i.direction} ${i.asset})`))}`);
        }
        printLines(io, lines);
      })();
    });
}

/** Exposure facts read as sentences; everything else as its value. */
function showField(field: string, value: unknown): string {
  if (field === 'selectors' && Array.isArray(value) && value.length > 0) {
    return (value as CategorySelector[])
      .map((s) => {
        const limits = [
          s.record_types.length ? `record types ${s.record_types.join('/')}` : '',
          s.path_prefixes.length ? `paths ${s.path_prefixes.join('/')}` : '',
          s.record_ids.length ? `${s.record_ids.length} listed records` : '',
          s.tags.length ? `tags ${s.tags.join('/')}` : '',
        ].filter(Boolean);
        return `${s.system}${limits.length ? ` (${limits.join(', ')})` : ' (every audited access)'}`;
      })
      .join('; ');
  }
  if (field === 'audit_logging' && value !== null && typeof value === 'object') {
    const a = value as AuditLogging;
    return [
      `${a.granularity === 'none' ? 'no access audit' : `per ${a.granularity}`}`,
      a.enabled_since ? `since ${a.enabled_since.slice(0, 10)}` : '',
      a.retention_days ? `kept ${a.retention_days} days` : '',
      a.limits ?? '',
    ]
      .filter(Boolean)
      .join(', ');
  }
  return show(value);
}

function show(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ');
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
