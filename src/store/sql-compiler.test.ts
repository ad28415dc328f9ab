import { describe, expect, it } from 'vitest';
import { and, caseWhen, datePart, ipv4Network, lower, coalesce, col, compare, count, epochMs, eq, exists, hour, ipv4Range, isIn, jsonField, like, not, isNull, regex, select, toNumber, toText, val, deleteFrom, type Expr } from './query-node.js';
import { compileQuery, duckdbDialect, isValidJsonKey, likePattern, standardDialect, testDialect } from './sql-compiler.js';

const where = (e: Expr) => select({ from: 'events', columns: [{ expr: count(), as: 'n' }], where: e });
const PREFIX = 'SELECT count(*) AS "n" FROM "events" WHERE ';

describe('compileQuery', () => {
  it('renders a grouped select with every value bound, never inlined', () => {
    const node = select({
      from: 'events',
      columns: [{ expr: col('host.name'), as: 'host' }, { expr: epochMs(hour(col('@timestamp'))), as: 'h' }, { expr: count(), as: 'n' }],
      where: and(eq(col('event.dataset'), val('netscaler.syslog')), not(isNull(col('@timestamp')))),
      groupBy: [col('host.name'), hour(col('@timestamp'))],
      orderBy: [{ expr: col('host.name'), desc: true }],
      limit: 10,
    });
    expect(compileQuery(node, testDialect)).toEqual({
      sql: 'SELECT "host.name" AS "host", EPOCH_MS(HOUR("@timestamp")) AS "h", count(*) AS "n" FROM "events" WHERE (("event.dataset" = ?) AND (NOT ("@timestamp" IS NULL))) GROUP BY "host.name", HOUR("@timestamp") ORDER BY "host.name" DESC LIMIT 10',
      parameters: ['netscaler.syslog'],
    });
  });

  it('numbers placeholders for DuckDB', () => {
    const node = select({ from: 'events', columns: [{ expr: count(), as: 'n' }], where: isIn(col('user.name'), ['a', 'b']) });
    expect(compileQuery(node, duckdbDialect)).toEqual({ sql: 'SELECT count(*) AS "n" FROM "events" WHERE ("user.name" IN ($1, $2))', parameters: ['a', 'b'] });
  });

  it('keeps hostile values out of the SQL text', () => {
    const hostile = `x'); DROP TABLE events; --`;
    const compiled = compileQuery(select({ from: 'events', columns: [{ expr: count(), as: 'n' }], where: eq(col('user.name'), val(hostile)) }), duckdbDialect);
    expect(compiled.sql).not.toContain('DROP');
    expect(compiled.parameters).toEqual([hostile]);
  });

  it('refuses a column name that could leave its quotes', () => {
    for (const name of ['a" OR 1=1 --', 'x;y', '', 'a b']) {
      expect(() => compileQuery(select({ from: 'events', columns: [{ expr: col(name), as: 'n' }] }), duckdbDialect)).toThrow(/not a valid column name/);
    }
  });

  it('renders deletes and empty IN lists safely', () => {
    expect(compileQuery(deleteFrom('events', isIn(col('weerbaar.evidence_sha256'), [])), testDialect).sql).toBe('DELETE FROM "events" WHERE (1 = 0)');
  });

  it('renders coalesce for sources named by host or by service', () => {
    expect(compileQuery(select({ from: 'events', columns: [{ expr: coalesce(col('host.name'), col('service.name'), val('?')), as: 'source' }] }), testDialect)).toEqual({
      sql: 'SELECT coalesce("host.name", "service.name", ?) AS "source" FROM "events"',
      parameters: ['?'],
    });
  });

  it('renders CASE with every value bound', () => {
    const node = select({ from: 'events', columns: [{ expr: caseWhen([{ when: eq(col('host.name'), val('gw')), then: val('BEFORE') }], val('UNKNOWN')), as: 'fix' }] });
    expect(compileQuery(node, testDialect)).toEqual({ sql: 'SELECT (CASE WHEN ("host.name" = ?) THEN ? ELSE ? END) AS "fix" FROM "events"', parameters: ['gw', 'BEFORE', 'UNKNOWN'] });
  });

  it('produces frozen nodes', () => {
    const node = select({ from: 'events', columns: [] });
    expect(Object.isFrozen(node)).toBe(true);
    expect(Object.isFrozen(col('a'))).toBe(true);
  });

  it('escapes LIKE metacharacters in literal text and renders the escape clause', () => {
    const hostile = `50%_o'k\\"; --`;
    expect(likePattern([{ kind: 'anyRun' }, { kind: 'text', text: hostile }, { kind: 'anyChar' }])).toBe(`%50\\%\\_o'k\\\\"; --_`);
    const node = where(like(col('url.original'), [{ kind: 'text', text: hostile }, { kind: 'anyRun' }]));
    expect(compileQuery(node, testDialect)).toEqual({ sql: `${PREFIX}(lower("url.original") LIKE lower(?) ESCAPE '\\')`, parameters: [`50\\%\\_o'k\\\\"; --%`] });
    expect(compileQuery(node, duckdbDialect).sql).toBe(`${PREFIX}("url.original" ILIKE $1 ESCAPE '\\')`);
    expect(compileQuery(where(like(col('url.original'), [{ kind: 'text', text: 'A' }], true)), duckdbDialect).sql).toBe(`${PREFIX}("url.original" LIKE $1 ESCAPE '\\')`);
    expect(compileQuery(where(like(col('url.original'), [], true)), standardDialect).sql).toBe(`${PREFIX}("url.original" LIKE ? ESCAPE '\\')`);
  });

  it('renders regexes with bound patterns and fixed flag letters per dialect', () => {
    const node = where(regex(col('message'), `'); DROP TABLE events; --`, { i: true, m: true, s: true }));
    expect(compileQuery(node, testDialect)).toEqual({ sql: `${PREFIX}("message" LIKE_REGEX ? FLAG 'ims')`, parameters: [`'); DROP TABLE events; --`] });
    // DuckDB has no multi-line option letter: RE2's inline (?m) goes into the bound pattern.
    expect(compileQuery(node, duckdbDialect)).toEqual({ sql: `${PREFIX}regexp_matches("message", $1, 'is')`, parameters: [`(?m)'); DROP TABLE events; --`] });
    expect(compileQuery(where(regex(col('message'), 'a')), duckdbDialect).sql).toBe(`${PREFIX}regexp_matches("message", $1)`);
  });

  it('binds JSON paths and refuses keys that would need escaping inside them', () => {
    expect(compileQuery(where(eq(jsonField('weerbaar.fields', "Header (s)-x'); --"), val('v'))), duckdbDialect)).toEqual({
      sql: `${PREFIX}(json_extract_string("weerbaar.fields", $1) = $2)`,
      parameters: [`$."Header (s)-x'); --"`, 'v'],
    });
    for (const key of ['a"b', 'a\\b', '', 'a\nb', 'x'.repeat(257)]) {
      expect(isValidJsonKey(key)).toBe(false);
      expect(() => compileQuery(where(exists(jsonField('weerbaar.fields', key))), duckdbDialect)).toThrow(/not a valid JSON field key/);
    }
    expect(() => compileQuery(where(exists(jsonField('weerbaar.fields"; --', 'a'))), duckdbDialect)).toThrow(/not a valid column name/);
  });

  it('renders IPv4 ranges, numeric casts, text casts and exists with every value bound', () => {
    const sql = compileQuery(where(and(ipv4Range(col('source.ip'), 167772160, 184549375), compare('>', toNumber(col('url.query')), val(5)), exists(toText(col('source.port'))))), duckdbDialect);
    expect(sql.parameters).toEqual([167772160, 184549375, 5]);
    expect(sql.sql).toContain(`regexp_full_match("source.ip", '^(25[0-5]|`);
    expect(sql.sql).toContain('BETWEEN $1 AND $2');
    expect(sql.sql).toContain('(TRY_CAST("url.query" AS DOUBLE) > $3)');
    expect(sql.sql).toContain(`(CAST("source.port" AS VARCHAR) IS NOT NULL AND CAST(CAST("source.port" AS VARCHAR) AS VARCHAR) <> '')`);
    expect(() => compileQuery(where(ipv4Range(col('source.ip'), 0.5, 1)), duckdbDialect)).toThrow(/must be integers/);
  });

  it('renders joins and IPv4 networks in integer arithmetic per dialect, refusing bad prefixes', () => {
    const node = select({ from: 'events', join: { table: 'iocs', on: and(eq(col('ioc.prefix'), val(24)), eq(ipv4Network(col('source.ip'), 24), col('ioc.network'))) }, columns: [{ expr: lower(col('url.domain')), as: 'd' }] });
    const duck = compileQuery(node, duckdbDialect);
    expect(duck.sql).toMatch(/^SELECT lower\("url.domain"\) AS "d" FROM "events" JOIN "iocs" ON /);
    expect(duck.sql).toContain(' // 256) * 256)');
    expect(duck.parameters).toEqual([24]);
    expect(compileQuery(node, standardDialect).sql).toContain(' / 256) * 256)');
    expect(compileQuery(where(eq(ipv4Network(col('source.ip'), 32), val(1))), duckdbDialect).sql).not.toContain('//');
    expect(() => compileQuery(where(eq(ipv4Network(col('source.ip'), 33), val(1))), duckdbDialect)).toThrow(/0–32/);
  });

  it('renders date parts from a fixed list, never from text', () => {
    expect(compileQuery(where(eq(datePart('week', col('@timestamp')), val(1))), duckdbDialect).sql).toBe(`${PREFIX}(CAST(EXTRACT(WEEK FROM "@timestamp") AS INTEGER) = $1)`);
    expect(() => compileQuery(where(eq(datePart('hour); DROP' as 'hour', col('@timestamp')), val(1))), duckdbDialect)).toThrow(/not a date part/);
  });

  it('freezes the new node kinds', () => {
    const node = like(col('a'), [{ kind: 'text', text: 'x' }]);
    expect(Object.isFrozen(node)).toBe(true);
    expect(Object.isFrozen((node as Extract<Expr, { kind: 'like' }>).pattern)).toBe(true);
    expect(Object.isFrozen((regex(col('a'), 'x') as Extract<Expr, { kind: 'regex' }>).flags)).toBe(true);
  });
});
