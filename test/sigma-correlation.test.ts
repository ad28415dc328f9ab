import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRules } from '../src/detection/hunt.js';
import { parseSigmaRule } from '../src/detection/parse-sigma.js';
import { type CorrelationFinding, correlate } from '../src/detection/sigma-correlation.js';
import { loadSigmaDetections } from '../src/detection/sigma-detections.js';
import type { SigmaCorrelationRule } from '../src/detection/sigma-rule.js';
import type { ParserFactory } from '../src/ingest/log-event.js';
import { parseFile } from '../src/ingest/parse-file.js';
import { DuckdbEventStore } from '../src/store/duckdb-event-store.js';
import type { EcsValues } from '../src/store/event-schema.js';
import { col, count, eq, select, val } from '../src/store/query-node.js';

/**
 * Sigma correlation rules loaded from YAML through the shipped pipelines and judged over a real
 * DuckDB event store. Each event is labelled in `weerbaar.record.id` so a test names the exact
 * events a correlation must cite.
 */

const T0 = Date.parse('2025-07-15T06:00:00Z');
const A = '10.0.0.1';
const B = '10.0.0.2';
const C = '10.0.0.3';

interface Crafted {
  readonly label: string;
  /** Seconds after T0. */
  readonly at: number;
  readonly dataset: string;
  readonly ecs: EcsValues;
}

const login = (label: string, at: number, ip: string | null, status: number): Crafted => ({
  label, at, dataset: 'web.access', ecs: { 'url.path': '/login', 'http.request.method': 'POST', 'http.response.status_code': status, ...(ip ? { 'source.ip': ip } : {}) },
});

const EVENTS: readonly Crafted[] = [
  // A: three failures spanning exactly one minute, then a success.
  login('a1', 0, A, 401), login('a2', 30, A, 401), login('a3', 60, A, 401), login('a-ok', 90, A, 200),
  // B: the third failure one second too late.
  login('b1', 0, B, 401), login('b2', 30, B, 401), login('b3', 61, B, 401),
  // No client address: three failures within a minute.
  login('n1', 0, null, 401), login('n2', 10, null, 401), login('n3', 20, null, 401),
  // C: success first, failures after — the wrong order for "failures then success".
  login('c-ok', 0, C, 200), login('c1', 10, C, 401), login('c2', 20, C, 401), login('c3', 30, C, 401),
  // A failure from A whose time could not be read: left out of the windows, with a warning.
  { ...login('untimed', Number.NaN, A, 401) },
  // A firewall flow back to A's address (an alias: A is the destination here).
  { label: 'fw-a', at: 100, dataset: 'network.flow', ecs: { 'destination.ip': A, 'destination.port': 4444, 'source.ip': '192.0.2.9' } },
];

const craftedParser: ParserFactory = (_options, sink) => ({
  push(line) {
    const event = EVENTS[(JSON.parse(line.text) as { i: number }).i]!;
    sink.event({
      timestamp: Number.isNaN(event.at) ? null : T0 + event.at * 1000,
      timeQuality: Number.isNaN(event.at) ? 'missing' : 'exact',
      dataset: event.dataset,
      ecs: { ...event.ecs, 'weerbaar.record.id': event.label },
      fields: {},
      line: line.line,
      offset: line.offset,
      raw: line.raw,
      message: line.text,
    });
  },
  end() {},
});

const RULES = {
  failed: ['title: Failed login', 'id: 11111111-0000-4000-8000-000000000001', 'name: failed_login', 'logsource:', '  category: webserver', 'detection:', '  sel:', '    cs-uri-stem: /login', '    sc-status: 401', '  condition: sel', 'level: low'],
  success: ['title: Successful login', 'id: 11111111-0000-4000-8000-000000000002', 'name: successful_login', 'logsource:', '  category: webserver', 'detection:', '  sel:', '    cs-uri-stem: /login', '    sc-status: 200', '  condition: sel'],
  callback: ['title: Flow to 4444', 'name: callback', 'logsource:', '  category: firewall', 'detection:', '  sel:', '    dst_port: 4444', '  condition: sel'],
  admin: ['title: Admin page', 'id: 11111111-0000-4000-8000-000000000009', 'logsource:', '  category: webserver', 'detection:', '  sel:', '    cs-uri-stem|startswith: /admin', '  condition: sel'],
};

const correlation = (title: string, body: Record<string, unknown>, extra: string[] = []): string[] => [`title: ${title}`, ...extra, `correlation:`, ...Object.entries(body).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`)];
const bundle = (...docs: string[][]) => docs.map((d) => d.join('\n')).join('\n---\n') + '\n';

let dir: string;
let store: DuckdbEventStore;
/** Label of every event id. */
const labels = new Map<number, string>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weerbaar-correlation-'));
  store = await DuckdbEventStore.open({ engine: 'duckdb', path: join(dir, 'events.duckdb') });
  const file = join(dir, 'crafted.log');
  await writeFile(file, EVENTS.map((_, i) => `${JSON.stringify({ i })}\n`).join(''));
  await parseFile(
    { file, gzip: false, dataset: 'web.access', options: { path: 'crafted.log' }, custody: { evidenceSha256: 'cd'.repeat(32), path: '/evidence/crafted.log', host: null }, batchDir: dir },
    craftedParser,
    async (batch) => {
      if (batch.eventsCsv) await store.loadCsv('events', batch.eventsCsv, batch.custody);
    },
  );
  const rows = await store.query(select({ from: 'events', columns: [{ expr: col('event.id'), as: 'id' }, { expr: col('weerbaar.record.id'), as: 'label' }] }));
  for (const row of rows) labels.set(Number(row['id']), String(row['label']));
  expect(labels.size).toBe(EVENTS.length);
});

afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** The parsed correlations of some documents, without loadSigmaDetections' checks. */
function parsedCorrelations(...docs: string[][]): SigmaCorrelationRule[] {
  const parsed = parseSigmaRule('raw.yml', bundle(...docs));
  expect(parsed.problems).toEqual([]);
  return parsed.rules.filter((r): r is SigmaCorrelationRule => r.kind === 'correlation');
}

let folders = 0;
/** Loads a folder holding the given files through loadSigmaDetections, then correlates. */
async function run(files: Record<string, string>) {
  const folder = join(dir, `rules-${folders++}`);
  await mkdir(folder);
  for (const [name, text] of Object.entries(files)) await writeFile(join(folder, name), text);
  const load = await loadSigmaDetections([folder]);
  const outcome = await correlate(store, load.correlations.rules, load.correlations.bases);
  return { load, outcome };
}

const named = (f: CorrelationFinding) => ({ group: f.group, count: f.count, events: f.eventIds.map((id) => labels.get(id)).sort(), start: (f.start - T0) / 1000, end: (f.end - T0) / 1000 });

describe('event_count', () => {
  it('counts per group within the timespan, inclusive at the boundary, and groups missing values under null', async () => {
    const brute = correlation('Brute force', { type: 'event_count', rules: ['failed_login'], 'group-by': ['c-ip'], timespan: '1m', condition: { gte: 3 } }, ['id: 22222222-0000-4000-8000-000000000001', 'level: high']);
    const { load, outcome } = await run({ 'brute.yml': bundle(brute, RULES.failed) });
    expect(load.failed).toEqual([]);
    // generate defaults to false: the referenced rule is a building block, not a detection.
    expect(load.rules).toEqual([]);
    expect(outcome.failed).toEqual([]);
    expect(outcome.findings.map(named).sort((x, y) => String(x.group['c-ip']).localeCompare(String(y.group['c-ip'])))).toEqual([
      { group: { 'c-ip': A }, count: 3, events: ['a1', 'a2', 'a3'], start: 0, end: 60 },
      { group: { 'c-ip': C }, count: 3, events: ['c1', 'c2', 'c3'], start: 10, end: 30 },
      { group: { 'c-ip': null }, count: 3, events: ['n1', 'n2', 'n3'], start: 0, end: 20 },
    ]);
    expect(outcome.warnings).toEqual([{ rule: '22222222-0000-4000-8000-000000000001', reason: '1 matching events have no timestamp and were left out of the time windows' }]);
    expect(outcome.rules).toHaveLength(1);
    expect(outcome.rules[0]).toMatchObject({ id: '22222222-0000-4000-8000-000000000001', ruleset: 'sigma', verdict: 'REVIEW', confidence: 'high', level: 'high' });

    // runRules copies exactly the contributing events into detections.
    const [result] = await runRules(store, 'hunt-1', outcome.rules);
    expect(result).toMatchObject({ hits: 9, error: null });
    const stored = await store.query(select({ from: 'detections', columns: [{ expr: count(), as: 'n' }], where: eq(col('weerbaar.hunt_id'), val('hunt-1')) }));
    expect(stored).toEqual([{ n: 9 }]);
  });

  it('runs the referenced rule alone as well with generate: true; an upper bound judges the densest window', async () => {
    const rare = correlation('Few failures', { type: 'event_count', rules: ['failed_login'], 'group-by': ['c-ip'], timespan: '20s', condition: { lt: 2 }, generate: true });
    const { load, outcome } = await run({ 'rare.yml': bundle(rare, RULES.failed) });
    expect(load.rules.map((r) => r.id)).toEqual(['11111111-0000-4000-8000-000000000001']);
    // Within 20 s: A and B never have 2 failures (0, 30, 60/61); C and the null group do.
    expect(outcome.findings.map(named).map((f) => [f.group['c-ip'], f.count, f.events])).toEqual([
      [A, 1, ['a1', 'a2', 'a3']],
      [B, 1, ['b1', 'b2', 'b3']],
    ]);
  });
});

describe('value_count', () => {
  it('counts distinct values of the field per group, leaving events without a value out', async () => {
    const spread = correlation('Many clients on /login', { type: 'value_count', rules: ['failed_login'], 'group-by': ['cs-uri-stem'], timespan: '10s', condition: { field: 'c-ip', gte: 3 } });
    const { outcome } = await run({ 'spread.yml': bundle(spread, RULES.failed) });
    expect(outcome.failed).toEqual([]);
    // [0 s, 10 s]: A, B and C (c1 exactly on the boundary) — n1/n2 have no address and are no evidence;
    // [10 s, 20 s] holds C only; [20 s, 30 s] holds A, B and C again: a second, separate hit.
    expect(outcome.findings.map(named)).toEqual([
      { group: { 'cs-uri-stem': '/login' }, count: 3, events: ['a1', 'b1', 'c1'], start: 0, end: 10 },
      { group: { 'cs-uri-stem': '/login' }, count: 3, events: ['a2', 'b2', 'c2', 'c3'], start: 20, end: 30 },
    ]);
  });
});

describe('temporal and aliases', () => {
  it('joins a field of one rule to another field of another rule through an alias', async () => {
    const both = correlation('Failures, then a flow back to the client', {
      type: 'temporal', rules: ['failed_login', 'callback'], 'group-by': ['client'], timespan: '5m', aliases: { client: { failed_login: 'c-ip', callback: 'dst_ip' } },
    });
    const { outcome } = await run({ 'alias.yml': bundle(both, RULES.failed, RULES.callback) });
    expect(outcome.failed).toEqual([]);
    expect(outcome.findings.map(named)).toEqual([{ group: { client: A }, count: 2, events: ['a1', 'a2', 'a3', 'fw-a'], start: 0, end: 100 }]);
  });

  it('reports an alias that names no field for a referenced rule', async () => {
    const broken = correlation('Broken alias', { type: 'temporal', rules: ['failed_login', 'callback'], 'group-by': ['client'], timespan: '5m', aliases: { client: { failed_login: 'c-ip' } } });
    const { outcome } = await run({ 'alias.yml': bundle(broken, RULES.failed, RULES.callback) });
    // No id or name: the correlation is reported by file and line.
    expect(outcome.failed).toEqual([{ rule: expect.stringMatching(/alias\.yml:1$/), reason: 'alias client names no field for rule "callback"' }]);
  });
});

describe('temporal_ordered over a chained correlation', () => {
  it('fires for failures followed by a success, not for the reverse order', async () => {
    const brute = correlation('Brute force', { type: 'event_count', rules: ['failed_login'], 'group-by': ['c-ip'], timespan: '1m', condition: { gte: 3 } }, ['name: brute']);
    const then = correlation('Brute force, then success', { type: 'temporal_ordered', rules: ['brute', 'successful_login'], 'group-by': ['c-ip'], timespan: '2m' }, ['id: 33333333-0000-4000-8000-000000000001', 'level: critical']);
    const { load, outcome } = await run({ 'chain.yml': bundle(then, brute, RULES.failed, RULES.success), 'admin.yml': bundle(RULES.admin) });
    // Only the unreferenced rule runs alone; the inner correlation is reported through the outer one.
    expect(load.rules.map((r) => r.id)).toEqual(['11111111-0000-4000-8000-000000000009']);
    expect(load.correlations.rules.map((r) => r.title).sort()).toEqual(['Brute force', 'Brute force, then success']);
    expect(outcome.failed).toEqual([]);
    // C: the success came first; null group: no success; B: no brute force.
    expect(outcome.findings.map(named)).toEqual([{ group: { 'c-ip': A }, count: 2, events: ['a-ok', 'a1', 'a2', 'a3'], start: 60, end: 90 }]);
    expect(outcome.rules.map((r) => [r.id, r.verdict, r.confidence])).toEqual([['33333333-0000-4000-8000-000000000001', 'REVIEW', 'high']]);
  });
});

describe('what cannot run is reported', () => {
  it('names unsupported types and rules whose log source has no dataset', async () => {
    const sum = correlation('Bytes', { type: 'value_sum', rules: ['failed_login'], 'group-by': ['c-ip'], timespan: '1h', condition: { field: 'sc-bytes', gt: 1000 } }, ['id: 44444444-0000-4000-8000-000000000001']);
    const windows = ['title: Logon', 'name: win_logon', 'logsource:', '  product: windows', '  service: security', 'detection:', '  sel:', '    EventID: 4624', '  condition: sel'];
    const overWindows = correlation('Many logons', { type: 'event_count', rules: ['win_logon'], 'group-by': ['User'], timespan: '1h', condition: { gte: 5 } }, ['id: 44444444-0000-4000-8000-000000000002']);
    const { load, outcome } = await run({ 'sum.yml': bundle(sum, RULES.failed), 'win.yml': bundle(overWindows, windows) });
    expect(load.failed).toEqual([{ file: expect.stringContaining('sum.yml'), reason: expect.stringContaining('44444444-0000-4000-8000-000000000001: correlation type value_sum is not supported yet') }]);
    expect(load.notApplicable).toEqual(
      expect.arrayContaining([
        { rule: 'win_logon', reason: expect.stringContaining('has no dataset here') },
        { rule: '44444444-0000-4000-8000-000000000002', reason: 'references "win_logon", whose log source has no dataset here' },
      ]),
    );
    expect(load.correlations.rules).toEqual([]);
    // Building blocks of a correlation that cannot run do not turn into detections either.
    expect(load.rules).toEqual([]);
    expect(outcome).toEqual({ rules: [], findings: [], failed: [], warnings: [] });
  });

  it('reports correlations that reference each other in a cycle', async () => {
    const a = correlation('A', { type: 'temporal', rules: ['cycle_b', 'failed_login'], 'group-by': ['c-ip'], timespan: '1m' }, ['name: cycle_a']);
    const b = correlation('B', { type: 'temporal', rules: ['cycle_a', 'failed_login'], 'group-by': ['c-ip'], timespan: '1m' }, ['name: cycle_b']);
    const { load, outcome } = await run({ 'cycle.yml': bundle(a, b, RULES.failed) });
    expect(load.failed.map((f) => f.reason)).toEqual(['cycle_a: is part of a reference cycle of correlations', 'cycle_b: is part of a reference cycle of correlations']);
    expect(load.correlations.rules).toEqual([]);
    expect(outcome.findings).toEqual([]);
    // Handed to correlate directly, the cycle is reported there too.
    const direct = await correlate(store, parsedCorrelations(a, b), load.correlations.bases);
    expect(direct.failed.map((f) => f.rule)).toEqual(['cycle_a', 'cycle_b']);
  });
});
