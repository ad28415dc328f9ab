// Preloaded (`node --import`) into the `weerbaar hunt` child of bench/hunt.bench.ts: times every
// event-store call of the compiled product and writes them, classified, to $WEERBAAR_BENCH_STAGES
// when the process exits. It wraps the methods; it changes nothing they do. A few hundred calls per
// hunt, so the extra SQL compilation for the label costs milliseconds.
import { writeFileSync } from 'node:fs';
import process from 'node:process';
import { performance } from 'node:perf_hooks';
import { URL } from 'node:url';

const out = process.env.WEERBAAR_BENCH_STAGES;
if (out) {
  const dist = (path) => new URL(`../dist/${path}`, import.meta.url).href;
  const { DuckdbEventStore } = await import(dist('store/duckdb-event-store.js'));
  const { compileQuery, duckdbDialect } = await import(dist('store/sql-compiler.js'));
  const calls = [];
  const started = performance.now();
  const classify = (method, args) => {
    if (method === 'insertRows') return { stage: args[0] === 'iocs' ? 'ioc' : 'other', label: `insert ${args[1].length} rows into ${args[0]}` };
    const { sql, parameters } = compileQuery(args[0], duckdbDialect);
    if (sql.includes('JOIN "iocs"') || sql.includes('FROM "iocs"')) return { stage: 'ioc', label: 'IOC join' };
    // runRules: the rule's constants come first (hunt id, rule id, title, ruleset).
    if (sql.startsWith('INSERT INTO "detections"') && ['sigma', 'netscaler'].includes(parameters[3])) return { stage: parameters[3], label: `${parameters[1]} ${parameters[2]}` };
    return { stage: 'other', label: sql.replace(/\s+/g, ' ').slice(0, 160) };
  };
  for (const method of ['query', 'execute', 'insertRows']) {
    const original = DuckdbEventStore.prototype[method];
    DuckdbEventStore.prototype[method] = async function (...args) {
      const t0 = performance.now();
      try {
        return await original.apply(this, args);
      } finally {
        calls.push({ ...classify(method, args), at: t0 - started, ms: performance.now() - t0 });
      }
    };
  }
  process.on('exit', () => writeFileSync(out, JSON.stringify({ totalMs: performance.now() - started, calls })));
}
