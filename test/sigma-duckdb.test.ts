import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSigmaFiles, parseSigmaRule } from '../src/detection/parse-sigma.js';
import { compileSigmaRule, type SigmaFieldMapping } from '../src/detection/sigma-compile.js';
import { loadShippedPipelines, resolveLogsource } from '../src/detection/sigma-pipeline.js';
import type { SigmaRule } from '../src/detection/sigma-rule.js';
import type { EcsValues } from '../src/store/event-schema.js';
import { DuckdbEventStore } from '../src/store/duckdb-event-store.js';
import { col, count, select } from '../src/store/query-node.js';
import type { ParserFactory } from '../src/ingest/log-event.js';
import { parseFile } from '../src/ingest/parse-file.js';
import { corpus, filesUnder } from './support/corpora.js';

/**
 * Compiled Sigma rules run on a real DuckDB event store, loaded through the pipeline's CSV batches.
 * Each crafted event names itself in `user.name` so a test can say exactly which events match.
 */

interface Crafted {
  readonly id: string;
  readonly ecs: EcsValues;
  readonly fields?: Record<string, string>;
  readonly text?: string;
  /** The event time; 2025-07-09T10:00:00Z when not given. */
  readonly at?: string;
}

const EVENTS: readonly Crafted[] = [
  {
    id: 'e1',
    ecs: { 'url.original': '/a%2Fb_c', 'http.request.method': 'GET', 'user_agent.original': 'Mozilla/5.0', 'source.ip': '10.1.2.3', 'http.response.status_code': 200 },
    fields: { 'cs-referer': 'http://x', 'Header (s)-x': 'Value One' },
  },
  // Would match e1's rules if `%` and `_` leaked into LIKE as wildcards; no user agent at all.
  { id: 'e2', ecs: { 'url.original': '/aX2FbYc', 'http.request.method': 'get', 'source.ip': '192.168.1.5', 'http.response.status_code': 404 } },
  {
    id: 'e3',
    ecs: { 'url.original': '/admin/login.php', 'http.request.method': 'POST', 'user_agent.original': 'curl/7.1', 'source.ip': '300.1.1.1' },
    at: '2025-07-09T23:30:00Z',
    fields: { 'cs-host': 'h.example', 'cs-referer': 'h.example' },
    text: 'then wget http://evil',
  },
  // ISO week 1 of 2026, but December 2025.
  { id: 'e4', ecs: { 'url.original': '/x', 'user_agent.original': '', 'source.ip': '::1' }, fields: { 'time-taken': '1500', cmd: 'ping /n 1 host' }, at: '2025-12-31T00:05:00Z' },
];

/** One JSON event per line: `{"i": index}`; the parser looks the event up (the store only sees what a parser emits). */
const craftedParser: ParserFactory = (_options, sink) => ({
  push(line) {
    const event = EVENTS[(JSON.parse(line.text) as { i: number }).i]!;
    sink.event({
      timestamp: Date.parse(event.at ?? '2025-07-09T10:00:00Z'),
      timeQuality: 'exact',
      dataset: 'test.sigma',
      ecs: { ...event.ecs, 'user.name': event.id },
      fields: event.fields ?? {},
      line: line.line,
      offset: line.offset,
      raw: line.raw,
      message: `${line.text} ${event.text ?? ''}`,
    });
  },
  end() {},
});

const MAPPING: SigmaFieldMapping = {
  'c-uri': 'url.original',
  'cs-uri-query': 'url.original',
  'cs-uri-stem': 'url.path',
  'cs-uri': 'url.original',
  'cs-method': 'http.request.method',
  'c-ip': 'source.ip',
  'cs-user-agent': 'user_agent.original',
  'c-useragent': 'user_agent.original',
  'sc-status': 'http.response.status_code',
  'cs-host': 'url.domain',
  'cs-referer': 'http.request.referrer',
  dst_ip: 'destination.ip',
  src_ip: 'source.ip',
  timestamp: '@timestamp',
};

/** The compiler's mapping for the crafted events: `cs-host`/`cs-referer` stay in weerbaar.fields. */
const CRAFTED_MAPPING: SigmaFieldMapping = Object.fromEntries(Object.entries(MAPPING).filter(([field]) => field !== 'cs-host' && field !== 'cs-referer'));

let dir: string;
let store: DuckdbEventStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weerbaar-sigma-'));
  store = await DuckdbEventStore.open({ engine: 'duckdb', path: join(dir, 'events.duckdb') });
  const file = join(dir, 'crafted.log');
  await writeFile(file, EVENTS.map((_, i) => `${JSON.stringify({ i })}\n`).join(''));
  const stats = await parseFile(
    { file, gzip: false, dataset: 'test.sigma', options: { path: 'crafted.log' }, custody: { evidenceSha256: 'ab'.repeat(32), path: '/evidence/crafted.log', host: null }, batchDir: dir },
    craftedParser,
    async (batch) => {
      if (batch.eventsCsv) await store.loadCsv('events', batch.eventsCsv, batch.custody);
    },
  );
  expect(stats.events).toBe(EVENTS.length);
});

afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

function rule(detection: string): SigmaRule {
  const { rules, problems } = parseSigmaRule('rule.yml', `title: t\nlogsource:\n    category: webserver\ndetection:\n${detection.replace(/^\n/, '')}`);
  expect(problems).toEqual([]);
  return rules[0]!;
}

/** The ids of the events the rule matches, sorted. */
async function matches(detection: string): Promise<string[]> {
  const compiled = compileSigmaRule(rule(detection), CRAFTED_MAPPING);
  if (!compiled.ok) throw new Error(compiled.reason);
  const rows = await store.query(select({ from: 'events', columns: [{ expr: col('user.name'), as: 'id' }], where: compiled.where, orderBy: [{ expr: col('user.name') }] }));
  return rows.map((row) => String(row['id']));
}

const one = (key: string, value: string, condition = 'selection') => `    selection:\n        ${key}: ${value}\n    condition: ${condition}\n`;

describe('compiled Sigma rules on DuckDB', () => {
  it('treats % and _ in values as literal characters', async () => {
    expect(await matches(one('c-uri', `'/a%2Fb_c'`))).toEqual(['e1']);
    expect(await matches(one('c-uri|contains', `'%2F'`))).toEqual(['e1']);
    expect(await matches(one('c-uri', `'/a?2Fb?c'`))).toEqual(['e1', 'e2']);
  });

  it('matches case-insensitively unless cased', async () => {
    expect(await matches(one('cs-method', 'GET'))).toEqual(['e1', 'e2']);
    expect(await matches(one('cs-method|cased', 'GET'))).toEqual(['e1']);
    expect(await matches(one('c-uri|startswith', `'/ADMIN/'`))).toEqual(['e3']);
  });

  it('keeps events with a missing field under not, and treats null as absent or empty', async () => {
    expect(await matches(one('cs-user-agent|contains', 'curl', 'not selection'))).toEqual(['e1', 'e2', 'e4']);
    expect(await matches(one('cs-referer|contains', 'http', 'not selection'))).toEqual(['e2', 'e3', 'e4']);
    expect(await matches(one('cs-method|neq', 'GET'))).toEqual(['e3', 'e4']);
    expect(await matches(one('cs-user-agent', 'null'))).toEqual(['e2', 'e4']);
    expect(await matches(one('cs-user-agent', 'null', 'not selection'))).toEqual(['e1', 'e3']);
    expect(await matches(one('cs-referer|exists', 'true'))).toEqual(['e1', 'e3']);
    expect(await matches(one('cs-user-agent|exists', 'false'))).toEqual(['e2', 'e4']);
  });

  it('matches IPv4 cidr numerically and never matches text that is not an address', async () => {
    expect(await matches(one('c-ip|cidr', `['10.0.0.0/8', '192.168.1.0/30']`))).toEqual(['e1']);
    expect(await matches(one('c-ip|cidr', `'192.168.1.4/30'`))).toEqual(['e2']);
    expect(await matches(one('c-ip|cidr', `'0.0.0.0/0'`, 'not selection'))).toEqual(['e3', 'e4']);
  });

  it('matches IPv6 cidr on any textual form, whole and partial nibbles, and never on IPv4 or garbage', async () => {
    // e4's source is ::1; e1 and e2 are IPv4, e3 is not an address.
    expect(await matches(one('c-ip|cidr', `'::1/128'`))).toEqual(['e4']);
    expect(await matches(one('c-ip|cidr', `'::/127'`))).toEqual(['e4']);
    expect(await matches(one('c-ip|cidr', `'::2/127'`))).toEqual([]);
    expect(await matches(one('c-ip|cidr', `'::/0'`))).toEqual(['e4']);
    expect(await matches(one('c-ip|cidr', `'fc00::/7'`))).toEqual([]);
    expect(await matches(one('c-ip|cidr', `['10.0.0.0/8', '::1/128']`))).toEqual(['e1', 'e4']);
  });

  it('runs regexes as partial matches with flags', async () => {
    expect(await matches(one('c-uri|re', `'min/log'`))).toEqual(['e3']);
    expect(await matches(one('c-uri|re', `'^/ADMIN/'`))).toEqual([]);
    expect(await matches(one('c-uri|re|i', `'^/ADMIN/'`))).toEqual(['e3']);
  });

  it('searches keywords in the raw message, case-insensitively', async () => {
    expect(await matches(`    keywords:\n        - 'WGET http'\n        - 'nothing'\n    condition: keywords\n`)).toEqual(['e3']);
  });

  it('reads unmapped fields from weerbaar.fields, numbers, fieldref and windash', async () => {
    expect(await matches(one(`'Header (s)-x'`, `'value one'`))).toEqual(['e1']);
    expect(await matches(one('sc-status', '200'))).toEqual(['e1']);
    expect(await matches(one('sc-status|startswith', `'40'`))).toEqual(['e2']);
    expect(await matches(one('time-taken|gt', '1000'))).toEqual(['e4']);
    expect(await matches(one('time-taken|lte', '1000'))).toEqual([]);
    expect(await matches(one('cs-host|fieldref', 'cs-referer'))).toEqual(['e3']);
    expect(await matches(one('cmd|windash|contains', `' -n '`))).toEqual(['e4']);
  });

  it('matches a long value list (one regex alternation) exactly as the values one by one (LIKE)', async () => {
    const lists: [string, string[]][] = [
      ['c-uri|contains', ['%2F', 'b_c', 'ADMIN', '(', '.+', 'x$', '\\\\']],
      ['c-uri|startswith', ['/a', '/ADMIN/', '/a?2', '*b']],
      ['c-uri|endswith', ['c', 'b_c', '?', 'login.php']],
      ['c-uri', ['/a%2Fb_c', '/a?2Fb?c', '/admin/*', '*']],
      ['cs-method|cased', ['GET', 'get', 'POST', 'PUT']],
    ];
    for (const [key, values] of lists) {
      const yaml = (list: string[]) => `    selection:\n        ${key}:\n${list.map((v) => `            - '${v}'\n`).join('')}    condition: selection\n`;
      const one = (await Promise.all(values.map((v) => matches(yaml([v]))))).flat();
      expect(one.length, `${key}: the fixture must give the list something to match`).toBeGreaterThan(0);
      expect(await matches(yaml(values)), `${key}: ${values.join(' ')}`).toEqual([...new Set(one)].sort());
    }
  });

  it('extracts time parts of the event time in UTC, with comparisons, lists and the ISO week', async () => {
    expect(await matches(one('timestamp|hour', '23'))).toEqual(['e3']);
    expect(await matches(one('timestamp|hour|gte', '10'))).toEqual(['e1', 'e2', 'e3']);
    expect(await matches(one('timestamp|minute', '[5, 30]'))).toEqual(['e3', 'e4']);
    expect(await matches(one('timestamp|month', '12'))).toEqual(['e4']);
    expect(await matches(one('timestamp|week', '1'))).toEqual(['e4']);
    expect(await matches(one('timestamp|year', '2025'))).toEqual(['e1', 'e2', 'e3', 'e4']);
    expect(await matches(one('timestamp|day|neq', '9'))).toEqual(['e4']);
  });

  it('binds hostile values: they match literally and change nothing', async () => {
    expect(await matches(one('c-uri', `"x'); DROP TABLE events; --"`))).toEqual([]);
    expect(await matches(one('c-uri|contains', `"\\\\'%_"`))).toEqual([]);
    expect(await matches(one(`"a'); DROP TABLE events; --"`, 'x'))).toEqual([]);
    const [all] = await store.query(select({ from: 'events', columns: [{ expr: count(), as: 'n' }] }));
    expect(all).toEqual({ n: EVENTS.length });
  });
});


/**
 * Every reason a corpus rule may fail to compile, with how many rules give it. Anything else —
 * a new reason, or a different count — fails the test, so no rule is dropped silently.
 */
const EXPECTED_REASONS: readonly { readonly category: string; readonly pattern: RegExp; readonly rules: number }[] = [
  { category: 'expand', pattern: /^placeholder %/, rules: 0 },
  { category: 'time part', pattern: /^modifier (minute|hour|day|week|month|year) needs a timestamp/, rules: 0 },
  { category: 'regex RE2', pattern: /is not supported by RE2$/, rules: 0 },
  { category: 'correlation', pattern: /^correlation rules /, rules: 0 },
];

const corpusRoot = corpus('sigma', 'rules');
const corpusRules = (await parseSigmaFiles(filesUnder(corpusRoot, /\.ya?ml$/), { collectAll: true })).loaded;
const corpusCompiled = corpusRules.map((r) => ({ file: relative(corpusRoot, r.file), result: compileSigmaRule(r, MAPPING) }));
const corpusFailures = corpusCompiled.flatMap(({ file, result }) => (result.ok ? [] : [{ file, reason: result.reason }]));

describe('SigmaHQ corpus on DuckDB', () => {
  it(`compiles and runs ${corpusRules.length - corpusFailures.length} of ${corpusRules.length} rules; ${corpusFailures.length} fail for a listed reason`, async () => {
    let executed = 0;
    for (const { result } of corpusCompiled) {
      if (!result.ok) continue;
      await store.query(select({ from: 'events', columns: [{ expr: count(), as: 'n' }], where: result.where }));
      executed += 1;
    }
    const byCategory = new Map<string, number>();
    const unexplained: { file: string; reason: string }[] = [];
    for (const failure of corpusFailures) {
      const category = EXPECTED_REASONS.find((c) => c.pattern.test(failure.reason));
      if (category === undefined) unexplained.push(failure);
      else byCategory.set(category.category, (byCategory.get(category.category) ?? 0) + 1);
    }
    expect(unexplained).toEqual([]);
    expect(Object.fromEntries(byCategory)).toEqual(Object.fromEntries(EXPECTED_REASONS.filter((c) => c.rules > 0).map((c) => [c.category, c.rules])));
    expect(corpusFailures.length).toBe(EXPECTED_REASONS.reduce((n, c) => n + c.rules, 0));
    expect(executed + corpusFailures.length).toBe(corpusRules.length);
    expect(executed).toBeGreaterThanOrEqual(80);
  });
});

describe('SigmaHQ corpus through the shipped YAML pipelines', () => {
  it('compiles and runs the same rules with each rule\'s own pipeline mapping', async () => {
    const pipelines = await loadShippedPipelines();
    let served = 0;
    let executed = 0;
    const failures: string[] = [];
    for (const rule of corpusRules) {
      if (rule.kind !== 'detection') continue;
      // Rules no pipeline serves (Cisco, DNS, Zeek …) are not applicable in a hunt; they still must compile.
      const resolved = resolveLogsource(pipelines, rule.logsource);
      if (resolved) served += 1;
      const result = compileSigmaRule(rule, resolved?.mapping ?? {});
      if (!result.ok) {
        failures.push(result.reason);
        continue;
      }
      await store.query(select({ from: 'events', columns: [{ expr: count(), as: 'n' }], where: result.where }));
      executed += 1;
    }
    expect(failures).toEqual(corpusFailures.map((f) => f.reason));
    expect(executed).toBe(corpusRules.length - corpusFailures.length);
    // The pipelines serve exactly the log sources the built-in table served: web server, proxy, firewall.
    const categories = new Set(['webserver', 'proxy', 'firewall']);
    expect(served).toBe(corpusRules.filter((r) => r.kind === 'detection' && categories.has(r.logsource.category ?? '')).length);
  });
});
