import { LineSplitter } from './line-splitter.js';
import type { LogEvent, ParseFailure, ParseOptions, ParserFactory } from './log-event.js';

/**
 * Runs a parser over an in-memory buffer and collects what it reports. Used by unit tests and by
 * small inputs; the ingest pipeline streams instead. Oversized lines become failures here exactly
 * as in the pipeline.
 */
export function parseBuffer(
  factory: ParserFactory,
  input: Buffer | string,
  options: Partial<ParseOptions> = {},
): { events: LogEvent[]; failures: ParseFailure[]; skipped: number[] } {
  const events: LogEvent[] = [];
  const failures: ParseFailure[] = [];
  const skipped: number[] = [];
  const parser = factory({ path: 'input.log', ...options }, { event: (e) => events.push(e), failure: (f) => failures.push(f), skipped: (line) => skipped.push(line) });
  const splitter = new LineSplitter((line, oversized) => {
    if (oversized) failures.push({ line: line.line, offset: line.offset, reason: OVERSIZED_REASON, raw: line.raw });
    else parser.push(line);
  });
  splitter.push(typeof input === 'string' ? Buffer.from(input, 'utf8') : input);
  splitter.end();
  parser.end();
  return { events, failures, skipped };
}

export const OVERSIZED_REASON = 'line longer than 1 MiB: first 1 MiB kept here, the whole line stays in the vault';
