import type { EcsValues } from '../store/event-schema.js';

/**
 * The contract between a log parser and the ingest pipeline. The pipeline splits a file into
 * physical lines (bytes, line number, byte offset), decodes each line without replacing anything
 * (UTF-8 when the bytes are valid UTF-8, otherwise Latin-1, which maps every byte to one character),
 * and pushes it to the parser. The parser reports events and failures to a sink; it may hold lines
 * back (a shell command spanning several lines) and must flush them in `end()`. A parser never
 * throws for bad input: every line ends up in exactly one event, one failure or one skip (blank
 * lines, a CSV header).
 */

/**
 * How far a timestamp can be trusted:
 * - `exact`: the line carries date, time and zone (`GMT`, `+0100`, `Z`).
 * - `zone-assumed`: no zone in the line; the operator's `--tz` (or UTC by default) was applied.
 * - `year-inferred`: BSD syslog without a year; the year came from the file's time and rotation order.
 * - `hour-24`: the line said hour 24 (seen on NetScaler); read as 00 of the next day.
 * - `missing`: the line has no usable time.
 */
export type TimeQuality = 'exact' | 'zone-assumed' | 'year-inferred' | 'hour-24' | 'missing';

export const TIME_QUALITIES: readonly TimeQuality[] = ['exact', 'zone-assumed', 'year-inferred', 'hour-24', 'missing'];

export type DateOrder = 'mdy' | 'dmy' | 'ymd';

export interface LogEvent {
  /** Epoch milliseconds, UTC; null when the line has no usable time (then `timeQuality` is `missing`). */
  readonly timestamp: number | null;
  readonly timeQuality: TimeQuality;
  /** `event.dataset`, e.g. `netscaler.syslog`, `netscaler.httpaccess`, `app.data_access`. */
  readonly dataset: string;
  readonly ecs: EcsValues;
  /** Every field the parser recognised, under the source's own names (`Client_ip`, `Group(s)`). */
  readonly fields: Readonly<Record<string, string>>;
  /** First physical line of the event (1-based), its byte offset, and how many lines it spans. */
  readonly line: number;
  readonly offset: number;
  /** The event's bytes exactly as in the file (for a multi-line event: all its lines, newlines included). */
  readonly raw: Buffer;
  /** The decoded text of `raw`. */
  readonly message: string;
}

export interface ParseFailure {
  readonly line: number;
  readonly offset: number;
  readonly reason: string;
  readonly raw: Buffer;
}

/**
 * Lines that carry no data and are neither events nor failures: a blank line outside any record,
 * a CSV header. Reported so that every line is accounted for and blank lines do not inflate the
 * failure rate of the coverage ledger.
 */
export type SkipReason = 'blank' | 'header';

export interface EventSink {
  event(event: LogEvent): void;
  failure(failure: ParseFailure): void;
  skipped(line: number, why: SkipReason): void;
}

/** One physical line as the pipeline hands it over. `text` excludes the line ending. */
export interface SourceLine {
  readonly text: string;
  readonly raw: Buffer;
  readonly line: number;
  readonly offset: number;
}

export interface ParseOptions {
  /** The file's path as the analyst knows it (used in messages and for rotation order). */
  readonly path: string;
  /** IANA zone for timestamps without one; UTC when absent (then quality `zone-assumed`). */
  readonly timeZone?: string;
  /** Order of day and month in numeric dates; auto-detected per line when absent (first field > 12 → dmy). */
  readonly dateOrder?: DateOrder;
  /** Host name to use when the log itself names none. */
  readonly host?: string;
  /** Epoch ms near the end of the file (its mtime or the collection time), for BSD year inference. */
  readonly referenceTime?: number;
  /** Field mapping for generic JSONL/CSV input (see field-mapping.ts). */
  readonly mapping?: unknown;
}

export interface LineParser {
  push(line: SourceLine): void;
  end(): void;
}

export type ParserFactory = (options: ParseOptions, sink: EventSink) => LineParser;
