/**
 * Hunt at scale: the whole Sigma corpus (../shared/corpora/sigma/rules) plus the built-in NetScaler
 * pack plus 100,000 IOCs over at least 10 million events — the issue's acceptance. Measured:
 *  (a) Sigma load + compile of the corpus through `loadSigmaDetections` (the compiled product),
 *      several iterations: rule files and compiled rules per second;
 *  (b) the real `weerbaar hunt --rules <corpus> --ioc <100k CSV> --json` in its own process: wall
 *      seconds, events/s, detections, peak resident memory (VmHWM read from /proc);
 *  (c) where the hunt's time goes: every event-store call of that process is timed by a preload
 *      (bench/hunt-stages.mjs) and summed per stage (Sigma rules, NetScaler rules, IOC joins, other
 *      queries); the rest is JavaScript (start-up, rule loading, IOC parsing, triage).
 * Baseline in the same run: ripgrep with the IOC values as fixed strings (`rg -F -c -z -f`) over
 * the same raw log files.
 *
 * The scenario's logs are generated and ingested through the real `weerbaar evidence add` once per
 * scale and cached under bench/.cache/hunt-scale-N (gitignored); later runs reuse the workspace.
 * Ingest time is printed, not measured here (bench/ingest.bench.ts does that).
 * Usage: npm run bench:hunt [-- --scale N --iocs N --iterations N --compare-no-ioc --no-record]
 * (defaults: scale 53 ≈ 10.2 million events — about 191,500 per scale unit plus 17,000 that do not
 * scale —, 100,000 IOCs, 20 compile iterations).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { watchPeakMemory } from './peak-memory.js';
import { generateScenario } from '../src/scenario/example-prosecution-service.js';
import { writeScenarioLogs } from '../src/scenario/scenario-logs.js';
import { SeededRandom } from '../src/scenario/seeded-random.js';
import type * as SigmaDetections from '../src/detection/sigma-detections.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const flag = (name: string) => process.argv.includes(`--${name}`);
const SCALE = arg('scale', 53);
const IOC_COUNT = arg('iocs', 100_000);
const ITERATIONS = arg('iterations', 20);
const COMPARE_NO_IOC = flag('compare-no-ioc');
const RECORD = !flag('no-record');
const MIN_EVENTS = 10_000_000;

const repo = new URL('..', import.meta.url).pathname;
const cli = join(repo, 'bin', 'weerbaar.js');
const rulesDir = join(repo, '..', 'shared', 'corpora', 'sigma', 'rules');
if (!existsSync(rulesDir)) throw new Error(`Sigma corpus missing: ${rulesDir} (../shared/corpora must sit beside the repository)`);
const dist = (path: string) => new URL(`../dist/${path}`, import.meta.url).href;
const { loadSigmaDetections } = (await import(dist('detection/sigma-detections.js'))) as typeof SigmaDetections;

const cache = join(repo, 'bench', '.cache', `hunt-scale-${SCALE}`);
const logs = join(cache, 'logs');
const ws = join(cache, 'ws');
const seconds = (t0: number) => (performance.now() - t0) / 1000;
const fmt = (n: number, digits = 0) => n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });

// ---- Evidence: generated and ingested once per scale ------------------------------------------
interface Prepared {
  scale: number;
  files: { path: string; gzip: boolean; uncompressedBytes: number; lines: number }[];
  uncompressedBytes: number;
  events: number;
  failures: number;
  generateSeconds: number;
  ingestSeconds: number;
}
const preparedFile = join(cache, 'prepared.json');
let prepared: Prepared;
if (existsSync(preparedFile)) {
  prepared = JSON.parse(await readFile(preparedFile, 'utf8')) as Prepared;
  console.log(`reusing ${relative(repo, cache)}: ${fmt(prepared.events)} events, ${fmt(prepared.uncompressedBytes / 1e6)} MB (generated in ${prepared.generateSeconds.toFixed(0)} s, ingested in ${prepared.ingestSeconds.toFixed(0)} s)`);
} else {
  await rm(cache, { recursive: true, force: true });
  await mkdir(cache, { recursive: true });
  let t0 = performance.now();
  const generated = await writeScenarioLogs(generateScenario(), logs, { scale: SCALE });
  const generateSeconds = seconds(t0);
  console.log(`generated scale ${SCALE}: ${generated.files.length} files, ${fmt(generated.uncompressedBytes / 1e6)} MB uncompressed in ${generateSeconds.toFixed(1)} s`);
  execFileSync('node', [cli, 'init', ws, '--timezone', 'Europe/Amsterdam'], { stdio: 'ignore' });
  let events = 0;
  let failures = 0;
  t0 = performance.now();
  // As an investigator would: each gateway's collected tree with its host, then the other sources.
  for (const [paths, host] of [[['gateway-ns-gw-01'], 'ns-gw-01'], [['gateway-ns-gw-02'], 'ns-gw-02'], [['apps', 'network'], null]] as const) {
    const t1 = performance.now();
    const out = execFileSync('node', [cli, '-w', ws, 'evidence', 'add', '--json', ...(host ? ['--host', host] : []), ...paths.map((p) => join(logs, p))], { maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'] });
    const parsed = (JSON.parse(out.toString()) as { parsed: { events: number; failures: number }[] }).parsed;
    const e = parsed.reduce((n, p) => n + p.events, 0);
    events += e;
    failures += parsed.reduce((n, p) => n + p.failures, 0);
    console.log(`  evidence add ${paths.join(' ')}: ${fmt(e)} events in ${seconds(t1).toFixed(1)} s`);
  }
  const ingestSeconds = seconds(t0);
  prepared = {
    scale: SCALE,
    files: generated.files.map((f) => ({ path: f.path, gzip: f.path.endsWith('.gz'), uncompressedBytes: f.uncompressedBytes, lines: f.lines })),
    uncompressedBytes: generated.uncompressedBytes,
    events,
    failures,
    generateSeconds,
    ingestSeconds,
  };
  await writeFile(preparedFile, JSON.stringify(prepared, null, 2));
  console.log(`ingested ${fmt(events)} events (${failures} failures) in ${ingestSeconds.toFixed(1)} s = ${fmt(prepared.uncompressedBytes / 1e6 / ingestSeconds, 1)} MB/s (not what this bench measures)`);
}
if (prepared.events < MIN_EVENTS) console.log(`note: ${fmt(prepared.events)} events, fewer than the acceptance's ${fmt(MIN_EVENTS)} (about 191,500 per scale unit plus 17,000: use --scale ≥ 53)`);
const logFiles = prepared.files.map((f) => join(logs, f.path));

// ---- IOCs: deterministic, mostly absent from the logs, a few present ---------------------------
// The scenario's addresses are 10/8, 192.0.2/24, 198.18/15, 198.51.100/24 and 203.0.113/24; random
// addresses are drawn from first octets 31–95 and networks from 100–180 (not 126), so they miss.
const PRESENT: readonly [string, string][] = [
  ['ip', '198.51.100.23'], // the attacker's address (scenario-attack.ts)
  ['cidr', '203.0.113.0/24'], // exploit and exfiltration addresses
  ['domain', 'transfer-share.example'], // exfiltration target
  ['domain', 'maps.example.com'], // ordinary browsing: many hits
  ['user-agent', 'python-requests/2.32.3'], // the exploit's script
  ['ip', '192.0.2.10'], // the gateway's virtual server: very many hits
];
function generateIocs(count: number): { csv: string; literals: string } {
  const random = new SeededRandom(20251201);
  const rows: [string, string][] = [...PRESENT];
  const seen = new Set(rows.map(([, v]) => v));
  const add = (type: string, value: string) => {
    if (seen.has(value)) return;
    seen.add(value);
    rows.push([type, value]);
  };
  const absent = count - PRESENT.length;
  const quota = { ip: Math.round(absent * 0.8), cidr: Math.round(absent * 0.15), domain: Math.round(absent * 0.04) };
  while (rows.length < PRESENT.length + quota.ip) add('ip', `${random.int(31, 95)}.${random.int(0, 255)}.${random.int(0, 255)}.${random.int(1, 254)}`);
  while (rows.length < PRESENT.length + quota.ip + quota.cidr) {
    const first = random.int(100, 180);
    if (first !== 126) add('cidr', `${first}.${random.int(0, 255)}.${random.int(0, 255)}.0/24`);
  }
  while (rows.length < PRESENT.length + quota.ip + quota.cidr + quota.domain) add('domain', `c2-${random.int(0, 1 << 30).toString(36)}.${['cdn', 'update', 'mail', 'api'][random.int(0, 3)]}-threat.example`);
  while (rows.length < count) add('user-agent', `Mozilla/5.0 (compatible; BenchBot/${random.int(1, 9)}.${random.int(0, 99)}; +${random.int(0, 1 << 30).toString(36)})`);
  const csv = ['type,value,confidence,source,valid_until', ...rows.map(([type, value], i) => `${type},"${value}",${i < PRESENT.length ? 90 : 50},bench,`)].join('\n') + '\n';
  // For ripgrep: each value as a fixed string; a /24 as its address prefix ("100.2.3.").
  const literals = rows.map(([type, value]) => (type === 'cidr' ? value.replace(/0\/24$/, '') : value)).join('\n') + '\n';
  return { csv, literals };
}
const iocCsv = join(cache, `iocs-${IOC_COUNT}.csv`);
const iocLiterals = join(cache, `iocs-${IOC_COUNT}.txt`);
{
  const { csv, literals } = generateIocs(IOC_COUNT);
  await writeFile(iocCsv, csv);
  await writeFile(iocLiterals, literals);
}

// ---- (a) Sigma load + compile ----------------------------------------------------------------
let t0 = performance.now();
const first = await loadSigmaDetections([rulesDir]);
const coldSeconds = seconds(t0);
const ruleFiles = first.rules.length + first.correlations.rules.length + first.notApplicable.length + first.failed.length;
const compiledRules = first.rules.length + first.correlations.rules.length;
t0 = performance.now();
for (let i = 0; i < ITERATIONS; i++) await loadSigmaDetections([rulesDir]);
const warmSeconds = seconds(t0) / ITERATIONS;
const compile = { ruleFiles, compiledRules, coldSeconds, warmSeconds, filesPerSecond: ruleFiles / warmSeconds, compiledPerSecond: compiledRules / warmSeconds };
console.log(
  `Sigma load+compile of ${ruleFiles} corpus rules (${compiledRules} compiled, ${first.notApplicable.length} not applicable, ${first.failed.length} failed): ` +
    `first ${(coldSeconds * 1000).toFixed(0)} ms, then ${(warmSeconds * 1000).toFixed(1)} ms per load (mean of ${ITERATIONS}) = ${fmt(compile.filesPerSecond)} rules/s (${fmt(compile.compiledPerSecond)} compiled rules/s)`,
);

// ---- (b)+(c) The hunt in its own process -------------------------------------------------------
interface Call { stage: string; label: string; at: number; ms: number }
interface HuntRun {
  seconds: number;
  peakMb: number;
  code: number | null;
  report: { detections: number; rules: { builtin: number; sigma: number; correlations: number; triage: number }; failed: unknown[]; notApplicable: unknown[]; errors: { rule: string; reason: string }[]; iocs: { files: { loaded: number; rejected: number; unsupported: number }[]; matching: { matchable: number; detections: number; indicatorsHit: number } | null } };
  calls: Call[];
}
async function runHunt(withIocs: boolean): Promise<HuntRun> {
  const stagesFile = join(cache, `stages-${withIocs ? 'ioc' : 'no-ioc'}.json`);
  await rm(stagesFile, { force: true });
  const args = ['--import', new URL('./hunt-stages.mjs', import.meta.url).href, cli, '-w', ws, 'hunt', '--rules', rulesDir, ...(withIocs ? ['--ioc', iocCsv] : []), '--json'];
  const start = performance.now();
  const child = spawn('node', args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, WEERBAAR_BENCH_STAGES: stagesFile } });
  const stopWatching = watchPeakMemory(child);
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const peakKb = stopWatching();
  const wall = seconds(start);
  if (code !== 0) throw new Error(`weerbaar hunt exited with ${code}: ${Buffer.concat(chunks).toString().slice(0, 2000)}`);
  const stages = JSON.parse(await readFile(stagesFile, 'utf8')) as { calls: Call[] };
  return { seconds: wall, peakMb: peakKb / 1024, code, report: JSON.parse(Buffer.concat(chunks).toString()) as HuntRun['report'], calls: stages.calls };
}
function stageSeconds(calls: readonly Call[]): Record<string, number> {
  const out: Record<string, number> = { sigma: 0, netscaler: 0, ioc: 0, other: 0 };
  for (const c of calls) out[c.stage] = (out[c.stage] ?? 0) + c.ms / 1000;
  return out;
}

console.log(`hunt: ${fmt(prepared.events)} events, ${ruleFiles} Sigma rules + NetScaler pack + ${fmt(IOC_COUNT)} IOCs …`);
const hunt = await runHunt(true);
const stages = stageSeconds(hunt.calls);
const storeSeconds = Object.values(stages).reduce((a, b) => a + b, 0);
const jsSeconds = hunt.seconds - storeSeconds;
const r = hunt.report;
const iocFile = r.iocs.files[0];
console.log(`  ${hunt.seconds.toFixed(1)} s = ${fmt(prepared.events / hunt.seconds)} events/s, ${fmt(r.detections)} detections, peak resident memory ${hunt.peakMb.toFixed(0)} MB`);
console.log(`  rules run: ${r.rules.builtin} built-in, ${r.rules.sigma} Sigma, ${r.rules.correlations} correlations, ${r.rules.triage} triage; ${r.failed.length} failed, ${r.notApplicable.length} not applicable, ${r.errors.length} refused`);
for (const e of r.errors) console.log(`  refused: ${e.rule}: ${e.reason}`);
console.log(`  IOCs: ${fmt(iocFile?.loaded ?? 0)} loaded, ${iocFile?.rejected ?? 0} rejected, ${iocFile?.unsupported ?? 0} unsupported; ${fmt(r.iocs.matching?.detections ?? 0)} IOC detections from ${r.iocs.matching?.indicatorsHit ?? 0} indicators`);
console.log(`  where the time goes: Sigma rules ${stages['sigma']!.toFixed(1)} s, NetScaler rules ${stages['netscaler']!.toFixed(1)} s, IOC joins ${stages['ioc']!.toFixed(1)} s, other queries (sessions, summary, triage) ${stages['other']!.toFixed(1)} s, outside the store (start-up, loading, triage files) ${jsSeconds.toFixed(1)} s`);
const slowest = [...hunt.calls].sort((a, b) => b.ms - a.ms).slice(0, 6);
for (const c of slowest) console.log(`    ${(c.ms / 1000).toFixed(1).padStart(6)} s  ${c.stage.padEnd(9)} ${c.label.slice(0, 110)}`);

let noIoc: HuntRun | null = null;
if (COMPARE_NO_IOC) {
  noIoc = await runHunt(false);
  console.log(`  without --ioc: ${noIoc.seconds.toFixed(1)} s, ${fmt(noIoc.report.detections)} detections, peak ${noIoc.peakMb.toFixed(0)} MB: the IOCs add ${(hunt.seconds - noIoc.seconds).toFixed(1)} s`);
}

// ---- Baseline: ripgrep with the IOC values as fixed strings ------------------------------------
t0 = performance.now();
const rg = spawnSync('rg', ['-F', '-c', '-z', '--no-filename', '-f', iocLiterals, ...logFiles], { maxBuffer: 1 << 26 });
const rgSeconds = seconds(t0);
if (rg.status !== 0 && rg.status !== 1) throw new Error(`rg failed (${rg.status}): ${rg.stderr.toString()}`);
const rgLines = rg.stdout.toString().split('\n').filter(Boolean).reduce((n, line) => n + Number(line), 0);
const ratio = hunt.seconds / rgSeconds;
console.log(`baseline rg -F -c -z -f (${fmt(IOC_COUNT)} IOC values) over ${logFiles.length} files, ${fmt(prepared.uncompressedBytes / 1e6)} MB: ${rgSeconds.toFixed(1)} s, ${fmt(rgLines)} matching lines; hunt / rg = ${ratio.toFixed(1)}×`);

// ---- Results ---------------------------------------------------------------------------------
const date = new Date().toISOString().slice(0, 10);
const machine = `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB`;
const row =
  `| ${date} | ${SCALE} | ${fmt(prepared.events / 1e6, 2)} M | ${ruleFiles} (${compiledRules} compiled) + ${r.rules.builtin} built-in | ${fmt(iocFile?.loaded ?? 0)} | ` +
  `**${hunt.seconds.toFixed(1)} s** | ${fmt(prepared.events / hunt.seconds)} | ${fmt(r.detections)} (IOC ${fmt(r.iocs.matching?.detections ?? 0)}) | ${hunt.peakMb.toFixed(0)} MB | ` +
  `${fmt(compile.filesPerSecond)} (${fmt(compile.compiledPerSecond)} compiled) | ${rgSeconds.toFixed(1)} s | ${ratio.toFixed(1)}× |`;
const stageRow =
  `| ${date} | ${stages['sigma']!.toFixed(1)} s | ${stages['netscaler']!.toFixed(1)} s | ${stages['ioc']!.toFixed(1)} s | ${stages['other']!.toFixed(1)} s | ${jsSeconds.toFixed(1)} s | ` +
  `${slowest[0] ? `${slowest[0].label.replace(/\|/g, '/').slice(0, 60)}: ${(slowest[0].ms / 1000).toFixed(1)} s` : '-'} |${noIoc ? ` without --ioc ${noIoc.seconds.toFixed(1)} s |` : ' — |'}`;
console.log('\ncolumns: date | scale | events | Sigma rules + built-in | IOCs | hunt | events/s | detections | peak RSS | Sigma rules/s | rg -F -f | hunt/rg');
console.log(row);
console.log('stages: date | Sigma rules | NetScaler rules | IOC joins | other store | outside the store | slowest statement | without --ioc');
console.log(stageRow);

if (RECORD) {
  const results = join(repo, 'bench', 'RESULTS.md');
  const text = await readFile(results, 'utf8');
  const START = '<!-- hunt-bench:start -->';
  const END = '<!-- hunt-bench:end -->';
  const block = [
    START,
    `Machine: ${machine}. Evidence: scenario scale ${SCALE}, ${fmt(prepared.uncompressedBytes / 1e6)} MB uncompressed, ${fmt(prepared.events)} events (ingested once through \`evidence add\` in ${prepared.ingestSeconds.toFixed(0)} s, not measured here).`,
    '',
    '| date | scale | events | Sigma rules + built-in | IOCs | `weerbaar hunt` | events/s | detections | peak RSS | Sigma load+compile, rules/s | baseline `rg -F -c -z -f` | hunt / rg |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    row,
    '',
    'Where the hunt\'s time goes (event-store calls timed inside the hunt process):',
    '',
    '| date | Sigma rules | NetScaler rules | IOC joins | other queries | outside the store | slowest statement | without `--ioc` |',
    '|---|---|---|---|---|---|---|---|',
    stageRow,
    END,
  ].join('\n');
  let next: string;
  if (text.includes(START) && text.includes(END)) next = text.slice(0, text.indexOf(START)) + block + text.slice(text.indexOf(END) + END.length);
  else {
    next =
      text.trimEnd() +
      '\n\n## Hunt (`bench/hunt.bench.ts`)\n' +
      'The whole Sigma corpus (`../shared/corpora/sigma/rules`), the built-in NetScaler pack and 100,000 IOCs (CSV: 80 % IPv4\n' +
      'addresses, 15 % /24 networks, 4 % domains, the rest user agents, all absent from the logs but for six that occur) through\n' +
      'the real `weerbaar hunt --rules … --ioc … --json` in its own process over the demo scenario\'s logs, ingested once and\n' +
      'cached. Sigma load+compile: `loadSigmaDetections` over the corpus, mean of repeated loads after a first one. Baseline in\n' +
      'the same run: `rg -F -c -z -f` with the IOC values as fixed strings (a /24 as its address prefix) over the raw files.\n\n' +
      block +
      '\n';
  }
  await writeFile(results, next);
  console.log(`recorded in ${relative(repo, results)}`);
}
