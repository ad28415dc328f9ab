import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { InvalidInputError } from '../shared/errors.js';
import {
  DATA_ACCESS_MAPPING,
  FLOW_MAPPING,
  type TimeReading,
  compileTimeFormat,
  loadFieldMapping,
  parseFieldMappingText,
} from './field-mapping.js';

function problemsOf(file: string, text: string): { line: number | undefined; reason: string }[] {
  try {
    parseFieldMappingText(file, text);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as InvalidInputError).problems.map((p) => ({ line: p.location.line, reason: p.reason }));
  }
  throw new Error('expected the mapping to be rejected');
}

function read(format: string, value: string, zone?: string): TimeReading {
  const compiled = compileTimeFormat(format);
  if ('error' in compiled) throw new Error(compiled.error);
  return compiled.reader(value, zone);
}

describe('field mapping file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weerbaar-mapping-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a YAML mapping with every section', async () => {
    const file = join(dir, 'crm.yaml');
    await writeFile(file, [
      'dataset: crm.audit',
      "time: { field: when, format: '%d/%m/%Y %H:%M:%S %z', zone: Europe/Amsterdam }",
      'fields:',
      '  user.name: actor.login',
      '  source.port: port',
      "csv: { delimiter: ';', header: true }",
      'required: [when]',
      'vocabulary:',
      '  event.action: [view, export]',
      '',
    ].join('\n'));
    const mapping = await loadFieldMapping(file);
    expect(mapping).toEqual({
      dataset: 'crm.audit',
      time: { field: 'when', format: '%d/%m/%Y %H:%M:%S %z', zone: 'Europe/Amsterdam' },
      fields: { 'user.name': 'actor.login', 'source.port': 'port' },
      csv: { delimiter: ';', header: true },
      required: ['when'],
      vocabulary: { 'event.action': ['view', 'export'] },
    });
  });

  it('reads JSON by extension and fills defaults', async () => {
    const file = join(dir, 'm.json');
    await writeFile(file, '\ufeff{ "time": { "field": "ts" }, "fields": { "source.ip": "ip" }, "csv": { "delimiter": "tab", "header": ["ts", "ip"] } }');
    expect(await loadFieldMapping(file)).toEqual({
      dataset: 'custom',
      time: { field: 'ts', format: 'auto' },
      fields: { 'source.ip': 'ip' },
      csv: { delimiter: '\t', header: ['ts', 'ip'] },
    });
  });

  it('names the file and line of an unknown ECS target', () => {
    const problems = problemsOf('m.yaml', 'dataset: x\nfields:\n  user.name: u\n  source.addr: ip\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]!.line).toBe(4);
    expect(problems[0]!.reason).toMatch(/"source\.addr" is not an ECS column/);
    try {
      parseFieldMappingText('m.yaml', 'fields:\n  source.addr: ip\n');
    } catch (error) {
      expect((error as InvalidInputError).details[0]).toMatch(/^m\.yaml:2 \(fields\["source\.addr"\]\): /);
    }
  });

  it('names the line of a bad time format, a bad zone and an unsupported directive', () => {
    expect(problemsOf('m.yaml', 'time:\n  field: t\n  format: dd-mm-yyyy\n')).toEqual([
      { line: 3, reason: expect.stringMatching(/"dd-mm-yyyy" is not a time format/) as unknown as string },
    ]);
    expect(problemsOf('m.yaml', 'time:\n  field: t\n  format: "%Y-%m-%d %H:%M:%Q"\n')[0]).toMatchObject({ line: 3, reason: expect.stringMatching(/unsupported directive %Q/) });
    expect(problemsOf('m.yaml', 'time:\n  field: t\n  format: "%H:%M:%S"\n')[0]!.reason).toMatch(/lacks %Y/);
    expect(problemsOf('m.yaml', 'time:\n  field: t\n  zone: Mars/Olympus\n')[0]).toMatchObject({ line: 3, reason: expect.stringMatching(/unknown time zone/) });
  });

  it('reports YAML syntax with its line, and unknown keys, bad CSV settings and JSON syntax', () => {
    expect(problemsOf('m.yaml', 'dataset: x\nfields:\n  user.name: [a\n')[0]!.reason).toMatch(/^YAML syntax/);
    expect(problemsOf('m.yaml', 'dataset: x\nfields:\n  user.name: [a\n')[0]!.line).toBeGreaterThanOrEqual(3);
    expect(problemsOf('m.yaml', 'dataset: x\ntimezone: UTC\n')).toEqual([{ line: 2, reason: 'unknown field "timezone"' }]);
    expect(problemsOf('m.yaml', 'csv:\n  delimiter: ";;"\n')[0]!.line).toBe(2);
    expect(problemsOf('m.yaml', 'vocabulary:\n  network.bytes: [a]\n')[0]).toMatchObject({ line: 2, reason: expect.stringMatching(/not an ECS text column/) });
    expect(problemsOf('m.json', '{\n "fields": {\n  "user.name": 3\n }\n}')[0]!.line).toBe(3);
    expect(problemsOf('m.json', '{\n "fields": {\n')[0]!.reason).toMatch(/^JSON syntax/);
  });

  it('rejects a missing file with an InvalidInputError naming it', async () => {
    await expect(loadFieldMapping(join(dir, 'absent.yaml'))).rejects.toThrow(/absent\.yaml.*cannot be read/);
  });

  it('built-in mappings are valid mapping documents', () => {
    for (const mapping of [DATA_ACCESS_MAPPING, FLOW_MAPPING]) {
      expect(parseFieldMappingText('builtin.yaml', stringify(mapping))).toEqual(mapping);
    }
  });
});

describe('time formats', () => {
  it('reads ISO 8601 with and without offset', () => {
    expect(read('iso8601', '2025-07-03T09:14:22.123+02:00')).toEqual({ ok: true, timestamp: Date.UTC(2025, 6, 3, 7, 14, 22, 123), quality: 'exact' });
    expect(read('iso8601', '2025-07-03T09:14:22Z')).toMatchObject({ timestamp: Date.UTC(2025, 6, 3, 9, 14, 22), quality: 'exact' });
    expect(read('iso8601', '2025-07-03 09:14:22+0530')).toMatchObject({ timestamp: Date.UTC(2025, 6, 3, 3, 44, 22), quality: 'exact' });
    expect(read('iso8601', '2025-07-03 09:14:22', 'Europe/Amsterdam')).toMatchObject({ timestamp: Date.UTC(2025, 6, 3, 7, 14, 22), quality: 'zone-assumed' });
    expect(read('iso8601', '2025-07-03T09:14:22')).toMatchObject({ timestamp: Date.UTC(2025, 6, 3, 9, 14, 22), quality: 'zone-assumed' });
    expect(read('iso8601', '2025-02-31T09:14:22Z')).toEqual({ ok: false, reason: 'no such date or time' });
    expect(read('iso8601', 'yesterday')).toMatchObject({ ok: false, reason: expect.stringMatching(/not an ISO 8601/) });
    expect(read('iso8601', '2025-07-03T09:14:22', 'No/Such_Zone')).toMatchObject({ ok: false, reason: expect.stringMatching(/unknown time zone/) });
  });

  it('reads epochs as exact instants', () => {
    expect(read('epoch_s', '1751526862')).toEqual({ ok: true, timestamp: 1751526862000, quality: 'exact' });
    expect(read('epoch_s', '1751526862.5')).toMatchObject({ timestamp: 1751526862500 });
    expect(read('epoch_ms', '1751526862123')).toMatchObject({ timestamp: 1751526862123, quality: 'exact' });
    expect(read('epoch_ms', '17e5')).toMatchObject({ ok: false });
    expect(read('epoch_s', '99999999999999999999')).toMatchObject({ ok: false, reason: expect.stringMatching(/out of range/) });
    expect(read('auto', '1751526862')).toMatchObject({ timestamp: 1751526862000 });
    expect(read('auto', '1751526862123')).toMatchObject({ timestamp: 1751526862123 });
    expect(read('auto', '2025-07-03T09:14:22Z')).toMatchObject({ timestamp: Date.UTC(2025, 6, 3, 9, 14, 22) });
  });

  it('reads strftime-like patterns, %z optional', () => {
    expect(read('%Y-%m-%d %H:%M:%S', '2025-07-03 09:14:22')).toMatchObject({ timestamp: Date.UTC(2025, 6, 3, 9, 14, 22), quality: 'zone-assumed' });
    expect(read('%d/%m/%Y %H:%M:%S %z', '03/07/2025 09:14:22 +0200')).toMatchObject({ timestamp: Date.UTC(2025, 6, 3, 7, 14, 22), quality: 'exact' });
    expect(read('%d/%m/%Y %H:%M:%S %z', '03/07/2025 09:14:22.250', 'Europe/Amsterdam')).toMatchObject({ timestamp: Date.UTC(2025, 6, 3, 7, 14, 22, 250), quality: 'zone-assumed' });
    expect(read('%d/%b/%Y:%T %z', '03/Jul/2025:09:14:22 -0000')).toMatchObject({ timestamp: Date.UTC(2025, 6, 3, 9, 14, 22), quality: 'exact' });
    expect(read('%Y-%m-%d %H:%M:%S', '2025-07-03 24:00:00')).toMatchObject({ timestamp: Date.UTC(2025, 6, 4), quality: 'hour-24' });
    expect(read('%Y-%m-%d %H:%M:%S', '2025/07/03 09:14:22')).toMatchObject({ ok: false, reason: expect.stringMatching(/does not match/) });
    expect(read('%d/%b/%Y %H:%M', '03/Foo/2025 09:14')).toMatchObject({ ok: false, reason: expect.stringMatching(/not a month/) });
    expect(read('%Y.%m.%d (%H:%M)', '2025.07.03 (09:14)')).toMatchObject({ timestamp: Date.UTC(2025, 6, 3, 9, 14) });
    expect(compileTimeFormat('%Y-%m-%d %H:%M:%S.%f')).toMatchObject({ error: expect.stringMatching(/%S already reads a fraction/) });
  });
});
