import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashLeaf, merkleRoot } from '../audit/merkle.js';
import { MANIFEST_FORMAT } from './manifest.js';
import { type ManifestRow, type RecordManifestHeader, compareKeys, manifestRow, newSalt, readRecordManifest, recordLine, writeRecordManifest } from './record-manifest.js';
import { type SourceRow, openRecordSource, parseRecordSource } from './record-source.js';

const SALT = '00112233445566778899aabbccddeeff';
const header = (columns: string[], key: string[] = ['id'], salt = SALT): RecordManifestHeader => ({ format: MANIFEST_FORMAT, kind: 'records', name: 'people', source: 'test', key, columns, salt, created: '2025-06-01T00:00:00.000Z' });
const row = (values: Record<string, string | null>, key: string[] = ['id']): SourceRow => ({ key: key.map((k) => values[k] as string), values: new Map(Object.entries(values)), line: null });
async function* list(rows: SourceRow[]): AsyncGenerator<SourceRow> {
  yield* rows;
}
async function read(file: string): Promise<{ header: RecordManifestHeader | undefined; rows: ManifestRow[]; leaves: Uint8Array[] }> {
  const result = { header: undefined as RecordManifestHeader | undefined, rows: [] as ManifestRow[], leaves: [] as Uint8Array[] };
  for await (const item of readRecordManifest(file)) {
    if ('header' in item) result.header = item.header;
    else {
      result.rows.push(item.row);
      result.leaves.push(item.leaf);
    }
  }
  return result;
}
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('record manifests', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'record-manifest-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const people = [row({ id: '9', name: 'Ann', note: null }), row({ id: '10', name: 'Bob', note: '' }), row({ id: '2', name: 'Cy', note: 'x' })];

  it('writes rows in key text order, one leaf per line, and reads them back with the same root', async () => {
    const file = join(dir, 'm.jsonl');
    const summary = await writeRecordManifest(file, header(['id', 'name', 'note']), list(people));
    expect(summary.rows).toBe(3);
    const back = await read(file);
    expect(back.header).toEqual(header(['id', 'name', 'note']));
    expect(back.rows.map((r) => r.key)).toEqual([['10'], ['2'], ['9']]);
    expect(hex(merkleRoot(back.leaves))).toBe(hex(summary.root));
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n').slice(1);
    expect(lines.map((l) => hex(hashLeaf(Buffer.from(l, 'utf8'))))).toEqual(back.leaves.map(hex));
    expect(lines[0]).toMatch(/^\{"key":\["10"\],"sha256":"[0-9a-f]{64}","columns":\{"id":"[0-9a-f]{16}","name":"[0-9a-f]{16}","note":"[0-9a-f]{16}"\}\}$/);
    expect(back.rows.map(recordLine)).toEqual(lines);
    expect((await stat(file)).mode & 0o777).toBe(0o400);
    await expect(writeRecordManifest(file, header(['id', 'name', 'note']), list(people))).rejects.toThrow('already exists');
  });

  it('hashes the whole row canonically and keeps null apart from the empty string', () => {
    const a = manifestRow(row({ id: '1', note: null }), ['id', 'note'], SALT);
    const b = manifestRow(row({ id: '1', note: '' }), ['id', 'note'], SALT);
    const reordered = manifestRow({ key: ['1'], values: new Map([['note', null], ['id', '1']]), line: null }, ['note', 'id'], SALT);
    expect(a.sha256).not.toBe(b.sha256);
    expect(a.columns.get('note')).not.toBe(b.columns.get('note'));
    expect(reordered).toEqual(a);
    expect(manifestRow(row({ id: '1', note: null }), ['id', 'note'], newSalt()).columns.get('id')).not.toBe(a.columns.get('id'));
    expect(() => manifestRow(row({ id: '1' }), ['id', 'note'], SALT)).toThrow("does not have the manifest's columns");
  });

  it('hashes exactly as documented', () => {
    const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
    const r = manifestRow(row({ id: '1', note: null, name: 'Zoë' }), ['id', 'note', 'name'], SALT);
    expect(r.sha256).toBe(sha('{"id":"1","name":"Zoë","note":null}'));
    expect(Object.fromEntries(r.columns)).toEqual({
      id: sha(`${SALT}id\u0000\u00011`).slice(0, 16),
      note: sha(`${SALT}note\u0000\u0000`).slice(0, 16),
      name: sha(`${SALT}name\u0000\u0001Zoë`).slice(0, 16),
    });
  });

  it('orders composite keys element by element, as text', () => {
    const keys = [['b', '1'], ['a', '2'], ['a', '10'], ['é'], ['z'], ['😀'], ['\uffff']];
    expect(keys.sort(compareKeys)).toEqual([['a', '10'], ['a', '2'], ['b', '1'], ['z'], ['é'], ['\uffff'], ['😀']]);
  });

  it('names columns that are integers or __proto__ in a stable line', async () => {
    const r = manifestRow(row({ id: '1', '2024': 'a', ['__proto__']: 'b', '10': null }), ['id', '2024', '__proto__', '10'], SALT);
    const line = recordLine(r);
    expect(Object.keys(JSON.parse(line).columns as object)).toEqual(['10', '2024', '__proto__', 'id']);
    expect(line.indexOf('"10"')).toBeLessThan(line.indexOf('"2024"'));
    const file = join(dir, 'odd.jsonl');
    await writeRecordManifest(file, header(['id', '2024', '__proto__', '10']), list([row({ id: '1', '2024': 'a', ['__proto__']: 'b', '10': null })]));
    expect((await read(file)).rows).toEqual([r]);
  });

  it('gives the same root for the same data from a CSV export and a SQLite table', async () => {
    const csv = join(dir, 'people.csv');
    await writeFile(csv, 'id,name,born,score\n1,Ann,1980-02-03,1.5\n2,"Bob ""B""",,7\n90071992547409930,Cy,2001-01-01,0\n');
    const db = new Database(join(dir, 'hr.db'));
    db.exec('create table people (id integer primary key, name text not null, born text not null, score real)');
    const insert = db.prepare('insert into people values (?, ?, ?, ?)');
    insert.run(2, 'Bob "B"', '', 7);
    insert.run(90071992547409930n, 'Cy', '2001-01-01', 0);
    insert.run(1, 'Ann', '1980-02-03', 1.5);
    db.close();
    const roots: string[] = [];
    for (const [name, spec] of [['csv', parseRecordSource(csv)], ['sqlite', parseRecordSource(join(dir, 'hr.db'), 'people')]] as const) {
      const source = await openRecordSource(spec, ['id']);
      const summary = await writeRecordManifest(join(dir, `${name}.jsonl`), header([...source.columns]), source.rows());
      roots.push(hex(summary.root));
    }
    expect(roots[0]).toBe(roots[1]);
  });

  it('changes the root when any single column of any row changes', async () => {
    const base = [row({ id: '1', a: 'x', b: null }), row({ id: '2', a: 'y', b: 'z' })];
    const rootOf = async (rows: SourceRow[], name: string) => hex((await writeRecordManifest(join(dir, name), header(['id', 'a', 'b']), list(rows))).root);
    const original = await rootOf(base, 'base.jsonl');
    const seen = new Set([original]);
    let n = 0;
    for (let i = 0; i < base.length; i++) {
      for (const column of ['a', 'b']) {
        for (const value of [null, '', 'x ', 'other']) {
          const values = Object.fromEntries((base[i] as SourceRow).values);
          if (values[column] === value) continue;
          const changed = base.map((r, j) => (j === i ? row({ ...values, [column]: value }) : r));
          const root = await rootOf(changed, `m${n++}.jsonl`);
          expect(root).not.toBe(original);
          seen.add(root);
        }
      }
    }
    expect(seen.size).toBe(n + 1);
  });

  it('refuses a tampered line, naming file and line', async () => {
    const file = join(dir, 'm.jsonl');
    await writeRecordManifest(file, header(['id', 'name', 'note']), list(people));
    const text = await readFile(file, 'utf8');
    const lines = text.split('\n');
    const forgeries: [string, RegExp][] = [
      [text.replace(/"sha256":"[0-9a-f]/, '"sha256":"g'), /:2: the row is not in the form/], // a value changed to something no hash is
      [text.replace(/("name":")[0-9a-f]/, '$1z'), /:2: the row is not in the form/],
      [[lines[0], lines[2], lines[1], lines[3], ''].join('\n'), /:3: key \["10"\] is out of order/], // rows reordered
      [[lines[0], lines[1], lines[1], lines[3], ''].join('\n'), /:3: key \["10"\] is a duplicate/],
      [text.replace('{"key":["2"]', '{ "key":["2"]'), /:3: the row is not in the form/], // valid JSON, not the written bytes
      [text.replace('"columns":{"id"', '"columns":{"name":"0000000000000000","id"'), /:2: the row is not in the form/], // duplicate JSON key
      [text.replace(/,"note":"[0-9a-f]{16}"/, ''), /:2: the row is not in the form/], // a column left out
      [text.replace(/\n$/, ' \n'), /:4: the row is not in the form/], // trailing whitespace
      [text.replace(/"\}\}\n/, '"},"x":1}\n'), /:2: the row is not in the form/],
      [text.replace(`"salt":"${SALT}"`, '"salt":"short"'), /:1: the record manifest header is malformed/],
      [text.replace('"kind":"records"', '"kind":"files"'), /:1: not a weerbaar-manifest\/1 header of records/],
      [`${text}\n`, /:5: not a JSON row/],
    ];
    for (const [forged, message] of forgeries) {
      const copy = join(dir, 'forged.jsonl');
      await writeFile(copy, forged);
      await expect(read(copy)).rejects.toThrow(new RegExp(`forged\\.jsonl${message.source}`));
      await rm(copy);
    }
    await writeFile(join(dir, 'empty.jsonl'), '');
    await expect(read(join(dir, 'empty.jsonl'))).rejects.toThrow('the manifest is empty');
  });

  it('leaves no manifest behind when the source is refused', async () => {
    const csv = join(dir, 'dup.csv');
    await writeFile(csv, 'id\n1\n1\n');
    const source = await openRecordSource(parseRecordSource(csv), ['id']);
    const file = join(dir, 'm.jsonl');
    await expect(writeRecordManifest(file, header(['id']), source.rows())).rejects.toMatchObject({ code: 'INVALID_INPUT', details: [`${csv}:3: duplicate key ["1"] (first at line 2)`] });
    await expect(stat(file)).rejects.toThrow('ENOENT');
  });
});
