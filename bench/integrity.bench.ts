/**
 * Integrity snapshot throughput (issue 7 acceptance): MB/s and files/s of `weerbaar integrity
 * snapshot` on a generated tree of at least 2 GB and 100,000 files, against `openssl dgst -sha256`
 * and `b3sum` (both from Debian's packages, bench/setup.sh) over the same files in the same run.
 * The issue aims at at least 0.8 of openssl's throughput (snapshot time ≤ 1.25 × openssl's time).
 * Measured, each in its own process, wall seconds, CPU seconds (user + system, children included)
 * and peak resident memory (GNU time's maximum RSS; VmHWM sampled from /proc without /usr/bin/time):
 *  - the product as a user runs it: `node bin/weerbaar.js -w <ws> integrity snapshot <tree> --name
 *    bench --json` (start-up, scan + SHA-256 of every file on worker threads, manifest lines and
 *    Merkle leaves written to the workspace, checkpoint signed, case store updated);
 *  - `scanTree` alone from the compiled dist/ (walk, lstat, hash; entries counted and dropped), timed
 *    inside a plain `node` process — the scanning and hashing part;
 *  - `scanTree` into `writeManifest` (dist/) — adds the manifest lines, leaf hashes and the write;
 *    what remains of the CLI's time is start-up, signing and the case store;
 *  - baselines: `find <tree> -type f -print0 | xargs -0 -P <cores> -n 256 openssl dgst -sha256` and
 *    the same with `b3sum` (which additionally multi-threads large files itself, rayon + mmap).
 * A first round runs each tool once (possibly cold: see below), then --runs warm rounds, the tools in
 * a rotating order each round; the medians of the warm rounds are the results. Before timing, the
 * SHA-256 of a few files from scanTree are checked against openssl's.
 * Page cache: the first round is cold only if the tree is not cached (not when it was just written,
 * or read by an earlier run, on a machine with more memory than the tree); every later round is
 * warm. Caches are not dropped (that needs root); so these figures are CPU-bound throughput with
 * the files in memory, not disk throughput. The machine's load average is printed with the results:
 * another job on the machine (CI) lowers all tools alike, but not necessarily equally.
 *
 * The tree is generated once, deterministically (--seed), and cached in
 * bench/.cache/integrity-tree-<size>MB-<files>/ (gitignored; <size> in MiB): two levels of folders
 * (share-NN/dossier-NNNN/, about 100 files per folder); most files "documents" of 1–64 KiB
 * (log-uniform: many small ones), the rest of the bytes in "archives" of 1–64 MiB (log-uniform);
 * the content is AES-128-CTR keystream (incompressible, reproducible, written at memory speed).
 * A fresh workspace (bench/.cache/integrity-ws, `init --timezone UTC`) is created for each bench run.
 * Usage: npx tsx bench/integrity.bench.ts [--size MiB] [--files N] [--runs N] [--parallel N]
 *   [--seed N] [--no-build] (defaults 2048 MiB, 100,000 files, 3 warm runs, --parallel the number
 *   of cores). Run `bash bench/setup.sh` first (installs openssl and b3sum when missing). Prints a
 *   markdown block for bench/RESULTS.md at the end (it does not write the file).
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { mkdir, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { createCipheriv, createHash } from 'node:crypto';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { watchPeakMemory } from './peak-memory.js';
import { SeededRandom } from '../src/scenario/seeded-random.js';
import { arg, flag, dist, fmt, median, repo, seconds } from './bench-support.js';


const KiB = 1024;
const MiB = 1024 * KiB;
const SIZE_MIB = arg('size', 2048);
const FILES = arg('files', 100_000);
const RUNS = arg('runs', 3);
const PARALLEL = arg('parallel', availableParallelism());
const SEED = arg('seed', 7);
const BUILD = !flag('no-build');
for (const [name, value, min] of [['size', SIZE_MIB, 1], ['files', FILES, 10], ['runs', RUNS, 1], ['parallel', PARALLEL, 1], ['seed', SEED, 0]] as const) {
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be a whole number of at least ${min}, not ${value}`);
}
/** The acceptance's floor, for a note when the bench runs smaller (a trial). */
const MIN_BYTES = 2e9;
const MIN_FILES = 100_000;

const cli = join(repo, 'bin', 'weerbaar.js');
const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;
const commandOutput = (command: string, args: string[]) => {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
};

// ---- Tools -------------------------------------------------------------------------------------
const missing = ['openssl', 'b3sum', 'find', 'xargs'].filter((tool) => commandOutput('sh', ['-c', `command -v ${tool}`]) === null);
if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}: run bash bench/setup.sh (as root it installs them from Debian's packages)`);
const TIME = existsSync('/usr/bin/time') && commandOutput('/usr/bin/time', ['-f', '%M', 'true']) !== null ? '/usr/bin/time' : null;
if (BUILD) {
  console.log('npm run build …');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: repo, stdio: 'inherit' });
}

// ---- The tree: planned from the seed, generated once, cached -----------------------------------
/** Bump when the plan or the content changes: a cached tree of another version is rebuilt. */
const GENERATOR = 1;
const SMALL = { min: 1 * KiB, max: 64 * KiB, extensions: ['pdf', 'docx', 'xlsx', 'odt', 'txt', 'eml', 'msg', 'csv', 'jpg', 'png'] };
const LARGE = { min: 1 * MiB, max: 64 * MiB, extensions: ['zip', 'mp4', 'pst', 'iso', 'tar', 'vhdx'] };
const PER_FOLDER = 100;

interface PlannedFile { readonly path: string; readonly size: number; readonly index: number }
interface Plan { readonly files: PlannedFile[]; readonly folders: string[]; readonly bytes: number; readonly small: number; readonly large: number }

/** Sizes, names and folders from the seed alone: the same arguments always give the same tree. */
function planTree(totalBytes: number, count: number, seed: number): Plan {
  const random = new SeededRandom(seed);
  const logUniform = (min: number, max: number) => Math.round(min * Math.pow(max / min, random.next()));
  let small = Array.from({ length: count }, () => logUniform(SMALL.min, SMALL.max));
  let smallBytes = small.reduce((a, b) => a + b, 0);
  // A tree with few bytes per file (a trial): the documents shrink to half the bytes, archives take the rest.
  if (smallBytes > 0.75 * totalBytes) {
    const factor = (0.5 * totalBytes) / smallBytes;
    small = small.map((s) => Math.max(1, Math.round(s * factor)));
    smallBytes = small.reduce((a, b) => a + b, 0);
  }
  const large: number[] = [];
  for (let left = totalBytes - smallBytes; left > 0; ) {
    const size = Math.min(left, logUniform(LARGE.min, LARGE.max));
    large.push(size);
    left -= size;
  }
  if (large.length >= count) throw new Error(`${count} files cannot hold ${fmt(totalBytes / MiB)} MiB with archives of at most 64 MiB: pass more --files or a smaller --size`);
  // The archives replace the last documents; their bytes go to the last archive, so the total is exact.
  const dropped = small.splice(count - large.length);
  if (large.length > 0) large[large.length - 1]! += dropped.reduce((a, b) => a + b, 0);
  const kinds = random.shuffle([...small.map((size) => ({ size, large: false })), ...large.map((size) => ({ size, large: true }))]);
  const leaves = Math.ceil(count / PER_FOLDER);
  const shares = Math.ceil(Math.sqrt(leaves));
  const folderOf = (leaf: number) => `share-${String(Math.floor(leaf / shares)).padStart(2, '0')}/dossier-${String(leaf).padStart(4, '0')}`;
  const files = kinds.map((f, index) => {
    const spec = f.large ? LARGE : SMALL;
    const name = `${f.large ? 'archive' : 'doc'}-${String(index).padStart(6, '0')}.${random.pick(spec.extensions)}`;
    return { path: `${folderOf(Math.floor((index * leaves) / count))}/${name}`, size: f.size, index };
  });
  const folders = [...new Set(files.flatMap((f) => {
    const leaf = f.path.slice(0, f.path.lastIndexOf('/'));
    return [leaf.slice(0, leaf.indexOf('/')), leaf];
  }))];
  return { files, folders, bytes: totalBytes, small: small.length, large: large.length };
}

/** AES-128-CTR keystream, a counter block per file: incompressible, reproducible, fast (AES-NI). */
function writeTree(root: string, plan: Plan, seed: number): void {
  const key = createHash('sha256').update(`weerbaar integrity bench ${seed}`).digest().subarray(0, 16);
  const zeros = Buffer.alloc(MiB);
  for (const folder of plan.folders) mkdirSync(join(root, folder), { recursive: true });
  const t0 = performance.now();
  let lastReport = t0;
  let written = 0;
  for (const [n, file] of plan.files.entries()) {
    const iv = Buffer.alloc(16);
    iv.writeUInt32BE(file.index, 0); // counters of different files never meet (a file would need 2^96 blocks)
    const cipher = createCipheriv('aes-128-ctr', key, iv);
    const fd = openSync(join(root, file.path), 'wx');
    try {
      for (let left = file.size; left > 0; ) {
        const chunk = cipher.update(zeros.subarray(0, Math.min(MiB, left)));
        for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off);
        left -= chunk.length;
      }
    } finally {
      closeSync(fd);
    }
    written += file.size;
    if (performance.now() - lastReport > 2000 || n === plan.files.length - 1) {
      lastReport = performance.now();
      console.log(`  ${fmt(n + 1).padStart(9)} / ${fmt(plan.files.length)} files, ${fmt(written / MiB).padStart(6)} / ${fmt(plan.bytes / MiB)} MiB (${fmt(written / 1e6 / seconds(t0))} MB/s)`);
    }
  }
}

const cacheRoot = join(repo, 'bench', '.cache');
await mkdir(cacheRoot, { recursive: true });
const tree = join(cacheRoot, `integrity-tree-${SIZE_MIB}MB-${FILES}`);
const markerFile = `${tree}.json`;
const ws = join(cacheRoot, 'integrity-ws');
interface Marker { generator: number; seed: number; sizeMiB: number; files: number; bytes: number; small: number; large: number; folders: number; generateSeconds: number }
const plan = planTree(SIZE_MIB * MiB, FILES, SEED);
const marker: Marker | null = existsSync(markerFile) ? (JSON.parse(await readFile(markerFile, 'utf8')) as Marker) : null;
const free = await statfs(cacheRoot).then((s) => s.bavail * s.bsize);
let generatedNow = false;
if (marker && marker.generator === GENERATOR && marker.seed === SEED && marker.bytes === plan.bytes && marker.files === plan.files.length && existsSync(tree)) {
  console.log(`reusing ${relative(repo, tree)}: ${fmt(marker.files)} files, ${fmt(marker.bytes / MiB)} MiB (generated in ${marker.generateSeconds.toFixed(0)} s); ${fmt(free / 1e9, 1)} GB free`);
} else {
  // The tree, plus the workspace's manifests (about 250 bytes per entry per snapshot), plus room to spare.
  const needed = plan.bytes + 2e9;
  if (free < needed) throw new Error(`only ${fmt(free / 1e9, 1)} GB free under ${relative(repo, cacheRoot)}; the tree needs about ${fmt(needed / 1e9, 1)} GB (${fmt(plan.bytes / 1e9, 1)} GB of files + 2 GB margin): free some space or pass a smaller --size`);
  console.log(`generating ${relative(repo, tree)}: ${fmt(plan.files.length)} files (${fmt(plan.small)} documents of ≤ 64 KiB, ${fmt(plan.large)} archives of 1–64 MiB) in ${fmt(plan.folders.length)} folders, ${fmt(plan.bytes / MiB)} MiB; ${fmt(free / 1e9, 1)} GB free …`);
  await rm(markerFile, { force: true });
  await rm(tree, { recursive: true, force: true });
  const t0 = performance.now();
  writeTree(tree, plan, SEED);
  const generateSeconds = seconds(t0);
  const written: Marker = { generator: GENERATOR, seed: SEED, sizeMiB: SIZE_MIB, files: plan.files.length, bytes: plan.bytes, small: plan.small, large: plan.large, folders: plan.folders.length, generateSeconds };
  await writeFile(markerFile, JSON.stringify(written, null, 2));
  generatedNow = true;
  console.log(`generated in ${generateSeconds.toFixed(1)} s (${fmt(plan.bytes / 1e6 / generateSeconds)} MB/s)`);
}
const smallBytes = plan.files.filter((f) => f.size <= SMALL.max).reduce((a, f) => a + f.size, 0);
console.log(`tree: ${fmt(plan.bytes / 1e6)} MB in ${fmt(plan.files.length)} files and ${fmt(plan.folders.length)} folders; ${fmt((100 * smallBytes) / plan.bytes)} % of the bytes in files of ≤ 64 KiB; mean file ${fmt(plan.bytes / plan.files.length / KiB, 1)} KiB`);
if (plan.bytes < MIN_BYTES || plan.files.length < MIN_FILES) console.log(`note: a trial — the acceptance asks for at least 2 GB and 100,000 files (the defaults: --size 2048 --files 100000)`);

// ---- Measuring one command ---------------------------------------------------------------------
interface Measured { seconds: number; cpuSeconds: number | null; peakMb: number; stdout: string }
/** Wall time from here; CPU time and maximum RSS from GNU time (children included), else VmHWM sampled from /proc. */
async function measure(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Measured> {
  const timeFile = join(cacheRoot, 'integrity-time.txt');
  await rm(timeFile, { force: true });
  const [file, argv] = TIME ? [TIME, ['-f', '%U %S %M', '-o', timeFile, command, ...args]] : [command, [...args]];
  const t0 = performance.now();
  const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const stopWatching = TIME ? null : watchPeakMemory(child);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const wall = seconds(t0);
  const watchedKb = stopWatching?.() ?? 0;
  if (code !== 0) throw new Error(`${command} ${args.join(' ').slice(0, 300)} exited with ${code}: ${Buffer.concat(err).toString().slice(0, 2000)}`);
  const stdout = Buffer.concat(out).toString();
  if (!TIME) return { seconds: wall, cpuSeconds: null, peakMb: watchedKb / 1024, stdout };
  const [user, system, maxKb] = (await readFile(timeFile, 'utf8')).trim().split('\n').pop()!.split(' ').map(Number);
  return { seconds: wall, cpuSeconds: user! + system!, peakMb: maxKb! / 1024, stdout };
}

/**
 * In a plain `node` (no tsx: its memory and start-up stay out): scanTree alone, or into
 * writeManifest, from the compiled dist/. Prints the time inside the process, the counts, and the
 * SHA-256 of the files named in $BENCH_SAMPLE. CommonJS with import(), not --input-type=module:
 * the scanner's eval'd CommonJS workers inherit the process's execArgv, and that flag breaks them.
 */
const CHILD = `(async () => {
const [mode, scanUrl, manifestUrl, root, out] = process.argv.slice(1);
const { scanTree } = await import(scanUrl);
const { writeManifest } = await import(manifestUrl);
const sample = new Set(JSON.parse(process.env.BENCH_SAMPLE || '[]'));
const hashes = {};
const counts = { entries: 0, files: 0, bytes: 0, errors: 0 };
async function* counted(entries) {
  for await (const e of entries) {
    counts.entries++;
    if (e.type === 'file') counts.files++;
    counts.bytes += e.size ?? 0;
    if (e.error !== null) counts.errors++;
    if (sample.has(e.path)) hashes[e.path] = e.sha256;
    yield e;
  }
}
const t0 = performance.now();
if (mode === 'scan') { for await (const _ of counted(scanTree(root))); }
else await writeManifest(out, { format: 'weerbaar-manifest/1', kind: 'files', name: 'bench', source: root, created: new Date().toISOString() }, counted(scanTree(root)));
process.stdout.write(JSON.stringify({ seconds: (performance.now() - t0) / 1000, ...counts, hashes }));
})().catch((error) => { console.error(error); process.exit(1); });
`;
interface Counts { entries: number; files: number; bytes: number; errors: number }
const check = (tool: string, c: Counts) => {
  const expected = { entries: plan.files.length + plan.folders.length, files: plan.files.length, bytes: plan.bytes, errors: 0 };
  if (c.entries !== expected.entries || c.files !== expected.files || c.bytes !== expected.bytes || c.errors !== expected.errors) {
    throw new Error(`${tool} saw ${JSON.stringify(c)}, the tree has ${JSON.stringify(expected)}`);
  }
};
const manifestOut = join(cacheRoot, 'integrity-manifest.jsonl');
async function inProcess(mode: 'scan' | 'manifest', sample: readonly string[] = []): Promise<Measured & { inside: number; hashes: Record<string, string> }> {
  await rm(manifestOut, { force: true });
  const args = ['-e', CHILD, '--', mode, dist('integrity/file-tree-scan.js'), dist('integrity/manifest.js'), tree, manifestOut];
  const m = await measure(process.execPath, args, { ...process.env, BENCH_SAMPLE: JSON.stringify(sample) });
  const result = JSON.parse(m.stdout) as Counts & { seconds: number; hashes: Record<string, string> };
  check(mode === 'scan' ? 'scanTree' : 'scanTree + writeManifest', result);
  await rm(manifestOut, { force: true });
  return { ...m, inside: result.seconds, hashes: result.hashes };
}

interface Tool { readonly key: string; readonly label: string; run(): Promise<{ seconds: number; wall: number; cpuSeconds: number | null; peakMb: number }> }
const baseline = (program: string, args: string) => `set -o pipefail; find ${quote(tree)} -type f -print0 | xargs -0 -P ${PARALLEL} -n 256 ${program} ${args}> /dev/null`;
const TOOLS: readonly Tool[] = [
  {
    key: 'cli',
    label: '`weerbaar integrity snapshot --json` (CLI, own process)',
    async run() {
      const m = await measure(process.execPath, [cli, '-w', ws, 'integrity', 'snapshot', tree, '--name', 'bench', '--json']);
      check('weerbaar integrity snapshot', JSON.parse(m.stdout) as Counts);
      return { ...m, wall: m.seconds };
    },
  },
  {
    key: 'scan',
    label: '`scanTree` alone (dist/, timed inside its process)',
    async run() {
      const m = await inProcess('scan');
      return { ...m, seconds: m.inside, wall: m.seconds };
    },
  },
  {
    key: 'manifest',
    label: '`scanTree` → `writeManifest` (dist/, timed inside its process)',
    async run() {
      const m = await inProcess('manifest');
      return { ...m, seconds: m.inside, wall: m.seconds };
    },
  },
  {
    key: 'openssl',
    label: `\`find \\| xargs -0 -P ${PARALLEL} -n 256 openssl dgst -sha256\``,
    async run() {
      const m = await measure('bash', ['-c', baseline('openssl', 'dgst -sha256 ')]);
      return { ...m, wall: m.seconds };
    },
  },
  {
    key: 'b3sum',
    label: `\`find \\| xargs -0 -P ${PARALLEL} -n 256 b3sum\`` + ' (its own threads too)',
    async run() {
      const m = await measure('bash', ['-c', baseline('b3sum', '')]);
      return { ...m, wall: m.seconds };
    },
  },
];

// ---- Set-up: workspace, hash check -------------------------------------------------------------
await rm(ws, { recursive: true, force: true });
execFileSync(process.execPath, [cli, 'init', ws, '--timezone', 'UTC'], { stdio: 'ignore' });
const machine = {
  cores: cpus().length,
  model: cpus()[0]?.model.trim() ?? 'unknown CPU',
  shaNi: /\bsha_ni\b/.test(readFileSync('/proc/cpuinfo', 'utf8')),
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: `${process.version} (OpenSSL ${process.versions.openssl})`,
  openssl: commandOutput('openssl', ['version'])?.replace(/ \(Library.*$/, '') ?? '?',
  b3sum: commandOutput('b3sum', ['--version']) ?? '?',
  debian: commandOutput('dpkg-query', ['-W', '-f', '${Package} ${Version}, ', 'openssl', 'b3sum'])?.replace(/,\s*$/, '') ?? null,
  hashingThreads: availableParallelism(),
};
console.log(
  `machine: ${machine.cores} cores (${machine.model}${machine.shaNi ? ', SHA-NI' : ''}), ${machine.memoryGiB} GiB; Node ${machine.node}; ${machine.openssl}; ${machine.b3sum}` +
    `${machine.debian ? ` (Debian: ${machine.debian})` : ''}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
);
console.log(`product: ${machine.hashingThreads} hashing threads (os.availableParallelism()); baselines: xargs -P ${PARALLEL}; ${TIME ? 'CPU and peak memory from /usr/bin/time' : 'peak memory sampled from /proc (no /usr/bin/time: no CPU time)'}`);
{
  // Untimed: scanTree's SHA-256 of a few files (the smallest, the largest, some others) = openssl's.
  const random = new SeededRandom(SEED + 1);
  const bySize = [...plan.files].sort((a, b) => a.size - b.size);
  const sample = [...new Set([bySize[0]!, bySize[bySize.length - 1]!, ...Array.from({ length: 6 }, () => random.pick(plan.files))].map((f) => f.path))];
  const scanned = await inProcess('scan', sample);
  const openssl = execFileSync('openssl', ['dgst', '-sha256', '-r', ...sample.map((p) => join(tree, p))], { encoding: 'utf8' });
  const expected = new Map(openssl.trim().split('\n').map((line) => [relative(tree, line.slice(66).replace(/^\*/, '')), line.slice(0, 64)]));
  const wrong = sample.filter((p) => scanned.hashes[p] !== expected.get(p));
  if (wrong.length > 0) throw new Error(`scanTree's SHA-256 differs from openssl's for ${wrong.join(', ')}`);
  console.log(`hash check: scanTree's SHA-256 of ${sample.length} files (${fmt(bySize[0]!.size)} to ${fmt(bySize[bySize.length - 1]!.size)} bytes) = openssl's (untimed${generatedNow ? '' : '; this read also warms the cache for those files'})`);
}

// ---- Rounds --------------------------------------------------------------------------------------
interface Sample { seconds: number; wall: number; cpuSeconds: number | null; peakMb: number }
const first = new Map<string, Sample>();
const warm = new Map<string, Sample[]>(TOOLS.map((t) => [t.key, []]));
const SHORT: Record<string, string> = { cli: 'weerbaar snapshot', scan: 'scanTree', manifest: 'scanTree+manifest', openssl: 'openssl', b3sum: 'b3sum' };
const loadStart = loadavg()[0]!;
console.log(
  `\nrounds: 1 first (${generatedNow ? 'warm: the tree was just written and fits in memory' : 'cold only if the tree is not in the page cache; caches are not dropped'}), then ${RUNS} warm; tools in a rotating order`,
);
for (let round = 0; round <= RUNS; round++) {
  const order = TOOLS.map((_, i) => TOOLS[(i + round) % TOOLS.length]!);
  for (const tool of order) {
    const s = await tool.run();
    if (round === 0) first.set(tool.key, s);
    else warm.get(tool.key)!.push(s);
    const inside = s.seconds !== s.wall ? ` (process ${s.wall.toFixed(2)} s)` : '';
    console.log(
      `  ${round === 0 ? 'first' : `warm ${round}`.padEnd(5)}  ${SHORT[tool.key]!.padEnd(17)} ${s.seconds.toFixed(2).padStart(7)} s${inside}  ${fmt(plan.bytes / 1e6 / s.seconds).padStart(6)} MB/s  ` +
        `${fmt(plan.files.length / s.seconds).padStart(7)} files/s${s.cpuSeconds === null ? '' : `  CPU ${s.cpuSeconds.toFixed(1)} s`}  peak ${fmt(s.peakMb)} MB`,
    );
  }
}
const loadEnd = loadavg()[0]!;

// ---- Results -----------------------------------------------------------------------------------
interface Summary { key: string; label: string; first: number; median: number; cpu: number | null; peakMb: number; mbs: number; filesPerSecond: number }
const summaries: Summary[] = TOOLS.map((t) => {
  const runs = warm.get(t.key)!;
  const m = median(runs.map((r) => r.seconds));
  const cpuTimes = runs.map((r) => r.cpuSeconds).filter((c): c is number => c !== null);
  return { key: t.key, label: t.label, first: first.get(t.key)!.seconds, median: m, cpu: cpuTimes.length ? median(cpuTimes) : null, peakMb: Math.max(first.get(t.key)!.peakMb, ...runs.map((r) => r.peakMb)), mbs: plan.bytes / 1e6 / m, filesPerSecond: plan.files.length / m };
});
const get = (key: string) => summaries.find((s) => s.key === key)!;
const cliRun = get('cli');
const opensslRun = get('openssl');
const b3sumRun = get('b3sum');
const vsOpenssl = (s: Summary) => opensslRun.median / s.median;
const vsB3sum = (s: Summary) => b3sumRun.median / s.median;
const ratio = vsOpenssl(cliRun);
const manifestCost = get('manifest').median - get('scan').median;
const cliRest = cliRun.median - get('manifest').median;
console.log(
  `\nweerbaar snapshot / openssl = ${ratio.toFixed(2)} of openssl's throughput (aim ≥ 0.80: ${ratio >= 0.8 ? 'met' : 'NOT met'}); / b3sum = ${vsB3sum(cliRun).toFixed(2)}` +
    `\nwhere the CLI's ${cliRun.median.toFixed(2)} s go (medians): scanning + hashing ${get('scan').median.toFixed(2)} s, manifest lines + leaf hashes + write ${manifestCost.toFixed(2)} s, ` +
    `start-up + signing + case store ${cliRest.toFixed(2)} s` +
    `\nload average (1 min) ${loadStart.toFixed(2)} at the start of the rounds, ${loadEnd.toFixed(2)} at the end (${machine.cores} cores)`,
);

const date = new Date().toISOString().slice(0, 10);
const cpuCell = (s: Summary) => (s.cpu === null ? '—' : `${s.cpu.toFixed(1)} s (${(s.cpu / s.median).toFixed(1)} cores)`);
const rows = summaries.map(
  (s, i) =>
    `| ${i === 0 ? date : ''} | ${s.label} | ${s.first.toFixed(2)} s | ${s.key === 'cli' ? '**' : ''}${s.median.toFixed(2)} s${s.key === 'cli' ? '**' : ''} | ${fmt(s.mbs)} | ${fmt(s.filesPerSecond)} | ` +
    `${cpuCell(s)} | ${fmt(s.peakMb)} MB | ${s.key === 'openssl' ? '1' : vsOpenssl(s).toFixed(2)} | ${s.key === 'b3sum' ? '1' : vsB3sum(s).toFixed(2)} |`,
);
const block = [
  '<!-- integrity-bench:start -->',
  `Machine: ${machine.cores} cores (${machine.model}${machine.shaNi ? ', SHA-NI' : ''}), ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.openssl}, ${machine.b3sum}` +
    `${machine.debian ? ` (Debian packages: ${machine.debian})` : ''}. Load average ${loadStart.toFixed(2)} → ${loadEnd.toFixed(2)} during the rounds.`,
  `Tree: ${fmt(plan.bytes / MiB)} MiB (${fmt(plan.bytes / 1e6)} MB) in ${fmt(plan.files.length)} files (${fmt(plan.small)} of ≤ 64 KiB holding ${fmt((100 * smallBytes) / plan.bytes)} % of the bytes, ` +
    `${fmt(plan.large)} of 1–64 MiB) and ${fmt(plan.folders.length)} folders, random bytes, seed ${SEED}. Page cache: warm after the first round (${generatedNow ? 'the first too: the tree was just written' : 'the first cold only if the tree was not cached'}); caches not dropped.`,
  `Product: ${machine.hashingThreads} hashing threads; baselines: \`xargs -P ${PARALLEL}\` (b3sum also threads large files itself). First run, then the median of ${RUNS} warm runs, tools alternating.`,
  '',
  '| date | tool | first run | median warm | MB/s | files/s | CPU (user+sys) | peak RSS | vs openssl | vs b3sum |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
  `Snapshot / openssl throughput: **${ratio.toFixed(2)}** (aim ≥ 0.80: ${ratio >= 0.8 ? 'met' : 'not met'}). Of the CLI's ${cliRun.median.toFixed(2)} s: scanning + hashing ${get('scan').median.toFixed(2)} s, ` +
    `manifest lines + leaf hashes + write ${manifestCost.toFixed(2)} s, start-up + signing + case store ${cliRest.toFixed(2)} s.`,
  '<!-- integrity-bench:end -->',
].join('\n');
console.log(`\nfor bench/RESULTS.md:\n\n${block}`);
