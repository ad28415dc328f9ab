import { chmod, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { cli } from './support/cli-harness.js';
import { useEngineWorkspace } from './support/engine-workspace.js';
import { engines, postgresSkipReason } from './support/engines.js';

/**
 * Record manifests, consistency proofs and the header binding (issue 7 §2, §3) through the command
 * line, on every case store: changed, deleted and added rows found by key in a SQLite table, a CSV
 * export and a PostgreSQL table; Q4 over a baseline of records; a row's inclusion proof; a later
 * manifest of an append-only register proven to extend an earlier one, and refused when it does not.
 */

if (postgresSkipReason) describe.skip(postgresSkipReason, () => undefined);

type RecordReport = { counts: Record<string, number>; changes: { kind: string; key: string[]; fields: string[] }[]; source: string };

describe.each(engines)('record manifests on $name', (engine) => {
  const t = useEngineWorkspace(engine);
  const run = (args: string[]) => cli(['-w', t.ws, ...args], { env: t.env });
  const verify = async (args: string[]) => {
    const r = await run(['integrity', 'verify', ...args, '--json']);
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as RecordReport;
  };

  function witnesses(): string {
    const file = join(t.root, 'register.db');
    const db = new Database(file);
    db.exec('create table witnesses (id integer primary key, name text not null, address text, protected integer not null)');
    const insert = db.prepare('insert into witnesses values (?, ?, ?, ?)');
    for (let i = 1; i <= 20; i++) insert.run(i, `Witness ${i}`, i % 4 === 0 ? null : `Straat ${i}`, i % 2);
    db.close();
    return file;
  }

  it('finds changed, deleted and added rows of a SQLite table by key, with the columns that changed, and answers Q4', async () => {
    const file = witnesses();
    const taken = await run(['integrity', 'records', `sqlite:${file}`, '--table', 'witnesses', '--key', 'id', '--json']);
    expect(taken.stderr).toBe('');
    expect(JSON.parse(taken.stdout)).toMatchObject({ name: 'witnesses', kind: 'records', entries: 20, source: `sqlite:${file}#witnesses` });
    expect((await verify(['--against', 'witnesses'])).changes).toEqual([]);
    // The manifest holds digests, never a value.
    const manifests = join(t.ws, 'integrity', 'manifests');
    const text = await readFile(join(manifests, (await readdir(manifests))[0]!), 'utf8');
    expect(text).not.toContain('Straat');

    const db = new Database(file);
    db.exec("update witnesses set address = 'Dorpstraat 1' where id = 7; delete from witnesses where id = 12; insert into witnesses values (21, 'Witness 21', 'Laan 3', 1)");
    db.close();
    const report = await verify(['--against', 'witnesses']);
    expect(report.changes.map((c) => `${c.kind} ${c.key.join()} ${c.fields.join('+')}`)).toEqual(['deleted 12 ', 'added 21 ', 'modified 7 address']); // keys in text order
    expect((await run(['integrity', 'verify', '--against', 'witnesses'])).stdout).toMatch(/modified +key \["7"\] +\(address\)\n.*proven \(signature, header and root\) against sqlite:.*: 1 added, 1 deleted, 1 modified/);

    // A CSV export of the same rows hashes the same: the export of June against the table now.
    const csv = join(t.root, 'witnesses-export.csv');
    await writeFile(csv, ['id,name,address,protected', ...Array.from({ length: 20 }, (_, k) => k + 1).map((i) => `${i},Witness ${i},${i % 4 === 0 ? '' : `Straat ${i}`},${i % 2}`)].join('\n') + '\n');
    expect((await run(['integrity', 'records', csv, '--key', 'id', '--name', 'export'])).code).toBe(0);
    const againstTable = await verify([`sqlite:${file}`, '--table', 'witnesses', '--against', 'export']);
    // A CSV has no null: the null addresses of the table differ from the export's empty cells.
    expect(againstTable.changes.map((c) => `${c.kind} ${c.key.join()} ${c.fields.join('+')}`)).toEqual(['deleted 12 ', 'modified 16 address', 'modified 20 address', 'added 21 ', 'modified 4 address', 'modified 7 address', 'modified 8 address']);

    expect((await run(['integrity', 'baseline', 'witnesses', '--at', '2025-06-20T00:00:00Z', '--reason', 'register export of 20 June'])).code).toBe(0);
    expect((await run(['exposure', 'window', '--start', '2025-06-23T00:00:00Z', '--end', '2025-07-15T00:00:00Z', '--reason', 'first logs'])).code).toBe(0);
    const q4 = JSON.parse((await run(['integrity', 'manipulated', '--json'])).stdout) as { answers: { source: string; verdict: string; records: { kind: string; key: string[] }[] }[] };
    expect(q4.answers).toEqual([expect.objectContaining({ source: `sqlite:${file}#witnesses`, verdict: 'shown', records: [expect.objectContaining({ kind: 'deleted', key: ['12'] }), expect.objectContaining({ kind: 'added', key: ['21'] }), expect.objectContaining({ kind: 'modified', key: ['7'] })] })]);
    expect((await run(['integrity', 'manipulated'])).stdout).toMatch(/modified +key \["7"\] +\(address\) +— needs an explanation/);
    expect((await run(['integrity', 'list'])).stdout).toMatch(/witnesses +records +\S+ +20 +- +- +0 +2025-06-20T00:00 +sqlite:/);
  });

  it('proves one row, proves an append-only register extended, and refuses a rewritten history or header', async () => {
    const file = witnesses();
    expect((await run(['integrity', 'records', `sqlite:${file}`, '--table', 'witnesses', '--key', 'id', '--name', 'register'])).code).toBe(0);
    const proof = await run(['integrity', 'prove', 'register', '7']);
    expect(proof.code).toBe(0);
    expect(JSON.parse(proof.stdout)).toMatchObject({ entry: expect.stringMatching(/^\{"key":\["7"\],"sha256":"[0-9a-f]{64}","columns":\{"address":"[0-9a-f]{16}"/) });
    const proofFile = join(t.root, 'row.json');
    await writeFile(proofFile, proof.stdout);
    expect((await run(['integrity', 'check-proof', proofFile])).stdout).toContain('proof holds: {"key":["7"]');

    // Keys that rise with every row (an append-only register keyed so that text order follows time).
    const db = new Database(file);
    db.exec("insert into witnesses values (90, 'Witness 90', 'Laan 9', 0); insert into witnesses values (91, 'Witness 91', NULL, 1)");
    db.close();
    expect((await run(['integrity', 'records', `sqlite:${file}`, '--table', 'witnesses', '--key', 'id', '--name', 'register-later'])).code).toBe(0);
    // Later snapshots of a source reuse its first salt, so an append-only register's manifest extends the earlier one
    // (keys in text order: 90 and 91 come after 9).
    const consistency = await run(['integrity', 'consistency', 'register', 'register-later']);
    expect(consistency.stderr).toBe('');
    expect(JSON.parse(consistency.stdout)).toMatchObject({ firstSize: 20, secondSize: 22 });
    const db2 = new Database(file);
    db2.exec("update witnesses set protected = 1 - protected where id = 3");
    db2.close();
    expect((await run(['integrity', 'records', `sqlite:${file}`, '--table', 'witnesses', '--key', 'id', '--name', 'register-edited'])).code).toBe(0);
    const edited = await run(['integrity', 'consistency', 'register-later', 'register-edited']);
    expect(edited.code).toBe(4);
    expect(edited.stderr).toMatch(/register-edited does not extend register-later: entry \d+ differs: \["3"\] changed/);

    // A folder of logs that only ever grows is append-only: the later manifest extends the earlier one.
    const logs = join(t.root, 'logs');
    await mkdir(logs);
    for (const day of ['2025-06-20', '2025-06-21']) await writeFile(join(logs, `audit-${day}.log`), `entries of ${day}\n`);
    const { utimes } = await import('node:fs/promises');
    await utimes(logs, new Date('2025-06-21T00:00:00Z'), new Date('2025-06-21T00:00:00Z'));
    expect((await run(['integrity', 'snapshot', join(logs, '.'), '--name', 'logs-1'])).code).toBe(0);
    await writeFile(join(logs, 'audit-2025-06-22.log'), 'entries of 2025-06-22\n');
    await utimes(logs, new Date('2025-06-21T00:00:00Z'), new Date('2025-06-21T00:00:00Z'));
    expect((await run(['integrity', 'snapshot', logs, '--name', 'logs-2'])).code).toBe(0);
    const extended = await run(['integrity', 'consistency', 'logs-1', 'logs-2']);
    expect(extended.code).toBe(0);
    const document = JSON.parse(extended.stdout) as { firstSize: number; secondSize: number; proof: string[] };
    expect(document).toMatchObject({ format: 'weerbaar-consistency-proof/1', firstSize: 2, secondSize: 3 });
    const consistencyFile = join(t.root, 'consistency.json');
    const check = async (d: unknown) => {
      await writeFile(consistencyFile, JSON.stringify(d));
      return run(['integrity', 'check-proof', consistencyFile]);
    };
    expect((await check(document)).stdout).toMatch(/proof holds: manifest [0-9a-f-]{36} extends manifest [0-9a-f-]{36}/);
    for (const forged of [{ ...document, secondSize: 4 }, { ...document, firstSize: 1 }, { ...document, proof: [Buffer.alloc(32, 7).toString('base64'), ...document.proof.slice(1)] }, { ...document, proof: document.proof.slice(1) }]) {
      const r = await check(forged);
      expect(r.code).toBe(4);
      expect(r.stderr).toContain('the proof does not hold');
    }
    // A rewritten day is not an extension.
    await writeFile(join(logs, 'audit-2025-06-20.log'), 'entries of 2025-06-20, edited\n');
    expect((await run(['integrity', 'snapshot', logs, '--name', 'logs-3'])).code).toBe(0);
    const rewritten = await run(['integrity', 'consistency', 'logs-2', 'logs-3']);
    expect(rewritten.code).toBe(4);
    expect(rewritten.stderr).toMatch(/logs-3 does not extend logs-2: entry 1 differs: audit-2025-06-20\.log changed/);

    // The header is signed with the root: pointing a manifest at another source is tampering.
    const manifests = join(t.ws, 'integrity', 'manifests');
    for (const name of await readdir(manifests)) {
      const path = join(manifests, name);
      const text = await readFile(path, 'utf8');
      if (!text.includes('"name":"register"')) continue;
      await chmod(path, 0o600);
      await writeFile(path, text.replace('#witnesses', '#witnesses_old'));
    }
    const tampered = await run(['integrity', 'verify', '--against', 'register']);
    expect(tampered.code).toBe(4);
    expect(tampered.stderr).toContain('its header line is not the one that was signed');

    // The case store's record pointed at another source (a clean copy): refused, it differs from the signed header.
    const { openApp } = await import('../src/app/app-context.js');
    const app = await openApp({ workspace: t.ws }, { env: t.env, cwd: t.root });
    await app.store.db.updateTable('manifest').set({ source: 'sqlite:/tmp/clean.db#witnesses' }).where('name', '=', 'register-later').execute();
    await app.close();
    const repointed = await run(['integrity', 'verify', '--against', 'register-later']);
    expect(repointed.code).toBe(4);
    expect(repointed.stderr).toMatch(/differs from its signed header \(records of sqlite:.*register\.db#witnesses\): the record was altered/);
  });
});

describe.skipIf(postgresSkipReason !== undefined)('a PostgreSQL table as a record source', () => {
  const sqlite = engines.find((e) => e.name === 'sqlite')!;
  const t = useEngineWorkspace(sqlite);
  const run = (args: string[]) => cli(['-w', t.ws, ...args], { env: t.env });

  it('reads it read-only, exact, and finds its changes by composite key', async () => {
    const url = process.env['WEERBAAR_TEST_DATABASE_URL']!;
    const schema = `records_cli_${process.pid}_${Date.now()}`;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`create schema ${schema}`);
      await client.query(`create table ${schema}.hr_files (unit text, number int8, salary numeric(12,2), updated timestamptz, photo bytea, notes jsonb, primary key (unit, number))`);
      await client.query(`insert into ${schema}.hr_files values ('OM-1', 9007199254740993, 4123.50, '2025-06-01 10:00:00.123456+02', '\\xdeadbeef', '{"b": 1, "a": [true, null]}'), ('OM-1', 2, 3000, null, null, null), ('OM-2', 1, 5000.10, '2025-06-02 00:00:00+00', null, '"x"')`);
      const taken = await run(['integrity', 'records', url, '--table', `${schema}.hr_files`, '--key', 'unit,number', '--name', 'hr', '--json']);
      expect(taken.stderr).toBe('');
      const record = JSON.parse(taken.stdout) as { entries: number; source: string };
      expect(record.entries).toBe(3);
      expect(record.source).not.toMatch(/:[^@/]*@/); // no password in what is kept
      await client.query(`update ${schema}.hr_files set salary = 9999 where unit = 'OM-1' and number = 9007199254740993; delete from ${schema}.hr_files where unit = 'OM-2'`);
      const report = JSON.parse((await run(['integrity', 'verify', url, '--table', `${schema}.hr_files`, '--against', 'hr', '--json'])).stdout) as RecordReport;
      expect(report.changes.map((c) => `${c.kind} ${c.key.join('/')} ${c.fields.join('+')}`)).toEqual(['modified OM-1/9007199254740993 salary', 'deleted OM-2/1 ']);
    } finally {
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    }
  });
});
