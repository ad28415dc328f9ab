import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TLP_MARKING_IDS } from './ioc-model.js';
import { readStixBundle } from './stix-bundle.js';
import { corpus } from '../../test/support/corpora.js';

const EXAMPLES = corpus('stix', 'examples');
const TLP_DIR = corpus('stix', 'tlp2.0-marking-definitions');

function indicator(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
    created: '2026-01-01T00:00:00.000Z',
    modified: '2026-01-01T00:00:00.000Z',
    pattern_type: 'stix',
    valid_from: '2026-01-01T00:00:00Z',
    ...fields,
  };
}

const bundle = (...objects: unknown[]) => JSON.stringify({ type: 'bundle', id: 'bundle--44af6c39-c09b-49c5-9de2-394224b04982', objects }, null, 2);

describe('corpus examples', () => {
  it.each([
    ['indicator-for-c2-ip-address.json', 1, 0, 0],
    ['indicator-to-campaign-relationship.json', 1, 0, 0],
    ['indicators-for-C2-with-COA.json', 2, 0, 0],
    ['infrastructure.json', 0, 0, 0],
    ['interop-objectmarking-test.json', 0, 0, 0],
    ['malicious-email-indicator-with-attachment.json', 0, 0, 2],
    ['threat-reports/apt1.json', 10, 0, 2],
    ['threat-reports/poisonivy.json', 66, 1, 0],
  ])('%s: %i loaded, %i rejected, %i unsupported', (file, loaded, rejected, unsupportedCount) => {
    const set = readStixBundle(file, readFileSync(`${EXAMPLES}/${file}`));
    expect(set.problems).toEqual([]);
    expect(set.counts).toMatchObject({ loaded, rejected, unsupported: unsupportedCount });
  });

  it('reads the C2 address with its source', () => {
    const set = readStixBundle('c2.json', readFileSync(`${EXAMPLES}/indicator-for-c2-ip-address.json`, 'utf8'));
    expect(set.items).toEqual([
      {
        type: 'ipv4',
        value: '10.0.0.0',
        role: null,
        confidence: null,
        validUntil: null,
        tlp: null,
        description: 'Test description C2 channel.',
        source: { file: 'c2.json', id: 'indicator--33fe3b22-0201-47cf-85d0-97c02164528d', line: 17, path: 'objects[0].pattern' },
      },
    ]);
  });

  it('rejects the poisonivy domain with a space, naming line and path', () => {
    const set = readStixBundle('poisonivy.json', readFileSync(`${EXAMPLES}/threat-reports/poisonivy.json`));
    expect(set.rejected).toHaveLength(1);
    expect(set.rejected[0]!.reason).toContain('"domain autuo.xicp.net" is not a domain name');
    expect(set.rejected[0]!.reason).toContain('the rest of the pattern is loaded');
    expect(set.rejected[0]!.location.line).toBeGreaterThan(1);
    expect(set.rejected[0]!.location.path).toMatch(/^objects\[\d+\]\.pattern$/);
    expect(set.items.some((ioc) => ioc.value === '60.10.1.115' && ioc.source.id === set.rejected[0]!.id)).toBe(true);
  });
});

describe('TLP markings', () => {
  it.each([
    ['tlp-clear.json', 'clear'],
    ['tlp-green.json', 'green'],
    ['tlp-amber.json', 'amber'],
    ['tlp-amber+strict.json', 'amber+strict'],
    ['tlp-red.json', 'red'],
  ])('%s: the corpus id is known as %s', (file, level) => {
    const definition = JSON.parse(readFileSync(`${TLP_DIR}/${file}`, 'utf8')) as { objects: { id: string }[] };
    const id = definition.objects[0]!.id;
    expect(TLP_MARKING_IDS[id]).toBe(level);
    const set = readStixBundle('t.json', bundle(indicator({ pattern: "[ipv4-addr:value = '198.51.100.1']", object_marking_refs: [id] })));
    expect(set.items[0]!.tlp).toBe(level);
  });

  it('reads marking definitions inside the bundle (OpenCTI-style statement) and picks the strictest', () => {
    const statement = {
      type: 'marking-definition',
      id: 'marking-definition--826578e1-40ad-459f-bc73-ede076f81f37',
      definition_type: 'statement',
      definition: { statement: 'TLP:AMBER+STRICT' },
    };
    const set = readStixBundle(
      't.json',
      bundle(
        statement,
        indicator({
          pattern: "[ipv4-addr:value = '198.51.100.1']",
          object_marking_refs: ['marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb', statement.id, 'marking-definition--unknown'],
        }),
      ),
    );
    expect(set.items[0]!.tlp).toBe('amber+strict');
  });
});

describe('indicator fields', () => {
  it('reads valid_until, confidence, name, AND groups as conjunctions', () => {
    const set = readStixBundle(
      't.json',
      bundle(
        indicator({
          name: 'evil',
          valid_until: '2027-01-01T00:00:00+01:00',
          confidence: 85,
          pattern: "[domain-name:value = 'evil.example'] AND [ipv4-addr:value = '198.51.100.7']",
        }),
      ),
    );
    expect(set.items).toEqual([]);
    expect(set.conjunctions).toHaveLength(1);
    const [conjunction] = set.conjunctions;
    expect(conjunction!.observations.map((o) => o.map((i) => i.value))).toEqual([['evil.example'], ['198.51.100.7']]);
    expect(conjunction!.observations[0]![0]).toMatchObject({ confidence: 85, validUntil: '2026-12-31T23:00:00.000Z', description: 'evil' });
  });

  it('counts revoked indicators and reports other pattern types as unsupported', () => {
    const set = readStixBundle(
      't.json',
      bundle(
        indicator({ revoked: true, pattern: "[ipv4-addr:value = '198.51.100.1']" }),
        indicator({ id: 'indicator--11111111-1111-4111-8111-111111111111', pattern_type: 'sigma', pattern: 'title: x' }),
        indicator({ id: 'indicator--22222222-2222-4222-8222-222222222222', pattern_type: 'yara', pattern: 'rule x {}' }),
      ),
    );
    expect(set.counts).toMatchObject({ loaded: 0, revoked: 1, unsupported: 2 });
    expect(set.unsupported.map((u) => u.reason)).toEqual([
      'pattern_type "sigma" is not read here (only "stix")',
      'pattern_type "yara" is not read here (only "stix")',
    ]);
    expect(set.unsupported[0]!.location).toMatchObject({ file: 't.json', path: 'objects[1].pattern_type' });
  });

  it('rejects bad fields and patterns with line, path and pattern column', () => {
    const text = bundle(
      indicator({ pattern: "[ipv4-addr:value = '198.51.100.1'" }),
      indicator({ id: 'indicator--x', pattern: "[ipv4-addr:value = '198.51.100.1']" }),
      indicator({ id: 'indicator--33333333-3333-4333-8333-333333333333', valid_until: 'next week', pattern: "[ipv4-addr:value = '198.51.100.1']" }),
      indicator({ id: 'indicator--44444444-4444-4444-8444-444444444444', confidence: 101, pattern: "[ipv4-addr:value = '198.51.100.1']" }),
      indicator({ id: 'indicator--55555555-5555-4555-8555-555555555555' }),
    );
    const set = readStixBundle('t.json', text);
    expect(set.counts.loaded).toBe(0);
    expect(set.rejected.map((r) => r.reason)).toEqual([
      'invalid STIX pattern: column 34: expected "]" or AND/OR, found end of pattern',
      '"indicator--x" is not an indicator id (indicator--<uuid>)',
      'valid_until "next week" is not an ISO 8601 timestamp',
      'confidence 101 is not a whole number from 0 to 100',
      'indicator without a "pattern"',
    ]);
    const lines = text.split('\n');
    expect(lines[set.rejected[0]!.location.line! - 1]).toContain('"pattern"');
    expect(set.rejected[0]!.location.path).toBe('objects[0].pattern');
  });
});

describe('malformed and hostile input', () => {
  it('reports JSON syntax errors with their line', () => {
    const set = readStixBundle('t.json', '{\n "type": "bundle",\n "objects": [\n}');
    expect(set.problems[0]!.location.line).toBe(4);
    expect(set.problems[0]!.reason).toContain('JSON syntax');
  });

  it.each([
    ['[]', 'expected a STIX bundle'],
    ['{"type": "bundle"}', 'no "objects"'],
    ['{"type": "bundle", "objects": {}}', 'must be a list'],
    ['{"objects": []}', 'with a "type"'],
    ['{"type": "bundle", "objects": [1]}', 'must be a JSON object'],
  ])('reports %s', (text, reason) => {
    const set = readStixBundle('t.json', text);
    expect(set.problems[0]!.reason).toContain(reason);
  });

  it('refuses deep nesting before parsing', () => {
    const text = `{"type": "bundle", "objects": [${'['.repeat(100_000)}${']'.repeat(100_000)}]}`;
    expect(readStixBundle('t.json', text).problems[0]!.reason).toContain('nested too deeply');
  });

  it('refuses bytes that are not UTF-8, naming the line', () => {
    const bytes = Buffer.concat([Buffer.from('{\n"type": "bundle",\n"objects": ["'), Buffer.from([0xff, 0xfe, 0x00]), Buffer.from('"]}')]);
    const set = readStixBundle('t.json', bytes.subarray(0));
    // 0xff 0xfe inside the data (not at the start) is invalid UTF-8
    expect(set.problems[0]).toMatchObject({ location: { file: 't.json', line: 3 } });
    expect(set.problems[0]!.reason).toContain('UTF-8');
  });

  it('reads UTF-16 with a byte-order mark', () => {
    const text = readFileSync(`${EXAMPLES}/indicator-for-c2-ip-address.json`, 'utf8');
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    expect(readStixBundle('t.json', bytes).counts.loaded).toBe(1);
  });

  it('reads a large bundle', () => {
    const objects = Array.from({ length: 20_000 }, (_, i) =>
      indicator({ id: `indicator--${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`, pattern: `[ipv4-addr:value = '10.${(i >> 8) & 255}.${i & 255}.1']` }),
    );
    const set = readStixBundle('big.json', JSON.stringify({ type: 'bundle', objects }));
    expect(set.counts.loaded).toBe(20_000);
  });

  it('survives hostile values: a huge pattern string and non-string fields', () => {
    const set = readStixBundle(
      't.json',
      bundle(
        indicator({ pattern: `[url:value = 'http://e.example/${'a'.repeat(100_000)}']` }),
        indicator({ id: 'indicator--66666666-6666-4666-8666-666666666666', pattern: 42 }),
        indicator({ id: 'indicator--77777777-7777-4777-8777-777777777777', pattern: "[x-a:b = 1]", valid_until: 5 }),
      ),
    );
    expect(set.counts).toMatchObject({ loaded: 0, rejected: 3 });
    expect(set.rejected[0]!.reason).toContain('at most');
  });
});
