import { CsvError, parse } from 'csv-parse/sync';
import type { InputProblem } from './errors.js';

/**
 * Reads an RFC 4180 CSV file with a header row into records keyed by normalised column names
 * (lower case, spaces and dashes as `_`), each with the line it starts on. csv-parse reports the
 * line a record ends on; a quoted cell may span lines, and users look for the line a record
 * starts on: one after the previous record, past any skipped empty lines.
 */
export function readCsvRecords(file: string, text: string, problems: InputProblem[]): { record: Record<string, string>; line: number }[] {
  type Info = { lines: number; empty_lines: number };
  let records: { record: Record<string, string>; info: Info }[];
  try {
    records = parse(text, {
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase().replace(/[\s-]+/g, '_')),
      info: true,
      skip_empty_lines: true,
      trim: true,
      bom: true,
    }) as { record: Record<string, string>; info: Info }[];
  } catch (error) {
    const line = error instanceof CsvError ? (error as CsvError & { lines?: number }).lines : undefined;
    problems.push({ location: { file, line }, reason: `CSV syntax: ${(error as Error).message.replace(/^Invalid [^:]*: /, '')}` });
    return [];
  }
  if (records.length === 0) {
    problems.push({ location: { file, line: 1 }, reason: 'the CSV file has no data rows' });
    return [];
  }
  let previousEnd = 1;
  let previousEmpty = 0;
  return records.map(({ record, info }) => {
    const line = previousEnd + 1 + (info.empty_lines - previousEmpty);
    previousEnd = info.lines;
    previousEmpty = info.empty_lines;
    return { record, line };
  });
}

/**
 * One CSV cell (RFC 4180 quoting). Cells a spreadsheet would read as a formula (leading = + - @,
 * tab, CR) get a `'` prefix: exported text comes from logs and is attacker-controlled.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let cell = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(cell)) cell = `'${cell}`;
  return /[",\n\r]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}
