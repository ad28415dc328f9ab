import { describe, expect, it } from 'vitest';
import type { FieldMapping } from './field-mapping.js';
import { LineSplitter } from './line-splitter.js';
import type { LogEvent, ParseFailure, ParseOptions } from './log-event.js';
import { OVERSIZED_REASON } from './parse-text.js';
import {
  type StructuredParserFactory,
  csvLogParser,
  dataAccessParser,
  detectStructuredFormat,
  flowLogParser,
  jsonlParser,
} from './structured-parser.js';

/** parseBuffer, but keeping the parser's counts and checking that every line is accounted for once. */
function run(factory: StructuredParserFactory, input: Buffer | string, options: Partial<ParseOptions> = {}) {
  const events: LogEvent[] = [];
  const failures: ParseFailure[] = [];
  const skipped: number[] = [];
  const parser = factory({ path: 'input.log', ...options }, { event: (e) => events.push(e), failure: (f) => failures.push(f), skipped: (line) => skipped.push(line) });
  let lines = 0;
  const splitter = new LineSplitter((line, oversized) => {
    lines += 1;
    if (oversized) failures.push({ line: line.line, offset: line.offset, reason: OVERSIZED_REASON, raw: line.raw });
    else parser.push(line);
  });
  // Fed in 64 KiB chunks like the pipeline's stream, so oversized lines are cut exactly as there.
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  for (let at = 0; at < bytes.length; at += 65_536) splitter.push(bytes.subarray(at, at + 65_536));
  splitter.end();
  parser.end();
  // Line accounting: events and failures by the lines their raw bytes span, plus header and blank lines.
  const span = (raw: Buffer) => raw.toString('latin1').split('\n').length;
  const accounted = [...events, ...failures].reduce((n, x) => n + span(x.raw), 0) + parser.counts.header + parser.counts.blank;
  expect(accounted).toBe(lines);
  // What the parser counts is what it reports to the sink.
  expect(skipped).toHaveLength(parser.counts.header + parser.counts.blank);
  return { events, failures, counts: parser.counts };
}

const DA_JSON = '{"timestamp":"2025-07-03T09:14:22.123+02:00","system":"case-management","user":"a.devries","session":"cm-7f3a9c","source_ip":"10.20.3.44","action":"view","record_type":"case-file","record_id":"CASE-2025-001234","bytes":18234,"outcome":"success"}';
const DA_HEADER = 'timestamp,system,user,session,source_ip,action,record_type,record_id,bytes,outcome';
const DA_ECS = {
  'service.name': 'case-management',
  'user.name': 'a.devries',
  'weerbaar.session_id': 'cm-7f3a9c',
  'source.ip': '10.20.3.44',
  'event.action': 'view',
  'weerbaar.record.type': 'case-file',
  'weerbaar.record.id': 'CASE-2025-001234',
  'network.bytes': 18234,
  'event.outcome': 'success',
};
const FLOW_HEADER = 'timestamp,device,src_ip,src_port,dst_ip,dst_port,protocol,bytes_out,bytes_in,action,user,url';

describe('data-access audit', () => {
  it('reads the generator JSONL format', () => {
    const { events, failures } = run(dataAccessParser, `${DA_JSON}\n`);
    expect(failures).toEqual([]);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event).toMatchObject({ timestamp: Date.UTC(2025, 6, 3, 7, 14, 22, 123), timeQuality: 'exact', dataset: 'app.data_access', line: 1, offset: 0, message: DA_JSON });
    expect(event!.ecs).toEqual(DA_ECS);
    expect(event!.fields).toMatchObject({ system: 'case-management', bytes: '18234', record_id: 'CASE-2025-001234' });
    expect(event!.raw.toString()).toBe(DA_JSON);
  });

  it('reads the same records from CSV with a header', () => {
    const row = '2025-07-03T09:14:22.123+02:00,case-management,a.devries,cm-7f3a9c,10.20.3.44,view,case-file,CASE-2025-001234,18234,success';
    const { events, failures, counts } = run(dataAccessParser, `${DA_HEADER}\r\n${row}\r\n`);
    expect(failures).toEqual([]);
    expect(counts.header).toBe(1);
    expect(events[0]).toMatchObject({ line: 2, offset: DA_HEADER.length + 2, timeQuality: 'exact', dataset: 'app.data_access' });
    expect(events[0]!.ecs).toEqual(DA_ECS);
  });

  it('flags unknown actions but keeps them; fails rows missing required keys, naming them', () => {
    const lines = [
      DA_JSON.replace('"view"', '"print"'),
      DA_JSON.replace('"system":"case-management",', ''),
      '{"timestamp":"2025-07-03T09:14:22Z","user":"x"}',
      DA_JSON.replace('"action":"view"', '"action":""'),
    ];
    const { events, failures } = run(dataAccessParser, lines.join('\n'));
    expect(events).toHaveLength(1);
    expect(events[0]!.ecs['event.action']).toBe('print');
    expect(events[0]!.fields.action_unknown).toBe('true');
    expect(failures.map((f) => [f.line, f.reason])).toEqual([
      [2, 'missing required field "system"'],
      [3, 'missing required fields "system", "action"'],
      [4, 'missing required field "action"'],
    ]);
  });

  it('fails a row with a non-numeric byte count, naming the field; keeps a row with a bad time as missing', () => {
    const input = [DA_JSON.replace('18234', '"18k"'), DA_JSON.replace('2025-07-03T09:14:22.123+02:00', '03-07-2025'), DA_JSON.replace('18234', '"  42 "')].join('\n');
    const { events, failures } = run(dataAccessParser, input);
    expect(failures).toEqual([expect.objectContaining({ line: 1, reason: 'field "bytes" (network.bytes) is not a whole number: "18k"' })]);
    expect(events[0]).toMatchObject({ line: 2, timestamp: null, timeQuality: 'missing' });
    expect(events[0]!.fields.time_error).toMatch(/"03-07-2025" is not an ISO 8601 time/);
    expect(events[1]!.ecs['network.bytes']).toBe(42);
  });
});

describe('flow logs', () => {
  it('reads JSONL with url parts and the byte total', () => {
    const line = JSON.stringify({ timestamp: '2025-07-03T09:20:00Z', device: 'fw-edge-1', src_ip: '10.20.3.44', src_port: 51514, dst_ip: '203.0.113.9', dst_port: 443, protocol: 'tcp', bytes_out: 48_000_000, bytes_in: 12_000, action: 'allow', user: 'a.devries', url: 'https://Upload.Example.net/put/blob?id=7' });
    const { events, failures } = run(flowLogParser, line);
    expect(failures).toEqual([]);
    expect(events[0]).toMatchObject({ dataset: 'network.flow', timeQuality: 'exact', timestamp: Date.UTC(2025, 6, 3, 9, 20) });
    expect(events[0]!.ecs).toEqual({
      'host.name': 'fw-edge-1', 'source.ip': '10.20.3.44', 'source.port': 51514, 'destination.ip': '203.0.113.9', 'destination.port': 443,
      'source.bytes': 48_000_000, 'destination.bytes': 12_000, 'network.bytes': 48_012_000, 'event.action': 'allow', 'user.name': 'a.devries',
      'url.original': 'https://Upload.Example.net/put/blob?id=7', 'url.domain': 'upload.example.net', 'url.path': '/put/blob', 'url.query': 'id=7',
    });
    expect(events[0]!.fields.protocol).toBe('tcp');
  });

  it('reads CSV firewall flows with empty user and url, and proxy CONNECT targets', () => {
    const input = [
      FLOW_HEADER,
      '2025-07-03 09:21:00,fw-edge-1,10.20.3.44,51515,198.51.100.7,22,tcp,,,deny,,',
      '2025-07-03 09:22:00,proxy-1,10.20.3.44,51516,198.51.100.8,443,tcp,900,100,allow,a.devries,files.example.org:443',
    ].join('\n');
    const { events, failures } = run(flowLogParser, input, { timeZone: 'Europe/Amsterdam' });
    expect(failures).toEqual([]);
    expect(events[0]).toMatchObject({ timestamp: Date.UTC(2025, 6, 3, 7, 21), timeQuality: 'zone-assumed', line: 2 });
    expect(events[0]!.ecs).toEqual({ 'host.name': 'fw-edge-1', 'source.ip': '10.20.3.44', 'source.port': 51515, 'destination.ip': '198.51.100.7', 'destination.port': 22, 'event.action': 'deny' });
    expect(events[0]!.fields).toMatchObject({ user: '', url: '', protocol: 'tcp' });
    expect(events[1]!.ecs).toMatchObject({ 'url.domain': 'files.example.org', 'network.bytes': 1000 });
  });

  it('fails a row with the wrong column count, saying expected and actual', () => {
    const { events, failures } = run(flowLogParser, `${FLOW_HEADER}\n2025-07-03 09:21:00,fw,10.0.0.1,1,10.0.0.2,2,tcp,1,2,allow\n`);
    expect(events).toEqual([]);
    expect(failures).toEqual([expect.objectContaining({ line: 2, reason: 'expected 12 columns (header on line 1), found 10' })]);
  });
});

describe('generic JSONL', () => {
  it('without a mapping picks up @timestamp and ECS names, flat or nested, and keeps every field', () => {
    const line = '{"@timestamp":"2025-07-03T09:00:00+02:00","source":{"ip":"10.0.0.5","port":"8443"},"user.name":"bob","tags":["a",1],"n":null,"ok":true,"deep":{"x":{"y":2}},"e":{}}';
    const { events } = run(jsonlParser, line);
    expect(events[0]).toMatchObject({ dataset: 'custom', timeQuality: 'exact', timestamp: Date.UTC(2025, 6, 3, 7) });
    expect(events[0]!.ecs).toEqual({ 'source.ip': '10.0.0.5', 'source.port': 8443, 'user.name': 'bob' });
    expect({ ...events[0]!.fields }).toEqual({
      '@timestamp': '2025-07-03T09:00:00+02:00', 'source.ip': '10.0.0.5', 'source.port': '8443', 'user.name': 'bob', tags: '["a",1]', n: '', ok: 'true', 'deep.x.y': '2', e: '{}',
    });
  });

  it('keeps hostile keys as plain fields (no prototype pollution)', () => {
    const { events } = run(jsonlParser, '{"__proto__":{"polluted":"yes"},"constructor":"c","toString":"t"}');
    expect({ ...events[0]!.fields }).toMatchObject({ '__proto__.polluted': 'yes', constructor: 'c', toString: 't' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps an event without time, saying why', () => {
    const { events } = run(jsonlParser, '{"msg":"hi"}\n{"time":"","msg":"x"}\n{"timestamp":1751526862}');
    expect(events.map((e) => [e.timeQuality, e.fields.time_error])).toEqual([
      ['missing', 'no @timestamp, timestamp or time field'],
      ['missing', '"time" is empty'],
      ['exact', undefined],
    ]);
  });

  it('follows a mapping: dotted paths, epoch_ms, dataset, host fallback', () => {
    const mapping: FieldMapping = { dataset: 'crm.audit', time: { field: 'meta.ts', format: 'epoch_ms' }, fields: { 'user.name': 'actor.login', 'event.action': 'op' } };
    const { events } = run(jsonlParser, '{"meta":{"ts":1751526862123},"actor":{"login":"eve"},"op":"export"}', { mapping, host: 'crm-01' });
    expect(events[0]).toMatchObject({ dataset: 'crm.audit', timestamp: 1751526862123, timeQuality: 'exact' });
    expect(events[0]!.ecs).toEqual({ 'user.name': 'eve', 'event.action': 'export', 'host.name': 'crm-01' });
  });

  it('uses --tz over the mapping zone for times without an offset', () => {
    const mapping: FieldMapping = { dataset: 'x', time: { field: 't', format: '%d/%m/%Y %H:%M:%S', zone: 'America/New_York' }, fields: {} };
    const line = '{"t":"03/07/2025 09:00:00"}';
    expect(run(jsonlParser, line, { mapping }).events[0]!.timestamp).toBe(Date.UTC(2025, 6, 3, 13));
    expect(run(jsonlParser, line, { mapping, timeZone: 'Europe/Amsterdam' }).events[0]!.timestamp).toBe(Date.UTC(2025, 6, 3, 7));
  });

  it('fails invalid JSON with the column, and JSON values that are not objects', () => {
    const { events, failures, counts } = run(jsonlParser, '{"a":1,}\n\n[1,2]\n"text"\nnull\n{"a":1}\n   \n');
    expect(events).toHaveLength(1);
    expect(counts.blank).toBe(2);
    expect(failures.map((f) => [f.line, f.reason])).toEqual([
      [1, 'invalid JSON at column 8: property name expected'],
      [3, 'JSON value is an array, not an object'],
      [4, 'JSON value is a string, not an object'],
      [5, 'JSON value is null, not an object'],
    ]);
  });

  it('handles deep nesting and a hand-built mapping with a bad time format without throwing', () => {
    const deep = `{"a":${'{"b":'.repeat(5000)}1${'}'.repeat(5000)}}`;
    const mapping: FieldMapping = { dataset: 'x', time: { field: 't', format: 'nonsense' }, fields: {} };
    const { events } = run(jsonlParser, `${deep}\n{"t":"2025"}`, { mapping });
    expect(events).toHaveLength(2);
    expect(events[0]!.fields['a.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b.b']).toMatch(/nested too deep/);
    expect(events[1]!.fields.time_error).toMatch(/time format of the mapping/);
  });
});

describe('generic CSV', () => {
  it('follows a mapping with delimiter, header names and a pattern', () => {
    const mapping: FieldMapping = {
      dataset: 'vpn.sessions', time: { field: 'when', format: '%d/%m/%Y %H:%M:%S %z' }, fields: { 'user.name': 'who', 'source.port': 'port' },
      csv: { delimiter: ';', header: ['when', 'who', 'port'] },
    };
    const { events, failures, counts } = run(csvLogParser, '03/07/2025 09:14:22 +0200;alice;443\n03/07/2025 09:15:00;bob;x\n', { mapping });
    expect(counts.header).toBe(0);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ line: 1, timestamp: Date.UTC(2025, 6, 3, 7, 14, 22), timeQuality: 'exact', dataset: 'vpn.sessions' });
    expect(events[0]!.ecs).toEqual({ 'user.name': 'alice', 'source.port': 443 });
    expect(failures).toEqual([expect.objectContaining({ line: 2, reason: 'field "port" (source.port) is not a whole number: "x"' })]);
  });

  it('without a mapping keeps every row with its fields, ECS-named columns mapped', () => {
    const { events, failures } = run(csvLogParser, 'when;user.name;note\n2025-07-03;alice;a\n;bob;b\n');
    expect(failures).toEqual([]);
    expect(events.map((e) => [e.timeQuality, e.ecs['user.name'], { ...e.fields }])).toEqual([
      ['missing', 'alice', { when: '2025-07-03', 'user.name': 'alice', note: 'a', time_error: 'no @timestamp, timestamp or time field' }],
      ['missing', 'bob', { when: '', 'user.name': 'bob', note: 'b', time_error: 'no @timestamp, timestamp or time field' }],
    ]);
  });

  it('joins a quoted field across lines: line is the first, raw all its bytes (CRLF kept)', () => {
    const input = `${DA_HEADER}\r\n2025-07-03T09:14:22Z,case-management,a.devries,s1,10.0.0.1,modify,case-file,C-1,10,"success\r\nnote with ""quotes"", and comma"\r\n2025-07-03T09:15:00Z,case-management,a.devries,s1,10.0.0.1,view,case-file,C-2,11,success\r\n`;
    const { events, failures } = run(dataAccessParser, input);
    expect(failures).toEqual([]);
    expect(events.map((e) => e.line)).toEqual([2, 4]);
    expect(events[0]!.fields.outcome).toBe('success\r\nnote with "quotes", and comma');
    const firstRecord = input.split('\r\n').slice(1, 3).join('\r\n');
    expect(events[0]!.raw.toString()).toBe(firstRecord);
    expect(events[0]!.message).toBe(firstRecord);
    expect(events[0]!.offset).toBe(DA_HEADER.length + 2);
  });

  it('an unclosed quote fails its first line; the lines after it are read afresh', () => {
    const input = `${DA_HEADER}\n2025-07-03T09:14:22Z,cm,u,s,ip,view,t,"C-1,1,success\n2025-07-03T09:15:00Z,cm,u,s,ip,view,t,C-2,1,success\n`;
    const { events, failures } = run(dataAccessParser, input);
    expect(failures).toEqual([expect.objectContaining({ line: 2, reason: 'quoted field opened on line 2 is not closed by the end of the file' })]);
    expect(events.map((e) => e.line)).toEqual([3]);
  });

  it('an unclosed quote gives up after 1000 lines and rereads them', () => {
    const row = '2025-07-03T09:15:00Z,cm,u,s,ip,view,t,C-2,1,success';
    const input = `${DA_HEADER}\n${row.replace('C-2', '"C-1')}\n${Array.from({ length: 1500 }, () => row).join('\n')}\n`;
    const { events, failures } = run(dataAccessParser, input);
    expect(failures).toEqual([expect.objectContaining({ line: 2, reason: 'quoted field opened on line 2 is not closed within 1000 lines' })]);
    expect(events).toHaveLength(1500);
    expect(events[0]!.line).toBe(3);
  });

  it('a quoted field cut by an oversized line fails its first line; reading resumes after', () => {
    const input = `a,b\n1,"open\n${'x'.repeat(2_000_000)}\n2,done\n`;
    const { events, failures } = run(csvLogParser, input);
    expect(failures.map((f) => [f.line, f.reason])).toEqual([
      [3, OVERSIZED_REASON],
      [2, 'quoted field opened on line 2 is interrupted by an oversized line'],
    ]);
    expect(events.map((e) => [e.line, e.fields.b])).toEqual([[4, 'done']]);
  });

  it('header false names columns column_N; repeated and empty header names stay distinct', () => {
    const mapping: FieldMapping = { dataset: 'x', fields: { 'user.name': 'column_2' }, csv: { header: false } };
    expect(run(csvLogParser, 'a,bob\n', { mapping }).events[0]!.ecs).toEqual({ 'user.name': 'bob' });
    expect({ ...run(csvLogParser, 'x,x,,y\n1,2,3,4\n').events[0]!.fields }).toMatchObject({ x: '1', x_2: '2', column_3: '3', y: '4' });
  });

  it('sniffs past leading blank lines', () => {
    const { events, counts } = run(dataAccessParser, `\n  \n${DA_JSON}\n`);
    expect(counts.blank).toBe(2);
    expect(events[0]!.line).toBe(3);
  });

  it('a quote not at the start of a field is literal', () => {
    const { events } = run(csvLogParser, 'a,b\nsay "hi",2\n');
    expect(events[0]!.fields).toMatchObject({ a: 'say "hi"', b: '2' });
  });
});

describe('bytes and sizes', () => {
  it('keeps non-UTF-8 bytes as Latin-1 characters, never U+FFFD (JSON and CSV)', () => {
    const json = Buffer.concat([Buffer.from('{"timestamp":"2025-07-03T09:14:22Z","system":"cm","action":"view","user":"ren'), Buffer.from([0xe9]), Buffer.from('e"}\n')]);
    const csv = Buffer.concat([Buffer.from(`${DA_HEADER}\n2025-07-03T09:14:22Z,cm,Jos`), Buffer.from([0xe9]), Buffer.from(',s,ip,view,t,C,1,success\n')]);
    for (const input of [json, csv]) {
      const { events } = run(dataAccessParser, input);
      const name = events[0]!.ecs['user.name']!;
      expect(name).toMatch(/\u00e9/);
      expect(name).not.toMatch(/\ufffd/);
      expect(events[0]!.raw.includes(0xe9)).toBe(true);
    }
  });

  it('a UTF-8 BOM does not break the first key or header (raw keeps it)', () => {
    const bom = '\ufeff';
    const json = run(dataAccessParser, `${bom}${DA_JSON}\n`);
    expect(json.failures).toEqual([]);
    expect(json.events[0]!.fields.timestamp).toBeDefined();
    expect(json.events[0]!.raw.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const csv = run(flowLogParser, `${bom}${FLOW_HEADER}\n2025-07-03T09:21:00Z,fw,10.0.0.1,1,10.0.0.2,2,tcp,1,2,allow,,\n`);
    expect(csv.events[0]!.timeQuality).toBe('exact');
    expect(Object.keys(csv.events[0]!.fields)[0]).toBe('timestamp');
    expect(detectStructuredFormat(`${bom}${FLOW_HEADER}`)).toBe('flow');
  });

  it('handles a huge line: 900 KB parses, over 1 MiB becomes the pipeline failure', () => {
    const big = JSON.stringify({ timestamp: '2025-07-03T09:14:22Z', system: 'cm', action: 'search', query: 'x'.repeat(900_000) });
    const huge = JSON.stringify({ timestamp: '2025-07-03T09:14:22Z', system: 'cm', action: 'search', query: 'y'.repeat(1_200_000) });
    const { events, failures } = run(dataAccessParser, `${big}\n${huge}\n${DA_JSON}\n`);
    expect(events.map((e) => e.line)).toEqual([1, 3]);
    expect(events[0]!.fields.query).toHaveLength(900_000);
    expect(failures).toEqual([expect.objectContaining({ line: 2, reason: OVERSIZED_REASON })]);
  });

  it('never throws on garbage and accounts for every line', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const alphabet = Buffer.from('{}[]",;:\n\r\t abc019\\\xff\xfe', 'latin1');
    for (let round = 0; round < 30; round++) {
      const bytes = Buffer.from(Array.from({ length: 2000 }, () => alphabet[Math.floor(random() * alphabet.length)]!));
      for (const factory of [jsonlParser, csvLogParser, dataAccessParser, flowLogParser]) expect(() => run(factory, bytes)).not.toThrow();
    }
  });

  it('reads 50,000 JSONL records (speed: bench/ingest.bench.ts)', () => {
    const input = `${Array.from({ length: 50_000 }, () => DA_JSON).join('\n')}\n`;
    const { events } = run(dataAccessParser, input);
    expect(events).toHaveLength(50_000);
  });
});

describe('detectStructuredFormat', () => {
  it('tells data-access from flow by JSON keys or CSV header', () => {
    expect(detectStructuredFormat(DA_JSON)).toBe('data-access');
    expect(detectStructuredFormat(DA_HEADER)).toBe('data-access');
    expect(detectStructuredFormat(`  ${FLOW_HEADER.replaceAll(',', ';')}  `)).toBe('flow');
    expect(detectStructuredFormat('"timestamp","device","src_ip","dst_ip"')).toBe('flow');
    expect(detectStructuredFormat('{"timestamp":"2025","src_ip":"1.2.3.4","dst_ip":"5.6.7.8","url":"http://x/' )).toBe('flow');
    expect(detectStructuredFormat('{"@timestamp":"2025","message":"x"}')).toBeNull();
    expect(detectStructuredFormat('a,b,c')).toBeNull();
    expect(detectStructuredFormat('')).toBeNull();
  });
});
