import { basename } from 'node:path';
import { readCsvRecords } from '../shared/csv-records.js';
import type { InputProblem } from '../shared/errors.js';
import type { StructuredSource } from '../shared/structured-source.js';
import { validateAt } from '../shared/validation.js';
import { type EntityKind, type InventoryBatch, SECTIONS } from './inventory-model.js';

/**
 * Reads one CSV file of one entity kind (RFC 4180, header row with the field names). The kind comes
 * from `--kind` or from the file name (`assets.csv`, `data-categories.csv`, `partners.csv`,
 * `interfaces.csv`). List cells are split on `;`; booleans accept yes/no/true/false/1/0; partner
 * contacts are written `Name <email>; Name <email>`.
 */

const LIST_FIELDS = new Set(['data_categories', 'depends_on', 'model_numbers', 'skus', 'hashes', 'addresses']);

export function csvKindFromFileName(file: string): EntityKind | undefined {
  const name = basename(file).toLowerCase();
  if (/categor/.test(name)) return 'data_category';
  if (/interface/.test(name)) return 'interface';
  if (/partner/.test(name)) return 'partner';
  if (/asset/.test(name)) return 'asset';
  return undefined;
}

export function readInventoryCsv(file: string, text: string, kind: EntityKind, batch: InventoryBatch, problems: InputProblem[]): void {
  const section = SECTIONS.find((s) => s.kind === kind);
  if (!section) throw new TypeError(`unknown entity kind ${kind}`);
  for (const { record, line } of readCsvRecords(file, text, problems)) {
    const item = csvRecordToItem(record, kind);
    const lineSource: StructuredSource = { file, value: item, lineOf: () => line };
    const result = validateAt(section.schema, lineSource, [], item);
    if (!result.ok) {
      problems.push(...result.problems.map((p) => ({ ...p, location: { ...p.location, line } })));
      continue;
    }
    (batch[section.key] as { value: unknown; location: { file: string; line: number } }[]).push({ value: result.value, location: { file, line } });
  }
}

function csvRecordToItem(record: Record<string, string>, kind: EntityKind): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  for (const [column, cell] of Object.entries(record)) {
    if (LIST_FIELDS.has(column)) {
      item[column] = splitList(cell);
    } else if (kind === 'partner' && column === 'contacts') {
      item[column] = splitList(cell).map(parseContact);
    } else if (cell !== '') {
      item[column] = cell;
    }
  }
  return item;
}

function splitList(cell: string): string[] {
  return cell
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

function parseContact(text: string): Record<string, string> {
  const match = /^(.*?)\s*<([^>]*)>\s*$/.exec(text);
  if (!match) return { name: text };
  return { name: match[1] ?? '', email: match[2] ?? '' };
}
