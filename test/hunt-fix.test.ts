import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixRelationOf, huntSummary, runRules } from '../src/detection/hunt.js';
import { netscalerSyslogParser } from '../src/ingest/netscaler-syslog-parser.js';
import { parseFile } from '../src/ingest/parse-file.js';
import { DuckdbEventStore } from '../src/store/duckdb-event-store.js';
import { col, eq, select, val } from '../src/store/query-node.js';

/** Every detection is tagged BEFORE or AFTER its host's fix, UNPATCHED, or UNKNOWN — never guessed. */

describe('BEFORE/AFTER-fix tagging of detections', () => {
  let dir: string;
  let store: DuckdbEventStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weerbaar-fix-'));
    store = await DuckdbEventStore.open({ engine: 'duckdb', path: join(dir, 'events.duckdb') });
    const line = (time: string, host: string) => `<134> 07/${time} GMT ${host} 0-PPE-0 : default CLI CMD_EXECUTED 1 0 :  User nsroot - ADM_User NONE - Remote_ip 10.0.0.1 - Command "shell" - Status "Success"`;
    const file = join(dir, 'ns.log');
    await writeFile(file, [line('15/2025:10:00:00', 'gw1'), line('20/2025:10:00:00', 'gw1'), line('15/2025:10:00:00', 'gw2'), line('15/2025:10:00:00', 'gw3'), ''].join('\n'));
    await parseFile({ file, gzip: false, dataset: 'netscaler.syslog', options: { path: file }, custody: { evidenceSha256: 'ef'.repeat(32), path: file }, batchDir: dir }, netscalerSyslogParser, async (batch) => {
      if (batch.eventsCsv) await store.loadCsv('events', batch.eventsCsv, batch.custody);
    });
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('tags by host: before and after a fix, unpatched, and unknown for hosts without findings', async () => {
    const fixRelation = fixRelationOf(new Map([['gw1', Date.parse('2025-07-18T19:30:00Z')], ['gw2', null]]));
    const rule = { id: 'T1', title: 'shell', ruleset: 'test', level: 'high', verdict: 'REVIEW' as const, confidence: 'high' as const, rationale: 'test', where: eq(col('event.action'), val('cli.cmd_executed')) };
    const [outcome] = await runRules(store, 'hunt-1', [rule], { fixRelation });
    expect(outcome).toMatchObject({ hits: 4, error: null });
    const rows = await store.query(select({ from: 'detections', columns: [{ expr: col('host.name'), as: 'host' }, { expr: col('weerbaar.fix_relation'), as: 'fix' }], orderBy: [{ expr: col('host.name') }, { expr: col('@timestamp') }] }));
    expect(rows.map((r) => `${String(r['host'])} ${String(r['fix'])}`)).toEqual(['gw1 BEFORE', 'gw1 AFTER', 'gw2 UNPATCHED', 'gw3 UNKNOWN']);
    expect(await huntSummary(store, 'hunt-1')).toEqual([expect.objectContaining({ ruleId: 'T1', hits: 4, beforeFix: 2, afterFix: 1 })]);
  });
});
