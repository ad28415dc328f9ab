import type { BigIntStats, Dirent } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { WeerbaarError } from '../shared/errors.js';
import { compareUtf8 } from '../shared/utf8-order.js';
import { describeFsError } from '../shared/text-input.js';

/**
 * The file-tree scanner under `weerbaar integrity snapshot` (issue 7): every entry below a root
 * with its metadata and, for regular files, the SHA-256 of the content, in one deterministic order.
 *
 * Design, in short:
 * - The main thread walks the tree depth-first, one directory listing at a time, and keeps a FIFO
 *   of "slots" in yield order. Directories are stat'ed and listed on the main thread (it must know
 *   their children before it can go on); every other entry becomes a job for a pool of
 *   worker threads, which lstat it and, for a regular file, open it (never following a symlink,
 *   never blocking on a FIFO) and hash it with synchronous reads into one reused 1 MiB buffer.
 * - Jobs travel in batches of up to BATCH paths so that 1 KiB files do not pay one message each;
 *   each worker has at most BATCHES_PER_WORKER batches outstanding, the rest wait in one shared
 *   queue for whichever worker frees up first (a large file does not pin a backlog to a thread).
 * - Memory is bounded by the slot window: the walker stops while `window` entries wait to be
 *   yielded (the re-order buffer for hashes that finish out of order), so memory depends on the
 *   window and on the listings of the directories on the current path — not on the tree's size.
 *   The window is twice what the workers can hold, so they stay fed while a slow head waits.
 *
 * Names are decoded by Node as UTF-8; names that are not valid UTF-8 come back lossily (U+FFFD)
 * and are out of scope here. Paths are resolved name by name, so a tree that is being restructured
 * (a directory swapped for a symlink) during the scan can misattribute entries: Node has no
 * openat(2). The scan records a consistent view of a tree at rest and flags files it saw change.
 */

export type EntryType = 'file' | 'directory' | 'symlink' | 'other';
export interface TreeEntry {
  /** Relative to the root, POSIX separators, no leading './'; the root itself is not an entry. */
  readonly path: string;
  readonly type: EntryType;
  /** Bytes for files (as hashed), null otherwise. */
  readonly size: number | null;
  /** st_mode & 0o7777 (permissions incl. setuid/setgid/sticky). 0 when the entry could not be lstat'ed. */
  readonly mode: number;
  /** `uid:gid` numeric; '' when the entry could not be lstat'ed. */
  readonly owner: string;
  /** ISO-8601 UTC with milliseconds; '' when the entry could not be lstat'ed. */
  readonly mtime: string;
  /** hex SHA-256 of the content for files; null for other types and on error. */
  readonly sha256: string | null;
  /** Symlink target as stored (never followed); null otherwise. */
  readonly target: string | null;
  /** Why the entry could not be read/hashed (e.g. "EACCES: permission denied", "changed while hashing: size 10 → 12"); null when fine. */
  readonly error: string | null;
}
export interface ScanProgress { readonly entries: number; readonly files: number; readonly bytes: number; readonly errors: number }
export interface ScanOptions {
  /** Hashing threads; default os.availableParallelism(). */
  readonly workers?: number;
  /** Called at most every ~250 ms and once at the end (only when the scan completes). */
  readonly onProgress?: (progress: ScanProgress) => void;
  readonly signal?: AbortSignal;
}

/** Thrown when the scan's signal aborts; `name` is 'AbortError' like DOM/Node aborts. */
export class ScanAbortedError extends WeerbaarError {
  constructor(reason: unknown) {
    // ErrorCode has no 'ABORTED'; INTERNAL maps to the generic failure status (1).
    super('INTERNAL', 'scan aborted', { cause: reason });
    this.name = 'AbortError';
  }
}

const BATCH = 128;
const BATCHES_PER_WORKER = 3;
const MIN_WINDOW = 1024;
const PROGRESS_INTERVAL_MS = 250;

/**
 * One lstat/fstat as a worker reports it; bigints keep nanoseconds and inode numbers exact.
 * Worker results are tuples, not objects: they cross the thread boundary about twice as cheaply
 * (no property names to serialise), which shows with many small files.
 */
type RawStat = readonly [type: EntryType, size: number, mode: number, uid: number, gid: number, mtimeNs: bigint, dev: bigint, ino: bigint];
/** `after` is the fstat after the last read; `error` is Node's message of the failing call. */
type WorkerResult = readonly [stat: RawStat | null, after: RawStat | null, sha256: string | null, target: string | null, bytes: number, error: string | null];
/** Results of `batch` starting at index `from`; `done` on the last message for a batch. */
interface WorkerReply { batch: number; from: number; results: WorkerResult[]; done: boolean }

/**
 * The worker, as CommonJS source evaluated with `eval: true`: it needs only node built-ins, so the
 * same code runs from the TypeScript sources under vitest and from the compiled dist/. Synchronous
 * reads into one reused buffer: a worker does one thing at a time, and this avoids an event-loop
 * round trip and an allocation per chunk.
 * Reads stop at the lstat size, so a file that keeps growing (a busy log) is not chased to an EOF
 * that keeps moving; the fstat after the reads shows the growth and describeChange flags it. The
 * open uses O_NOFOLLOW | O_NONBLOCK: a symlink or FIFO swapped in after the lstat fails or reads
 * nothing instead of being followed or blocking. Before hashing a large file the worker sends
 * what it has, so small files batched before it are not held up behind it.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const crypto = require('node:crypto');
const CHUNK = 1 << 20;
const buffer = Buffer.allocUnsafe(CHUNK);
const FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW || 0) | (fs.constants.O_NONBLOCK || 0);
const typeOf = (s) => s.isFile() ? 'file' : s.isDirectory() ? 'directory' : s.isSymbolicLink() ? 'symlink' : 'other';
const raw = (s) => [typeOf(s), Number(s.size), Number(s.mode), Number(s.uid), Number(s.gid), s.mtimeNs, s.dev, s.ino];
// One-shot hashing (Node >= 20.12) saves a Hash object per small file.
const oneShot = typeof crypto.hash === 'function' ? (data) => crypto.hash('sha256', data) : (data) => crypto.createHash('sha256').update(data).digest('hex');
function hash(path, size) { // -> [after, sha256, bytes]
  const fd = fs.openSync(path, FLAGS);
  try {
    let total = 0;
    let digest = null;
    while (total < size) {
      const n = fs.readSync(fd, buffer, 0, Math.min(CHUNK, size - total), null);
      if (n === 0) break;
      if (n === size) return [raw(fs.fstatSync(fd, { bigint: true })), oneShot(buffer.subarray(0, n)), n];
      digest = digest || crypto.createHash('sha256');
      digest.update(buffer.subarray(0, n));
      total += n;
    }
    return [raw(fs.fstatSync(fd, { bigint: true })), (digest || crypto.createHash('sha256')).digest('hex'), total];
  } finally {
    fs.closeSync(fd);
  }
}
parentPort.on('message', ({ batch, paths }) => {
  let from = 0;
  let results = [];
  for (const path of paths) {
    let stat = null, hashed = [null, null, 0], target = null, error = null;
    try {
      stat = raw(fs.lstatSync(path, { bigint: true }));
      if (stat[0] === 'symlink') target = fs.readlinkSync(path);
      else if (stat[0] === 'file') {
        if (stat[1] > CHUNK && results.length > 0) {
          parentPort.postMessage({ batch, from, results, done: false });
          from += results.length;
          results = [];
        }
        hashed = hash(path, stat[1]);
      }
    } catch (e) {
      error = String((e && e.message) || e);
    }
    results.push([stat, hashed[0], hashed[1], target, hashed[2], error]);
  }
  parentPort.postMessage({ batch, from, results, done: true });
});
`;

let liveWorkers = 0;

interface Slot { readonly path: string; readonly listed: EntryType; entry: TreeEntry | null }
interface Job { readonly absolute: string; readonly slot: Slot }
interface Thread { readonly worker: Worker; readonly batches: Map<number, Job[]> }

/** Worker threads fed from one queue. Idle workers are unref'd so an abandoned scan never keeps the process alive. */
class HashPool {
  private readonly threads: Thread[] = [];
  private readonly waiting: Job[] = [];
  private nextBatch = 0;
  private pumpQueued = false;
  private closing = false;

  constructor(count: number, private readonly onResult: (job: Job, result: WorkerResult) => void, private readonly onFailure: (error: Error) => void) {
    for (let i = 0; i < count; i++) this.threads.push(this.start());
  }

  private start(): Thread {
    // trackUnmanagedFds (Node's default, stated here because we rely on it): terminate() skips the
    // worker's finally blocks, and this makes Node close the file it was hashing when it exits.
    // execArgv: []: the inline source is CommonJS, whatever flags (--input-type=module) the parent ran with.
    const worker = new Worker(WORKER_SOURCE, { eval: true, trackUnmanagedFds: true, execArgv: [] });
    liveWorkers += 1;
    const thread: Thread = { worker, batches: new Map() };
    worker.unref();
    worker.on('message', (reply: WorkerReply) => {
      const jobs = thread.batches.get(reply.batch);
      if (!jobs) return;
      reply.results.forEach((result, i) => this.onResult(jobs[reply.from + i]!, result));
      if (!reply.done) return;
      thread.batches.delete(reply.batch);
      if (thread.batches.size === 0) worker.unref();
      this.pump();
    });
    worker.on('error', (error) => this.onFailure(error));
    worker.on('exit', (code) => {
      liveWorkers -= 1;
      if (!this.closing) this.onFailure(new Error(`a hashing thread stopped unexpectedly (exit code ${code})`));
    });
    return thread;
  }

  submit(job: Job): void {
    this.waiting.push(job);
    if (this.pumpQueued) return;
    // Dispatch once the walker pauses, so that jobs queued meanwhile travel as full batches.
    this.pumpQueued = true;
    queueMicrotask(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  private pump(): void {
    for (const thread of this.threads) {
      while (thread.batches.size < BATCHES_PER_WORKER && this.waiting.length > 0 && !this.closing) {
        const jobs = this.waiting.splice(0, BATCH);
        const batch = this.nextBatch++;
        thread.batches.set(batch, jobs);
        thread.worker.ref();
        thread.worker.postMessage({ batch, paths: jobs.map((job) => job.absolute) });
      }
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.threads.map((thread) => thread.worker.terminate()));
  }
}

/**
 * Order of paths as scanTree yields them: component by component, each name by its UTF-8 bytes,
 * a prefix first. Equivalently: UTF-8 byte order with '/' ranked below every other byte (names
 * hold neither '/' nor NUL), so 'a' < 'a/b' < 'a-b' < 'a.b' — a directory's contents come right
 * after it, before siblings that merely start with its name (shared/utf8-order.ts).
 */
export function comparePaths(a: string, b: string): number {
  return compareUtf8(a, b, true);
}

/** Why a hashed file cannot be trusted, comparing the lstat before hashing with the fstat after it; null when unchanged. */
function describeChange(before: RawStat, after: RawStat, bytesHashed: number): string | null {
  const [, size, , , , mtimeNs, dev, ino] = before;
  const [type, sizeAfter, , , , mtimeNsAfter, devAfter, inoAfter] = after;
  if (type !== 'file' || devAfter !== dev || inoAfter !== ino) return 'changed while hashing: replaced by another entry';
  if (sizeAfter !== size) return `changed while hashing: size ${size} → ${sizeAfter}`;
  if (mtimeNsAfter !== mtimeNs) return `changed while hashing: mtime ${isoTime(mtimeNs)} → ${isoTime(mtimeNsAfter)}`;
  if (bytesHashed !== size) return `changed while hashing: read ${bytesHashed} of ${size} bytes`;
  return null;
}

function isoTime(ns: bigint): string {
  const ms = ns / 1_000_000n - (ns % 1_000_000n < 0n ? 1n : 0n); // floor, also before 1970
  return new Date(Number(ms)).toISOString();
}

/** Node's message without the ", open '/abs/path'" tail: the entry already names the path, relative to the root. */
function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/, [a-z_]+ '[\s\S]*$/, '');
}

function typeOf(info: BigIntStats | Dirent): EntryType {
  return info.isFile() ? 'file' : info.isDirectory() ? 'directory' : info.isSymbolicLink() ? 'symlink' : 'other';
}

function entryFrom(path: string, [type, , mode, uid, gid, mtimeNs]: RawStat, fields: Partial<TreeEntry> = {}): TreeEntry {
  return { path, type, size: null, mode: mode & 0o7777, owner: `${uid}:${gid}`, mtime: isoTime(mtimeNs), sha256: null, target: null, error: null, ...fields };
}

/** An entry whose lstat failed (e.g. its folder is readable but not searchable): the type is the one listed. */
function unstattable(path: string, type: EntryType, error: unknown): TreeEntry {
  return { path, type, size: null, mode: 0, owner: '', mtime: '', sha256: null, target: null, error: errorText(error) };
}

function entryFromResult(slot: Slot, [stat, after, sha256, target, bytes, error]: WorkerResult): TreeEntry {
  if (!stat) return unstattable(slot.path, slot.listed, error);
  const type = stat[0];
  if (type === 'directory') return entryFrom(slot.path, stat, { error: 'changed while scanning: became a directory after its parent was listed; contents not scanned' });
  if (type === 'symlink') return entryFrom(slot.path, stat, { target, error: error && errorText(error) });
  if (type !== 'file') return entryFrom(slot.path, stat);
  const problem = error ? errorText(error) : after ? describeChange(stat, after, bytes) : null;
  return entryFrom(slot.path, stat, { size: stat[1], sha256: problem ? null : sha256, error: problem });
}

function rawStat(info: BigIntStats): RawStat {
  return [typeOf(info), Number(info.size), Number(info.mode), Number(info.uid), Number(info.gid), info.mtimeNs, info.dev, info.ino];
}

async function listSorted(directory: string): Promise<Dirent[]> {
  return (await readdir(directory, { withFileTypes: true })).sort((a, b) => comparePaths(a.name, b.name));
}

async function listRoot(root: string, absolute: string): Promise<Dirent[]> {
  const fail = (reason: string, error?: unknown): WeerbaarError =>
    new WeerbaarError((error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' ? 'NOT_FOUND' : 'INVALID_INPUT', `${root} cannot be scanned: ${reason}`, { cause: error });
  try {
    // The root is what the user named, so a symlink to a directory is followed here (like `find root/`); nothing below it is.
    if (!(await stat(absolute)).isDirectory()) throw fail('not a directory');
    return await listSorted(absolute);
  } catch (error) {
    throw error instanceof WeerbaarError ? error : fail(describeFsError(error), error);
  }
}

/** A listed directory: its entry and sorted children, or null when it is no longer a directory (a worker then records what it is). */
async function visitDirectory(absolute: string, path: string): Promise<{ entry: TreeEntry; children: Dirent[] | null } | null> {
  const info = await lstat(absolute, { bigint: true }).catch((error: unknown) => ({ error }));
  if ('error' in info) return { entry: unstattable(path, 'directory', info.error), children: null };
  if (!info.isDirectory()) return null;
  const entry = entryFrom(path, rawStat(info));
  try {
    return { entry, children: await listSorted(absolute) };
  } catch (error) {
    return { entry: { ...entry, error: errorText(error) }, children: null };
  }
}

/** Counters for tests: how far the re-order buffer grew, against the window that bounds it. */
export interface ScanInternals { maxBuffered: number; window: number }

async function* scan(root: string, options: ScanOptions, internals?: ScanInternals): AsyncGenerator<TreeEntry> {
  const { signal, onProgress } = options;
  const workers = options.workers ?? availableParallelism();
  if (!Number.isInteger(workers) || workers < 1) throw new WeerbaarError('USAGE', `the number of hashing threads must be a whole number of at least 1, not ${workers}`);
  if (signal?.aborted) throw new ScanAbortedError(signal.reason);
  const base = resolve(root);
  const stack: Array<{ prefix: string; children: Dirent[]; next: number }> = [{ prefix: '', children: await listRoot(root, base), next: 0 }];
  const window = Math.max(MIN_WINDOW, 2 * BATCH * BATCHES_PER_WORKER * workers);
  if (internals) internals.window = window;

  // Wakes the generator when a result, a failure or the abort arrives.
  let wake = (): void => {};
  const notify = (): void => wake();
  let failure: Error | null = null;
  const slots: Slot[] = [];
  const pool = new HashPool(
    workers,
    (job, result) => {
      job.slot.entry = entryFromResult(job.slot, result);
      notify();
    },
    (error) => {
      failure ??= error;
      notify();
    },
  );
  signal?.addEventListener('abort', notify);

  const progress = { entries: 0, files: 0, bytes: 0, errors: 0 };
  let lastReport = performance.now();
  try {
    for (;;) {
      while (slots[0]?.entry) {
        const entry = slots.shift()!.entry!;
        progress.entries += 1;
        if (entry.type === 'file') progress.files += 1;
        if (entry.sha256 !== null) progress.bytes += entry.size ?? 0;
        if (entry.error !== null) progress.errors += 1;
        if (onProgress && performance.now() - lastReport >= PROGRESS_INTERVAL_MS) {
          lastReport = performance.now();
          onProgress({ ...progress });
        }
        yield entry;
      }
      if (signal?.aborted) throw new ScanAbortedError(signal.reason);
      if (failure) throw new WeerbaarError('INTERNAL', `hashing failed: ${(failure as Error).message}`, { cause: failure });
      if (slots.length >= window || stack.length === 0) {
        if (slots.length === 0) break;
        await new Promise<void>((resolveWait) => (wake = resolveWait)); // no await between the checks above and this: no wake-up is lost
        continue;
      }
      const frame = stack[stack.length - 1]!;
      const dirent = frame.children[frame.next++];
      if (!dirent) {
        stack.pop();
        continue;
      }
      const path = frame.prefix + dirent.name;
      const slot: Slot = { path, listed: typeOf(dirent), entry: null };
      slots.push(slot);
      if (internals) internals.maxBuffered = Math.max(internals.maxBuffered, slots.length);
      const absolute = join(base, path);
      if (slot.listed === 'directory') {
        const visited = await visitDirectory(absolute, path);
        if (visited) {
          slot.entry = visited.entry;
          if (visited.children) stack.push({ prefix: `${path}/`, children: visited.children, next: 0 });
          continue;
        }
      }
      pool.submit({ absolute, slot });
    }
    onProgress?.({ ...progress });
  } finally {
    signal?.removeEventListener('abort', notify);
    await pool.close();
  }
}

/**
 * Every entry under root, in a deterministic order: depth-first, siblings sorted by their UTF-8
 * bytes (Buffer.compare of names), a directory before its contents — the order of comparePaths.
 * Errors about the root (missing, not a directory, unreadable) are thrown by the first next().
 * Breaking out of a for-await loop, or an abort, stops the hashing threads before returning.
 */
export function scanTree(root: string, options: ScanOptions = {}): AsyncGenerator<TreeEntry> {
  return scan(root, options);
}

/** @internal For tests only. */
export const __testing = { describeChange, scan, liveWorkers: (): number => liveWorkers };
