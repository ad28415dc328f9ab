import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { type Custody, eventRow, failureRow } from './event-csv.js';
import { decodeLine, LineSplitter } from './line-splitter.js';
import type { LogEvent, ParseFailure, ParseOptions, ParserFactory, TimeQuality } from './log-event.js';
import { OVERSIZED_REASON } from './parse-text.js';

/**
 * Parses one evidence file into bulk-load CSV batches, streaming: memory is bounded by the batch
 * size (not the file size) and by the caller's `onBatch`, which is awaited before parsing goes on,
 * so a slow store slows parsing down instead of filling memory. Runs in a worker thread or inline.
 */

export interface ParseJob {
  /** Absolute path of the vault copy. */
  readonly file: string;
  readonly gzip: boolean;
  readonly dataset: string;
  readonly options: ParseOptions;
  readonly custody: Custody;
  /** Folder for the CSV batches (the caller deletes them after loading). */
  readonly batchDir: string;
  /** Rough size of one CSV batch; 32 MiB by default. */
  readonly batchBytes?: number;
}

export interface Batch {
  readonly eventsCsv: string | null;
  readonly failuresCsv: string | null;
  readonly events: number;
  readonly failures: number;
}

export interface ParseStats {
  lines: number;
  bytes: number;
  events: number;
  failures: number;
  firstEvent: number | null;
  lastEvent: number | null;
  timeQuality: Partial<Record<TimeQuality, number>>;
  /** Set when the file could not be read to its end (a truncated gzip rotation). */
  readError: string | null;
}

export async function parseFile(
  job: ParseJob,
  factory: ParserFactory,
  onBatch: (batch: Batch) => Promise<void>,
  onProgress?: (bytesRead: number) => void,
): Promise<ParseStats> {
  const stats: ParseStats = { lines: 0, bytes: 0, events: 0, failures: 0, firstEvent: null, lastEvent: null, timeQuality: {}, readError: null };
  const limit = job.batchBytes ?? 32 * 1024 * 1024;
  let eventRows: string[] = [];
  let failureRows: string[] = [];
  let pendingBytes = 0;
  let batchNo = 0;
  let batchEvents = 0;
  let batchFailures = 0;

  const sink = {
    event(event: LogEvent) {
      const row = eventRow(event, job.custody);
      eventRows.push(row);
      pendingBytes += row.length;
      batchEvents += 1;
      stats.events += 1;
      stats.timeQuality[event.timeQuality] = (stats.timeQuality[event.timeQuality] ?? 0) + 1;
      if (event.timestamp !== null) {
        if (stats.firstEvent === null || event.timestamp < stats.firstEvent) stats.firstEvent = event.timestamp;
        if (stats.lastEvent === null || event.timestamp > stats.lastEvent) stats.lastEvent = event.timestamp;
      }
    },
    failure(failure: ParseFailure) {
      const row = failureRow(failure, job.dataset, job.custody, decodeLine(failure.raw));
      failureRows.push(row);
      pendingBytes += row.length;
      batchFailures += 1;
      stats.failures += 1;
    },
  };

  const flush = async () => {
    if (eventRows.length === 0 && failureRows.length === 0) return;
    batchNo += 1;
    const base = join(job.batchDir, `${job.custody.evidenceSha256}-${batchNo}`);
    const eventsCsv = eventRows.length ? `${base}-events.csv` : null;
    const failuresCsv = failureRows.length ? `${base}-failures.csv` : null;
    if (eventsCsv) await writeFile(eventsCsv, eventRows.join(''));
    if (failuresCsv) await writeFile(failuresCsv, failureRows.join(''));
    const batch = { eventsCsv, failuresCsv, events: batchEvents, failures: batchFailures };
    eventRows = [];
    failureRows = [];
    pendingBytes = 0;
    batchEvents = 0;
    batchFailures = 0;
    await onBatch(batch);
  };

  const parser = factory(job.options, sink);
  const splitter = new LineSplitter((line, oversized) => {
    stats.lines += 1;
    if (oversized) sink.failure({ line: line.line, offset: line.offset, reason: OVERSIZED_REASON, raw: line.raw });
    else parser.push(line);
  });

  let source: Readable = createReadStream(job.file, { highWaterMark: 1024 * 1024 });
  if (job.gzip) source = source.pipe(createGunzip());
  try {
    for await (const chunk of source) {
      splitter.push(chunk as Buffer);
      stats.bytes = splitter.bytes;
      onProgress?.(stats.bytes);
      if (pendingBytes >= limit) await flush();
    }
  } catch (error) {
    // A truncated or corrupt gzip rotation: keep what was read, and say where reading stopped.
    stats.readError = `reading stopped after ${splitter.bytes} bytes: ${(error as Error).message}`;
  }
  splitter.end();
  parser.end();
  if (stats.readError) sink.failure({ line: stats.lines + 1, offset: splitter.bytes, reason: stats.readError, raw: Buffer.alloc(0) });
  stats.bytes = splitter.bytes;
  await flush();
  return stats;
}
