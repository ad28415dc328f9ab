/**
 * The one intermediate representation for queries over the event store (docs/architecture.md):
 * frozen nodes with a `kind`, built by the functions below, rendered by a dialect with every
 * value bound as a parameter. Callers name columns; they never write SQL. The set of kinds is
 * closed so that a compiler missing a case fails to type-check. Detection (Sigma, IOCs) extends
 * this tree in its own issue; coverage and counts use it now.
 */

export type Scalar = string | number | boolean | null;

export type DatePart = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';

/**
 * One piece of a LIKE pattern: literal `text` (the compiler escapes `%`, `_` and the escape
 * character in it), `anyRun` (rendered `%`) or `anyChar` (rendered `_`).
 */
export type LikePart = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'anyRun' } | { readonly kind: 'anyChar' };

export interface RegexFlags {
  /** Case-insensitive. */
  readonly i: boolean;
  /** Multi-line: `^`/`$` match at line breaks. */
  readonly m: boolean;
  /** Dot-all: `.` matches a line break. */
  readonly s: boolean;
}

export type Expr =
  | { readonly kind: 'column'; readonly name: string }
  | { readonly kind: 'value'; readonly value: Scalar }
  | { readonly kind: 'aggregate'; readonly fn: 'count' | 'min' | 'max' | 'sum' | 'count_distinct'; readonly arg: Expr | null }
  /** Truncates a timestamp to the hour (coverage buckets). */
  | { readonly kind: 'hour'; readonly arg: Expr }
  /** A timestamp as epoch milliseconds (how times leave the store). */
  | { readonly kind: 'epoch_ms'; readonly arg: Expr }
  | { readonly kind: 'compare'; readonly op: '=' | '<>' | '<' | '<=' | '>' | '>='; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'in'; readonly arg: Expr; readonly values: readonly Scalar[] }
  | { readonly kind: 'is_null'; readonly arg: Expr }
  /** The first of its arguments that is not NULL. */
  | { readonly kind: 'coalesce'; readonly items: readonly Expr[] }
  | { readonly kind: 'and' | 'or'; readonly items: readonly Expr[] }
  | { readonly kind: 'not'; readonly item: Expr }
  /** A wildcard match of the whole text; `cased` false matches case-insensitively. The pattern is bound. */
  | { readonly kind: 'like'; readonly arg: Expr; readonly pattern: readonly LikePart[]; readonly cased: boolean }
  /** A regular expression (RE2 subset) found anywhere in the text (partial match). The pattern is bound. */
  | { readonly kind: 'regex'; readonly arg: Expr; readonly pattern: string; readonly flags: RegexFlags }
  /**
   * The text is a dotted-quad IPv4 address within `low`…`high` (addresses as unsigned 32-bit
   * numbers, both bound). Text that is not a dotted quad never matches.
   */
  | { readonly kind: 'ipv4_range'; readonly arg: Expr; readonly low: number; readonly high: number }
  /**
   * The network of a dotted-quad IPv4 address at prefix length `prefix` (0–32), as an unsigned
   * 32-bit number; NULL for text that is not a dotted quad. IOC CIDR matching joins on it.
   */
  | { readonly kind: 'ipv4_network'; readonly arg: Expr; readonly prefix: number }
  /**
   * The text is an IPv6 address (any textual form) in the network whose first `prefix` bits are
   * those of `network` (32 hex digits, bound). Text that is not an IPv6 address never matches.
   */
  | { readonly kind: 'ipv6_prefix'; readonly arg: Expr; readonly prefix: number; readonly network: string }
  /** A calendar part of a timestamp (UTC) as an integer; week is the ISO week. */
  | { readonly kind: 'date_part'; readonly part: DatePart; readonly arg: Expr }
  /** Lower-cased text (case-insensitive equality joins). */
  | { readonly kind: 'lower'; readonly arg: Expr }
  /** The value under `key` (one top-level key, bound as a JSON path) of a JSON column, as text; NULL if absent. */
  | { readonly kind: 'json_field'; readonly column: string; readonly key: string }
  /** The value as a number, NULL where it is not one (for gt/gte/lt/lte on text). */
  | { readonly kind: 'to_number'; readonly arg: Expr }
  /** The value as text (string matching on a numeric column). */
  | { readonly kind: 'to_text'; readonly arg: Expr }
  /** The value is present: not NULL and not the empty string. */
  | { readonly kind: 'exists'; readonly arg: Expr }
  /** The `then` of the first `when` that holds, else `otherwise`. */
  | { readonly kind: 'case'; readonly whens: readonly { readonly when: Expr; readonly then: Expr }[]; readonly otherwise: Expr };

export type TableName = 'events' | 'parse_failures' | 'detections' | 'iocs';

export interface SelectNode {
  readonly kind: 'select';
  readonly from: TableName;
  /**
   * An inner join. Column names are unique across the tables (the IOC table's are `ioc.*`), so
   * references need no table qualifier.
   */
  readonly join?: { readonly table: TableName; readonly on: Expr };
  readonly columns: readonly { readonly expr: Expr; readonly as: string }[];
  readonly where?: Expr;
  readonly groupBy?: readonly Expr[];
  readonly orderBy?: readonly { readonly expr: Expr; readonly desc?: boolean }[];
  readonly limit?: number;
}

export interface DeleteNode {
  readonly kind: 'delete';
  readonly from: TableName;
  readonly where: Expr;
}

/** `INSERT INTO into (columns of the select's aliases) SELECT …`: results stay inside the engine. */
export interface InsertSelectNode {
  readonly kind: 'insert_select';
  readonly into: TableName;
  readonly select: SelectNode;
}

export type QueryNode = SelectNode | DeleteNode | InsertSelectNode;

const freeze = <T>(node: T): T => Object.freeze(node);

export const col = (name: string): Expr => freeze({ kind: 'column', name });
export const val = (value: Scalar): Expr => freeze({ kind: 'value', value });
export const count = (arg: Expr | null = null): Expr => freeze({ kind: 'aggregate', fn: 'count', arg });
export const countDistinct = (arg: Expr): Expr => freeze({ kind: 'aggregate', fn: 'count_distinct', arg });
export const min = (arg: Expr): Expr => freeze({ kind: 'aggregate', fn: 'min', arg });
export const max = (arg: Expr): Expr => freeze({ kind: 'aggregate', fn: 'max', arg });
export const sum = (arg: Expr): Expr => freeze({ kind: 'aggregate', fn: 'sum', arg });
export const hour = (arg: Expr): Expr => freeze({ kind: 'hour', arg });
export const epochMs = (arg: Expr): Expr => freeze({ kind: 'epoch_ms', arg });
export const eq = (left: Expr, right: Expr): Expr => freeze({ kind: 'compare', op: '=', left, right });
export const compare = (op: '=' | '<>' | '<' | '<=' | '>' | '>=', left: Expr, right: Expr): Expr => freeze({ kind: 'compare', op, left, right });
export const isIn = (arg: Expr, values: readonly Scalar[]): Expr => freeze({ kind: 'in', arg, values: Object.freeze([...values]) });
export const isNull = (arg: Expr): Expr => freeze({ kind: 'is_null', arg });
export const coalesce = (...items: Expr[]): Expr => freeze({ kind: 'coalesce', items: Object.freeze(items) });
export const and = (...items: Expr[]): Expr => freeze({ kind: 'and', items: Object.freeze(items) });
export const or = (...items: Expr[]): Expr => freeze({ kind: 'or', items: Object.freeze(items) });
export const not = (item: Expr): Expr => freeze({ kind: 'not', item });

export const like = (arg: Expr, pattern: readonly LikePart[], cased = false): Expr =>
  freeze({ kind: 'like', arg, pattern: Object.freeze(pattern.map((part) => freeze({ ...part }))), cased });
export const regex = (arg: Expr, pattern: string, flags: Partial<RegexFlags> = {}): Expr =>
  freeze({ kind: 'regex', arg, pattern, flags: freeze({ i: flags.i ?? false, m: flags.m ?? false, s: flags.s ?? false }) });
export const ipv4Range = (arg: Expr, low: number, high: number): Expr => freeze({ kind: 'ipv4_range', arg, low, high });
export const ipv4Network = (arg: Expr, prefix: number): Expr => freeze({ kind: 'ipv4_network', arg, prefix });
export const ipv6Prefix = (arg: Expr, prefix: number, network: string): Expr => freeze({ kind: 'ipv6_prefix', arg, prefix, network });
export const datePart = (part: DatePart, arg: Expr): Expr => freeze({ kind: 'date_part', part, arg });
export const lower = (arg: Expr): Expr => freeze({ kind: 'lower', arg });
export const jsonField = (column: string, key: string): Expr => freeze({ kind: 'json_field', column, key });
export const toNumber = (arg: Expr): Expr => freeze({ kind: 'to_number', arg });
export const toText = (arg: Expr): Expr => freeze({ kind: 'to_text', arg });
export const exists = (arg: Expr): Expr => freeze({ kind: 'exists', arg });
export const caseWhen = (whens: readonly { when: Expr; then: Expr }[], otherwise: Expr): Expr =>
  freeze({ kind: 'case', whens: Object.freeze(whens.map((w) => Object.freeze({ ...w }))), otherwise });

export function select(node: Omit<SelectNode, 'kind'>): SelectNode {
  return freeze({ kind: 'select', ...node });
}

export function insertSelect(into: TableName, query: SelectNode): InsertSelectNode {
  return freeze({ kind: 'insert_select', into, select: query });
}

export function deleteFrom(from: DeleteNode['from'], where: Expr): DeleteNode {
  return freeze({ kind: 'delete', from, where });
}
