import { parentPort } from 'node:worker_threads';
import { parseFile, type Batch, type ParseJob } from './parse-file.js';
import { type ParseableFormat, parserFor } from './parser-registry.js';

/**
 * Worker-thread entry: parses the jobs it is sent, one at a time, and hands each CSV batch to the
 * main thread, waiting for the acknowledgement (the batch is loaded) before going on. That wait is
 * the back-pressure that keeps memory bounded whatever the file size.
 */

export type ToWorker = { type: 'job'; job: ParseJob; format: ParseableFormat } | { type: 'ack' };
export type FromWorker =
  | { type: 'batch'; batch: Batch }
  | { type: 'progress'; bytes: number }
  | { type: 'done'; stats: Awaited<ReturnType<typeof parseFile>> }
  | { type: 'error'; message: string };

const port = parentPort;
if (port) {
  let acknowledge: (() => void) | null = null;
  port.on('message', (message: ToWorker) => {
    if (message.type === 'ack') {
      acknowledge?.();
      acknowledge = null;
      return;
    }
    const send = (m: FromWorker) => port.postMessage(m);
    let lastProgress = 0;
    parseFile(
      message.job,
      parserFor(message.format),
      (batch) =>
        new Promise<void>((resolve) => {
          acknowledge = resolve;
          send({ type: 'batch', batch });
        }),
      (bytes) => {
        if (bytes - lastProgress >= 8 * 1024 * 1024) {
          lastProgress = bytes;
          send({ type: 'progress', bytes });
        }
      },
    ).then(
      (stats) => send({ type: 'done', stats }),
      (error: unknown) => send({ type: 'error', message: (error as Error).message }),
    );
  });
}
