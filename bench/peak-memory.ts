import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/**
 * Samples a child process's peak resident memory (VmHWM in /proc, Linux) every 100 ms; the
 * returned function stops sampling and gives the peak in KiB.
 */
export function watchPeakMemory(child: ChildProcess): () => number {
  let peakKb = 0;
  const poll = setInterval(() => {
    readFile(`/proc/${child.pid}/status`, 'utf8').then(
      (status) => (peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0))),
      () => undefined,
    );
  }, 100);
  return () => {
    clearInterval(poll);
    return peakKb;
  };
}
