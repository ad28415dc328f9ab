import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_FORMAT } from '../src/integrity/manifest.js';
import { type RecordChange, diffRecords } from '../src/integrity/record-diff.js';
import { type RecordManifestHeader, newSalt, recordManifestRows, sortedManifestRows, writeRecordManifest } from '../src/integrity/record-manifest.js';
import { type RecordSourceSpec, type SourceRow, describeRecordSource, openRecordSource, parseRecordSource, readRecordSource } from '../src/integrity/record-source.js';
import { postgresSkipReason } from './support/engines.js';

/**
 * Records read from a live PostgreSQL table (issue 7 §2): every value as the server's exact text,
 * inside a read-only transaction that leaves nothing behind, and changes found by key.
 */

const url = process.env['WEERBAAR_TEST_DATABASE_URL'] ?? '';

(postgresSkipReason ? describe.skip : describe)(postgresSkipReason ?? 'PostgreSQL record sources', () => {
  const schema = `records_${randomBytes(6).toString('hex')}`;
  const table = `${schema}.people`;
  const spec = (): RecordSourceSpec => parseRecordSource(url, table);
  let admin: pg.Client;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'record-sources-'));
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.query(`create table ${schema}.people (id int8 primary key, amount numeric(20, 6), seen timestamptz, photo bytea, doc jsonb, label text, "Mixed Case" text)`);
    await admin.query(`create table ${schema}.y (id int4)`);
    await admin.query(`insert into ${schema}.y values (1)`);
    await admin.query(
      `insert into ${schema}.people values
        (9007199254740993, 12345678901234.5, '2025-06-01 10:00:00.123456+02', '\\xdeadbeef', '{"b": 1, "a": [1, 2.50]}', 'x', null),
        (2, null, null, null, 'null', '', 'y'),
        (3, -0.000001, '2025-01-01 00:00:00+00', '\\x', '"text"', 'z', 'w')`,
    );
  });

  afterAll(async () => {
    await admin?.query(`drop schema if exists ${schema} cascade`);
    await admin?.end();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function read(s: RecordSourceSpec, key: string[]): Promise<Record<string, string | null>[]> {
    const rows: SourceRow[] = [];
    for await (const row of readRecordSource(s, key)) rows.push(row);
    return rows.map((r) => Object.fromEntries(r.values));
  }

  it('reads every value as PostgreSQL writes it: int8, numeric, timestamptz (UTC, microseconds), bytea, canonical jsonb, null', async () => {
    const source = await openRecordSource(spec(), ['id']);
    expect(source.columns).toEqual(['id', 'amount', 'seen', 'photo', 'doc', 'label', 'Mixed Case']);
    expect(source.description).not.toContain(new URL(url).password);
    await source.close();
    const rows = await read(spec(), ['id']);
    expect(rows).toEqual(
      expect.arrayContaining([
        { id: '9007199254740993', amount: '12345678901234.500000', seen: '2025-06-01 08:00:00.123456+00', photo: '\\xdeadbeef', doc: '{"a":[1,2.5],"b":1}', label: 'x', 'Mixed Case': null },
        { id: '2', amount: null, seen: null, photo: null, doc: 'null', label: '', 'Mixed Case': 'y' },
        { id: '3', amount: '-0.000001', seen: '2025-01-01 00:00:00+00', photo: '\\x', doc: '"text"', label: 'z', 'Mixed Case': 'w' },
      ]),
    );
    expect(rows).toHaveLength(3);
  });

  it('reads a view, canonicalising a domain over jsonb like jsonb', async () => {
    await admin.query(`create domain ${schema}.doc_t as jsonb`);
    await admin.query(`create view ${schema}.people_v as select id, label, '{"z": 1, "a": [2]}'::${schema}.doc_t as d from ${schema}.people where id < 10`);
    expect(await read(parseRecordSource(url, `${schema}.people_v`), ['id'])).toEqual(
      expect.arrayContaining([
        { id: '2', label: '', d: '{"a":[2],"z":1}' },
        { id: '3', label: 'z', d: '{"a":[2],"z":1}' },
      ]),
    );
  });

  it('finds modified, deleted and inserted rows by key against a manifest', async () => {
    const salt = newSalt();
    const source = await openRecordSource(spec(), ['id']);
    const manifest = join(dir, 'june.jsonl');
    const header: RecordManifestHeader = { format: MANIFEST_FORMAT, kind: 'records', name: 'people', source: source.description, key: ['id'], columns: source.columns, salt, created: new Date().toISOString() };
    await writeRecordManifest(manifest, header, source.rows());
    await admin.query(`update ${schema}.people set doc = '{"a": [1, 2.5], "b": 2}', "Mixed Case" = '' where id = 9007199254740993`);
    await admin.query(`update ${schema}.people set doc = '{"a":[1,2.5],  "b":1}'::jsonb where id = 9007199254740993`); // same jsonb, other spelling: still changed by "Mixed Case" only
    await admin.query(`delete from ${schema}.people where id = 2`);
    await admin.query(`insert into ${schema}.people (id, label) values (10, 'new')`);
    const now = await openRecordSource(spec(), ['id']);
    const changes: RecordChange[] = [];
    for await (const c of diffRecords(recordManifestRows(manifest), (async function* () {
      yield* await sortedManifestRows(now.rows(), now.columns, salt);
    })())) changes.push(c);
    // Text order of keys: "10" < "2" < "3" < "9007…".
    expect(changes).toEqual([
      { kind: 'added', key: ['10'], fields: [] },
      { kind: 'deleted', key: ['2'], fields: [] },
      { kind: 'modified', key: ['9007199254740993'], fields: ['Mixed Case'] },
    ]);
  });

  it('reads in a read-only transaction that holds only a share lock, writes nothing and leaves no session behind', async () => {
    const rows = readRecordSource(spec(), ['id']);
    await rows.next(); // the cursor is open, the transaction is running
    const during = await admin.query<{ mode: string; backend_xid: string | null; state: string; application_name: string }>(
      `select l.mode, a.backend_xid, a.state, a.application_name from pg_locks l join pg_stat_activity a using (pid)
        where l.relation = $1::regclass and a.pid <> pg_backend_pid()`,
      [table],
    );
    // backend_xid stays null until a transaction writes: none was assigned.
    expect(during.rows).toEqual([{ mode: 'AccessShareLock', backend_xid: null, state: 'idle in transaction', application_name: 'weerbaar-records' }]);
    await rows.return(undefined);
    let after = -1;
    for (let i = 0; i < 50 && after !== 0; i++) {
      after = (await admin.query(`select count(*)::int as n from pg_locks l where l.relation = $1::regclass and l.pid <> pg_backend_pid()`, [table])).rows[0].n as number;
      if (after !== 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(after).toBe(0);
    // The transaction mode itself refuses writes (SQLSTATE 25006): the source could not write even by mistake.
    const probe = new pg.Client({ connectionString: url });
    await probe.connect();
    try {
      await probe.query('begin transaction isolation level repeatable read read only');
      await expect(probe.query(`insert into ${schema}.y values (2)`)).rejects.toMatchObject({ code: '25006' });
    } finally {
      await probe.end();
    }
  });

  it('refuses unknown tables, hostile names and unknown key columns without executing anything', async () => {
    for (const name of [`${schema}.missing`, `${schema}.x"; DROP TABLE y; --`, `${schema}.people"; drop table people; --`, `${schema}.people; delete from people`, `x"; DROP TABLE ${schema}.y; --`]) {
      await expect(read(parseRecordSource(url, name), ['id'])).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('no such table or view') });
    }
    expect((await admin.query(`select count(*)::int as n from ${schema}.y`)).rows[0].n).toBe(1);
    expect((await admin.query(`select count(*)::int as n from ${schema}.people`)).rows[0].n).toBe(3);
    await expect(read(spec(), ['ID'])).rejects.toThrow('has no column "ID"; its columns are "id", "amount", "seen", "photo", "doc", "label", "Mixed Case"');
  });

  it('refuses null and duplicate keys, naming each row', async () => {
    await admin.query(`insert into ${schema}.people (id, label) values (20, null), (21, 'z')`);
    const error = await read(spec(), ['label']).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_INPUT' });
    const details = (error as { details: string[] }).details;
    expect(details).toHaveLength(2);
    expect(details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/#records_[0-9a-f]+\.people: key column "label" is null or missing \(row \d; key \[null\]\)$/),
        expect.stringMatching(/#records_[0-9a-f]+\.people: duplicate key \["z"\] \(first at row \d\)$/),
      ]),
    );
    await admin.query(`delete from ${schema}.people where id in (20, 21)`);
  });

  it('never shows the password when the connection fails', async () => {
    const wrong = new URL(url);
    wrong.password = 'Wr0ng-s3cret';
    const s = parseRecordSource(wrong.toString(), table);
    expect(describeRecordSource(s)).not.toContain('Wr0ng');
    const error = await read(s, ['id']).then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).toContain('authentication failed');
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain('Wr0ng');
    expect(String((error as Error).cause ?? '')).not.toContain('Wr0ng');
  });
});
