import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_ALTERNATIVES, indicatorsFromPattern } from './stix-indicators.js';
import { StixPatternError, formatObjectPath, parseStixPattern } from './stix-pattern.js';
import { corpus } from '../../test/support/corpora.js';

const CORPUS = corpus('stix', 'patterns');
const lines = (file: string) =>
  readFileSync(`${CORPUS}/${file}`, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');

function columnOf(pattern: string): number {
  try {
    parseStixPattern(pattern);
  } catch (error) {
    if (error instanceof StixPatternError) return error.column;
    throw error;
  }
  throw new Error(`parsed: ${pattern}`);
}

const extract = (pattern: string) => indicatorsFromPattern(parseStixPattern(pattern));

describe('conformance: spec example patterns (corpus)', () => {
  const v21 = lines('stix2.1-spec_examples.txt');
  const v20 = lines('stix2.0-spec_examples.txt');

  it('holds the 23 STIX 2.1 spec examples', () => {
    expect(v21).toHaveLength(23);
  });

  it.each([...v21, ...v20].map((p, i) => [i, p] as const))('example %i parses', (_i, pattern) => {
    expect(() => parseStixPattern(pattern)).not.toThrow();
  });

  it('round-trips object paths', () => {
    const ast = parseStixPattern("[email-message:body_multipart[*].body_raw_ref.name MATCHES 'x' AND file:hashes.'SHA-256' = 'a']");
    if (ast.kind !== 'observation' || ast.comparison.kind !== 'and') throw new Error('shape');
    const paths = ast.comparison.operands.map((o) => (o.kind === 'compare' ? formatObjectPath(o.path) : ''));
    expect(paths).toEqual(["email-message:body_multipart[*].body_raw_ref.name", "file:hashes.'SHA-256'"]);
  });
});

// Pass and fail cases of the OASIS validator's STIX 2.1 test suite (cti-pattern-validator
// test_validator.py); its 0-based columns are 1-based here. Semantic checks (duplicate
// qualifiers aside) belong to the extraction, see below.
describe('conformance: OASIS validator cases', () => {
  const registry = String.raw`'hkey_local_machine\\foo\\bar'`;
  it.each([
    ['file:size = 1280', 1],
    ['[file:size = ]', 14],
    ['[file:hashes.MD5 = cead3f77f6cda6ec00f57d76c9a6879f]', 20],
    ['[file.size = 1280]', 6],
    [String.raw`[file:name MATCHES /.*\.dll/]`, 20],
    [`[win-registry-key:key = ${registry}] WITHIN ]`, 64],
    [`[win-registry-key:key = ${registry}] WITHIN 5 HOURS]`, 66],
    [`[win-registry-key:key = ${registry}] WITHIN -5 SECONDS]`, 64],
    ['[network-traffic:dst_ref.value ISSUBSET ]', 41],
    ["[file:hashes.MD5 =? 'cead3f77f6cda6ec00f57d76c9a6879f']", 19],
    ["[x_whatever:detected == t'2457-73-22T32:81:84.1Z']", 25],
    ["[artifact:payload_bin = b'====']", 25],
    ['[foo:bar=1] within 2 seconds', 13],
    [`[win-registry-key:key = ${registry}] WITHIN 5 SECONDS WITHIN 6 SECONDS`, 74],
    [`([win-registry-key:key = ${registry}] REPEATS 2 TIMES REPEATS 3 TIMES)`, 74],
    [
      `[win-registry-key:key = ${registry}] START t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00.123Z' START t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00.123Z'`,
      124,
    ],
  ])('fails: %s (column %i)', (pattern, column) => {
    expect(columnOf(pattern)).toBe(column);
  });

  it.each([
    '[file:size = 1280]',
    '[file:size != 1280]',
    '[file:size < 1024]',
    '[file:size <= 1024]',
    '[file:size > 1024]',
    '[file:size >= 1024]',
    "[file:file_name = 'my_file_name']",
    "[file:extended_properties.'ntfs-ext'.sid = '234']",
    String.raw`[emailaddr:value MATCHES '.+\\@ibm\\.com$' OR file:name MATCHES '^Final Report.+\\.exe$']`,
    "[ipv4addr:value ISSUBSET '192.168.0.1/24']",
    "[ipv4addr:value NOT ISSUBSET '192.168.0.1/24']",
    "[user-account:value = 'Peter'] AND [user-account:value != 'Paul'] AND [user-account:value = 'Mary'] WITHIN 5 SECONDS",
    "[file:file_system_properties.file_name LIKE 'name%']",
    "[file:file_name IN ('test.txt', 'test2.exe', 'README')]",
    '[file:size IN (1024, 2048, 4096)]',
    "[network-connection:extended_properties[0].source_payload MATCHES 'dGVzdHRlc3R0ZXN0']",
    `[win-registry-key:key = ${registry}] WITHIN 5 SECONDS`,
    "[x_whatever:detected == t'2018-03-22T12:11:14.1Z']",
    "[artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']",
    '[foo:bar=1] REPEATS 9 TIMES',
    "[network-traffic:start = '2018-04-20T12:36:24.558Z']",
    '( [(network-traffic:dst_port IN(443,6443,8443) AND network-traffic:src_packets != 0) ])',
    `([win-registry-key:key = ${registry}]) WITHIN 5 SECONDS WITHIN 6 SECONDS`,
    `([win-registry-key:key = ${registry}] REPEATS 2 TIMES) REPEATS 2 TIMES`,
    "[network-traffic:src_port = 37020 AND user-account:user_id = 'root'] START t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00.123Z' OR [ipv4-addr:value = '192.168.122.83'] START t'2016-06-01T03:55:00.123Z' STOP t'2016-06-01T04:30:24.743Z'",
  ])('passes: %s', (pattern) => {
    expect(() => parseStixPattern(pattern)).not.toThrow();
  });

  it("rejects the malformed hash 'f00' during extraction", () => {
    const result = extract("[file:hashes.'SHA-256' = 'f00']");
    expect(result.issues[0]).toMatchObject({ kind: 'rejected', column: 2 });
    expect(result.issues[0]!.reason).toContain('sha256 has 64 hex digits');
  });
});

describe('grammar', () => {
  it('binds FOLLOWEDBY < OR < AND and qualifiers to the expression before them', () => {
    const ast = parseStixPattern("[a-b:c = 1] AND [a-b:c = 2] OR [a-b:c = 3] FOLLOWEDBY [a-b:c = 4] WITHIN 5 SECONDS");
    expect(ast.kind).toBe('followedby');
    if (ast.kind !== 'followedby') return;
    expect(ast.operands[0]!.kind).toBe('or');
    expect(ast.operands[1]!.kind).toBe('qualified');
    const or = ast.operands[0]!;
    if (or.kind === 'or') expect(or.operands[0]!.kind).toBe('and');
  });

  it('binds AND tighter than OR inside brackets', () => {
    const ast = parseStixPattern("[x-a:b = 1 OR x-a:b = 2 AND x-a:c = 3]");
    if (ast.kind !== 'observation') throw new Error('shape');
    expect(ast.comparison.kind).toBe('or');
    if (ast.comparison.kind === 'or') expect(ast.comparison.operands[1]!.kind).toBe('and');
  });

  it('reads every literal form', () => {
    const ast = parseStixPattern(
      "[x-a:s = 'it\\'s a \\\\ path' AND x-a:i = -5 AND x-a:j = +7 AND x-a:f = -.5 AND x-a:b = true AND x-a:t = t'2016-01-01T00:00:00.123Z' AND x-a:h = h'FFd8' AND x-a:bin = b'aGk=' AND x-a:e IN ()]",
    );
    if (ast.kind !== 'observation' || ast.comparison.kind !== 'and') throw new Error('shape');
    const values = ast.comparison.operands.map((o) => (o.kind === 'compare' ? o.value : null));
    expect(values).toEqual([
      { kind: 'string', value: "it's a \\ path" },
      { kind: 'int', value: -5 },
      { kind: 'int', value: 7 },
      { kind: 'float', value: -0.5 },
      { kind: 'bool', value: true },
      { kind: 'timestamp', value: '2016-01-01T00:00:00.123Z' },
      { kind: 'hex', value: 'ffd8' },
      { kind: 'binary', value: 'aGk=' },
      [],
    ]);
  });

  it('reads every operator, NOT, EXISTS and the qualifiers', () => {
    for (const op of ['=', '==', '!=', '<>', '<', '<=', '>', '>=']) expect(() => parseStixPattern(`[x-a:b ${op} 1]`)).not.toThrow();
    for (const op of ['LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET']) expect(() => parseStixPattern(`[x-a:b NOT ${op} 'v']`)).not.toThrow();
    expect(() => parseStixPattern("[x-a:b NOT IN ('a', 'b')]")).not.toThrow();
    expect(() => parseStixPattern('[EXISTS x-a:b.c[0]]')).not.toThrow();
    const q = parseStixPattern("[x-a:b = 1] REPEATS 2 TIMES WITHIN 10.5 SECONDS START t'2016-01-01T00:00:00Z' STOP t'2016-01-02T00:00:00Z'");
    expect(q.kind).toBe('qualified');
  });

  it.each([
    ["[file:name = 'foo'", 19, 'end of pattern'],
    ["file:name = 'foo'", 1, '"[" or "("'],
    ["[file:name = 'fo\\o']", 17, 'invalid escape'],
    ["[file:name = 'foo]", 14, 'unterminated'],
    ['[file:name == ]', 15, 'literal'],
    ["[ipv4-addr:value = '1.2.3.4'] WITHIN 5 MINUTES", 40, 'SECONDS'],
    ["[ipv4-addr:value = '1.2.3.4'] REPEATS -1 TIMES", 39, 'positive'],
    ["[ipv4-addr:value = '1.2.3.4'] REPEATS 0 TIMES", 39, 'positive'],
    ["[x-a:b = 1] START t'2016-06-01T00:00:00Z' STOP t'2016-01-01T00:00:00Z'", 48, 'later'],
    ["[x-a:b = 1] START '2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'", 19, 'timestamp'],
    ["[file:created = t'2014-13-13T07:03:17Z']", 17, 'timestamp'],
    ["[file:created = t'2014-01-13 07:03:17Z']", 17, 'timestamp'],
    ["[file:created = t'2014-01-13T07:03:17']", 17, 'timestamp'],
    ["[file:magic_number_hex = h'ff0']", 26, 'hex'],
    ["[file:payload_bin = b'AAA']", 21, 'base64'],
    ["[1file:name = 'x']", 3, 'after number'],
    ["[file:name = 'x' and file:size = 1]", 18, 'found "and"'],
    ['[file:size = 007]', 14, 'leading zero'],
    ["[file:hashes.SHA-256 = 'x']", 14, 'quote names'],
    ["[file:name = 'x'] AND", 22, 'end of pattern'],
    ['[]', 2, 'object type'],
    ["[file:name IN ('a', )]", 21, 'literal'],
    ['[file:name LIKE 5]', 17, 'string'],
    ['[file:size > true]', 14, 'orderable'],
    ["[file:name = 'x'] FOLLOWEDBY", 29, 'end of pattern'],
    ["[file:name = 'x'] [file:name = 'y']", 19, 'end of'],
    ["[file:name = 'x']]", 18, 'end of'],
    ["[file:name ~ 'x']", 12, 'unexpected character'],
    ["[file:name = 'x' AND (file:size = 1]", 36, '")"'],
    ["[file:sections[x] = 1]", 16, 'list index'],
    ['[file:size = 1.]', 15, 'after number'],
    ["([file:name = 'x']", 19, '")"'],
    ["[file:name = 'x'] within 5 SECONDS", 19, 'end of'],
    ['', 1, '"[" or "("'],
  ])('rejects %s at column %i', (pattern, column, message) => {
    expect(columnOf(pattern)).toBe(column);
    expect(() => parseStixPattern(pattern)).toThrow(message);
  });

  it('refuses deep nesting with a column instead of overflowing the stack', () => {
    const deep = `${'('.repeat(10_000)}[x-a:b = 1]${')'.repeat(10_000)}`;
    expect(columnOf(deep)).toBe(65);
    const deepInner = `[${'('.repeat(10_000)}x-a:b = 1${')'.repeat(10_000)}]`;
    expect(() => parseStixPattern(deepInner)).toThrow('nested more than');
  });

  it('parses a huge flat pattern', () => {
    const pattern = `[${Array.from({ length: 50_000 }, (_, i) => `ipv4-addr:value = '10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}'`).join(' OR ')}]`;
    const result = extract(pattern);
    expect(result.alternatives).toHaveLength(MAX_ALTERNATIVES);
    expect(result.issues.some((i) => i.reason.includes('not loaded'))).toBe(true);
  });
});

describe('indicatorsFromPattern', () => {
  it('reads OR and IN as alternatives, normalising values', () => {
    const result = extract("[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value IN ('10.0.0.1', '10.1.2.3/8') OR ipv6-addr:value = '2001:DB8:0:0:0:0:0:1']");
    expect(result.issues).toEqual([]);
    expect(result.alternatives).toEqual([
      [[{ type: 'ipv4', value: '198.51.100.1', role: null }]],
      [[{ type: 'ipv4', value: '10.0.0.1', role: null }]],
      [[{ type: 'cidr4', value: '10.0.0.0/8', role: null }]],
      [[{ type: 'ipv6', value: '2001:db8::1', role: null }]],
    ]);
  });

  it('keeps AND inside one observation as one conjunction on the same object', () => {
    const result = extract(
      "[network-traffic:dst_ref.value = '198.51.100.5' AND network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'Evil/1.0']",
    );
    expect(result.alternatives).toEqual([
      [
        [
          { type: 'ipv4', value: '198.51.100.5', role: 'dst' },
          { type: 'user-agent', value: 'Evil/1.0', role: null },
        ],
      ],
    ]);
  });

  it('keeps AND between observations as observations that must all be seen', () => {
    const result = extract("[domain-name:value = 'EVIL.example'] AND ([file:hashes.MD5 = 'CEAD3F77F6CDA6EC00F57D76C9A6879F'] OR [url:value = 'HTTP://Evil.Example/A'])");
    expect(result.alternatives).toEqual([
      [[{ type: 'domain', value: 'evil.example', role: null }], [{ type: 'md5', value: 'cead3f77f6cda6ec00f57d76c9a6879f', role: null }]],
      [[{ type: 'domain', value: 'evil.example', role: null }], [{ type: 'url', value: 'http://evil.example/A', role: null }]],
    ]);
  });

  it('reads every supported path', () => {
    const result = extract(
      "[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709' OR file:hashes.SHA512 = '" +
        'a'.repeat(128) +
        "' OR email-addr:value = 'Bad@Evil.Example' OR network-traffic:src_ref.value = 'evil.example' OR file:name = 'dropper.exe' OR email-message:from_ref.value = 'x@evil.example']",
    );
    expect(result.issues).toEqual([]);
    expect(result.alternatives.map((a) => a[0]![0]!.type)).toEqual(['sha1', 'sha512', 'email', 'domain', 'filename', 'email']);
    expect(result.alternatives[2]![0]![0]!.value).toBe('Bad@evil.example');
  });

  it('reads ISSUBSET with a CIDR on address paths', () => {
    expect(extract("[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']").alternatives).toEqual([
      [[{ type: 'cidr6', value: '2001:db8:dead:beef::/64', role: 'dst' }]],
    ]);
    expect(extract("[ipv4-addr:value ISSUBSET '10.0.0.0/8']").alternatives).toEqual([[[{ type: 'cidr4', value: '10.0.0.0/8', role: null }]]]);
  });

  it('checks dst_ref.type against the value and drops it', () => {
    expect(extract("[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']").alternatives).toEqual([
      [[{ type: 'ipv4', value: '203.0.113.33', role: 'dst' }]],
    ]);
    const wrong = extract("[network-traffic:dst_ref.type = 'ipv6-addr' AND network-traffic:dst_ref.value = '203.0.113.33']");
    expect(wrong.alternatives).toEqual([]);
    expect(wrong.issues[0]!.kind).toBe('rejected');
  });

  it.each([
    ["[ipv4-addr:value != '10.0.0.1']", 'operator != '],
    ["[ipv4-addr:value NOT = '10.0.0.1']", 'NOT ='],
    ["[domain-name:value LIKE '%.evil.example']", 'operator LIKE'],
    ["[url:value MATCHES '^http']", 'operator MATCHES'],
    ["[domain-name:value ISSUBSET 'evil.example']", 'operator ISSUBSET'],
    ["[ipv4-addr:value ISSUPERSET '10.0.0.0/8']", 'operator ISSUPERSET'],
    ['[EXISTS ipv4-addr:value]', 'EXISTS'],
    ["[file:hashes.SSDEEP = '3:a:b']", 'hash algorithm'],
    ["[process:name = 'evil.exe']", 'object path process:name'],
    ["[ipv4-addr:value = '10.0.0.1'] WITHIN 10 SECONDS", 'qualifier WITHIN'],
    ["[ipv4-addr:value = '10.0.0.1'] REPEATS 3 TIMES", 'qualifier REPEATS'],
    ["[ipv4-addr:value = '10.0.0.1'] START t'2016-01-01T00:00:00Z' STOP t'2017-01-01T00:00:00Z'", 'qualifier START'],
    ["[ipv4-addr:value = '10.0.0.1'] FOLLOWEDBY [ipv4-addr:value = '10.0.0.2']", 'FOLLOWEDBY'],
  ])('reports %s as unsupported', (pattern, reason) => {
    const result = extract(pattern);
    expect(result.alternatives).toEqual([]);
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]!.kind).toBe('unsupported');
    expect(result.issues[0]!.reason).toContain(reason);
  });

  it('drops an AND with an unsupported part, keeps the other OR branches', () => {
    const result = extract("[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f' AND file:mime_type = 'application/pdf' OR domain-name:value = 'evil.example']");
    expect(result.alternatives).toEqual([[[{ type: 'domain', value: 'evil.example', role: null }]]]);
    expect(result.issues.map((i) => [i.kind, i.column])).toEqual([['unsupported', 59]]);
  });

  it.each([
    ["[ipv4-addr:value = '999.1.1.1']", 'not an IPv4'],
    ["[ipv4-addr:value = '2001:db8::1']", 'IPv6'],
    ["[ipv4-addr:value = '010.0.0.1']", 'not an IPv4'],
    ["[ipv4-addr:value = '10.0.0.0/33']", 'prefix'],
    ["[file:hashes.MD5 = 'abc']", 'md5 has 32'],
    ["[file:hashes.'SHA-256' = 'zz" + '0'.repeat(62) + "']", 'not hexadecimal'],
    ["[domain-name:value = 'domain autuo.xicp.net']", 'not a domain'],
    ["[url:value = 'evil.example/path']", 'scheme'],
    ['[ipv4-addr:value = 10]', 'expected a string'],
  ])('rejects the value in %s', (pattern, reason) => {
    const result = extract(pattern);
    expect(result.alternatives).toEqual([]);
    expect(result.issues[0]!.kind).toBe('rejected');
    expect(result.issues[0]!.reason).toContain(reason);
  });

  it('refuses an AND of ORs that expands beyond the bound', () => {
    const set = (base: number) => `[ipv4-addr:value IN (${Array.from({ length: 40 }, (_, i) => `'10.0.${base}.${i}'`).join(', ')})]`;
    const result = extract(`${set(1)} AND ${set(2)}`);
    expect(result.alternatives).toEqual([]);
    expect(result.issues[0]!.reason).toContain(String(MAX_ALTERNATIVES));
  });

  it('extracts IOCs from the spec examples that are plain IOCs', () => {
    const loaded = lines('stix2.1-spec_examples.txt').filter((p) => extract(p).alternatives.length > 0);
    expect(loaded).toHaveLength(6);
  });
});
