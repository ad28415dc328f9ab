/**
 * The typed, immutable model of a parsed Sigma document (spec v2.1.0: rules, correlations, filters).
 *
 * This is what `parse-sigma.ts` produces and what a later step compiles into query nodes. The model
 * keeps Sigma's own meaning — wildcards are a parsed pattern, regexes stay source text, CIDRs are
 * parsed networks — so that each compiler (SQL dialects, in-memory evaluator) decides how to render
 * them, and nothing here has to be un-escaped again.
 */

import type { ConditionNode } from './sigma-condition.js';

/** Every modifier the spec appendix (v2.1.0) defines; anything else in a key is an error. */
export const SIGMA_MODIFIERS = [
  // generic
  'all', 'startswith', 'endswith', 'contains', 'exists', 'cased', 'neq',
  // string
  'windash', 're', 'i', 'm', 's', 'base64', 'base64offset', 'utf16le', 'utf16be', 'utf16', 'wide',
  // numeric
  'lt', 'lte', 'gt', 'gte',
  // time parts (v2.1)
  'minute', 'hour', 'day', 'week', 'month', 'year',
  // ip
  'cidr',
  // specific
  'expand', 'fieldref',
] as const;

export type SigmaModifier = (typeof SIGMA_MODIFIERS)[number];

const MODIFIER_SET: ReadonlySet<string> = new Set(SIGMA_MODIFIERS);
export function isSigmaModifier(name: string): name is SigmaModifier {
  return MODIFIER_SET.has(name);
}

/**
 * One piece of a Sigma string after wildcard/escape parsing. `text` is literal (escapes already
 * removed); `anyRun` is `*`, `anyChar` is `?`; `placeholder` is `%name%` and only exists under `expand`.
 */
export type PatternPart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'anyRun' }
  | { readonly kind: 'anyChar' }
  | { readonly kind: 'placeholder'; readonly name: string };

/** A value of a field condition, typed by what the modifiers made of it. */
export type SigmaValue =
  /** A (possibly wildcarded) string; `raw` is the text as written in the rule. */
  | { readonly kind: 'string'; readonly raw: string; readonly pattern: readonly PatternPart[] }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'null' }
  /**
   * `re`: `source` as written (PCRE subset per the spec), except that a leading inline `(?i)`-style
   * group is lifted into `flags` because not every engine accepts it. Validity was checked with JS RegExp.
   */
  | { readonly kind: 'regex'; readonly source: string; readonly flags: { readonly i: boolean; readonly m: boolean; readonly s: boolean } }
  /** `cidr`: the network address normalised to the prefix; IPv6 kept in its written form. */
  | { readonly kind: 'cidr'; readonly raw: string; readonly version: 4 | 6; readonly address: string; readonly prefix: number }
  /** `fieldref`: the name of the other field. */
  | { readonly kind: 'fieldref'; readonly field: string };

export interface FieldCondition {
  /** Absent for keyword searches over the raw message. */
  readonly field?: string;
  /** In written order; their order is significant (e.g. `wide|base64offset`). */
  readonly modifiers: readonly SigmaModifier[];
  /** OR-linked, or AND-linked with the `all` modifier. */
  readonly values: readonly SigmaValue[];
  readonly line?: number;
}

/**
 * A search identifier's body:
 * - `map`: all conditions must hold (AND);
 * - `anyOf`: a list of maps, one of which must hold (OR);
 * - `keywords`: a list of plain values searched in the whole raw message (one condition without field).
 */
export type SigmaSearch =
  | { readonly kind: 'map'; readonly conditions: readonly FieldCondition[] }
  | { readonly kind: 'anyOf'; readonly alternatives: readonly (readonly FieldCondition[])[] }
  | { readonly kind: 'keywords'; readonly condition: FieldCondition };

export interface SigmaDetection {
  readonly searches: Readonly<Record<string, SigmaSearch>>;
  /** As written; a list means: each one alone is a query, results OR-ed. */
  readonly condition: readonly string[];
  /** The parsed conditions with `x of` selectors expanded against `searches`. */
  readonly conditionAst: readonly ConditionNode[];
}

export interface SigmaLogsource {
  readonly category?: string;
  readonly product?: string;
  readonly service?: string;
  readonly definition?: string;
}

export const SIGMA_STATUSES = ['stable', 'test', 'experimental', 'deprecated', 'unsupported'] as const;
export const SIGMA_LEVELS = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export const RELATION_TYPES = ['derived', 'obsolete', 'merged', 'renamed', 'similar'] as const;

export interface SigmaMeta {
  readonly file: string;
  /** 1-based line where the YAML document starts (several documents may share a file). */
  readonly line: number;
  readonly title: string;
  readonly id?: string;
  readonly name?: string;
  readonly status?: (typeof SIGMA_STATUSES)[number];
  readonly level?: (typeof SIGMA_LEVELS)[number];
  readonly description?: string;
  readonly references: readonly string[];
  readonly tags: readonly string[];
  readonly author?: string;
  readonly date?: string;
  readonly modified?: string;
  readonly taxonomy: string;
  readonly license?: string;
  readonly related: readonly { readonly id: string; readonly type: (typeof RELATION_TYPES)[number] }[];
  readonly falsepositives: readonly string[];
  readonly fields: readonly string[];
  readonly scope: readonly string[];
}

export interface SigmaDetectionRule extends SigmaMeta {
  readonly kind: 'detection';
  readonly logsource: SigmaLogsource;
  readonly detection: SigmaDetection;
}

export const CORRELATION_TYPES = [
  'event_count', 'value_count', 'temporal', 'temporal_ordered', 'value_sum', 'value_avg', 'value_percentile',
] as const;
export type CorrelationType = (typeof CORRELATION_TYPES)[number];

export interface CorrelationCondition {
  readonly gt?: number;
  readonly gte?: number;
  readonly lt?: number;
  readonly lte?: number;
  readonly eq?: number;
  readonly neq?: number;
  /** The field whose values are counted/summed; only for `value_*` types. */
  readonly field?: string;
}

export interface SigmaCorrelation {
  readonly type: CorrelationType;
  /** Ids or names of rules (or other correlations), in order — the order matters for `temporal_ordered`. */
  readonly rules: readonly string[];
  readonly groupBy: readonly string[];
  readonly timespan: string;
  readonly timespanMs: number;
  /** For temporal types without a condition: `gte` the number of referenced rules (all must occur). */
  readonly condition: CorrelationCondition;
  /** alias → (rule name → field). */
  readonly aliases: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly generate: boolean;
}

export interface SigmaCorrelationRule extends SigmaMeta {
  readonly kind: 'correlation';
  readonly correlation: SigmaCorrelation;
}

export interface SigmaFilterRule extends SigmaMeta {
  readonly kind: 'filter';
  readonly logsource: SigmaLogsource;
  /** Ids or names of the rules the filter applies to. */
  readonly rules: readonly string[];
  readonly detection: SigmaDetection;
}

export type SigmaRule = SigmaDetectionRule | SigmaCorrelationRule | SigmaFilterRule;

/** Freezes a freshly built model all the way down; the model is shared between compilers. */
export function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (item !== null && typeof item === 'object' && !Object.isFrozen(item)) {
      Object.freeze(item);
      for (const child of Object.values(item)) stack.push(child);
    }
  }
  return value;
}
