import type { EventStore, Row } from '../store/event-store.js';
import { type Expr, caseWhen, col, epochMs, isIn, or, select, val } from '../store/query-node.js';
import type { DetectionRule } from './detection-rule.js';
import { type SigmaFieldMapping, compileFieldText } from './sigma-compile.js';
import { type Occurrence, type WindowHit, type WindowType, evaluateWindows } from './sigma-correlation-window.js';
import type { CorrelationType, SigmaCorrelationRule, SigmaDetectionRule } from './sigma-rule.js';
import { sigmaDetectionRule, sigmaRuleId } from './sigma-verdict.js';

/**
 * Sigma correlation rules (spec v2.1 `event_count`, `value_count`, `temporal`, `temporal_ordered`)
 * over the event store. Per correlation:
 * 1. one query reads the events matching ANY referenced rule — event id, time, one CASE column per
 *    rule (an event can match several), and the group-by and `value_count` fields read through each
 *    rule's own field mapping and the correlation's aliases — ordered by time, every value bound;
 * 2. the windows are judged in JS (sigma-correlation-window.ts, where the semantics are written down);
 * 3. a correlation that fired becomes one DetectionRule whose `where` is `event.id IN (…)`, so
 *    `runRules` copies exactly the contributing events into `detections`, with custody.
 *
 * Chains: a correlation may reference another. The inner one's hits are its occurrences: one per
 * hit, at the time the inner condition became true (`firedAt`), with the inner hit's group values
 * and its evidence events. The outer group-by fields must be among the inner's group-by fields.
 *
 * `generate` (default false): rules referenced by a correlation are building blocks, not detections
 * of their own (spec: "only the correlation query should be generated"). A rule — base rule or inner
 * correlation — is run alone only when no correlation references it, or one that references it says
 * `generate: true`. See {@link referencedOnly}.
 *
 * Not supported, reported per correlation with the reason: `value_sum`, `value_avg`,
 * `value_percentile`; `value_count` over an inner correlation (its events have no single value).
 */

/** A compiled detection rule a correlation can reference. */
export interface CorrelationBase {
  readonly rule: SigmaDetectionRule;
  /** The compiled detection, already restricted to the rule's datasets. */
  readonly where: Expr;
  /** The field mapping the rule was compiled with; group-by fields resolve through it. */
  readonly mapping: SigmaFieldMapping;
}

export interface CorrelationFinding {
  /** The correlation's rule id (as DetectionRule.id). */
  readonly correlation: string;
  readonly title: string;
  readonly type: CorrelationType;
  /** group-by field (or alias) → value; null where the events lack the field. */
  readonly group: Readonly<Record<string, string | null>>;
  /** Epoch ms: the window's first and last counted event (the densest window for upper bounds). */
  readonly start: number;
  readonly end: number;
  /** When the condition became true. */
  readonly firedAt: number;
  /** event_count: events; value_count: distinct values; temporal*: distinct rules (peak of the hit). */
  readonly count: number;
  readonly eventIds: readonly number[];
}

export interface CorrelationProblem {
  readonly rule: string;
  readonly reason: string;
}

export interface CorrelationOutcome {
  /** One per correlation that fired and is reported (not only a building block of another). */
  readonly rules: DetectionRule[];
  readonly findings: CorrelationFinding[];
  readonly failed: CorrelationProblem[];
  /** Events left out of a correlation (no timestamp): the correlation ran, but without them. */
  readonly warnings: CorrelationProblem[];
}

export interface CorrelateOptions {
  /** Most events one correlation reads; more fails the correlation rather than judging part of them. */
  readonly maxEvents?: number;
}

const SUPPORTED: ReadonlySet<CorrelationType> = new Set(['event_count', 'value_count', 'temporal', 'temporal_ordered']);
const DEFAULT_MAX_EVENTS = 1_000_000;


const refersTo = (ref: string, rule: { readonly id?: string; readonly name?: string }) => ref === rule.id || ref === rule.name;

/** Why a correlation cannot run here regardless of data (type, cycle), or undefined. */
export function unsupportedCorrelation(rule: SigmaCorrelationRule, all: readonly SigmaCorrelationRule[] = [rule]): string | undefined {
  const c = rule.correlation;
  if (reachesItself(rule, all)) return 'is part of a reference cycle of correlations';
  if (!SUPPORTED.has(c.type)) return `correlation type ${c.type} is not supported yet (event_count, value_count, temporal and temporal_ordered are)`;
  if (c.type === 'value_count' && c.condition.field === undefined) return 'value_count needs condition.field';
  return undefined;
}

function reachesItself(start: SigmaCorrelationRule, all: readonly SigmaCorrelationRule[]): boolean {
  const seen = new Set<SigmaCorrelationRule>();
  const stack = [start];
  while (stack.length > 0) {
    const rule = stack.pop()!;
    for (const ref of rule.correlation.rules) {
      const next = all.find((c) => refersTo(ref, c));
      if (next === start) return true;
      if (next && !seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return false;
}

/**
 * The rules (base or correlation) that must not run alone: referenced by at least one correlation
 * and by none with `generate: true`.
 */
export function referencedOnly<R extends { readonly id?: string; readonly name?: string }>(rules: readonly R[], correlations: readonly SigmaCorrelationRule[]): Set<R> {
  const hidden = new Set<R>();
  for (const rule of rules) {
    const by = correlations.filter((c) => c !== (rule as unknown) && c.correlation.rules.some((ref) => refersTo(ref, rule)));
    if (by.length > 0 && by.every((c) => !c.correlation.generate)) hidden.add(rule);
  }
  return hidden;
}

class CorrelationFailure extends Error {}

interface Evaluated {
  readonly hits: readonly WindowHit[];
  readonly groupBy: readonly string[];
}

/**
 * Runs the correlations over the store. `correlations` may include inner ones (referenced by
 * others); only the reported ones (see referencedOnly) yield findings and rules.
 */
export async function correlate(
  store: EventStore,
  correlations: readonly SigmaCorrelationRule[],
  bases: readonly CorrelationBase[],
  options: CorrelateOptions = {},
): Promise<CorrelationOutcome> {
  const maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
  const failed: CorrelationProblem[] = [];
  const warnings: CorrelationProblem[] = [];
  const memo = new Map<SigmaCorrelationRule, Promise<Evaluated>>();
  const visiting = new Set<SigmaCorrelationRule>();

  const evaluate = (rule: SigmaCorrelationRule): Promise<Evaluated> => {
    // In progress means a cycle (evaluation is sequential); checked before the memo, which holds the pending run.
    if (visiting.has(rule)) return Promise.reject(new CorrelationFailure(`correlation "${sigmaRuleId(rule)}" references itself through a chain`));
    let result = memo.get(rule);
    if (result === undefined) {
      visiting.add(rule);
      result = run(rule).finally(() => visiting.delete(rule));
      memo.set(rule, result);
    }
    return result;
  };

  const run = async (rule: SigmaCorrelationRule): Promise<Evaluated> => {
    const c = rule.correlation;
    const unsupported = unsupportedCorrelation(rule, correlations);
    if (unsupported) throw new CorrelationFailure(unsupported);
    const occurrences: Occurrence[] = [];
    const baseRefs: { index: number; base: CorrelationBase }[] = [];
    for (const [index, ref] of c.rules.entries()) {
      const inner = correlations.find((other) => refersTo(ref, other));
      const base = bases.find((b) => refersTo(ref, b.rule));
      if (inner) occurrences.push(...(await innerOccurrences(rule, index, inner)));
      else if (base) baseRefs.push({ index, base });
      else throw new CorrelationFailure(`references "${ref}", which is not loaded here (not found, failed to compile, or its log source has no dataset)`);
    }
    if (baseRefs.length > 0) occurrences.push(...(await baseOccurrences(rule, baseRefs)));
    const spec = { type: c.type as WindowType, timespanMs: c.timespanMs, condition: c.condition };
    return { hits: evaluateWindows(spec, occurrences), groupBy: c.groupBy };
  };

  const innerOccurrences = async (rule: SigmaCorrelationRule, index: number, inner: SigmaCorrelationRule): Promise<Occurrence[]> => {
    const c = rule.correlation;
    if (c.type === 'value_count') throw new CorrelationFailure(`value_count over correlation "${sigmaRuleId(inner)}" is not supported (its hits have no single ${c.condition.field} value)`);
    let evaluated: Evaluated;
    try {
      evaluated = await evaluate(inner);
    } catch (error) {
      if (error instanceof CorrelationFailure) throw new CorrelationFailure(`references correlation "${sigmaRuleId(inner)}", which cannot run: ${error.message}`);
      throw error;
    }
    const positions = c.groupBy.map((g) => {
      const field = fieldFor(rule, g, inner);
      const at = evaluated.groupBy.indexOf(field);
      if (at < 0) throw new CorrelationFailure(`group-by ${g}: correlation "${sigmaRuleId(inner)}" does not group by ${field} (it groups by ${evaluated.groupBy.join(', ') || 'nothing'})`);
      return at;
    });
    return evaluated.hits.map((h, n) => ({
      t: h.firedAt,
      seq: h.eventIds[h.eventIds.length - 1] ?? 0,
      key: `c${index}:${n}`,
      rule: index,
      group: positions.map((p) => h.group[p] ?? null),
      value: null,
      eventIds: h.eventIds,
    }));
  };

  const baseOccurrences = async (rule: SigmaCorrelationRule, refs: readonly { index: number; base: CorrelationBase }[]): Promise<Occurrence[]> => {
    const c = rule.correlation;
    // One column per distinct field expression; each referenced rule picks its own (aliases, mappings).
    const fieldColumns = new Map<string, { name: string; expr: Expr }>();
    const columnFor = (base: CorrelationBase, field: string): string => {
      const compiled = compileFieldText(field, base.mapping);
      if (!compiled.ok) throw new CorrelationFailure(`field ${field} of rule "${sigmaRuleId(base.rule)}": ${compiled.reason}`);
      const key = JSON.stringify(compiled.expr);
      let column = fieldColumns.get(key);
      if (!column) fieldColumns.set(key, (column = { name: `f${fieldColumns.size}`, expr: compiled.expr }));
      return column.name;
    };
    const perRule = refs.map(({ index, base }) => ({
      index,
      base,
      matched: `m${index}`,
      group: c.groupBy.map((g) => columnFor(base, fieldFor(rule, g, base.rule))),
      value: c.type === 'value_count' && c.condition.field !== undefined ? columnFor(base, fieldFor(rule, c.condition.field, base.rule)) : undefined,
    }));
    const rows = await store.query(
      select({
        from: 'events',
        columns: [
          { expr: col('event.id'), as: 'id' },
          { expr: epochMs(col('@timestamp')), as: 't' },
          ...perRule.map((r) => ({ expr: caseWhen([{ when: r.base.where, then: val(1) }], val(0)), as: r.matched })),
          ...[...fieldColumns.values()].map((f) => ({ expr: f.expr, as: f.name })),
        ],
        where: or(...perRule.map((r) => r.base.where)),
        orderBy: [{ expr: col('@timestamp') }, { expr: col('event.id') }],
        limit: maxEvents + 1,
      }),
    );
    if (rows.length > maxEvents) throw new CorrelationFailure(`the referenced rules match more than ${maxEvents} events; narrow them or raise the limit`);
    const text = (row: Row, column: string | undefined): string | null => {
      const v = column === undefined ? null : row[column];
      return v === null || v === undefined ? null : String(v);
    };
    let untimed = 0;
    const occurrences: Occurrence[] = [];
    for (const row of rows) {
      if (row['t'] === null || row['t'] === undefined) {
        untimed += 1;
        continue;
      }
      const id = Number(row['id']);
      for (const r of perRule) {
        if (Number(row[r.matched]) !== 1) continue;
        occurrences.push({ t: Number(row['t']), seq: id, key: `e${id}`, rule: r.index, group: r.group.map((g) => text(row, g)), value: text(row, r.value), eventIds: [id] });
      }
    }
    if (untimed > 0) warnings.push({ rule: sigmaRuleId(rule), reason: `${untimed} matching events have no timestamp and were left out of the time windows` });
    return occurrences;
  };

  // A cycle hides every member (each is referenced); report them rather than nothing.
  const cyclic = correlations.filter((c) => reachesItself(c, correlations));
  for (const rule of cyclic) failed.push({ rule: sigmaRuleId(rule), reason: 'is part of a reference cycle of correlations' });
  const reported = reportedCorrelations(correlations).filter((c) => !cyclic.includes(c));
  const findings: CorrelationFinding[] = [];
  const rules: DetectionRule[] = [];
  for (const rule of reported) {
    let evaluated: Evaluated;
    try {
      evaluated = await evaluate(rule);
    } catch (error) {
      if (!(error instanceof CorrelationFailure)) throw error;
      failed.push({ rule: sigmaRuleId(rule), reason: error.message });
      continue;
    }
    const own = evaluated.hits.map((h) => findingOf(rule, evaluated.groupBy, h));
    findings.push(...own);
    if (own.length > 0) rules.push(correlationRule(rule, own));
  }
  return { rules, findings, failed, warnings };
}

/** The correlations that are reported: not only building blocks of another (see referencedOnly). */
export function reportedCorrelations(correlations: readonly SigmaCorrelationRule[]): SigmaCorrelationRule[] {
  const hidden = referencedOnly(correlations, correlations);
  return correlations.filter((c) => !hidden.has(c));
}

/** The field of `target`'s events a group-by name (or alias) of `rule` stands for. */
function fieldFor(rule: SigmaCorrelationRule, name: string, target: { readonly id?: string; readonly name?: string; readonly title: string }): string {
  const alias = Object.hasOwn(rule.correlation.aliases, name) ? rule.correlation.aliases[name] : undefined;
  if (alias === undefined) return name;
  const field = (target.name !== undefined && Object.hasOwn(alias, target.name) ? alias[target.name] : undefined) ?? (target.id !== undefined && Object.hasOwn(alias, target.id) ? alias[target.id] : undefined);
  if (field === undefined) throw new CorrelationFailure(`alias ${name} names no field for rule "${target.name ?? target.id ?? target.title}"`);
  return field;
}

function findingOf(rule: SigmaCorrelationRule, groupBy: readonly string[], h: WindowHit): CorrelationFinding {
  return {
    correlation: sigmaRuleId(rule),
    title: rule.title,
    type: rule.correlation.type,
    group: Object.fromEntries(groupBy.map((g, i) => [g, h.group[i] ?? null])),
    start: h.start,
    end: h.end,
    firedAt: h.firedAt,
    count: h.count,
    eventIds: h.eventIds,
  };
}

/** The rule as the hunt runs it: its `where` selects every contributing event by id. */
export function correlationRule(rule: SigmaCorrelationRule, findings: readonly CorrelationFinding[]): DetectionRule {
  const c = rule.correlation;
  const ids = [...new Set(findings.flatMap((f) => f.eventIds))].sort((a, b) => a - b);
  const by = c.groupBy.length > 0 ? ` per ${c.groupBy.join(', ')}` : '';
  return sigmaDetectionRule(rule, isIn(col('event.id'), ids), `${rule.description ?? rule.title} (Sigma ${c.type} over ${c.timespan}${by}: ${findings.length} ${findings.length === 1 ? 'hit' : 'hits'})`);
}
