import { describe, expect, it } from 'vitest';
import { SIGMA_MODIFIERS } from './sigma-rule.js';
import { type ItemResult, buildFieldCondition, parseCidr, parseKey, parseWildcards } from './sigma-value.js';

function reasons(result: ItemResult): string[] {
  return result.ok ? [] : result.problems.map((p) => p.reason);
}

function values(result: ItemResult) {
  if (!result.ok) throw new Error(reasons(result).join('; '));
  return result.condition.values;
}

describe('parseWildcards (spec "Escape Character" table)', () => {
  it.each([
    ['plain', [{ kind: 'text', text: 'plain' }]],
    ['prog?.exe', [{ kind: 'text', text: 'prog' }, { kind: 'anyChar' }, { kind: 'text', text: '.exe' }]],
    ['*\\cmd.exe', [{ kind: 'anyRun' }, { kind: 'text', text: '\\cmd.exe' }]],
    ['a**b', [{ kind: 'text', text: 'a' }, { kind: 'anyRun' }, { kind: 'text', text: 'b' }]],
    ['\\*', [{ kind: 'text', text: '*' }]],
    ['\\?', [{ kind: 'text', text: '?' }]],
    ['\\\\*', [{ kind: 'text', text: '\\' }, { kind: 'anyRun' }]],
    ['\\\\\\*', [{ kind: 'text', text: '\\*' }]],
    ['\\\\\\', [{ kind: 'text', text: '\\\\' }]],
    ['\\\\\\\\', [{ kind: 'text', text: '\\\\' }]],
    ['C:\\Windows\\', [{ kind: 'text', text: 'C:\\Windows\\' }]],
    ['/cross.php?op=', [{ kind: 'text', text: '/cross.php' }, { kind: 'anyChar' }, { kind: 'text', text: 'op=' }]],
    ['%2F..%2F', [{ kind: 'text', text: '%2F..%2F' }]],
  ])('%s', (raw, expected) => {
    expect(parseWildcards(raw)).toEqual(expected);
  });

  it('reads %placeholders% only under expand, with \\% as a literal percent', () => {
    expect(parseWildcards('%Servers%')).toEqual([{ kind: 'text', text: '%Servers%' }]);
    expect(parseWildcards('\\%plain%name%', true)).toEqual([{ kind: 'text', text: '%plain' }, { kind: 'placeholder', name: 'name' }]);
  });
});

describe('modifier chains', () => {
  it('accepts every modifier of the spec appendix in a sensible chain', () => {
    const chains: Record<string, unknown> = {
      'f|contains': 'x', 'f|startswith': 'x', 'f|endswith': 'x', 'f|contains|all': ['a', 'b'], 'f|re': 'a.c',
      'f|re|i|m|s': '^a.c$', 'f|cidr': '10.0.0.0/8', 'f|base64': 'x', 'f|base64offset|contains': 'x', 'f|windash|contains': ' -x',
      'f|exists': true, 'f|fieldref': 'other', 'f|fieldref|startswith': 'other', 'f|gt': 1, 'f|gte': 1, 'f|lt': 1, 'f|lte': 1, 'f|cased': 'X',
      'f|wide|base64offset|contains': 'x', 'f|utf16|base64': 'x', 'f|utf16le|base64': 'x', 'f|utf16be|base64': 'x', 'f|expand': '%Servers%',
      'f|neq': 'x', 'f|fieldref|neq': 'other', 'f|minute': 5, 'f|hour|gte': 8, 'f|day': 1, 'f|week': 1, 'f|month|lt': 6, 'f|year': 2024,
    };
    const used = new Set<string>();
    for (const [key, value] of Object.entries(chains)) {
      expect(reasons(buildFieldCondition(key, value)), key).toEqual([]);
      for (const m of key.split('|').slice(1)) used.add(m);
    }
    expect([...SIGMA_MODIFIERS].filter((m) => !used.has(m))).toEqual([]);
  });

  it('keeps the modifiers in written order', () => {
    expect(parseKey('CommandLine|wide|base64offset|contains').modifiers).toEqual(['wide', 'base64offset', 'contains']);
  });

  it.each([
    ['f|containz', 'unknown modifier "containz" in "f|containz"'],
    ['f||contains', 'empty modifier in "f||contains"'],
    ['f|contains|contains', 'modifier "contains" appears twice in "f|contains|contains"'],
    ['f|i|re', '"i" is a sub-modifier of "re" and must follow it'],
    ['f|contains|i', '"i" is a sub-modifier of "re" and must follow it'],
    ['f|startswith|endswith', '"f|startswith|endswith" combines several of contains/startswith/endswith'],
    ['f|gt|lt', '"f|gt|lt" combines several of gt/gte/lt/lte; use two selections for a range'],
    ['f|re|cidr', '"f|re|cidr" combines "re" and "cidr", which give the value different types'],
    ['f|re|contains', '"contains" cannot be combined with "re" in "f|re|contains"'],
    ['f|exists|all', '"all" cannot be combined with "exists" in "f|exists|all"'],
    ['f|base64|utf16le', '"utf16le" must come before "base64"'],
    ['f|contains|base64', '"contains" before "base64" would encode the wildcards; write "base64|contains"'],
    ['|cidr', '"cidr" needs a field name; a keyword search has none'],
  ])('rejects %s', (key, reason) => {
    expect(parseKey(key).problems).toContain(reason);
  });
});

describe('values under modifiers', () => {
  it('keeps plain numbers, booleans and null typed; strings become patterns', () => {
    expect(values(buildFieldCondition('EventID', [4688, 4689]))).toEqual([{ kind: 'number', value: 4688 }, { kind: 'number', value: 4689 }]);
    expect(values(buildFieldCondition('f', true))).toEqual([{ kind: 'boolean', value: true }]);
    expect(values(buildFieldCondition('f', null))).toEqual([{ kind: 'null' }]);
    expect(values(buildFieldCondition('f', ''))).toEqual([{ kind: 'string', raw: '', pattern: [] }]);
  });

  it('treats a number under a string modifier as its text', () => {
    expect(values(buildFieldCondition('sc-status|contains', 200))).toEqual([{ kind: 'string', raw: '200', pattern: [{ kind: 'text', text: '200' }] }]);
  });

  it('checks numeric modifiers get numbers', () => {
    expect(reasons(buildFieldCondition('bytes|gt', '100'))).toEqual(['"gt" needs a number, got a string "100"']);
    expect(values(buildFieldCondition('bytes|gte', 1.5))).toEqual([{ kind: 'number', value: 1.5 }]);
  });

  it('validates cidr values', () => {
    expect(parseCidr('192.168.0.0/16')).toMatchObject({ kind: 'cidr', version: 4, prefix: 16 });
    expect(parseCidr('fe80::/10')).toMatchObject({ kind: 'cidr', version: 6, prefix: 10 });
    expect(parseCidr('10.1.2.3')).toMatchObject({ prefix: 32 });
    expect(parseCidr('10.0.0.0/33')).toMatch(/prefix \/33 is longer than 32 bits/);
    expect(parseCidr('10.0.0.1/8')).toMatch(/host bits are set/);
    expect(parseCidr('300.0.0.0/8')).toMatch(/is not an IPv4 or IPv6 address/);
    expect(parseCidr('fe80::1/10')).toMatch(/host bits/);
    expect(reasons(buildFieldCondition('ip|cidr', ['10.0.0.0/8', 'nonsense']))).toEqual(['value of "cidr" "nonsense" is not a CIDR network: "nonsense" is not an IPv4 or IPv6 address']);
  });

  it('validates regexes by compiling them, and lifts a leading inline flag group', () => {
    expect(values(buildFieldCondition('f|re|i', '^a.+b$'))).toEqual([{ kind: 'regex', source: '^a.+b$', flags: { i: true, m: false, s: false } }]);
    expect(values(buildFieldCondition('f|re', '(?i)select.*from'))).toEqual([{ kind: 'regex', source: 'select.*from', flags: { i: true, m: false, s: false } }]);
    expect(reasons(buildFieldCondition('f|re', 'a(b'))[0]).toMatch(/^"re" pattern "a\(b" does not compile: /);
    expect(reasons(buildFieldCondition('f|re', '(?x)a'))[0]).toMatch(/inline flag "x"/);
  });

  it('exists takes one boolean; fieldref a field name', () => {
    expect(values(buildFieldCondition('f|exists', false))).toEqual([{ kind: 'boolean', value: false }]);
    expect(reasons(buildFieldCondition('f|exists', 'yes'))).toContain('"exists" takes exactly one value: true or false');
    expect(values(buildFieldCondition('f|fieldref', 'g'))).toEqual([{ kind: 'fieldref', field: 'g' }]);
  });

  it('applies the spec rules on lists: all needs several values, null stands alone, no empty lists', () => {
    expect(reasons(buildFieldCondition('f|contains|all', 'x'))).toEqual(['"all" needs a list of at least two values; a single value does not need it']);
    expect(reasons(buildFieldCondition('f', ['', null]))).toEqual(['null cannot be part of a value list; put `field: null` in its own selection']);
    expect(reasons(buildFieldCondition('f', []))[0]).toMatch(/empty value list/);
    expect(reasons(buildFieldCondition('f|contains', null))[0]).toMatch(/null cannot take modifiers/);
  });

  it('names the list element at fault', () => {
    const result = buildFieldCondition('f', ['ok', { nested: 1 }]);
    expect(result.ok ? [] : result.problems).toEqual([{ reason: 'a value must be a string, number, boolean or null, not a map', index: 1 }]);
  });

  it('refuses wildcards that base64 would encode, and expand without placeholders', () => {
    expect(reasons(buildFieldCondition('f|base64', 'a*b'))[0]).toMatch(/cannot encode wildcards/);
    expect(values(buildFieldCondition('f|base64', 'a\\*b'))).toEqual([{ kind: 'string', raw: 'a\\*b', pattern: [{ kind: 'text', text: 'a*b' }] }]);
    expect(reasons(buildFieldCondition('f|expand', 'plain'))[0]).toMatch(/holds no %placeholder%/);
  });

  it('keyword searches have no field and may use |all', () => {
    const result = buildFieldCondition('|all', ['a', 'b']);
    expect(result.ok && result.condition).toEqual({ modifiers: ['all'], values: [{ kind: 'string', raw: 'a', pattern: [{ kind: 'text', text: 'a' }] }, { kind: 'string', raw: 'b', pattern: [{ kind: 'text', text: 'b' }] }] });
  });
});
