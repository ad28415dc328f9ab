import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
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
  /** The evidence file every row of the batch comes from. */
  readonly custody: { readonly evidenceSha256: string; readonly path: string };
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
  /** Lines that carry no data: blank lines and CSV headers (neither events nor failures). */
  skipped: number;
  /** Set when the file could not be read to its end (a truncated gzip rotation). */
  readError: string | null;
}

export async function parseFile(
  job: ParseJob,
  factory: ParserFactory,
  onBatch: (batch: Batch) => Promise<void>,
  onProgress?: (bytesRead: number) => void,
): Promise<ParseStats> {
  const stats: ParseStats = { lines: 0, bytes: 0, events: 0, failures: 0, firstEvent: null, lastEvent: null, timeQuality: {}, skipped: 0, readError: null };
  const limit = job.batchBytes ?? 32 * 1024 * 1024;
  let batchNo = 1;
  const base = () => join(job.batchDir, `${job.custody.evidenceSha256}-${batchNo}`);
  let eventFile = new CsvBatchFile(`${base()}-events.csv`);
  let failureFile = new CsvBatchFile(`${base()}-failures.csv`);

  const sink = {
    event(event: LogEvent) {
      eventFile.add(eventRow(event, job.custody));
      stats.events += 1;
      stats.timeQuality[event.timeQuality] = (stats.timeQuality[event.timeQuality] ?? 0) + 1;
      if (event.timestamp !== null) {
        if (stats.firstEvent === null || event.timestamp < stats.firstEvent) stats.firstEvent = event.timestamp;
        if (stats.lastEvent === null || event.timestamp > stats.lastEvent) stats.lastEvent = event.timestamp;
      }
    },
    failure(failure: ParseFailure) {
      failureFile.add(failureRow(failure, job.dataset, decodeLine(failure.raw)));
      stats.failures += 1;
    },
    skipped() {
      stats.skipped += 1;
    },
  };

  const flush = async () => {
    if (eventFile.rows === 0 && failureFile.rows === 0) return;
    const custody = { evidenceSha256: job.custody.evidenceSha256, path: job.custody.path };
    const batch = { custody, eventsCsv: eventFile.close(), failuresCsv: failureFile.close(), events: eventFile.rows, failures: failureFile.rows };
    batchNo += 1;
    eventFile = new CsvBatchFile(`${base()}-events.csv`);
    failureFile = new CsvBatchFile(`${base()}-failures.csv`);
    await onBatch(batch);
  };
  const pendingBytes = () => eventFile.bytes + failureFile.bytes;

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
      if (pendingBytes() >= limit) await flush();
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

/**
 * One CSV batch file, written in ~1 MiB appends as rows arrive: holding a whole batch as strings
 * cost more in garbage collection than parsing did. Synchronous writes are fine here: parsing runs
 * in a worker thread, and the appends are large.
 */
class CsvBatchFile {
  rows = 0;
  bytes = 0;
  private fd: number | null = null;
  private pending: string[] = [];
  private pendingLength = 0;

  constructor(private readonly path: string) {}

  add(row: string): void {
    this.pending.push(row);
    this.pendingLength += row.length;
    this.rows += 1;
    if (this.pendingLength >= 1 << 20) this.spill();
  }

  /** Closes the file; its path, or null when it has no rows (and no file was made). */
  close(): string | null {
    if (this.rows === 0) return null;
    this.spill();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    return this.path;
  }

  private spill(): void {
    if (this.pendingLength === 0) return;
    this.fd ??= openSync(this.path, 'w', 0o600);
    writeSync(this.fd, this.pending.join(''));
    this.bytes += this.pendingLength;
    this.pending = [];
    this.pendingLength = 0;
  }
}
