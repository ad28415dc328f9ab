import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../shared/errors.js';
import { parseSigmaFiles, parseSigmaRule, parseTimespan } from './parse-sigma.js';
import type { SigmaCorrelationRule, SigmaDetectionRule, SigmaFilterRule } from './sigma-rule.js';

const GOOD = `title: Whoami Execution
id: 929a690e-bef0-4204-a928-ef5e620d6fcc
status: test
level: high
date: 2019-10-23
tags: [attack.discovery]
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\\whoami.exe'
    keywords:
        - 'whoami /all'
    condition: selection or keywords
falsepositives:
    - Admins
`;

/** Problems as "line: reason" for compact, line-checking expectations. */
function problemsOf(text: string): string[] {
  return parseSigmaRule('rule.yml', text).problems.map((p) => `${p.location.line}: ${p.reason}`);
}

describe('parseSigmaRule', () => {
  it('builds a frozen, typed rule', () => {
    const { rules, problems } = parseSigmaRule('rule.yml', GOOD);
    expect(problems).toEqual([]);
    const rule = rules[0] as SigmaDetectionRule;
    expect(rule).toMatchObject({ kind: 'detection', file: 'rule.yml', line: 1, title: 'Whoami Execution', status: 'test', level: 'high', taxonomy: 'sigma', tags: ['attack.discovery'], falsepositives: ['Admins'] });
    expect(rule.logsource).toEqual({ category: 'process_creation', product: 'windows' });
    expect(rule.detection.searches['selection']).toEqual({ kind: 'map', conditions: [{ field: 'Image', modifiers: ['endswith'], values: [{ kind: 'string', raw: '\\whoami.exe', pattern: [{ kind: 'text', text: '\\whoami.exe' }] }] }] });
    expect(rule.detection.searches['keywords']?.kind).toBe('keywords');
    expect(rule.detection.condition).toEqual(['selection or keywords']);
    expect(Object.isFrozen(rule)).toBe(true);
    expect(Object.isFrozen(rule.detection.searches['selection'])).toBe(true);
  });

  it('reads a list of maps as OR and a condition list', () => {
    const text = GOOD.replace(/detection:[\s\S]*falsepositives/, `detection:
    selection:
        - Image|endswith: '\\example.exe'
        - Description|contains: 'Test executable'
    other:
        EventID: [1, 2]
    condition:
        - selection
        - other
falsepositives`);
    const rule = parseSigmaRule('r.yml', text).rules[0] as SigmaDetectionRule;
    expect(rule.detection.searches['selection']?.kind).toBe('anyOf');
    expect(rule.detection.conditionAst).toHaveLength(2);
  });

  it('reports each problem of a crafted bad rule at the line of the offending key or value', () => {
    const text = `title: Bad rule
id: 1
status: draft
date: 2024/01/02
logsource:
    category: webserver
detection:
    selection:
        cs-uri-query|containz: '/etc/passwd'
        c-ip|cidr: 'not-a-net'
        sc-bytes|gt: 'many'
        cs-uri-stem|re: 'a(b'
    condition: selction and not filter
`;
    expect(problemsOf(text)).toEqual([
      '2: Invalid input: expected string, received number',
      '3: Invalid option: expected one of "stable"|"test"|"experimental"|"deprecated"|"unsupported"',
      '4: must be a date YYYY-MM-DD',
      '9: unknown modifier "containz" in "cs-uri-query|containz"',
      '10: value of "cidr" "not-a-net" is not a CIDR network: "not-a-net" is not an IPv4 or IPv6 address',
      '11: "gt" needs a number, got a string "many"',
      expect.stringMatching(/^12: "re" pattern "a\(b" does not compile/),
      '13: condition "selction and not filter": references undefined search identifier "selction" (did you mean "selection"?) (column 1)',
    ]);
  });

  it('reports missing title, logsource, detection and condition', () => {
    expect(problemsOf('description: nothing else\n')).toEqual(['1: is required', '1: missing "logsource"', '1: missing "detection" section']);
    expect(problemsOf('title: t\nlogsource: {product: x}\ndetection:\n    sel: {a: 1}\n')).toEqual(['3: missing "condition"']);
    expect(problemsOf('title: t\nlogsource: {product: x}\ndetecton:\n    sel: {a: 1}\n    condition: sel\n')).toEqual(['3: unknown field "detecton" (did you mean "detection"?)', '1: missing "detection" section']);
  });

  it('names a list element and a wrongly typed search at their lines', () => {
    const text = `title: t
logsource: {product: x}
detection:
    sel:
        a:
            - ok
            - [nested]
    kw: {}
    condition: sel
`;
    expect(problemsOf(text)).toEqual(['7: a value must be a string, number, boolean or null, not a list', '8: an empty map matches nothing; remove it']);
  });

  it('reports YAML syntax errors and duplicate keys with their line', () => {
    expect(problemsOf('title: t\ntitle: u\n')[0]).toMatch(/^2: YAML syntax: Map keys must be unique/);
    expect(problemsOf('title: [unclosed\n')[0]).toMatch(/^\d: YAML syntax/);
  });

  it('reads multi-document files: a correlation with its base rules', () => {
    const text = `title: Many failed logins then success
id: b180ead8-d58f-40b2-ae54-c8940995b9b6
correlation:
    type: temporal_ordered
    rules: [multiple_failed_login, successful_login]
    group-by: [User]
    timespan: 10m
level: high
---
title: Multiple failed logons
name: multiple_failed_login
correlation:
    type: event_count
    rules: [failed_login]
    group-by: [User]
    timespan: 1h
    condition: {gte: 10}
---
title: Single failed login
name: failed_login
logsource: {product: windows, service: security}
detection:
    selection: {EventID: [529, 4625]}
    condition: selection
---
title: Successful login
name: successful_login
logsource: {product: windows, service: security}
detection:
    selection: {EventID: [528, 4624]}
    condition: selection
`;
    const { rules, problems } = parseSigmaRule('mr.yml', text);
    expect(problems).toEqual([]);
    expect(rules.map((r) => `${r.kind}@${r.line}`)).toEqual(['correlation@1', 'correlation@10', 'detection@19', 'detection@26']);
    const outer = rules[0] as SigmaCorrelationRule;
    expect(outer.correlation).toEqual({ type: 'temporal_ordered', rules: ['multiple_failed_login', 'successful_login'], groupBy: ['User'], timespan: '10m', timespanMs: 600_000, condition: { gte: 2 }, aliases: {}, generate: false });
    expect((rules[1] as SigmaCorrelationRule).correlation.condition).toEqual({ gte: 10 });
  });

  it('parses timespans to milliseconds and rejects other units', () => {
    expect(parseTimespan('30s')).toBe(30_000);
    expect(parseTimespan('5m')).toBe(300_000);
    expect(parseTimespan('1h')).toBe(3_600_000);
    expect(parseTimespan('2d')).toBe(172_800_000);
    expect(parseTimespan('1H')).toBeUndefined();
    expect(parseTimespan('1w')).toBeUndefined();
    expect(parseTimespan('0m')).toBeUndefined();
    expect(parseTimespan('m')).toBeUndefined();
  });

  it('checks correlation sections', () => {
    const text = `title: c
correlation:
    type: event_sum
    rules: []
    timespan: 5 minutes
    condition: {gte: many, field: x}
`;
    expect(problemsOf(text)).toEqual([
      '3: correlation type "event_sum" is not one of event_count, value_count, temporal, temporal_ordered, value_sum, value_avg, value_percentile',
      '4: "rules" must be a non-empty list of rule ids or names',
      '5: timespan "5 minutes" must be a positive number followed by s, m, h or d (e.g. 5m, 1h, 2d)',
    ]);
    expect(problemsOf('title: c\ncorrelation:\n    type: value_count\n    rules: [a]\n    timespan: 1d\n    condition: {gte: 100}\n')).toEqual(['6: a value_count condition needs "field"']);
    expect(problemsOf('title: c\ncorrelation:\n    type: event_count\n    rules: [a]\n    timespan: 1d\n')).toEqual(['2: missing "condition" (required for event_count)']);
    expect(problemsOf('title: c\ncorrelation:\n    type: event_count\n    rules: [a]\n    timespan: 1d\n    condition: {gt: 1, lte: 5, field: f}\n')).toEqual(['6: "field" only applies to value_* correlations, not event_count']);
  });

  it('reads filter rules', () => {
    const text = `title: Filter Administrator account
logsource: {category: process_creation, product: windows}
filter:
    rules:
        - 6f3e2987-db24-4c78-a860-b4f4095a7095
    selection:
        User|startswith: 'adm_'
    condition: not selection
`;
    const { rules, problems } = parseSigmaRule('mf.yml', text);
    expect(problems).toEqual([]);
    const filter = rules[0] as SigmaFilterRule;
    expect(filter.kind).toBe('filter');
    expect(filter.rules).toEqual(['6f3e2987-db24-4c78-a860-b4f4095a7095']);
    expect(Object.keys(filter.detection.searches)).toEqual(['selection']);
    expect(problemsOf(text.replace(/ {4}rules:\n.*\n/, ''))).toEqual(['3: missing "rules"']);
  });

  it('expands all of them without _-identifiers and reads |all keyword maps as keyword searches', () => {
    const text = `title: t
logsource: {product: cisco}
detection:
    keywords:
        '|all': [':179', 'BADAUTH']
    sel: {a: 1}
    _helper: {b: 2}
    condition: all of them
`;
    const rule = parseSigmaRule('r.yml', text).rules[0] as SigmaDetectionRule;
    expect(rule.detection.searches['keywords']).toMatchObject({ kind: 'keywords', condition: { modifiers: ['all'] } });
    expect(rule.detection.conditionAst[0]).toEqual({ kind: 'and', operands: [{ kind: 'identifier', name: 'keywords', column: 1 }, { kind: 'identifier', name: 'sel', column: 1 }] });
  });

  it('reports duplicate ids within a file', () => {
    expect(problemsOf(`${GOOD}---\n${GOOD}`)).toEqual(['20: duplicate id "929a690e-bef0-4204-a928-ef5e620d6fcc" (also rule.yml:2)']);
  });
});

describe('hostile input', () => {
  it('refuses an alias bomb', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const started = Date.now();
    const problems = problemsOf(`title: t\n${bomb.join('\n')}\n`);
    expect(problems[0]).toMatch(/YAML cannot be expanded: Excessive alias count/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses deep nesting and huge files without crashing', () => {
    expect(problemsOf(`title: t\nx: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`)).toEqual(['2: YAML nested too deeply']);
    expect(problemsOf(`title: t\ndescription: '${'x'.repeat(2_000_000)}'\n`)[0]).toMatch(/are refused/);
  });

  it('does not treat non-rule documents as rules', () => {
    expect(problemsOf('- a\n- b\n')).toEqual(['1: YAML document 1 is a list, not a Sigma rule (a map with title, logsource, detection)']);
    expect(problemsOf('')).toEqual(['1: holds no Sigma rule']);
  });
});

describe('parseSigmaFiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sigma-files-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const good = write('good.yml', GOOD);
  const dup = write('dup.yml', GOOD.replace('Whoami Execution', 'Copy'));
  const bad = write('bad.yml', GOOD.replace('endswith', 'endwith').replace('selection or', 'selction or'));
  const latin1 = write('latin1.yml', Buffer.concat([Buffer.from('title: caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
  const corr = write('corr.yml', 'title: c\ncorrelation:\n    type: event_count\n    rules: [missing_rule]\n    timespan: 5m\n    condition: {gte: 3}\n');

  it('collects every problem of a rule set with collectAll', async () => {
    const result = await parseSigmaFiles([good, dup, bad, latin1, corr, join(dir, 'absent.yml')], { collectAll: true });
    expect(result.loaded.map((r) => r.title)).toEqual(['Whoami Execution']);
    const byFile = Object.fromEntries(result.failed.map((f) => [f.file.slice(dir.length + 1), f.problems.map((p) => `${p.location.line}: ${p.reason}`)]));
    expect(byFile['dup.yml']).toEqual([`2: duplicate id "929a690e-bef0-4204-a928-ef5e620d6fcc" (also ${good}:2)`]);
    expect(byFile['bad.yml']).toEqual([
      '12: unknown modifier "endwith" in "Image|endwith"',
      '15: condition "selction or keywords": references undefined search identifier "selction" (did you mean "selection"?) (column 1)',
    ]);
    expect(byFile['latin1.yml']).toEqual(['1: is not valid UTF-8 (save it as UTF-8, or as UTF-16 with a byte-order mark)']);
    expect(byFile['corr.yml']).toEqual(['1: correlation "c" references rules not in the set: missing_rule']);
    expect(byFile['absent.yml']?.[0]).toMatch(/^undefined: cannot be read/);
  });

  it('stops at the first bad file without collectAll', async () => {
    await expect(parseSigmaFiles([good, bad])).rejects.toBeInstanceOf(InvalidInputError);
    await expect(parseSigmaFiles([good])).resolves.toMatchObject({ failed: [] });
  });
});
