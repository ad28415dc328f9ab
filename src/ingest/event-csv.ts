import { ECS_NUMBER_FIELDS, ECS_STRING_FIELDS, type EcsValues } from '../store/event-schema.js';
import { lineEncoding } from './line-splitter.js';
import type { LogEvent, ParseFailure } from './log-event.js';

/**
 * Encodes events and failures as rows of the event store's bulk-load CSV (columns in the order of
 * event-schema.ts minus `event.id`; empty = NULL; epoch ms for timestamps). Hand-written because
 * this is the hottest loop of ingest and the format is fixed: a field is quoted only when it holds
 * a quote, comma, CR or LF, which most values do not.
 */

export interface Custody {
  readonly evidenceSha256: string;
  readonly path: string;
  /** `--host` given at `evidence add`: the host of events whose log names none. */
  readonly host?: string | null;
}

function field(value: string): string {
  if (value === '') return '""';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22 || c === 0x2c || c === 0x0a || c === 0x0d) return `"${value.replaceAll('"', '""')}"`;
  }
  return value;
}

function integer(value: number | undefined | null): string {
  return value === undefined || value === null || !Number.isFinite(value) ? '' : String(Math.trunc(value));
}

export function eventRow(event: LogEvent, custody: Custody): string {
  const ecs: EcsValues = event.ecs;
  let row = `${integer(event.timestamp)},${event.timeQuality},${field(event.dataset)},${custody.evidenceSha256},${field(custody.path)},${event.line},${event.offset}`;
  for (const name of ECS_STRING_FIELDS) {
    const value = name === 'host.name' ? (ecs[name] ?? custody.host ?? undefined) : ecs[name];
    row += value === undefined ? ',' : `,${field(value)}`;
  }
  for (const name of ECS_NUMBER_FIELDS) row += `,${integer(ecs[name])}`;
  row += `,${field(JSON.stringify(event.fields))},${field(event.message)},${lineEncoding(event.raw)}\n`;
  return row;
}

export function failureRow(failure: ParseFailure, dataset: string, custody: Custody, message: string): string {
  return `${custody.evidenceSha256},${field(custody.path)},${field(dataset)},${failure.line},${failure.offset},${field(failure.reason)},${field(message)},${lineEncoding(failure.raw)}\n`;
}
