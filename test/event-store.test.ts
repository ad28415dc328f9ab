import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckdbEventStore } from '../src/store/duckdb-event-store.js';
import type { EventStore } from '../src/store/event-store.js';
import { col, count, eq, epochMs, select, val } from '../src/store/query-node.js';
import type { ParserFactory } from '../src/ingest/log-event.js';
import { parseFile } from '../src/ingest/parse-file.js';

/**
 * The event store contract, end to end: the pipeline's CSV batches load into the engine and come
 * back exactly — hostile text, non-UTF-8 bytes, NULL versus empty, epoch times. Runs per engine
 * (DuckDB now; ClickHouse joins in the scale-out issue).
 */

/** A deliberately simple parser for this suite: `time|user|text`, anything else fails. */
const pipeParser: ParserFactory = (options, sink) => ({
  push(line) {
    const [time, user, ...rest] = line.text.split('|');
    if (rest.length === 0 || Number.isNaN(Date.parse(time ?? ''))) {
      sink.failure({ line: line.line, offset: line.offset, reason: 'not time|user|text', raw: line.raw });
      return;
    }
    sink.event({
      timestamp: Date.parse(time!),
      timeQuality: 'exact',
      dataset: 'test.pipe',
      ecs: { 'user.name': user!, 'host.name': options.host ?? 'h1', 'source.bytes': 12 },
      fields: { text: rest.join('|'), empty: '' },
      line: line.line,
      offset: line.offset,
      raw: line.raw,
      message: line.text,
    });
  },
  end() {},
});

const engines: { name: string; open: (dir: string) => Promise<EventStore> }[] = [
  { name: 'duckdb', open: (dir) => DuckdbEventStore.open({ engine: 'duckdb', path: join(dir, 'events.duckdb') }) },
];

describe.each(engines)('event store on $name', ({ open }) => {
  let dir: string;
  let store: EventStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weerbaar-events-'));
    store = await open(dir);
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('loads parsed batches and returns every value exactly, including hostile text and raw bytes', async () => {
    const lines = [
      Buffer.from('2025-07-09T10:00:00Z|alice|plain\n'),
      Buffer.from('2025-07-09T10:00:01Z|bob|a "quoted", comma\n'),
      Buffer.concat([Buffer.from('2025-07-09T11:30:00Z|'), Buffer.from([0xc3, 0x28, 0xff, 0x80]), Buffer.from("|x'); DROP TABLE events; --\n")]),
      Buffer.from('garbage line\n'),
    ];
    const file = join(dir, 'input.log.gz');
    await writeFile(file, gzipSync(Buffer.concat(lines)));
    const batches: string[] = [];
    const stats = await parseFile(
      { file, gzip: true, dataset: 'test.pipe', options: { path: 'input.log' }, custody: { evidenceSha256: 'ab'.repeat(32), path: '/evidence/input.log.gz', host: null }, batchDir: dir },
      pipeParser,
      async (batch) => {
        if (batch.eventsCsv) {
          await store.loadCsv('events', batch.eventsCsv, batch.custody);
          batches.push(batch.eventsCsv);
        }
        if (batch.failuresCsv) await store.loadCsv('parse_failures', batch.failuresCsv, batch.custody);
      },
    );
    expect(stats).toMatchObject({ lines: 4, events: 3, failures: 1, readError: null, firstEvent: Date.parse('2025-07-09T10:00:00Z') });

    const rows = await store.query(
      select({
        from: 'events',
        columns: [
          { expr: col('user.name'), as: 'user' },
          { expr: col('message'), as: 'message' },
          { expr: col('weerbaar.encoding'), as: 'encoding' },
          { expr: epochMs(col('@timestamp')), as: 'ts' },
          { expr: col('weerbaar.line'), as: 'line' },
          { expr: col('log.offset'), as: 'offset' },
          { expr: col('source.bytes'), as: 'bytes' },
          { expr: col('url.path'), as: 'url' },
          { expr: col('weerbaar.fields'), as: 'fields' },
        ],
        orderBy: [{ expr: col('weerbaar.line') }],
      }),
    );
    expect(rows.map((r) => r['user'])).toEqual(['alice', 'bob', Buffer.from([0xc3, 0x28, 0xff, 0x80]).toString('latin1')]);
    expect(rows[1]).toMatchObject({ message: '2025-07-09T10:00:01Z|bob|a "quoted", comma', encoding: 'utf8', line: 2, offset: lines[0]!.length, bytes: 12, url: null });
    // The original bytes come back from message + encoding.
    expect(Buffer.from(String(rows[2]!['message']), rows[2]!['encoding'] as BufferEncoding)).toEqual(lines[2]!.subarray(0, lines[2]!.length - 1));
    expect(rows[2]!['ts']).toBe(Date.parse('2025-07-09T11:30:00Z'));
    expect(JSON.parse(String(rows[0]!['fields']))).toEqual({ text: 'plain', empty: '' });

    const [failure] = await store.query(select({ from: 'parse_failures', columns: [{ expr: col('error.message'), as: 'reason' }, { expr: col('weerbaar.line'), as: 'line' }, { expr: col('message'), as: 'text' }] }));
    expect(failure).toEqual({ reason: 'not time|user|text', line: 4, text: 'garbage line' });
  });

  it('binds query values, so hostile values match literally and change nothing', async () => {
    const [row] = await store.query(select({ from: 'events', columns: [{ expr: count(), as: 'n' }], where: eq(col('user.name'), val("' OR 1=1 --")) }));
    expect(row).toEqual({ n: 0 });
    const [all] = await store.query(select({ from: 'events', columns: [{ expr: count(), as: 'n' }] }));
    expect(all).toEqual({ n: 3 });
  });

  it('keeps what it read from a truncated gzip rotation and records where reading stopped', async () => {
    const whole = gzipSync(Buffer.from(Array.from({ length: 2000 }, (_, i) => `2025-07-09T10:00:00Z|u${i}|line ${i}\n`).join('')));
    const file = join(dir, 'truncated.log.gz');
    await writeFile(file, whole.subarray(0, Math.floor(whole.length / 2)));
    const failures: string[] = [];
    const stats = await parseFile(
      { file, gzip: true, dataset: 'test.pipe', options: { path: 'truncated.log' }, custody: { evidenceSha256: 'cd'.repeat(32), path: '/evidence/truncated.log.gz' }, batchDir: dir },
      pipeParser,
      async (batch) => {
        if (batch.failuresCsv) failures.push(batch.failuresCsv);
      },
    );
    expect(stats.readError).toMatch(/reading stopped after \d+ bytes/);
    expect(stats.events).toBeGreaterThan(0);
    expect(stats.failures).toBeGreaterThanOrEqual(1);
  });
});
