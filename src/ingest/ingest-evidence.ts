import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EventStore } from '../store/event-store.js';
import type { ParseOptions } from './log-event.js';
import { type Batch, type ParseJob, type ParseStats, parseFile } from './parse-file.js';
import { DATASETS, type ParseableFormat, parserFor } from './parser-registry.js';
import type { FromWorker, ToWorker } from './parse-worker.js';

/**
 * Parses evidence files into the event store. Files are parsed in parallel — one worker thread per
 * core, one file per worker at a time — while the main thread loads finished batches into the
 * store one after another (the engine takes one writer; DuckDB itself loads with all cores).
 * Under the TypeScript sources (tests) workers cannot load `.ts` modules, so parsing runs inline
 * there; the product build always has workers. Large single files are not split: gzip rotations
 * cannot be, and a triage collection is many files.
 */

export interface IngestTarget {
  readonly sha256: string;
  readonly file: string;
  readonly gzip: boolean;
  readonly format: ParseableFormat;
  readonly originalPath: string;
  readonly host: string | null;
  readonly options: ParseOptions;
}

export interface IngestProgress {
  readonly filesDone: number;
  readonly files: number;
  readonly bytesRead: number;
}

export interface IngestOptions {
  /** Workspace folder for CSV batches; removed afterwards. */
  readonly workDir: string;
  readonly onProgress?: (progress: IngestProgress) => void;
  /** Worker threads; defaults to the number of cores, 0 = parse inline. */
  readonly workers?: number;
  readonly batchBytes?: number;
}

const canUseWorkers = import.meta.url.endsWith('.js');

export async function ingestFiles(store: EventStore, targets: readonly IngestTarget[], options: IngestOptions): Promise<Map<string, ParseStats>> {
  const batchDir = join(options.workDir, `ingest-${randomUUID()}`);
  await mkdir(batchDir, { recursive: true, mode: 0o700 });
  const results = new Map<string, ParseStats>();
  const progress = new Map<string, number>();
  let filesDone = 0;
  const report = () => options.onProgress?.({ filesDone, files: targets.length, bytesRead: [...progress.values()].reduce((a, b) => a + b, 0) });

  // Loads are serialised through one promise chain: the store has one writer.
  let loading: Promise<void> = Promise.resolve();
  const load = (batch: Batch): Promise<void> => {
    const next = loading.then(async () => {
      if (batch.eventsCsv) await store.loadCsv('events', batch.eventsCsv, batch.custody);
      if (batch.failuresCsv) await store.loadCsv('parse_failures', batch.failuresCsv, batch.custody);
      await Promise.all([batch.eventsCsv, batch.failuresCsv].filter((f): f is string => f !== null).map((f) => rm(f, { force: true })));
    });
    loading = next.catch(() => undefined);
    return next;
  };

  const jobFor = (target: IngestTarget): ParseJob => ({
    file: target.file,
    gzip: target.gzip,
    dataset: DATASETS[target.format],
    options: target.options,
    custody: { evidenceSha256: target.sha256, path: target.originalPath, host: target.host },
    batchDir,
    ...(options.batchBytes ? { batchBytes: options.batchBytes } : {}),
  });

  const queue = [...targets];
  const workerCount = Math.min(queue.length, options.workers ?? (canUseWorkers ? availableParallelism() : 0));
  try {
    if (workerCount <= 0) {
      for (const target of queue) {
        const stats = await parseFile(jobFor(target), parserFor(target.format), load, (bytes) => {
          progress.set(target.sha256, bytes);
          report();
        });
        results.set(target.sha256, stats);
        filesDone += 1;
        report();
      }
    } else {
      await Promise.all(
        Array.from({ length: workerCount }, async () => {
          const worker = new Worker(new URL('./parse-worker.js', import.meta.url));
          try {
            for (let target = queue.shift(); target; target = queue.shift()) {
              results.set(target.sha256, await runInWorker(worker, target, jobFor(target), load, (bytes) => {
                progress.set(target!.sha256, bytes);
                report();
              }));
              filesDone += 1;
              report();
            }
          } finally {
            await worker.terminate();
          }
        }),
      );
    }
    await loading;
  } finally {
    await rm(batchDir, { recursive: true, force: true });
  }
  return results;
}

function runInWorker(worker: Worker, target: IngestTarget, job: ParseJob, load: (batch: Batch) => Promise<void>, onBytes: (bytes: number) => void): Promise<ParseStats> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: FromWorker) => {
      if (message.type === 'batch') {
        load(message.batch).then(
          () => worker.postMessage({ type: 'ack' } satisfies ToWorker),
          (error: unknown) => finish(() => reject(error)),
        );
      } else if (message.type === 'progress') onBytes(message.bytes);
      else if (message.type === 'done') finish(() => resolve(message.stats));
      else finish(() => reject(new Error(`parsing ${target.originalPath} failed: ${message.message}`)));
    };
    const onError = (error: Error) => finish(() => reject(error));
    const finish = (then: () => void) => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      then();
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.postMessage({ type: 'job', job, format: target.format } satisfies ToWorker);
  });
}
