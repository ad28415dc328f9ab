/**
 * Exposure at scale (issue 6 acceptance): a footprint correlated with 100 million data-access
 * audit events on DuckDB — seconds and peak memory. Measured, on the compiled product (dist/):
 *  - `accessScopes` once (the hijacked VPN session's attribution through its NAT address:
 *    session-attribution.ts), then `touchedRecords`: which records the footprint touched (one
 *    grouped query for all footprint addresses, one per hijacked session's scope);
 *  - `tableAccesses`: accesses a table-level audit logs, over the same scopes;
 *  - coverage: `sourceHours(store, system, 'app.data_access')` and `auditCoverage` for every audited
 *    system (the coverage half of the verdicts).
 * Each correlation runs in its own process (a fresh store opened with the product's defaults:
 * DuckDB memory_limit 256MB), with its peak resident memory (VmHWM) read from /proc, --runs times;
 * each run and the median are printed.
 * Baseline in the same run, on the same data: the same question as ONE hand-written DuckDB
 * aggregate over the events table (records per system and id from the footprint's addresses and
 * the NAT address), likewise in its own process — the floor of what the engine can do.
 *
 * The events are synthetic, generated inside DuckDB (INSERT … SELECT FROM range(), a fixed hash of
 * the row number, so every run builds the same rows), not through the ingest pipeline
 * (bench/ingest.bench.ts measures that): six systems over 28 days, one of them audited per table
 * (pgAudit-like), one with a planted six-hour gap; 5,000 internal staff addresses; the attacker's
 * three addresses and the hijacked session's NAT address on about 1 in 20,000 events (a few
 * thousand records), plus a handful of netscaler.syslog events of that VPN session (its owner's
 * and the attacker's). The database is cached under bench/.cache/exposure-<events>/ (gitignored).
 * Usage: npx tsx bench/exposure.bench.ts [--events N] [--runs N] (defaults 100,000,000 and 3;
 * the default drops to 20,000,000 when the disk has less than 25 GB free).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';
import { watchPeakMemory } from './peak-memory.js';
import type { Footprint, FootprintEntity } from '../src/detection/footprint.js';
import type { AuditLogging, CategorySelector } from '../src/inventory/inventory-model.js';
import type * as TouchedRecords from '../src/exposure/touched-records.js';
import type * as AuditCoverage from '../src/exposure/audit-coverage.js';
import type * as CoverageLedger from '../src/ingest/coverage-ledger.js';
import type * as DuckdbStore from '../src/store/duckdb-event-store.js';
import { arg, argText, dist, fmt, median, repo, seconds } from './bench-support.js';


const procStatus = (field: 'VmHWM' | 'VmRSS') => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;

// ---- The synthetic incident --------------------------------------------------------------------
/** Bump when the generated rows change: a cached database of another version is rebuilt. */
const GENERATOR = 2;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.UTC(2025, 5, 23); // Monday 23 June 2025, 28 days of audit
const END = START + 28 * DAY;
const ATTACK_FROM = START + 10 * DAY; // the attacker's own addresses reach the applications
const SESSION_START = START + 12 * DAY + 8 * HOUR; // the VPN session's owner logs in
const THEFT_FROM = START + 14 * DAY + 10 * HOUR; // the stolen session's first use from the attacker's address
const SESSION_END = START + 16 * DAY + 18 * HOUR; // the VPN session's last event
const GAP = { system: 'docstore', from: START + 20 * DAY + 8 * HOUR, to: START + 20 * DAY + 14 * HOUR };
/** Per 100,000 events: the attacker's addresses (from ATTACK_FROM), the NAT address (during the VPN session). */
const ATTACKER_PER_100K = 6;
const NAT_PER_100K = 10;
const STAFF = 5_000;
const RECORDS = 1_000_000;
const ATTACKER_ADDRESSES = ['198.51.100.23', '203.0.113.45', '203.0.113.77'];
const VPN_SESSION = '39482263';
const NAT = '10.20.3.77';
const OWNER_HOME = '145.53.12.7';
const OWNER = 42; // staff member u0042, office address 10.1.0.43
const user = (u: number) => `u${String(u).padStart(4, '0')}`;
const FLEET_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
];
const THIEF_AGENT = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const ATTACKER_AGENT = 'python-requests/2.32.3';
const ATTACKER_ACCOUNT = 'svc-backup';

/**
 * The audited systems. SQL expressions over `k` (0–99) and `n` (0–RECORDS-1), two independent draws
 * per row: the record type, and the record id (absent on a table-level audit).
 */
interface SystemSpec {
  readonly name: string;
  readonly prefix: string;
  readonly granularity: 'record' | 'table';
  readonly type: string;
  readonly id: string | null;
}
const SYSTEMS: readonly SystemSpec[] = [
  { name: 'cms-app', prefix: 'cm', granularity: 'record', type: `CASE WHEN k < 80 THEN 'case-file' ELSE 'oc-terrorism-file' END`, id: `CASE WHEN k < 80 THEN 'CF-' ELSE 'OC-' END || n` },
  { name: 'docstore', prefix: 'ds', granularity: 'record', type: `'document'`, id: `CASE WHEN k < 70 THEN '/cases/' WHEN k < 90 THEN '/ocl/' ELSE '/victim-care/shelters/' END || (n // 50) || '/doc-' || n || '.pdf'` },
  { name: 'hr-app', prefix: 'hr', granularity: 'record', type: `CASE WHEN k < 40 THEN 'hr-file' ELSE 'staff-directory-entry' END`, id: `CASE WHEN k < 40 THEN 'HR-' ELSE 'SD-' END || (n % 20000)` },
  { name: 'witness-register', prefix: 'wr', granularity: 'record', type: `'crown-witness'`, id: `'CW-' || (n % 50000)` },
  { name: 'informant-register', prefix: 'ir', granularity: 'record', type: `'informant-file'`, id: `'INF-' || (n % 10000)` },
  { name: 'hr-db', prefix: 'hd', granularity: 'table', type: `['personnel', 'salary', 'sick_leave', 'payroll_run'][k % 4 + 1]`, id: null },
];
const selector = (system: string, restriction: Partial<CategorySelector>): CategorySelector => ({ system, record_types: [], path_prefixes: [], record_ids: [], tags: [], ...restriction });
const CATEGORIES: readonly { id: string; selectors: readonly CategorySelector[] }[] = [
  { id: 'case-files', selectors: [selector('cms-app', { record_types: ['case-file'] }), selector('docstore', { path_prefixes: ['/cases/'] })] },
  { id: 'oc-terrorism-files', selectors: [selector('cms-app', { record_types: ['oc-terrorism-file'] }), selector('docstore', { path_prefixes: ['/ocl/'] })] },
  { id: 'shelter-addresses', selectors: [selector('docstore', { path_prefixes: ['/victim-care/shelters/'] })] },
  { id: 'hr-files', selectors: [selector('hr-app', { record_types: ['hr-file'] }), selector('hr-db', { record_types: ['personnel', 'salary', 'sick_leave'] })] },
  { id: 'staff-directory', selectors: [selector('hr-app', { record_types: ['staff-directory-entry'] })] },
  { id: 'crown-witnesses', selectors: [selector('witness-register', {})] },
  { id: 'informant-files', selectors: [selector('informant-register', {})] },
];
const LOGGING = (granularity: 'record' | 'table'): AuditLogging => ({ granularity, enabled_since: '2024-01-01T00:00:00.000Z', retention_days: 365, limits: null });

const iso = (ms: number) => new Date(ms).toISOString();
const entity = (kind: FootprintEntity['kind'], value: string, first: number, last: number): FootprintEntity => ({ kind, value, via: 'detection', rules: ['bench'], first: iso(first), last: iso(last), events: 1, decision: null });
/** By hand, as footprint.ts would derive it: the attacker's addresses and the hijacked VPN session. */
const PRINT: Footprint = {
  entities: [...ATTACKER_ADDRESSES.map((a) => entity('address', a, THEFT_FROM, SESSION_END)), entity('session', VPN_SESSION, THEFT_FROM, SESSION_END)],
  excluded: [],
};

/** Columns the generator fills; every other column of the events table stays NULL (message and fields too: nothing here reads them). */
const COLUMNS = ['event.id', '@timestamp', 'weerbaar.time_quality', 'event.dataset', 'weerbaar.evidence_sha256', 'log.file.path', 'weerbaar.line', 'log.offset', 'event.action', 'event.outcome', 'host.name', 'source.ip', 'source.nat.ip', 'user.name', 'user_agent.original', 'service.name', 'weerbaar.session_id', 'weerbaar.record.id', 'weerbaar.record.type', 'network.bytes'];
const q = (name: string) => `"${name}"`;
const lit = (text: string) => `'${text.replaceAll("'", "''")}'`;
const list = (items: readonly string[]) => `[${items.map(lit).join(', ')}]`;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** Rows [from, to) of one system's audit (of `rows`), in time order over the 28 days. */
function generateSql(system: SystemSpec, rows: number, from: number, to: number, idBase: number): string {
  const s = SYSTEMS.indexOf(system);
  const gap = system.name === GAP.system ? `CASE WHEN t0 >= ${GAP.from} AND t0 < ${GAP.to} THEN t0 + ${GAP.to - GAP.from} ELSE t0 END` : 't0';
  const day = `((t - ${START}) // ${DAY})`;
  const hourIndex = `((t - ${START}) // ${HOUR})`;
  const natTo = ATTACKER_PER_100K + NAT_PER_100K;
  return `INSERT INTO events (${COLUMNS.map(q).join(', ')})
WITH drawn AS (
  SELECT j, ${START} + (j * ${28 * DAY}) // ${rows} AS t0, hash(j, ${s}, 1) % 100000 AS f, hash(j, ${s}, 2) AS h2, hash(j, ${s}, 3) AS h3,
         hash(j, ${s}, 4) % 100 AS a, hash(j, ${s}, 5) AS h5
  FROM range(${from}, ${to}) r(j)
), timed AS (
  SELECT *, ${gap} AS t, (h2 % ${STAFF})::INTEGER AS u, ((h5 // 1000) % 100)::INTEGER AS k, ((h5 // 100000) % ${RECORDS})::BIGINT AS n FROM drawn
), kinded AS (
  SELECT *,
    CASE WHEN f < ${ATTACKER_PER_100K} AND t >= ${ATTACK_FROM} THEN 'attacker'
         WHEN f >= ${ATTACKER_PER_100K} AND f < ${natTo} AND t BETWEEN ${SESSION_START} AND ${SESSION_END} THEN (CASE WHEN t >= ${THEFT_FROM} AND h3 % 2 = 0 THEN 'thief' ELSE 'owner' END)
         ELSE 'staff' END AS kind,
    CASE WHEN a < 7 THEN 'login' WHEN a < 14 THEN 'logout' WHEN a < 29 THEN 'search' WHEN a < 79 THEN 'view' WHEN a < 89 THEN 'modify' WHEN a < 97 THEN 'download' ELSE 'export' END AS action
  FROM timed
)
SELECT ${idBase} + j + 1, epoch_ms(t), 'exact', 'app.data_access', ${lit(sha(system.name))}, ${lit(`apps/${system.name}/data-access.jsonl`)}, j + 1, j * 240, action, 'success', NULL,
  CASE kind WHEN 'staff' THEN '10.1.' || (u // 250) || '.' || (u % 250 + 1) WHEN 'attacker' THEN ${list(ATTACKER_ADDRESSES)}[(h3 % 3)::INTEGER + 1] ELSE ${lit(NAT)} END,
  NULL,
  CASE kind WHEN 'staff' THEN 'u' || lpad(u::VARCHAR, 4, '0') WHEN 'attacker' THEN ${lit(ATTACKER_ACCOUNT)} ELSE ${lit(user(OWNER))} END,
  CASE kind WHEN 'staff' THEN ${list(FLEET_AGENTS)}[u % ${FLEET_AGENTS.length} + 1] WHEN 'owner' THEN ${lit(FLEET_AGENTS[OWNER % FLEET_AGENTS.length]!)} WHEN 'thief' THEN ${lit(THIEF_AGENT)} ELSE ${lit(ATTACKER_AGENT)} END,
  ${lit(system.name)},
  CASE kind WHEN 'staff' THEN '${system.prefix}-' || u || '-' || ${day} WHEN 'owner' THEN '${system.prefix}-${OWNER}v-' || ${day} WHEN 'thief' THEN '${system.prefix}-x' || ${hourIndex} ELSE '${system.prefix}-a' || ${hourIndex} END,
  ${system.id === null ? 'NULL' : `CASE WHEN action IN ('login', 'logout', 'search') THEN NULL ELSE ${system.id} END`},
  CASE WHEN action IN ('login', 'logout') THEN 'session' ELSE ${system.type} END,
  CASE action WHEN 'login' THEN 0 WHEN 'logout' THEN 0 WHEN 'search' THEN 500 + h5 % 20000 WHEN 'view' THEN 2000 + h5 % 60000 WHEN 'modify' THEN 1000 + h5 % 10000 WHEN 'download' THEN 20000 + h5 % 2000000 ELSE 1000000 + h5 % 50000000 END
FROM kinded`;
}

/** The hijacked VPN session on the gateway: its owner's events from home, the attacker's from THEFT_FROM to its end. */
function vpnSessionSql(idBase: number): string {
  const events: [number, string, string][] = [[SESSION_START, OWNER_HOME, 'sslvpn.login']];
  for (let d = 12; d <= 16; d++) for (const h of [9, 13]) events.push([START + d * DAY + h * HOUR, OWNER_HOME, 'sslvpn.tcpconnstat']);
  events.push([THEFT_FROM, ATTACKER_ADDRESSES[0]!, 'sslvpn.tcpconnstat'], [THEFT_FROM + 2 * HOUR, ATTACKER_ADDRESSES[0]!, 'sslvpn.tcpconnstat'], [START + 15 * DAY + 3 * HOUR, ATTACKER_ADDRESSES[0]!, 'sslvpn.tcpconnstat'], [SESSION_END, ATTACKER_ADDRESSES[0]!, 'sslvpn.tcpconnstat']);
  const path = 'gateway-ns-gw-01/var/log/ns.log';
  const rows = events
    .sort((a, b) => a[0] - b[0])
    .map(([t, ip, action], i) => `(${idBase + i + 1}, epoch_ms(${t}), 'exact', 'netscaler.syslog', ${lit(sha(path))}, ${lit(path)}, ${i + 1}, ${i * 400}, ${lit(action)}, 'success', 'ns-gw-01', ${lit(ip)}, ${lit(NAT)}, ${lit(user(OWNER))}, NULL, NULL, ${lit(VPN_SESSION)}, NULL, NULL, NULL)`);
  return `INSERT INTO events (${COLUMNS.map(q).join(', ')}) VALUES ${rows.join(',\n')}`;
}

/** As DuckdbEventStore.open configures DuckDB (the product's defaults: memory_limit 256MB). */
const PRODUCT_DUCKDB = { preserve_insertion_order: 'false', memory_limit: '256MB', checkpoint_threshold: '1GB' };

// ---- Child processes: one correlation, or one baseline, in a fresh process ---------------------
interface ProductRun {
  touchedSeconds: number;
  tableSeconds: number;
  coverageSeconds: number;
  totalSeconds: number;
  records: number;
  ambiguousRecords: number;
  /** Footprint records through the hijacked session (the rest: from the attacker's addresses). */
  sessionRecords: number;
  touchedEvents: number;
  tableAccesses: number;
  reasons: string[];
  rssBeforeMb: number;
  peakMb: number;
}
interface BaselineRun {
  seconds: number;
  records: number;
  events: number;
  duckdb: string;
  memoryLimit: string;
  rssBeforeMb: number;
  peakMb: number;
}

async function productChild(db: string): Promise<ProductRun> {
  const { DuckdbEventStore } = (await import(dist('store/duckdb-event-store.js'))) as typeof DuckdbStore;
  const { accessScopes, touchedRecords, tableAccesses } = (await import(dist('exposure/touched-records.js'))) as typeof TouchedRecords;
  const { sourceHours } = (await import(dist('ingest/coverage-ledger.js'))) as typeof CoverageLedger;
  const { auditCoverage } = (await import(dist('exposure/audit-coverage.js'))) as typeof AuditCoverage;
  // As app-context.ts opens a workspace's event store without a configured memory_limit.
  const store = await DuckdbEventStore.open({ engine: 'duckdb', path: db });
  const rssBeforeMb = procStatus('VmRSS');
  const t0 = performance.now();
  // As the exposure report does: the footprint's scopes (hijacked-session attribution) once, for both.
  const scopes = await accessScopes(store, PRINT);
  const touched = await touchedRecords(store, PRINT, CATEGORIES, scopes);
  const t1 = performance.now();
  const tables = await tableAccesses(store, PRINT, scopes);
  const t2 = performance.now();
  const reasons: string[] = [];
  const window = { start: iso(START), end: iso(END - 1) }; // the 28 days the audit covers
  for (const system of SYSTEMS) {
    const hours = await sourceHours(store, system.name, 'app.data_access');
    const coverage = auditCoverage(system.name, LOGGING(system.granularity), { hours, failures: 0, collectedAt: iso(END + DAY) }, window, 'Europe/Amsterdam', new Date(END + DAY));
    reasons.push(...coverage.reasons.map((r) => `${r.code}: ${r.text}`));
  }
  const t3 = performance.now();
  await store.close();
  return {
    touchedSeconds: (t1 - t0) / 1000,
    tableSeconds: (t2 - t1) / 1000,
    coverageSeconds: (t3 - t2) / 1000,
    totalSeconds: (t3 - t0) / 1000,
    records: touched.filter((r) => r.attribution === 'footprint').length,
    ambiguousRecords: touched.filter((r) => r.attribution === 'ambiguous').length,
    sessionRecords: touched.filter((r) => r.attribution === 'footprint' && r.via.startsWith('session ')).length,
    touchedEvents: touched.reduce((n, r) => n + r.events, 0),
    tableAccesses: tables.length,
    reasons,
    rssBeforeMb,
    peakMb: procStatus('VmHWM'),
  };
}

async function baselineChild(db: string): Promise<BaselineRun> {
  const instance = await DuckDBInstance.create(db, PRODUCT_DUCKDB);
  const connection = await instance.connect();
  const rssBeforeMb = procStatus('VmRSS');
  const t0 = performance.now();
  const rows = (
    await connection.runAndReadAll(
      `SELECT "service.name" AS system, "weerbaar.record.id" AS id, min("@timestamp") AS first, max("@timestamp") AS last, sum("network.bytes") AS bytes, count(*) AS events
       FROM events
       WHERE "event.dataset" = 'app.data_access' AND "source.ip" IN (${[...ATTACKER_ADDRESSES, NAT].map(lit).join(', ')}) AND "weerbaar.record.id" <> ''
       GROUP BY "service.name", "weerbaar.record.id"`,
    )
  ).getRowObjectsJS();
  const elapsed = seconds(t0);
  const info = (await connection.runAndReadAll(`SELECT version() AS v, current_setting('memory_limit') AS m`)).getRowObjectsJS()[0]!;
  connection.closeSync();
  instance.closeSync();
  return { seconds: elapsed, records: rows.length, events: rows.reduce((n, r) => n + Number(r['events']), 0), duckdb: String(info['v']), memoryLimit: String(info['m']), rssBeforeMb, peakMb: procStatus('VmHWM') };
}

const child = argText('child');
if (child !== undefined) {
  const db = argText('db')!;
  const result = child === 'product' ? await productChild(db) : await baselineChild(db);
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
}

async function inOwnProcess<T extends { peakMb: number }>(kind: 'product' | 'baseline', db: string): Promise<T> {
  const proc = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', kind, '--db', db], { stdio: ['ignore', 'pipe', 'inherit'] });
  const stopWatching = watchPeakMemory(proc);
  const chunks: Buffer[] = [];
  proc.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  const code = await new Promise<number | null>((resolve) => proc.on('close', resolve));
  const watchedMb = stopWatching() / 1024;
  if (code !== 0) throw new Error(`the ${kind} run exited with ${code}: ${Buffer.concat(chunks).toString().slice(0, 2000)}`);
  const result = JSON.parse(Buffer.concat(chunks).toString()) as T;
  result.peakMb = Math.max(result.peakMb, watchedMb);
  return result;
}

// ---- Parent: data (generated once, cached), then the runs ----------------------------------------
const cacheRoot = join(repo, 'bench', '.cache');
await mkdir(cacheRoot, { recursive: true });
/** An upper bound: the DuckDB file measured 41 bytes per event at 1 M events, 19 at 100 M (1.9 GB). */
const BYTES_PER_EVENT = 45;
const MIN_FREE = 25e9;
const free = await statfs(cacheRoot).then((s) => s.bavail * s.bsize);
let EVENTS = arg('events', 100_000_000);
if (argText('events') === undefined && free < MIN_FREE) {
  EVENTS = 20_000_000;
  console.log(`only ${fmt(free / 1e9, 1)} GB free under ${relative(repo, cacheRoot)} (under ${MIN_FREE / 1e9} GB): generating ${fmt(EVENTS)} events instead of 100,000,000 (pass --events to insist)`);
}
const RUNS = arg('runs', 3);
if (!Number.isInteger(EVENTS) || EVENTS < SYSTEMS.length * 1000) throw new Error(`--events must be a whole number of at least ${SYSTEMS.length * 1000}`);
const cache = join(cacheRoot, `exposure-${EVENTS}`);
const db = join(cache, 'events.duckdb');
const preparedFile = join(cache, 'prepared.json');

interface Prepared {
  generator: number;
  events: number;
  generateSeconds: number;
  dbBytes: number;
}
let prepared: Prepared | null = existsSync(preparedFile) ? (JSON.parse(await readFile(preparedFile, 'utf8')) as Prepared) : null;
if (prepared && prepared.generator === GENERATOR && prepared.events === EVENTS && existsSync(db)) {
  console.log(`reusing ${relative(repo, db)}: ${fmt(EVENTS)} events, ${fmt(prepared.dbBytes / 1e9, 2)} GB (generated in ${prepared.generateSeconds.toFixed(0)} s)`);
} else {
  const needed = EVENTS * BYTES_PER_EVENT;
  if (needed > free - 5e9) throw new Error(`about ${fmt(needed / 1e9, 1)} GB are needed for ${fmt(EVENTS)} events, ${fmt(free / 1e9, 1)} GB are free: pass a smaller --events`);
  await rm(cache, { recursive: true, force: true });
  await mkdir(cache, { recursive: true });
  console.log(`generating ${fmt(EVENTS)} app.data_access events in DuckDB (${SYSTEMS.length} systems, 28 days; at most about ${fmt(needed / 1e9, 1)} GB of ${fmt(free / 1e9, 0)} GB free) into ${relative(repo, db)} …`);
  // The product creates the schema; the rows go in through plain SQL with the product's settings.
  const { DuckdbEventStore } = (await import(dist('store/duckdb-event-store.js'))) as typeof DuckdbStore;
  await (await DuckdbEventStore.open({ engine: 'duckdb', path: db })).close();
  const instance = await DuckDBInstance.create(db, PRODUCT_DUCKDB);
  const connection = await instance.connect();
  const t0 = performance.now();
  const CHUNK = 10_000_000;
  let idBase = 0;
  let done = 0;
  for (const [s, system] of SYSTEMS.entries()) {
    const rows = s < SYSTEMS.length - 1 ? Math.floor(EVENTS / SYSTEMS.length) : EVENTS - Math.floor(EVENTS / SYSTEMS.length) * (SYSTEMS.length - 1);
    for (let from = 0; from < rows; from += CHUNK) {
      const to = Math.min(rows, from + CHUNK);
      const t1 = performance.now();
      await connection.run(generateSql(system, rows, from, to, idBase));
      done += to - from;
      console.log(`  ${system.name.padEnd(18)} ${fmt(to / 1e6, 1).padStart(5)} / ${fmt(rows / 1e6, 1)} M rows (${fmt((to - from) / seconds(t1))} rows/s); ${fmt((100 * done) / EVENTS, 0)} % in ${seconds(t0).toFixed(0)} s`);
    }
    idBase += rows;
  }
  await connection.run(vpnSessionSql(idBase));
  await connection.run('CHECKPOINT');
  const generateSeconds = seconds(t0);
  connection.closeSync();
  instance.closeSync();
  const dbBytes = (await stat(db)).size;
  prepared = { generator: GENERATOR, events: EVENTS, generateSeconds, dbBytes };
  await writeFile(preparedFile, JSON.stringify(prepared, null, 2));
  console.log(`generated ${fmt(EVENTS)} events in ${generateSeconds.toFixed(1)} s (${fmt(EVENTS / generateSeconds)} rows/s), ${fmt(dbBytes / 1e9, 2)} GB = ${fmt(dbBytes / EVENTS, 1)} bytes/event (not a ratio: synthetic rows, not ingest)`);
}

const product: ProductRun[] = [];
const baseline: BaselineRun[] = [];
for (let run = 1; run <= RUNS; run++) {
  console.log(`run ${run}/${RUNS}: correlating the footprint (${ATTACKER_ADDRESSES.length} addresses, VPN session ${VPN_SESSION} via NAT ${NAT}) with ${fmt(EVENTS)} events, in its own process …`);
  const p = await inOwnProcess<ProductRun>('product', db);
  product.push(p);
  console.log(
    `  product: ${p.totalSeconds.toFixed(2)} s = ${fmt(EVENTS / p.totalSeconds)} events/s (touchedRecords ${p.touchedSeconds.toFixed(2)} s, tableAccesses ${p.tableSeconds.toFixed(2)} s, ` +
      `sourceHours + auditCoverage × ${SYSTEMS.length} ${p.coverageSeconds.toFixed(2)} s); ${fmt(p.records)} records (${fmt(p.sessionRecords)} through the session) + ${fmt(p.ambiguousRecords)} ambiguous from ${fmt(p.touchedEvents)} events, ` +
      `${p.tableAccesses} table accesses; peak RSS ${p.peakMb.toFixed(0)} MB (${p.rssBeforeMb.toFixed(0)} MB with the store open)`,
  );
  const b = await inOwnProcess<BaselineRun>('baseline', db);
  baseline.push(b);
  console.log(`  baseline, one SQL aggregate: ${b.seconds.toFixed(2)} s = ${fmt(EVENTS / b.seconds)} events/s; ${fmt(b.records)} records from ${fmt(b.events)} events (the NAT address's all day, the owner's too); peak RSS ${b.peakMb.toFixed(0)} MB`);
}
const last = product[product.length - 1]!;
console.log(`coverage reasons (auditCoverage over the 28 days; the planted gap is in ${GAP.system}): ${last.reasons.length === 0 ? 'none' : last.reasons.length}`);
for (const r of last.reasons) console.log(`  ${r}`);

const m = {
  touched: median(product.map((p) => p.touchedSeconds)),
  table: median(product.map((p) => p.tableSeconds)),
  coverage: median(product.map((p) => p.coverageSeconds)),
  total: median(product.map((p) => p.totalSeconds)),
  baseline: median(baseline.map((b) => b.seconds)),
  peak: Math.max(...product.map((p) => p.peakMb)),
  baselinePeak: Math.max(...baseline.map((b) => b.peakMb)),
};
const ratio = m.total / m.baseline;
console.log(
  `median of ${RUNS}: correlation ${m.total.toFixed(2)} s = ${fmt(EVENTS / m.total)} events/s (touchedRecords ${m.touched.toFixed(2)} s, tableAccesses ${m.table.toFixed(2)} s, coverage ${m.coverage.toFixed(2)} s); ` +
    `baseline ${m.baseline.toFixed(2)} s; product / baseline = ${ratio.toFixed(1)}×; peak RSS ${m.peak.toFixed(0)} MB (baseline ${m.baselinePeak.toFixed(0)} MB)`,
);

// ---- For bench/RESULTS.md ----------------------------------------------------------------------
const date = new Date().toISOString().slice(0, 10);
const info = baseline[0]!;
const runs = product.map((p) => p.totalSeconds.toFixed(1)).join(' / ');
console.log(`
## Exposure (\`bench/exposure.bench.ts\`)
Machine: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, DuckDB ${info.duckdb} (memory_limit ${info.memoryLimit}, the store's default).
Data: ${fmt(EVENTS)} synthetic \`app.data_access\` events (${SYSTEMS.length} systems, one audited per table, 28 days, 5,000 staff addresses), ${fmt(prepared.dbBytes / 1e9, 1)} GB DuckDB file, generated in SQL in ${prepared.generateSeconds.toFixed(0)} s (not measured against anything); footprint: ${ATTACKER_ADDRESSES.length} attacker addresses and one hijacked VPN session (NAT address), ${fmt(last.records)} records + ${fmt(last.ambiguousRecords)} ambiguous.

| date | events | touchedRecords | tableAccesses | sourceHours + auditCoverage (${SYSTEMS.length} systems) | correlation, median (runs) | events/s | peak RSS | baseline: one SQL aggregate | product / baseline |
|---|---|---|---|---|---|---|---|---|---|
| ${date} | ${fmt(EVENTS / 1e6, 0)} M | ${m.touched.toFixed(1)} s | ${m.table.toFixed(1)} s | ${m.coverage.toFixed(1)} s | **${m.total.toFixed(1)} s** (${runs}) | ${fmt(EVENTS / m.total)} | ${m.peak.toFixed(0)} MB | ${m.baseline.toFixed(2)} s | ${ratio.toFixed(1)}× |`);
