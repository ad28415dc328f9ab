import { WeerbaarError } from '../shared/errors.js';
import type { Expr, QueryNode, Scalar, SelectNode } from './query-node.js';

/**
 * Renders query nodes to SQL text plus bound parameters. The shared compiler does everything;
 * a dialect overrides only what engines really spell differently (quoting, placeholders, hour
 * truncation, epoch conversion), as Kysely does. Identifiers are checked against a plain pattern
 * *and* quoted, so even a hostile column name from a rule cannot leave its quotes.
 */

export interface CompiledQuery {
  readonly sql: string;
  readonly parameters: readonly Scalar[];
}

export interface SqlDialect {
  readonly name: string;
  quoteIdentifier(name: string): string;
  /** The placeholder for the parameter at `index` (0-based). */
  placeholder(index: number): string;
  hour(sql: string): string;
  epochMs(sql: string): string;
  countDistinct(sql: string): string;
}

const IDENTIFIER = /^[@A-Za-z_][A-Za-z0-9_.@]*$/;

export class InvalidIdentifierError extends WeerbaarError {
  constructor(name: string) {
    super('INVALID_INPUT', `not a valid column name: ${JSON.stringify(name)}`);
  }
}

export function compileQuery(node: QueryNode, dialect: SqlDialect): CompiledQuery {
  const parameters: Scalar[] = [];
  const ident = (name: string): string => {
    if (!IDENTIFIER.test(name)) throw new InvalidIdentifierError(name);
    return dialect.quoteIdentifier(name);
  };
  const bind = (value: Scalar): string => {
    parameters.push(value);
    return dialect.placeholder(parameters.length - 1);
  };
  const expr = (e: Expr): string => {
    switch (e.kind) {
      case 'column':
        return ident(e.name);
      case 'value':
        return bind(e.value);
      case 'aggregate':
        if (e.fn === 'count_distinct') return dialect.countDistinct(e.arg ? expr(e.arg) : '*');
        return `${e.fn}(${e.arg ? expr(e.arg) : '*'})`;
      case 'hour':
        return dialect.hour(expr(e.arg));
      case 'epoch_ms':
        return dialect.epochMs(expr(e.arg));
      case 'compare':
        return `(${expr(e.left)} ${e.op} ${expr(e.right)})`;
      case 'in':
        return e.values.length === 0 ? '(1 = 0)' : `(${expr(e.arg)} IN (${e.values.map(bind).join(', ')}))`;
      case 'is_null':
        return `(${expr(e.arg)} IS NULL)`;
      case 'coalesce':
        return `coalesce(${e.items.map(expr).join(', ')})`;
      case 'and':
      case 'or':
        return e.items.length === 0 ? (e.kind === 'and' ? '(1 = 1)' : '(1 = 0)') : `(${e.items.map(expr).join(` ${e.kind.toUpperCase()} `)})`;
      case 'not':
        return `(NOT ${expr(e.item)})`;
    }
  };
  const selectSql = (s: SelectNode): string => {
    const parts = [`SELECT ${s.columns.map((c) => `${expr(c.expr)} AS ${ident(c.as)}`).join(', ')}`, `FROM ${ident(s.from)}`];
    if (s.where) parts.push(`WHERE ${expr(s.where)}`);
    if (s.groupBy?.length) parts.push(`GROUP BY ${s.groupBy.map(expr).join(', ')}`);
    if (s.orderBy?.length) parts.push(`ORDER BY ${s.orderBy.map((o) => `${expr(o.expr)}${o.desc ? ' DESC' : ''}`).join(', ')}`);
    if (s.limit !== undefined) parts.push(`LIMIT ${Math.max(0, Math.floor(s.limit))}`);
    return parts.join(' ');
  };
  const sql = node.kind === 'select' ? selectSql(node) : `DELETE FROM ${ident(node.from)} WHERE ${expr(node.where)}`;
  return Object.freeze({ sql, parameters: Object.freeze(parameters) });
}

/** Standard SQL spellings; dialects spread this and override. */
export const standardDialect: SqlDialect = {
  name: 'standard',
  quoteIdentifier: (name) => `"${name.replaceAll('"', '""')}"`,
  placeholder: () => '?',
  hour: (sql) => `date_trunc('hour', ${sql})`,
  epochMs: (sql) => `epoch_ms(${sql})`,
  countDistinct: (sql) => `count(DISTINCT ${sql})`,
};

/** DuckDB: numbered placeholders ($1 …) so the same parameter list binds by position. */
export const duckdbDialect: SqlDialect = { ...standardDialect, name: 'duckdb', placeholder: (i) => `$${i + 1}` };

/** For unit tests: readable SQL with `?` placeholders, never executed. */
export const testDialect: SqlDialect = { ...standardDialect, name: 'test', hour: (sql) => `HOUR(${sql})`, epochMs: (sql) => `EPOCH_MS(${sql})` };
