/**
 * Does running the rules in fewer passes over the events pay on DuckDB? Over the hunt bench's
 * cached store (run `npm run bench:hunt` first), the corpus Sigma rules and the NetScaler row rules
 * three ways, counting matches per rule:
 *  (a) one statement per rule (what `weerbaar hunt` does);
 *  (b) one pass: every event paired with a rule index, each rule's predicate in a CASE;
 *  (c) one pass finding the candidates: all predicates OR-ed (classifying the few matches is then cheap).
 * The per-rule counts of (b) must equal (a). Usage: npx tsx bench/hunt-passes.bench.ts [--scale 53]
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';
import { NETSCALER_LOG_RULES } from '../src/detection/netscaler-log-rules.js';
import { loadSigmaDetections } from '../src/detection/sigma-detections.js';
import { count, select } from '../src/store/query-node.js';
import { compileQuery, duckdbDialect } from '../src/store/sql-compiler.js';

const i = process.argv.indexOf('--scale');
const scale = i > 0 ? Number(process.argv[i + 1]) : 53;
const store = new URL(`./.cache/hunt-scale-${scale}/ws/events.duckdb`, import.meta.url).pathname;
if (!existsSync(store)) throw new Error(`${store} does not exist: run npm run bench:hunt -- --scale ${scale} first`);
const corpus = join(new URL('../../shared/corpora/sigma/rules', import.meta.url).pathname);

const db = await DuckDBInstance.create(store, { access_mode: 'READ_ONLY', memory_limit: '256MB' });
const connection = await db.connect();
const rows = async (sql: string, parameters: readonly unknown[]) => {
  const prepared = await connection.prepare(sql);
  if (parameters.length > 0) prepared.bind([...parameters] as never);
  return (await prepared.runAndReadAll()).getRows();
};
const rules = [...(await loadSigmaDetections([corpus])).rules, ...NETSCALER_LOG_RULES];
const compiled = rules.map((r) => compileQuery(select({ from: 'events', columns: [{ expr: count(), as: 'n' }], where: r.where }), duckdbDialect));
/** The rules' WHERE texts with their placeholders renumbered into one parameter list. */
const predicates = () => {
  const parameters: unknown[] = [];
  const texts = compiled.map((q) => {
    const text = q.sql.slice(q.sql.indexOf(' WHERE ') + 7).replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + parameters.length}`);
    parameters.push(...q.parameters);
    return text;
  });
  return { texts, parameters };
};

let t = performance.now();
const perRule: number[] = [];
for (const q of compiled) perRule.push(Number((await rows(q.sql, q.parameters))[0]![0]));
const a = (performance.now() - t) / 1000;

const p = predicates();
t = performance.now();
const paired = await rows(
  `SELECT r.idx, count(*) FROM events, (SELECT unnest(range(${compiled.length})) AS idx) r WHERE CASE r.idx ${p.texts.map((w, k) => `WHEN ${k} THEN ${w}`).join(' ')} END GROUP BY r.idx`,
  p.parameters,
);
const b = (performance.now() - t) / 1000;
const byRule = new Map(paired.map((r) => [Number(r[0]), Number(r[1])]));
const same = perRule.every((n, k) => (byRule.get(k) ?? 0) === n);

t = performance.now();
const candidates = Number((await rows(`SELECT count(*) FROM events WHERE ${p.texts.map((w) => `(${w})`).join(' OR ')}`, p.parameters))[0]![0]);
const c = (performance.now() - t) / 1000;

const events = Number((await rows('SELECT count(*) FROM events', []))[0]![0]);
console.log(`${rules.length} rules over ${events.toLocaleString('en')} events (scale ${scale}), ${perRule.reduce((x, y) => x + y, 0)} matches`);
console.log(`(a) one statement per rule:        ${a.toFixed(1)} s`);
console.log(`(b) one pass, rule index × CASE:   ${b.toFixed(1)} s  (${(b / a).toFixed(2)}× of a; per-rule counts ${same ? 'equal' : 'DIFFER'})`);
console.log(`(c) one pass, all predicates OR-ed: ${c.toFixed(1)} s  (${(c / a).toFixed(2)}× of a; ${candidates} candidate events)`);
connection.closeSync();
db.closeSync();
