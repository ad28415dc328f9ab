import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, lstatSync, lutimesSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, realpathSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { __testing, comparePaths, type ScanInternals, type ScanOptions, type ScanProgress, scanTree, type TreeEntry } from './file-tree-scan.js';

const isRoot = process.getuid?.() === 0;
const hasMkfifo = spawnSync('mkfifo', ['--version']).error === undefined;
const hasProcFds = existsSync('/proc/self/fd');
const MTIME = new Date('2024-05-06T07:08:09.500Z'); // .5 s is exact in binary, so utimes keeps it to the millisecond

let root: string;
beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'weerbaar-scan-')));
});
afterEach(() => {
  // Give back permissions taken away by a test, or rm cannot remove the tree as a normal user.
  spawnSync('chmod', ['-R', 'u+rwx', root]);
  rmSync(root, { recursive: true, force: true });
});

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

async function collect(options: ScanOptions = {}, from = root): Promise<TreeEntry[]> {
  const entries: TreeEntry[] = [];
  for await (const entry of scanTree(from, options)) entries.push(entry);
  return entries;
}

function write(path: string, content: string | Buffer, mode = 0o644): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), content);
  chmodSync(join(root, path), mode);
}

/** A file of `size` zero bytes that takes no disk space (a hole), still read and hashed in full. */
function sparse(path: string, size: number): void {
  writeFileSync(path, '');
  truncateSync(path, size);
}

/** Deterministic pseudo-random numbers (mulberry32), so a failing case can be reproduced. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How many descriptors this process holds on `file`. */
function descriptorsOn(file: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false; // closed between listing and reading it
    }
  }).length;
}

/** Resolves once this process (a hashing thread) has `file` open, i.e. is hashing it (Linux /proc). */
async function hashingStarted(file: string): Promise<void> {
  const deadline = performance.now() + 20_000;
  while (performance.now() < deadline) {
    if (descriptorsOn(file) > 0) return;
    await new Promise((done) => setTimeout(done, 2));
  }
  throw new Error(`${file} was never opened`);
}

describe('scanTree', () => {
  it(`records every kind of entry with its metadata and hash, in order, without following symlinks or opening a FIFO${hasMkfifo ? '' : ' (FIFO part skipped: mkfifo is not installed)'}`, async () => {
    write('a.txt', 'alpha\n');
    write('dir/nested/deep.txt', 'deep\n', 0o600);
    write('dir/sub.txt', 'sub');
    chmodSync(join(root, 'dir/nested'), 0o700);
    chmodSync(join(root, 'dir'), 0o755);
    write('empty', '');
    write('setuid-tool', '#!/bin/sh\n', 0o4755);
    symlinkSync('a.txt', join(root, 'link-to-file'));
    symlinkSync('dir', join(root, 'link-to-dir'));
    symlinkSync('no-such-file', join(root, 'link-dangling'));
    if (hasMkfifo) {
      // Opening a FIFO for reading would block until a writer comes: the scan must not open it.
      expect(spawnSync('mkfifo', ['-m', '600', join(root, 'fifo')]).status).toBe(0);
    }
    const paths = ['a.txt', 'dir', 'dir/nested', 'dir/nested/deep.txt', 'dir/sub.txt', 'empty', ...(hasMkfifo ? ['fifo'] : []), 'link-dangling', 'link-to-dir', 'link-to-file', 'setuid-tool'];
    for (const path of [...paths].reverse()) lutimesSync(join(root, path), MTIME, MTIME);
    const { uid, gid } = lstatSync(root);

    const base = { owner: `${uid}:${gid}`, mtime: '2024-05-06T07:08:09.500Z', size: null, sha256: null, target: null, error: null };
    const file = (path: string, content: string, mode = 0o644) => ({ ...base, path, type: 'file', mode, size: Buffer.byteLength(content), sha256: sha256(content) });
    const directory = (path: string, mode: number) => ({ ...base, path, type: 'directory', mode });
    const symlink = (path: string, target: string) => ({ ...base, path, type: 'symlink', mode: 0o777, target });
    expect(await collect({ workers: 2 })).toEqual([
      file('a.txt', 'alpha\n'),
      directory('dir', 0o755),
      directory('dir/nested', 0o700),
      file('dir/nested/deep.txt', 'deep\n', 0o600),
      file('dir/sub.txt', 'sub'),
      file('empty', ''),
      ...(hasMkfifo ? [{ ...base, path: 'fifo', type: 'other', mode: 0o600 }] : []),
      symlink('link-dangling', 'no-such-file'),
      symlink('link-to-dir', 'dir'), // recorded, and nothing listed below it
      symlink('link-to-file', 'a.txt'),
      file('setuid-tool', '#!/bin/sh\n', 0o4755),
    ]);
  });

  it.skipIf(isRoot)('records unreadable files and folders as errors and goes on (skipped as root: root can read anything)', async () => {
    write('locked/inside.txt', 'never read');
    chmodSync(join(root, 'locked'), 0o000);
    write('no-search/child.txt', 'listed but not reachable');
    chmodSync(join(root, 'no-search'), 0o644); // readable (names can be listed) but not searchable (children cannot be lstat'ed)
    write('secret', 'top secret', 0o000);
    write('z-after.txt', 'still hashed');

    const byPath = new Map((await collect({ workers: 2 })).map((entry) => [entry.path, entry]));
    expect([...byPath.keys()]).toEqual(['locked', 'no-search', 'no-search/child.txt', 'secret', 'z-after.txt']);
    expect(byPath.get('locked')).toMatchObject({ type: 'directory', mode: 0o000, error: 'EACCES: permission denied' });
    expect(byPath.get('no-search')).toMatchObject({ type: 'directory', mode: 0o644, error: null });
    expect(byPath.get('no-search/child.txt')).toEqual({ path: 'no-search/child.txt', type: 'file', size: null, mode: 0, owner: '', mtime: '', sha256: null, target: null, error: 'EACCES: permission denied' });
    expect(byPath.get('secret')).toMatchObject({ type: 'file', mode: 0o000, size: 10, sha256: null, error: 'EACCES: permission denied' });
    expect(byPath.get('z-after.txt')).toMatchObject({ sha256: sha256('still hashed'), error: null });
  });

  it('orders siblings by UTF-8 bytes with a directory right before its contents, as comparePaths does', async () => {
    const names = ['z', 'é', 'Z', 'a-b', 'a.b', 'ﬀ', '😀', 'with space', 'new\nline'];
    for (const name of names) write(name, `content of ${name}`);
    write('a/b', 'inside a');
    const paths = (await collect({ workers: 2 })).map((entry) => entry.path);
    // 'a/b' before 'a-b' although '/' (0x2f) > '-' (0x2d): a directory's contents come right after it.
    // 'é' (C3 A9) after 'z'; '😀' (F0 9F 98 80) after 'ﬀ' (EF AC 80) although its UTF-16 form sorts first.
    const expected = ['Z', 'a', 'a/b', 'a-b', 'a.b', 'new\nline', 'with space', 'z', 'é', 'ﬀ', '😀'];
    expect(paths).toEqual(expected);
    expect([...paths].sort()).not.toEqual(expected); // plain string order would get this wrong
    expect([...paths].reverse().sort(comparePaths)).toEqual(expected);
    const entries = await collect({ workers: 1 });
    expect(entries.find((entry) => entry.path === 'new\nline')?.sha256).toBe(sha256('content of new\nline'));
  });

  it('comparePaths agrees with comparing names by Buffer.compare, component by component', () => {
    const alphabet = ['a', 'b', 'Z', '-', '.', ' ', '\n', '/', 'é', 'ﬀ', '\uFFFD', '😀', '𝄞'];
    const reference = (a: string, b: string): number => {
      const [left, right] = [a.split('/'), b.split('/')];
      for (let i = 0; i < Math.min(left.length, right.length); i++) {
        const order = Buffer.compare(Buffer.from(left[i]!), Buffer.from(right[i]!));
        if (order !== 0) return order;
      }
      return Math.sign(left.length - right.length);
    };
    const next = random(7);
    const word = () => Array.from({ length: 1 + Math.floor(next() * 6) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('').replace(/^\/|\/$|\/\//g, 'a');
    for (let i = 0; i < 5000; i++) {
      const a = word();
      const b = next() < 0.3 ? a + word() : word();
      expect([a, b, Math.sign(comparePaths(a, b))]).toEqual([a, b, reference(a, b)]);
      expect(Math.sign(comparePaths(b, a))).toBe(-reference(a, b) || 0);
    }
  });

  it('gives the same entries with several hashing threads as with one, on files of random sizes', async () => {
    const next = random(42);
    const contents = new Map<string, Buffer>();
    for (let i = 0; i < 300; i++) {
      const size = i % 25 === 0 ? (1 << 20) + Math.floor(next() * 2 * (1 << 20)) : Math.floor(next() * 100_000);
      const data = Buffer.alloc(size, i % 251);
      if (size >= 4) data.writeUInt32LE(i, size - 4); // no two files alike
      const path = `d${i % 5}/${i % 3 ? 'sub/' : ''}f${i}`;
      write(path, data);
      contents.set(path, data);
    }
    const parallel = await collect({ workers: 4 });
    expect(await collect({ workers: 1 })).toEqual(parallel);
    const files = parallel.filter((entry) => entry.type === 'file');
    expect(files).toHaveLength(300);
    for (const entry of files) expect(entry, entry.path).toMatchObject({ size: contents.get(entry.path)!.length, sha256: sha256(contents.get(entry.path)!), error: null });
    expect(files.filter((entry) => entry.size! > 1 << 20).length).toBe(12);
  });

  it('keeps the re-order buffer within its window, not the size of the tree, and reports progress with the final totals', async () => {
    // One folder of 5,000 files, five times the window of one thread: a scanner that read a listing
    // ahead without bound would buffer all of it. (Not 20,000: creating files on a busy CI disk took 15 s.)
    for (let f = 0; f < 5000; f++) writeFileSync(join(root, `f${f}`), `${f}`);
    const internals: ScanInternals = { maxBuffered: 0, window: 0 };
    const reports: ScanProgress[] = [];
    const started = performance.now();
    let count = 0;
    for await (const _entry of __testing.scan(root, { workers: 1, onProgress: (progress) => reports.push(progress) }, internals)) {
      // A slow consumer now and then: entries must not pile up meanwhile.
      if (count++ % 1000 === 0) await new Promise((done) => setTimeout(done, 50));
    }
    const elapsed = performance.now() - started;
    expect(count).toBe(5000);
    expect(internals.window).toBe(1024);
    expect(internals.maxBuffered).toBeGreaterThan(1);
    expect(internals.maxBuffered).toBeLessThanOrEqual(internals.window);
    const bytes = Array.from({ length: 5000 }, (_, f) => `${f}`.length).reduce((a, b) => a + b, 0);
    expect(reports.at(-1)).toEqual({ entries: 5000, files: 5000, bytes, errors: 0 });
    expect(reports.length).toBeLessThanOrEqual(Math.floor(elapsed / 250) + 2); // throttled to ~4 a second, plus the final one
  });

  it.skipIf(!hasProcFds)('reports a file that grows while it is being hashed as changed (Linux: watches /proc/self/fd)', async () => {
    const big = join(root, 'growing.img');
    sparse(big, 2 ** 30); // 1 GiB to hash (about a second), no disk used
    const scan = collect({ workers: 1 });
    await hashingStarted(big);
    appendFileSync(big, 'x');
    expect(await scan).toEqual([expect.objectContaining({ path: 'growing.img', sha256: null, error: `changed while hashing: size ${2 ** 30} → ${2 ** 30 + 1}` })]);
  });

  it('stops promptly on abort, with the hashing threads gone', async () => {
    write('a.txt', 'small');
    sparse(join(root, 'big'), 2 ** 36); // 64 GiB: far longer to hash than the test may take
    const controller = new AbortController();
    const seen: string[] = [];
    const started = performance.now();
    const run = (async () => {
      for await (const entry of scanTree(root, { workers: 2, signal: controller.signal })) seen.push(entry.path);
    })();
    if (hasProcFds) await hashingStarted(join(root, 'big'));
    else await new Promise((done) => setTimeout(done, 300));
    controller.abort();
    await expect(run).rejects.toMatchObject({ name: 'AbortError', code: 'INTERNAL', message: 'scan aborted' });
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(seen).not.toContain('big');
    expect(__testing.liveWorkers()).toBe(0);
    if (hasProcFds) expect(descriptorsOn(join(root, 'big'))).toBe(0); // the file a stopped thread was reading is closed
    await expect(collect({ signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('stops the hashing threads when the consumer breaks out early, without waiting for a large file in the same batch', async () => {
    write('a.txt', 'small');
    sparse(join(root, 'big'), 2 ** 36);
    const started = performance.now();
    let first: TreeEntry | undefined;
    for await (const entry of scanTree(root, { workers: 2 })) {
      first = entry;
      break;
    }
    expect(first).toMatchObject({ path: 'a.txt', sha256: sha256('small') });
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(__testing.liveWorkers()).toBe(0);
    if (hasProcFds) expect(descriptorsOn(join(root, 'big'))).toBe(0);
  });

  it('refuses a root that is missing or not a directory, naming it', async () => {
    const missing = join(root, 'missing');
    await expect(collect({}, missing)).rejects.toMatchObject({ code: 'NOT_FOUND', message: `${missing} cannot be scanned: no such file or folder` });
    write('plain.txt', 'x');
    const plain = join(root, 'plain.txt');
    await expect(collect({}, plain)).rejects.toMatchObject({ code: 'INVALID_INPUT', message: `${plain} cannot be scanned: not a directory` });
    await expect(collect({ workers: 0 })).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('change detection', () => {
  type Stat = Parameters<typeof __testing.describeChange>[0];
  const stat = (changes: { type?: Stat[0]; size?: number; mtimeNs?: bigint; ino?: bigint } = {}): Stat =>
    [changes.type ?? 'file', changes.size ?? 10, 0o100644, 1000, 1000, changes.mtimeNs ?? 1_714_979_289_500_000_000n, 1n, changes.ino ?? 42n];
  const describeChange = __testing.describeChange;

  it('accepts a file that stayed the same and names what changed otherwise', () => {
    expect(describeChange(stat(), stat(), 10)).toBeNull();
    expect(describeChange(stat(), stat({ size: 12 }), 10)).toBe('changed while hashing: size 10 → 12');
    expect(describeChange(stat(), stat({ mtimeNs: 1_714_979_289_501_000_000n }), 10)).toBe('changed while hashing: mtime 2024-05-06T07:08:09.500Z → 2024-05-06T07:08:09.501Z');
    expect(describeChange(stat(), stat({ ino: 43n }), 10)).toBe('changed while hashing: replaced by another entry');
    expect(describeChange(stat(), stat({ type: 'other' }), 0)).toBe('changed while hashing: replaced by another entry');
    expect(describeChange(stat(), stat(), 8)).toBe('changed while hashing: read 8 of 10 bytes');
  });
});
