import { ECS_NUMBER_FIELDS, ECS_STRING_FIELDS, type EcsValues } from '../store/event-schema.js';
import { lineEncoding } from './line-splitter.js';
import type { LogEvent, ParseFailure } from './log-event.js';
import { BULK_DELIMITER as D, BULK_QUOTE as QUOTE } from '../store/event-schema.js';

/**
 * Encodes events and failures as rows of the event store's bulk-load format (columns in the order
 * of event-schema.ts minus `event.id`; empty = NULL; epoch ms for timestamps). Hand-written because
 * this is the hottest loop of ingest. The separator is ASCII unit separator (0x1F) and the quote
 * record separator (0x1E) — the format the store's loader reads (BULK_DELIMITER, BULK_QUOTE) — so
 * that commas and double quotes, which fill log lines and JSON, need no quoting or doubling: a field
 * is quoted only when it holds a newline or one of those two control characters.
 */

export interface Custody {
  readonly evidenceSha256: string;
  readonly path: string;
  /** `--host` given at `evidence add`: the host of events whose log names none. */
  readonly host?: string | null;
}

// The control characters are the point: they are the bulk format's separator and quote.
// eslint-disable-next-line no-control-regex
const NEEDS_QUOTES = /[\x1e\x1f\n\r]/;

function field(value: string): string {
  if (value === '') return QUOTE + QUOTE;
  return NEEDS_QUOTES.test(value) ? `${QUOTE}${value.replaceAll(QUOTE, QUOTE + QUOTE)}${QUOTE}` : value;
}

function integer(value: number | undefined | null): string {
  return value === undefined || value === null || !Number.isFinite(value) ? '' : String(Math.trunc(value));
}

/**
 * Position of each ECS column in the row, after the five time and position columns (the evidence
 * hash and path are the same for a whole batch: the store fills them, BATCH_CONSTANT_COLUMNS).
 */
const HEAD = 5;
const ECS_POSITION = new Map<string, { index: number; numeric: boolean }>([
  ...ECS_STRING_FIELDS.map((name, i): [string, { index: number; numeric: boolean }] => [name, { index: HEAD + i, numeric: false }]),
  ...ECS_NUMBER_FIELDS.map((name, i): [string, { index: number; numeric: boolean }] => [name, { index: HEAD + ECS_STRING_FIELDS.length + i, numeric: true }]),
]);
const HOST_INDEX = ECS_POSITION.get('host.name')!.index;
const TAIL = HEAD + ECS_STRING_FIELDS.length + ECS_NUMBER_FIELDS.length;
/** An empty row template, copied per event: the few ECS values an event has are set by position. */
const EMPTY_ROW: readonly string[] = Array.from({ length: TAIL + 3 }, () => '');

export function eventRow(event: LogEvent, custody: Custody): string {
  const cells = EMPTY_ROW.slice();
  cells[0] = integer(event.timestamp);
  cells[1] = event.timeQuality;
  cells[2] = field(event.dataset);
  cells[3] = String(event.line);
  cells[4] = String(event.offset);
  const ecs: EcsValues = event.ecs;
  // Walk the event's own (few) values, not every column.
  for (const name in ecs) {
    const value = ecs[name as keyof EcsValues];
    const position = ECS_POSITION.get(name);
    if (value === undefined || !position) continue;
    cells[position.index] = position.numeric ? integer(value as number) : field(value as string);
  }
  if (ecs['host.name'] === undefined && custody.host) cells[HOST_INDEX] = field(custody.host);
  cells[TAIL] = field(JSON.stringify(event.fields));
  cells[TAIL + 1] = field(event.message);
  cells[TAIL + 2] = lineEncoding(event.raw);
  return `${cells.join(D)}\n`;
}

export function failureRow(failure: ParseFailure, dataset: string, message: string): string {
  return `${field(dataset)}${D}${failure.line}${D}${failure.offset}${D}${field(failure.reason)}${D}${field(message)}${D}${lineEncoding(failure.raw)}\n`;
}
