/**
 * Ingest throughput: the demo scenario's logs generated at a scale of at least 1 GB, parsed and
 * bulk-loaded into DuckDB through the product's own pipeline (the compiled build, so that worker
 * threads parse files in parallel as in `weerbaar evidence add`). Per format: MB/s (uncompressed
 * bytes) and events/s; overall: everything in one run with peak resident memory. Baseline in the
 * same run: `rg -c ''` (ripgrep counting lines, `-z` for gzip rotations) over the same files — the
 * cost of merely reading every line.
 * Last, one large file (the gateway's ns.log rotations concatenated to at least --big-gb GB) goes
 * through the real `weerbaar evidence add` in its own process — custody hash and vault copy
 * included — with its peak resident memory read from /proc: the bounded-memory claim, measured.
 * Usage: npm run bench:ingest [-- --scale N --big-gb G] (defaults 40 ≈ 1 GB of ns.log, 2 GB).
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { watchPeakMemory } from './peak-memory.js';
import { gunzipSync } from 'node:zlib';
import { generateScenario } from '../src/scenario/example-prosecution-service.js';
import { writeScenarioLogs } from '../src/scenario/scenario-logs.js';
import type * as DetectFormat from '../src/ingest/detect-format.js';
import type * as IngestEvidence from '../src/ingest/ingest-evidence.js';
import type * as DuckdbStore from '../src/store/duckdb-event-store.js';
import type * as ParserRegistry from '../src/ingest/parser-registry.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SCALE = arg('scale', 40);
const BIG_GB = arg('big-gb', 2);

// The compiled product: worker threads need JavaScript modules, so the pipeline comes from dist/.
const dist = (path: string) => new URL(`../dist/${path}`, import.meta.url).href;
const { detectFormat } = (await import(dist('ingest/detect-format.js'))) as typeof DetectFormat;
const { ingestFiles } = (await import(dist('ingest/ingest-evidence.js'))) as typeof IngestEvidence;
const { DuckdbEventStore } = (await import(dist('store/duckdb-event-store.js'))) as typeof DuckdbStore;
const { isParseable } = (await import(dist('ingest/parser-registry.js'))) as typeof ParserRegistry;

const mb = (bytes: number) => bytes / 1e6;
const root = await mkdtemp(join(tmpdir(), 'weerbaar-bench-ingest-'));
try {
  const logs = join(root, 'logs');
  const started = performance.now();
  const generated = await writeScenarioLogs(generateScenario(), logs, { scale: SCALE });
  const generateSeconds = (performance.now() - started) / 1000;
  console.log(`generated ${generated.files.length} files, ${mb(generated.uncompressedBytes).toFixed(0)} MB uncompressed (${mb(generated.totalBytes).toFixed(0)} MB on disk) in ${generateSeconds.toFixed(1)} s`);

  type Target = Parameters<typeof ingestFiles>[1][number];
  const targets: Target[] = [];
  for (const file of generated.files) {
    const path = join(logs, file.path);
    const head = (await readFile(path)).subarray(0, 65536);
    const gzip = head[0] === 0x1f && head[1] === 0x8b;
    const format = detectFormat(path, gzip ? gunzipSync(head, { finishFlush: 2 }) : head);
    if (!isParseable(format)) throw new Error(`${file.path}: format not detected`);
    targets.push({ sha256: file.path.replaceAll('/', '_'), file: path, gzip, format, originalPath: file.path, host: null, options: { path: file.path, timeZone: 'Europe/Amsterdam', referenceTime: Date.parse('2025-07-21T00:00:00Z') } });
  }
  const bytesOf = (list: Target[]) => list.reduce((n, t) => n + (generated.files.find((f) => f.path === t.originalPath)?.uncompressedBytes ?? 0), 0);

  const ripgrep = (files: string[]) => {
    const t0 = performance.now();
    execFileSync('rg', ['-c', '-z', '--no-filename', '', ...files], { maxBuffer: 1 << 26 });
    return (performance.now() - t0) / 1000;
  };
  const ingest = async (list: Target[]) => {
    const dir = await mkdtemp(join(root, 'store-'));
    const store = await DuckdbEventStore.open({ engine: 'duckdb', path: join(dir, 'events.duckdb') });
    const t0 = performance.now();
    const stats = await ingestFiles(store, list, { workDir: dir });
    const seconds = (performance.now() - t0) / 1000;
    await store.close();
    await rm(dir, { recursive: true, force: true });
    let events = 0;
    let failures = 0;
    for (const s of stats.values()) {
      events += s.events;
      failures += s.failures;
    }
    return { seconds, events, failures };
  };

  const rows: string[] = [];
  const formats = [...new Set(targets.map((t) => t.format))];
  for (const format of formats) {
    const list = targets.filter((t) => t.format === format);
    const bytes = bytesOf(list);
    const run = await ingest(list);
    const rg = ripgrep(list.map((t) => t.file));
    const row = `| ${format} | ${list.length} | ${mb(bytes).toFixed(0)} MB | ${(mb(bytes) / run.seconds).toFixed(1)} MB/s | ${Math.round(run.events / run.seconds).toLocaleString('en')} events/s | ${run.failures} | ${(mb(bytes) / rg).toFixed(0)} MB/s | ${(rg / run.seconds).toFixed(3)} |`;
    console.log(row);
    rows.push(row);
  }
  const all = await ingest(targets);
  const allBytes = bytesOf(targets);
  const rgAll = ripgrep(targets.map((t) => t.file));
  const peak = process.resourceUsage().maxRSS / 1024;
  console.log(`| all formats | ${targets.length} | ${mb(allBytes).toFixed(0)} MB | ${(mb(allBytes) / all.seconds).toFixed(1)} MB/s | ${Math.round(all.events / all.seconds).toLocaleString('en')} events/s | ${all.failures} | ${(mb(allBytes) / rgAll).toFixed(0)} MB/s | ${(rgAll / all.seconds).toFixed(3)} |`);
  console.log(`peak resident memory (whole process: main thread, workers, DuckDB): ${peak.toFixed(0)} MB`);
  console.log('columns: format | files | uncompressed | ingest MB/s | events/s | failures | rg -c MB/s | ingest/rg');

  // One large file, the real command, its own process.
  const bigDir = join(root, 'big');
  await mkdir(bigDir);
  const big = join(bigDir, 'ns.log');
  const rotations = targets.filter((t) => t.format === 'netscaler-syslog' && t.originalPath.startsWith('gateway-ns-gw-01/'));
  const out = createWriteStream(big);
  while (out.bytesWritten < BIG_GB * 1e9) {
    for (const t of rotations) {
      for await (const chunk of t.gzip ? createReadStream(t.file).pipe(createGunzip()) : createReadStream(t.file)) {
        if (!out.write(chunk)) await once(out, 'drain');
      }
    }
  }
  await new Promise<void>((resolve) => out.end(resolve));
  const bigBytes = (await stat(big)).size;
  const cli = new URL('../bin/weerbaar.js', import.meta.url).pathname;
  const ws = join(root, 'ws');
  execFileSync('node', [cli, 'init', ws, '--timezone', 'UTC']);
  const t0 = performance.now();
  const child = spawn('node', [cli, '-w', ws, 'evidence', 'add', '--host', 'ns-gw-01', big], { stdio: ['ignore', 'pipe', 'inherit'] });
  const stopWatching = watchPeakMemory(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const peakKb = stopWatching();
  const seconds = (performance.now() - t0) / 1000;
  const rgBig = ripgrep([big]);
  console.log(output.trim().split('\n').pop());
  console.log(
    `one file, evidence add (custody + parse + load): ${mb(bigBytes).toFixed(0)} MB in ${seconds.toFixed(1)} s = ${(mb(bigBytes) / seconds).toFixed(1)} MB/s, exit ${code}, ` +
      `peak resident memory ${(peakKb / 1024).toFixed(0)} MB; rg -c: ${(mb(bigBytes) / rgBig).toFixed(0)} MB/s`,
  );
} finally {
  await rm(root, { recursive: true, force: true });
}
