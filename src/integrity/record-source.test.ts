import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WeerbaarError } from '../shared/errors.js';
import { type RecordSourceSpec, type SourceRow, canonicalValue, describeRecordSource, openRecordSource, parseRecordSource, readRecordSource } from './record-source.js';

async function rows(spec: RecordSourceSpec, key: string[]): Promise<SourceRow[]> {
  const all: SourceRow[] = [];
  for await (const row of readRecordSource(spec, key)) all.push(row);
  return all;
}
const plain = (row: SourceRow) => ({ key: row.key, line: row.line, values: Object.fromEntries(row.values) });
async function failure(promise: Promise<unknown>): Promise<WeerbaarError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(WeerbaarError);
  return error as WeerbaarError;
}

describe('record source names', () => {
  it('tells the kinds apart and needs a table for a database', () => {
    expect(parseRecordSource('/d/x.csv')).toEqual({ kind: 'csv', file: '/d/x.csv' });
    expect(parseRecordSource('/d/x.ndjson').kind).toBe('jsonl');
    expect(parseRecordSource('/d/x.JSONL').kind).toBe('jsonl');
    expect(parseRecordSource('sqlite:/d/x', 'people')).toEqual({ kind: 'sqlite', file: '/d/x', table: 'people' });
    expect(parseRecordSource('/d/x.sqlite3', 't').kind).toBe('sqlite');
    expect(parseRecordSource('postgres://u@h/db', 'hr.people')).toEqual({ kind: 'postgresql', url: 'postgres://u@h/db', table: 'hr.people' });
    for (const [source, table] of [['/d/x.db', undefined], ['postgresql://u@h/db', undefined], ['/d/x.csv', 't'], ['/d/x.txt', undefined], ['postgres://u@h/db', 'a.b.c']] as const) {
      expect(() => parseRecordSource(source, table)).toThrow(expect.objectContaining({ code: 'USAGE' }));
    }
  });

  it('never shows a password, in a description or in an error', () => {
    const spec = parseRecordSource('postgres://alice:s3cret@db.example:6543/hr?sslmode=require&password=other', 'hr.people');
    // sslmode is kept (a re-verify must connect alike), the password parameter is not.
    expect(describeRecordSource(spec)).toBe('postgresql://alice@db.example:6543/hr?sslmode=require#hr.people');
    expect(describeRecordSource(parseRecordSource('postgresql:///hr?host=/var/run/postgresql&sslpassword=x', 'people'))).toBe('postgresql:///hr?host=%2Fvar%2Frun%2Fpostgresql#people');
    expect(describeRecordSource(parseRecordSource('postgresql://alice:s3cret@db.example/hr', 'people'))).toBe('postgresql://alice@db.example:5432/hr#people');
    expect(describeRecordSource(parseRecordSource('x.db', 'people'))).toBe(`sqlite:${process.cwd()}/x.db#people`);
    for (const source of ['mysql://alice:s3cret@db/hr', 'postgres://alice:s3/cret@db/hr', 'ftp://alice:s3cret@x/y.csv?token=s3cret']) {
      expect(() => parseRecordSource(source, 't')).toThrow(expect.not.objectContaining({ message: expect.stringContaining('s3') }));
    }
  });

  it('reports a server it cannot reach without the password', async () => {
    const error = await failure(rows(parseRecordSource('postgresql://ann:S3cretPw@127.0.0.1:1/hr', 'people'), ['id']));
    expect(error.code).toBe('STORE_UNAVAILABLE');
    expect(error.message).toBe('postgresql://ann@127.0.0.1:1/hr#people: cannot connect: connection refused (is the server running and listening on that address?)');
    expect(error.cause).toBeUndefined();
  });

  it('gives each value the text an export would write', () => {
    expect([null, undefined, '', 'a b ', 42, -1.5, 12345678901234567890n, true, false].map(canonicalValue)).toEqual([null, null, '', 'a b ', '42', '-1.5', '12345678901234567890', 'true', 'false']);
    expect(canonicalValue(new Date('2025-06-01T08:00:00.123Z'))).toBe('2025-06-01T08:00:00.123Z');
    expect(canonicalValue(Buffer.from([0, 0xab]))).toBe('\\x00ab');
    expect(canonicalValue(new Uint8Array([1, 2]).subarray(1))).toBe('\\x02');
    expect(canonicalValue({ b: [1, { d: null, c: 'x' }], a: 1.0 })).toBe('{"a":1,"b":[1,{"c":"x","d":null}]}');
  });
});

describe('record files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'records-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));
  const file = async (name: string, text: string | Buffer): Promise<string> => {
    await writeFile(join(dir, name), text);
    return join(dir, name);
  };

  it('reads CSV cells exactly, names kept, with the line each row starts on', async () => {
    const csv = await file('p.csv', '\ufeffId,Full Name,note\n1, Ann ,""\n\n2,"Bob\nJr",x\r\n');
    const source = await openRecordSource(parseRecordSource(csv), ['Id']);
    expect(source.columns).toEqual(['Id', 'Full Name', 'note']);
    expect(source.description).toBe(`csv:${csv}`);
    const read: SourceRow[] = [];
    for await (const row of source.rows()) read.push(row);
    expect(read.map(plain)).toEqual([
      { key: ['1'], line: 2, values: { Id: '1', 'Full Name': ' Ann ', note: '' } },
      { key: ['2'], line: 4, values: { Id: '2', 'Full Name': 'Bob\nJr', note: 'x' } },
    ]);
    expect(() => source.rows()).toThrow('once');
  });

  it('reads JSONL: nested values canonical, an absent key null, columns in order of first appearance', async () => {
    const jsonl = await file('p.jsonl', '{"id":1,"tags":{"z":1,"a":[true]}}\n\n{"note":"x","id":"2"}\r\n');
    const progress: number[] = [];
    const read: SourceRow[] = [];
    for await (const row of readRecordSource(parseRecordSource(jsonl), ['id'], { onProgress: (n) => progress.push(n) })) read.push(row);
    expect(read.map(plain)).toEqual([
      { key: ['1'], line: 1, values: { id: '1', tags: '{"a":[true],"z":1}', note: null } },
      { key: ['2'], line: 3, values: { id: '2', tags: null, note: 'x' } },
    ]);
    expect(progress).toEqual([2]);
  });

  it('refuses lines that are not JSON objects and integers JSON cannot hold, naming file and line', async () => {
    const bad = await file('bad.jsonl', '{"id":1}\n[1]\n{"id":\n"text"\n');
    const error = await failure(rows(parseRecordSource(bad), ['id']));
    expect(error.details).toEqual([`${bad}:2: not a JSON object`, expect.stringMatching(/^.*bad\.jsonl:3: not JSON: /), `${bad}:4: not a JSON object`]);
    const big = await file('big.jsonl', '{"id":1,"n":9007199254740993}\n');
    expect((await failure(rows(parseRecordSource(big), ['id']))).details).toEqual([`${big}:1: column "n": an integer beyond 2^53 cannot be read exactly from JSON (write it as a string)`]);
  });

  it('refuses missing, null and duplicate keys, listing every one with its line', async () => {
    const csv = await file('k.csv', 'a,b,v\n1,x,p\n,y,q\n1,x,r\n2,x,s\n1,y,t\n3\n');
    const error = await failure(rows(parseRecordSource(csv), ['a', 'b']));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.details).toEqual([`${csv}:3: key column "a" is empty`, `${csv}:4: duplicate key ["1","x"] (first at line 2)`, `${csv}:7: has 1 cells; the header has 3`]);
    const jsonl = await file('k.jsonl', '{"id":1}\n{"id":null}\n{"other":1}\n{"id":"1"}\n');
    expect((await failure(rows(parseRecordSource(jsonl), ['id']))).details).toEqual([`${jsonl}:2: key column "id" is null or missing`, `${jsonl}:3: key column "id" is null or missing`, `${jsonl}:4: duplicate key ["1"] (first at line 1)`]);
  });

  it('lists at most 50 problems, counting the rest', async () => {
    const csv = await file('many.csv', `id\n${'7\n'.repeat(120)}`);
    const error = await failure(rows(parseRecordSource(csv), ['id']));
    expect(error.message).toContain('119 problems: rows whose key');
    expect(error.details).toHaveLength(51);
    expect(error.details[50]).toBe(`${csv}: … and 69 more`);
  });

  it('refuses an unknown key column, listing the columns there are', async () => {
    const csv = await file('c.csv', 'id,name\n1,a\n');
    await expect(rows(parseRecordSource(csv), ['ID'])).rejects.toThrow(`${`csv:${csv}`} has no column "ID"; its columns are "id", "name"`);
    await expect(rows(parseRecordSource(csv), [])).rejects.toThrow('at least one key column');
    await expect(rows(parseRecordSource(await file('d.csv', 'id,id\n1,2\n')), ['id'])).rejects.toThrow('column "id" appears twice');
    await expect(rows(parseRecordSource(await file('e.csv', '')), ['id'])).rejects.toThrow('no header row');
  });

  it('refuses a file that is not UTF-8, naming the line', async () => {
    const csv = await file('latin1.csv', Buffer.from('id,name\n1,caf\xe9\n', 'latin1'));
    await expect(rows(parseRecordSource(csv), ['id'])).rejects.toThrow(`${csv}:2: is not valid UTF-8`);
  });
});

describe('SQLite tables', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'records-sqlite-'));
    path = join(dir, 'hr.sqlite');
    const db = new Database(path);
    db.exec(`create table people (id integer primary key, name text, photo blob, score real, note text, initial text generated always as (substr(name, 1, 1)));
      create table y (id integer);
      insert into y values (1);`);
    db.prepare('insert into people values (?, ?, ?, ?, ?)').run(9007199254740993n, 'Ann', Buffer.from([0xde, 0xad]), 1.5, null);
    db.prepare('insert into people values (?, ?, ?, ?, ?)').run(2, '', null, 2, 'x');
    db.close();
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));
  const fingerprint = async () => ({ mtime: (await stat(path)).mtimeMs, sha: createHash('sha256').update(await readFile(path)).digest('hex') });

  it('reads every value exactly: 64-bit integers, blobs, null apart from empty text', async () => {
    const read = await rows(parseRecordSource(`sqlite:${path}`, 'People'), ['id']);
    expect(read.map(plain)).toEqual([
      { key: ['2'], line: null, values: { id: '2', name: '', photo: null, score: '2', note: 'x', initial: '' } },
      { key: ['9007199254740993'], line: null, values: { id: '9007199254740993', name: 'Ann', photo: '\\xdead', score: '1.5', note: null, initial: 'A' } },
    ]);
  });

  it('opens the file read-only: neither content nor mtime changes', async () => {
    const before = await fingerprint();
    await rows(parseRecordSource(path, 'people'), ['id']);
    await expect(rows(parseRecordSource(path, 'people'), ['nope'])).rejects.toThrow('its columns are "id", "name", "photo", "score", "note", "initial"');
    expect(await fingerprint()).toEqual(before);
  });

  it('refuses unknown and hostile table names without executing anything', async () => {
    const before = await fingerprint();
    for (const table of ['missing', 'x"; DROP TABLE y; --', 'people; delete from people', 'people"--']) {
      await expect(rows(parseRecordSource(path, table), ['id'])).rejects.toThrow(`has no table ${JSON.stringify(table)}; its tables are "people", "y"`);
    }
    expect(await fingerprint()).toEqual(before);
    const db = new Database(path, { readonly: true });
    expect(db.prepare('select count(*) from y').pluck().get()).toBe(1);
    db.close();
  });

  it('refuses a file that is not a database, and a missing file', async () => {
    await writeFile(join(dir, 'not.db'), 'hello, this is text and not a database at all');
    await expect(rows(parseRecordSource(join(dir, 'not.db'), 't'), ['id'])).rejects.toThrow(/not\.db: cannot be read as a SQLite database/);
    await expect(rows(parseRecordSource(join(dir, 'none.db'), 't'), ['id'])).rejects.toThrow(/none\.db: cannot be opened as a SQLite database/);
  });
});
