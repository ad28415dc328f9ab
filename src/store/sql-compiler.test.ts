import { describe, expect, it } from 'vitest';
import { and, coalesce, col, count, epochMs, eq, hour, isIn, not, isNull, select, val, deleteFrom } from './query-node.js';
import { compileQuery, duckdbDialect, testDialect } from './sql-compiler.js';

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

  it('produces frozen nodes', () => {
    const node = select({ from: 'events', columns: [] });
    expect(Object.isFrozen(node)).toBe(true);
    expect(Object.isFrozen(col('a'))).toBe(true);
  });
});
