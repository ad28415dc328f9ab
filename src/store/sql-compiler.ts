import { WeerbaarError } from '../shared/errors.js';
import type { Expr, LikePart, QueryNode, RegexFlags, Scalar, SelectNode } from './query-node.js';

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
  /** `pattern` is a placeholder for a LIKE pattern escaped with `\\` (see {@link likePattern}). */
  like(sql: string, pattern: string, cased: boolean): string;
  /** Partial match; the dialect binds `pattern` itself (it may need to prefix inline flags). Flag letters are never user text. */
  regex(sql: string, pattern: string, flags: RegexFlags, bind: (value: Scalar) => string): string;
  /** TRUE when `sql` is a dotted-quad IPv4 address whose 32-bit number lies in `low`…`high` (placeholders). */
  ipv4InRange(sql: string, low: string, high: string): string;
  /** TRUE when `sql` is an IPv6 address whose first `prefix` bits equal `network`'s (32 hex digits); engines without list functions refuse. */
  ipv6InPrefix(sql: string, prefix: number, network: string, bind: (value: Scalar) => string): string;
  /** The network number of a dotted quad at a prefix length (an integer literal we checked), NULL when `sql` is not one. */
  ipv4Network(sql: string, prefix: number): string;
  /** Text under the JSON path placeholder `path` of a JSON column, NULL if absent. */
  jsonField(column: string, path: string): string;
  toNumber(sql: string): string;
  toText(sql: string): string;
}

const IDENTIFIER = /^[@A-Za-z_][A-Za-z0-9_.@]*$/;

/** Whether `name` passes the column-name check {@link compileQuery} applies. */
export function isValidIdentifier(name: string): boolean {
  return IDENTIFIER.test(name);
}

export class InvalidIdentifierError extends WeerbaarError {
  constructor(name: string) {
    super('INVALID_INPUT', `not a valid column name: ${JSON.stringify(name)}`);
  }
}

/**
 * JSON keys we look up: any text but `"`, `\\` and control characters (they would need escaping
 * inside the JSON path; refusing them keeps the path a plain `$."key"`), at most 256 characters.
 * Keys with spaces, `(s)`, `-` or `.` are fine — the path is quoted and bound, never spliced.
 */
export function isValidJsonKey(key: string): boolean {
  if (key.length === 0 || key.length > 256) return false;
  for (const ch of key) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\' || code < 0x20 || code === 0x7f) return false;
  }
  return true;
}

export class InvalidJsonKeyError extends WeerbaarError {
  constructor(key: string) {
    super('INVALID_INPUT', `not a valid JSON field key: ${JSON.stringify(key)}`);
  }
}

/** The escape character of every LIKE pattern we render (`ESCAPE '\\'`). */
export const LIKE_ESCAPE = '\\';

/** A LIKE pattern: literal text with `%`, `_` and `\\` escaped; `anyRun` → `%`, `anyChar` → `_`. */
export function likePattern(parts: readonly LikePart[]): string {
  return parts
    .map((part) => (part.kind === 'anyRun' ? '%' : part.kind === 'anyChar' ? '_' : part.text.replace(/[\\%_]/g, (ch) => LIKE_ESCAPE + ch)))
    .join('');
}

const DATE_PARTS: ReadonlySet<string> = new Set(['minute', 'hour', 'day', 'week', 'month', 'year']);

/** A dotted quad whose octets are 0–255, as an RE2 / XQuery pattern without backslashes. */
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const DOTTED_QUAD = `^${OCTET}([.]${OCTET}){3}$`;
const ipv4Number = (sql: string): string =>
  `(${[1, 2, 3, 4].map((i) => `CAST(split_part(${sql}, '.', ${i}) AS BIGINT) * ${2 ** (8 * (4 - i))}`).join(' + ')})`;

/**
 * The address divided by the host part's size, times it — in integer arithmetic, whose operator is
 * the engine's (`/` on integers is integer division in standard SQL, floating point in DuckDB).
 */
const networkOf = (number: string, prefix: number, intDiv = '/'): string => {
  const hostSize = 2 ** (32 - prefix);
  return hostSize === 1 ? number : `((${number} ${intDiv} ${hostSize}) * ${hostSize})`;
};

const flagLetters = (flags: RegexFlags, letters: readonly ('i' | 'm' | 's')[]): string => letters.filter((l) => flags[l]).join('');

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
      case 'like':
        return dialect.like(expr(e.arg), bind(likePattern(e.pattern)), e.cased);
      case 'regex':
        return dialect.regex(expr(e.arg), e.pattern, e.flags, bind);
      case 'ipv4_range':
        if (!Number.isInteger(e.low) || !Number.isInteger(e.high)) throw new WeerbaarError('INVALID_INPUT', `IPv4 range bounds must be integers: ${e.low}…${e.high}`);
        return dialect.ipv4InRange(expr(e.arg), bind(e.low), bind(e.high));
      case 'ipv4_network':
        if (!Number.isInteger(e.prefix) || e.prefix < 0 || e.prefix > 32) throw new WeerbaarError('INVALID_INPUT', `IPv4 prefix length must be 0–32: ${e.prefix}`);
        return dialect.ipv4Network(expr(e.arg), e.prefix);
      case 'ipv6_prefix':
        if (!Number.isInteger(e.prefix) || e.prefix < 0 || e.prefix > 128 || !/^[0-9a-f]{32}$/.test(e.network)) {
          throw new WeerbaarError('INVALID_INPUT', `IPv6 prefix must be 0–128 bits of a 32-hex-digit network: /${e.prefix} ${e.network}`);
        }
        return dialect.ipv6InPrefix(expr(e.arg), e.prefix, e.network, bind);
      case 'date_part':
        // The part is one of six fixed words (the node's type), never text from a rule.
        if (!DATE_PARTS.has(e.part)) throw new WeerbaarError('INVALID_INPUT', `not a date part: ${JSON.stringify(e.part)}`);
        return `CAST(EXTRACT(${e.part.toUpperCase()} FROM ${expr(e.arg)}) AS INTEGER)`;
      case 'lower':
        return `lower(${expr(e.arg)})`;
      case 'json_field':
        if (!isValidJsonKey(e.key)) throw new InvalidJsonKeyError(e.key);
        return dialect.jsonField(ident(e.column), bind(`$."${e.key}"`));
      case 'to_number':
        return dialect.toNumber(expr(e.arg));
      case 'to_text':
        return dialect.toText(expr(e.arg));
      case 'exists': {
        const arg = expr(e.arg);
        return `(${arg} IS NOT NULL AND ${dialect.toText(arg)} <> '')`;
      }
      case 'case':
        return `(CASE ${e.whens.map((w) => `WHEN ${expr(w.when)} THEN ${expr(w.then)}`).join(' ')} ELSE ${expr(e.otherwise)} END)`;
    }
  };
  const selectSql = (s: SelectNode): string => {
    const parts = [`SELECT ${s.columns.map((c) => `${expr(c.expr)} AS ${ident(c.as)}`).join(', ')}`, `FROM ${ident(s.from)}`];
    if (s.join) parts.push(`JOIN ${ident(s.join.table)} ON ${expr(s.join.on)}`);
    if (s.where) parts.push(`WHERE ${expr(s.where)}`);
    if (s.groupBy?.length) parts.push(`GROUP BY ${s.groupBy.map(expr).join(', ')}`);
    if (s.orderBy?.length) parts.push(`ORDER BY ${s.orderBy.map((o) => `${expr(o.expr)}${o.desc ? ' DESC' : ''}`).join(', ')}`);
    if (s.limit !== undefined) parts.push(`LIMIT ${Math.max(0, Math.floor(s.limit))}`);
    return parts.join(' ');
  };
  const sql =
    node.kind === 'select'
      ? selectSql(node)
      : node.kind === 'insert_select'
        ? `INSERT INTO ${ident(node.into)} (${node.select.columns.map((c) => ident(c.as)).join(', ')}) ${selectSql(node.select)}`
        : `DELETE FROM ${ident(node.from)} WHERE ${expr(node.where)}`;
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
  like: (sql, pattern, cased) => (cased ? `(${sql} LIKE ${pattern} ESCAPE '\\')` : `(lower(${sql}) LIKE lower(${pattern}) ESCAPE '\\')`),
  // SQL:2008 LIKE_REGEX takes XQuery flags, which are Sigma's own letters.
  regex: (sql, pattern, flags, bind) => {
    const letters = flagLetters(flags, ['i', 'm', 's']);
    return `(${sql} LIKE_REGEX ${bind(pattern)}${letters ? ` FLAG '${letters}'` : ''})`;
  },
  ipv4InRange: (sql, low, high) => `(${sql} LIKE_REGEX '${DOTTED_QUAD}' AND ${ipv4Number(sql)} BETWEEN ${low} AND ${high})`,
  ipv4Network: (sql, prefix) => `(CASE WHEN ${sql} LIKE_REGEX '${DOTTED_QUAD}' THEN ${networkOf(ipv4Number(sql), prefix)} END)`,
  ipv6InPrefix: () => {
    throw new WeerbaarError('STORE_ERROR', 'IPv6 prefixes need list functions this SQL dialect does not have');
  },
  jsonField: (column, path) => `json_value(${column}, ${path})`,
  toNumber: (sql) => `CAST(${sql} AS DOUBLE PRECISION)`,
  toText: (sql) => `CAST(${sql} AS VARCHAR)`,
};

/**
 * DuckDB: the address's 32 hex digits built with list functions (`::` expanded to zero groups, each
 * group padded to four digits); whole nibbles compared as text, a partial nibble numerically.
 * Text that is not hex groups and colons with at most one `::` never matches.
 */
function duckdbIpv6InPrefix(sql: string, prefix: number, network: string, bind: (value: Scalar) => string): string {
  const text = `lower(${sql})`;
  const side = (n: 1 | 2) => `(CASE WHEN split_part(${text}, '::', ${n}) = '' THEN []::VARCHAR[] ELSE string_split(split_part(${text}, '::', ${n}), ':') END)`;
  const groups = `(CASE WHEN strpos(${text}, '::') > 0 THEN list_concat(${side(1)}, list_transform(range(8 - len(${side(1)}) - len(${side(2)})), z -> '0'), ${side(2)}) ELSE string_split(${text}, ':') END)`;
  const hex = `array_to_string(list_transform(${groups}, g -> lpad(g, 4, '0')), '')`;
  const whole = Math.floor(prefix / 4);
  const rest = prefix % 4;
  const tests = [`regexp_full_match(${sql}, '[0-9A-Fa-f:]{2,39}')`, `length(${text}) - length(replace(${text}, '::', '')) <= 2`, `length(${hex}) = 32`];
  if (whole > 0) tests.push(`substr(${hex}, 1, ${whole}) = ${bind(network.slice(0, whole))}`);
  if (rest > 0) {
    const size = 2 ** (4 - rest);
    tests.push(`(strpos('0123456789abcdef', substr(${hex}, ${whole + 1}, 1)) - 1) // ${size} = ${bind(Math.floor(parseInt(network[whole]!, 16) / size))}`);
  }
  // The list work is heavy: only text with a colon (IPv4 addresses have none) gets that far.
  return `(CASE WHEN strpos(${sql}, ':') > 0 THEN (${tests.join(' AND ')}) ELSE false END)`;
}

/** DuckDB: numbered placeholders ($1 …) so the same parameter list binds by position. */
export const duckdbDialect: SqlDialect = {
  ...standardDialect,
  name: 'duckdb',
  placeholder: (i) => `$${i + 1}`,
  like: (sql, pattern, cased) => `(${sql} ${cased ? 'LIKE' : 'ILIKE'} ${pattern} ESCAPE '\\')`,
  // DuckDB's options: 'i' case-insensitive, 's' dot matches newline; its 'm' only keeps `.` off
  // newlines, so Sigma's multi-line goes into the bound pattern as RE2's inline `(?m)`.
  regex: (sql, pattern, flags, bind) => {
    const letters = flagLetters(flags, ['i', 's']);
    return `regexp_matches(${sql}, ${bind(flags.m ? `(?m)${pattern}` : pattern)}${letters ? `, '${letters}'` : ''})`;
  },
  ipv4InRange: (sql, low, high) =>
    `(regexp_full_match(${sql}, '${DOTTED_QUAD}') AND ${ipv4Number(sql).replaceAll('CAST(', 'TRY_CAST(')} BETWEEN ${low} AND ${high})`,
  ipv4Network: (sql, prefix) => `(CASE WHEN regexp_full_match(${sql}, '${DOTTED_QUAD}') THEN ${networkOf(ipv4Number(sql).replaceAll('CAST(', 'TRY_CAST('), prefix, '//')} END)`,
  ipv6InPrefix: (sql, prefix, network, bind) => duckdbIpv6InPrefix(sql, prefix, network, bind),
  jsonField: (column, path) => `json_extract_string(${column}, ${path})`,
  toNumber: (sql) => `TRY_CAST(${sql} AS DOUBLE)`,
};

/** For unit tests: readable SQL with `?` placeholders, never executed. */
export const testDialect: SqlDialect = {
  ...standardDialect,
  name: 'test',
  hour: (sql) => `HOUR(${sql})`,
  epochMs: (sql) => `EPOCH_MS(${sql})`,
  ipv6InPrefix: (sql, prefix, network, bind) => `IPV6_IN_PREFIX(${sql}, ${prefix}, ${bind(network)})`,
};
