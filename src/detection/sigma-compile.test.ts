import { describe, expect, it } from 'vitest';
import { count, select } from '../store/query-node.js';
import { compileQuery, testDialect } from '../store/sql-compiler.js';
import { parseSigmaRule } from './parse-sigma.js';
import { base64Offsets, compileSigmaRule, type SigmaCompileResult } from './sigma-compile.js';

const MAPPING = {
  'c-uri': 'url.original',
  'cs-method': 'http.request.method',
  'c-ip': 'source.ip',
  'cs-user-agent': 'user_agent.original',
  'sc-status': 'http.response.status_code',
};

/** Parses a rule whose `detection:` body is `detection` (YAML indented by four spaces). */
function compile(detection: string, mapping: Record<string, string> = MAPPING, placeholders: Record<string, string[]> = {}): SigmaCompileResult {
  const text = `title: t\nlogsource:\n    category: webserver\ndetection:\n${detection.replace(/^\n/, '')}`;
  const { rules, problems } = parseSigmaRule('rule.yml', text);
  expect(problems).toEqual([]);
  return compileSigmaRule(rules[0]!, mapping, placeholders);
}

const PREFIX = 'SELECT count(*) AS "n" FROM "events" WHERE ';

/** The WHERE clause in the readable test dialect, and its parameters. */
function where(detection: string): { sql: string; parameters: readonly unknown[] } {
  const result = compile(detection);
  if (!result.ok) throw new Error(result.reason);
  const compiled = compileQuery(select({ from: 'events', columns: [{ expr: count(), as: 'n' }], where: result.where }), testDialect);
  expect(compiled.sql.startsWith(PREFIX)).toBe(true);
  return { sql: compiled.sql.slice(PREFIX.length), parameters: compiled.parameters };
}

const LIKE = (sql: string) => `(lower(${sql}) LIKE lower(?) ESCAPE '\\')`;
const URL = LIKE('"url.original"');
const METHOD = LIKE('"http.request.method"');

describe('compileSigmaRule', () => {
  it('escapes % and _ in values, maps * and ? to LIKE wildcards, and ORs a list', () => {
    expect(
      where(`
    selection:
        c-uri|contains: '/a%2F_b?x*'
        cs-method: [GET, POST]
    condition: selection
`),
    ).toEqual({ sql: `(${URL} AND (${METHOD} OR ${METHOD}))`, parameters: ['%/a\\%2F\\_b_x%', 'GET', 'POST'] });
  });

  it('keeps escaped wildcards and backslashes literal', () => {
    expect(
      where(`
    selection:
        c-uri: 'C:\\dir\\*\\?'
    condition: selection
`).parameters,
    ).toEqual(['C:\\\\dir*?']);
  });

  it('ANDs a list under |all', () => {
    expect(
      where(`
    selection:
        c-uri|contains|all: ['/admin', 'x_y']
    condition: selection
`),
    ).toEqual({ sql: `(${URL} AND ${URL})`, parameters: ['%/admin%', '%x\\_y%'] });
  });

  it('wraps startswith/endswith, and |cased matches case-sensitively', () => {
    expect(
      where(`
    a:
        c-uri|startswith: '/api'
    b:
        cs-user-agent|endswith|cased: 'Bot'
    condition: a or b
`),
    ).toEqual({ sql: `(${URL} OR ("user_agent.original" LIKE ? ESCAPE '\\'))`, parameters: ['/api%', '%Bot'] });
  });

  it('renders re with its flags, and refuses what RE2 cannot do', () => {
    expect(
      where(`
    selection:
        c-uri|re|i|m|s: '^/x.*y$'
    condition: selection
`),
    ).toEqual({ sql: `("url.original" LIKE_REGEX ? FLAG 'ims')`, parameters: ['^/x.*y$'] });
    expect(
      compile(`
    selection:
        c-uri|re: 'a(?!b)'
    condition: selection
`),
    ).toEqual({ ok: false, reason: 're: "(?!" (lookaround, atomic group or backreference) is not supported by RE2' });
  });

  it('compiles IPv4 cidr to a numeric range and IPv6 to a bound prefix of the 128-bit network', () => {
    const { sql, parameters } = where(`
    selection:
        c-ip|cidr: ['10.0.0.0/8', '192.168.1.0/24']
    condition: selection
`);
    expect(parameters).toEqual([167772160, 184549375, 3232235776, 3232236031]);
    expect(sql).toContain(`CAST(split_part("source.ip", '.', 1) AS BIGINT) * 16777216`);
    const v6 = where(`
    selection:
        c-ip|cidr: 'fc00::/7'
    condition: selection
`);
    expect(v6.sql).toBe('IPV6_IN_PREFIX("source.ip", 7, ?)');
    expect(v6.parameters).toEqual(['fc000000000000000000000000000000']);
  });

  it('looks unmapped fields up in weerbaar.fields; exists and null; not is two-valued', () => {
    expect(
      where(`
    a:
        cs-referer|exists: true
    b:
        cs-user-agent: null
    condition: a and not b
`),
    ).toEqual({
      sql: `((json_value("weerbaar.fields", ?) IS NOT NULL AND CAST(json_value("weerbaar.fields", ?) AS VARCHAR) <> '') AND (NOT coalesce((("user_agent.original" IS NULL) OR ("user_agent.original" = ?)), ?)))`,
      parameters: ['$."cs-referer"', '', false],
    });
  });

  it('keeps odd field names bound inside a quoted JSON path', () => {
    expect(
      where(`
    selection:
        'Request Header (s)-x': 'v'
    condition: selection
`).parameters,
    ).toEqual(['$."Request Header (s)-x"', 'v']);
  });

  it('searches keywords in message as case-insensitive substrings', () => {
    expect(
      where(`
    keywords:
        - 'wget '
        - '50%_done'
    condition: keywords
`),
    ).toEqual({ sql: `(${LIKE('"message"')} OR ${LIKE('"message"')})`, parameters: ['%wget %', '%50\\%\\_done%'] });
  });

  it('compares numbers numerically on numeric columns and as text elsewhere', () => {
    expect(
      where(`
    a:
        sc-status: 200
    b:
        sc-status|contains: '20'
    c:
        time-taken|gt: 1000
    condition: a and b and c
`),
    ).toEqual({
      sql: `(("http.response.status_code" = ?) AND ${LIKE('CAST("http.response.status_code" AS VARCHAR)')} AND (CAST(json_value("weerbaar.fields", ?) AS DOUBLE PRECISION) > ?))`,
      parameters: [200, '%20%', '$."time-taken"', 1000],
    });
  });

  it('maps 1 of / all of / not to or / and / null-safe not', () => {
    expect(
      where(`
    selection_a:
        cs-method: GET
    selection_b:
        cs-method: HEAD
    filter_main:
        c-uri|endswith: '.png'
    filter_optional:
        c-uri|endswith: '.css'
    condition: 1 of selection_* and not all of filter_*
`),
    ).toEqual({ sql: `((${METHOD} OR ${METHOD}) AND (NOT coalesce((${URL} AND ${URL}), ?)))`, parameters: ['GET', 'HEAD', '%.png', '%.css', false] });
  });

  it('compiles fieldref to column equality and neq to a null-safe negation', () => {
    expect(
      where(`
    a:
        cs-host|fieldref: cs-referer
    b:
        cs-method|neq: [GET, HEAD]
    condition: a and b
`),
    ).toEqual({
      sql: `((json_value("weerbaar.fields", ?) = json_value("weerbaar.fields", ?)) AND (NOT coalesce((${METHOD} OR ${METHOD}), ?)))`,
      parameters: ['$."cs-host"', '$."cs-referer"', 'GET', 'HEAD', false],
    });
  });

  it('expands %placeholders% into every configured value, as literal text, combined with the other modifiers', () => {
    const result = compile(
      `
    selection:
        c-uri|expand|startswith: '/%roots%/%kind%'
    condition: selection
`,
      MAPPING,
      { roots: ['vpn', 'logon_%'], kind: ['a', 'b'] },
    );
    if (!result.ok) throw new Error(result.reason);
    const compiled = compileQuery(select({ from: 'events', columns: [{ expr: count(), as: 'n' }], where: result.where }), testDialect);
    // Four patterns over one field: one regex alternation; `%` and `_` in a value stay literal.
    expect(compiled.parameters).toEqual(['(?:^/vpn/a|^/vpn/b|^/logon_%/a|^/logon_%/b)']);
  });

  it('expands windash into five dash variants', () => {
    expect(
      where(`
    selection:
        cmd|windash|contains: ' -e '
    condition: selection
`).parameters.filter((p) => p !== '$."cmd"'),
      // Five or more patterns over one field run as one regex alternation (likeAnyOf).
    ).toEqual(['(?: -e | /e | \u2013e | \u2014e | \u2015e )']);
  });

  it('encodes base64 and base64offset (case-sensitive) and utf16 before base64', () => {
    const { sql, parameters } = where(`
    a:
        q|base64: 'abc'
    b:
        q|base64offset|contains: 'http'
    c:
        q|wide|base64offset|contains: 'ping'
    condition: a or b or c
`);
    expect(parameters.filter((p) => p !== '$."q"')).toEqual(['YWJj', '%aHR0c%', '%h0dH%', '%odHRw%', ...base64Offsets(Buffer.from('ping', 'utf16le')).map((s) => `%${s}%`)]);
    expect(sql).not.toContain('lower(');
    expect(base64Offsets(Buffer.from('ping', 'utf16le'))).toEqual(['cABpAG4AZw', 'AAaQBuAGcA', 'wAGkAbgBnA']);
  });

  it('reports what it cannot compile yet with a reason', () => {
    expect(
      compile(`
    selection:
        q|utf16le: 'x'
    condition: selection
`),
    ).toEqual({ ok: false, reason: 'modifier utf16le without base64 not supported yet (the store holds decoded text)' });
    expect(
      compile(`
    selection:
        q|expand: '%servers%'
    condition: selection
`),
    ).toEqual({ ok: false, reason: 'placeholder %servers% has no values in the processing pipelines (add them under placeholders:)' });
    expect(
      compile(`
    selection:
        '@timestamp|hour': 3
    condition: selection
`),
    ).toEqual({ ok: false, reason: 'modifier hour needs a timestamp column; field @timestamp is not one' });
    expect(compile(`    selection:\n        c-uri: x\n    condition: selection\n`, { 'c-uri': 'x"; DROP' })).toEqual({
      ok: false,
      reason: 'mapping sends field "c-uri" to an invalid column name "x\\"; DROP"',
    });
  });

  it('refuses correlation rules as row predicates (they run through correlate)', () => {
    const { rules } = parseSigmaRule(
      'c.yml',
      `title: base\nname: base\nlogsource:\n    category: webserver\ndetection:\n    s:\n        cs-method: GET\n    condition: s\n---\ntitle: many\ncorrelation:\n    type: event_count\n    rules: [base]\n    group-by: [c-ip]\n    timespan: 5m\n    condition:\n        gte: 10\n`,
    );
    expect(compileSigmaRule(rules[1]!, MAPPING)).toEqual({ ok: false, reason: 'correlation rules (event_count) are not a row predicate; they run through correlate (sigma-correlation.ts)' });
  });
});
