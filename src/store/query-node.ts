/**
 * The one intermediate representation for queries over the event store (docs/architecture.md):
 * frozen nodes with a `kind`, built by the functions below, rendered by a dialect with every
 * value bound as a parameter. Callers name columns; they never write SQL. The set of kinds is
 * closed so that a compiler missing a case fails to type-check. Detection (Sigma, IOCs) extends
 * this tree in its own issue; coverage and counts use it now.
 */

export type Scalar = string | number | boolean | null;

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
  | { readonly kind: 'not'; readonly item: Expr };

export interface SelectNode {
  readonly kind: 'select';
  readonly from: 'events' | 'parse_failures';
  readonly columns: readonly { readonly expr: Expr; readonly as: string }[];
  readonly where?: Expr;
  readonly groupBy?: readonly Expr[];
  readonly orderBy?: readonly { readonly expr: Expr; readonly desc?: boolean }[];
  readonly limit?: number;
}

export interface DeleteNode {
  readonly kind: 'delete';
  readonly from: 'events' | 'parse_failures';
  readonly where: Expr;
}

export type QueryNode = SelectNode | DeleteNode;

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

export function select(node: Omit<SelectNode, 'kind'>): SelectNode {
  return freeze({ kind: 'select', ...node });
}

export function deleteFrom(from: DeleteNode['from'], where: Expr): DeleteNode {
  return freeze({ kind: 'delete', from, where });
}
