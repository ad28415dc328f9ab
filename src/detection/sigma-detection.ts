import { ConditionError, type ConditionNode, parseCondition, resolveCondition } from './sigma-condition.js';
import type { FieldCondition, SigmaDetection, SigmaSearch } from './sigma-rule.js';
import { buildFieldCondition } from './sigma-value.js';

/**
 * Builds the `detection` section of a rule (or the `filter` section of a filter rule, which has the
 * same shape plus `rules`) from its YAML value. Problems are reported through `report` with the path
 * of the offending key or value so the caller can turn it into a line number.
 */

export type Segment = string | number;
/** `at: 'key'` asks for the line of the map key itself (modifier typos live in keys). */
export type Report = (path: readonly Segment[], reason: string, at?: 'key' | 'value') => void;

const isMap = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const isPlain = (value: unknown): boolean => value === null || ['string', 'number', 'boolean'].includes(typeof value);

/** Keys of a detection/filter section that are not search identifiers. */
const RESERVED = new Set(['condition', 'rules']);

export function buildDetection(section: unknown, base: readonly Segment[], report: Report, reserved: ReadonlySet<string> = RESERVED): SigmaDetection | undefined {
  if (!isMap(section)) {
    report(base, section === undefined ? `missing "${String(base[base.length - 1])}" section` : `"${String(base[base.length - 1])}" must be a map of search identifiers and a condition, not ${describe(section)}`);
    return undefined;
  }
  let ok = true;
  const searches: Record<string, SigmaSearch> = {};
  for (const [name, body] of Object.entries(section)) {
    if (reserved.has(name)) continue;
    if (name === 'timeframe') {
      report([...base, name], '"timeframe" in detection is Sigma v1; use a correlation rule with "timespan"', 'key');
      ok = false;
      continue;
    }
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
      report([...base, name], `search identifier "${name}" may only hold letters, digits, "_", "-" and "."`, 'key');
      ok = false;
      continue;
    }
    const search = buildSearch(body, [...base, name], report);
    if (search === undefined) ok = false;
    else searches[name] = search;
  }
  const condition = readCondition(section['condition'], [...base, 'condition'], report);
  if (condition === undefined) return undefined;
  const identifiers = Object.keys(section).filter((name) => !reserved.has(name));
  if (identifiers.length === 0) {
    report(base, 'detection has no search identifiers');
    return undefined;
  }
  const conditionAst: ConditionNode[] = [];
  condition.forEach((text, index) => {
    const path = Array.isArray(section['condition']) ? [...base, 'condition', index] : [...base, 'condition'];
    try {
      conditionAst.push(resolveCondition(parseCondition(text), identifiers));
    } catch (error) {
      if (!(error instanceof ConditionError)) throw error;
      report(path, `condition ${JSON.stringify(text)}: ${error.reason} (column ${error.column})`);
      ok = false;
    }
  });
  return ok ? { searches, condition, conditionAst } : undefined;
}

function readCondition(value: unknown, path: readonly Segment[], report: Report): string[] | undefined {
  if (value === undefined) {
    report(path.slice(0, -1), 'missing "condition"', 'key');
    return undefined;
  }
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) {
    report(path, '"condition" is an empty list');
    return undefined;
  }
  let ok = true;
  list.forEach((item, index) => {
    if (typeof item !== 'string' || item.trim() === '') {
      report(Array.isArray(value) ? [...path, index] : path, `a condition must be a non-empty string, not ${describe(item)}`);
      ok = false;
    }
  });
  return ok ? (list as string[]) : undefined;
}

function buildSearch(body: unknown, path: readonly Segment[], report: Report): SigmaSearch | undefined {
  if (isMap(body)) {
    const conditions = buildMap(body, path, report);
    if (!conditions) return undefined;
    // `keywords: {'|all': [...]}` (spec "Keywords search") is a keyword search, not a field map.
    const only = conditions.length === 1 ? conditions[0] : undefined;
    return only && only.field === undefined ? { kind: 'keywords', condition: only } : { kind: 'map', conditions };
  }
  if (Array.isArray(body)) {
    if (body.length === 0) {
      report(path, `search identifier "${String(path[path.length - 1])}" is an empty list`);
      return undefined;
    }
    if (body.every(isMap)) {
      const alternatives: FieldCondition[][] = [];
      let ok = true;
      body.forEach((item, index) => {
        const conditions = buildMap(item, [...path, index], report);
        if (conditions) alternatives.push(conditions);
        else ok = false;
      });
      return ok ? { kind: 'anyOf', alternatives } : undefined;
    }
    if (body.every(isPlain)) return keywords(body, path, report);
    // Mixing is not defined by the spec; refusing it avoids guessing whether it means AND or OR.
    const index = body.findIndex((item) => !isPlain(item) && !isMap(item));
    report(index >= 0 ? [...path, index] : path, index >= 0 ? `list item is ${describe(body[index])}; a search holds maps or plain values` : 'a search list must hold only maps or only plain values (keywords), not both');
    return undefined;
  }
  if (isPlain(body) && body !== null) return keywords(body, path, report);
  report(path, `search identifier "${String(path[path.length - 1])}" must be a map, a list of maps or a list of keywords, not ${describe(body)}`);
  return undefined;
}

function keywords(body: unknown, path: readonly Segment[], report: Report): SigmaSearch | undefined {
  const result = buildFieldCondition(undefined, body, undefined);
  if (!result.ok) {
    for (const problem of result.problems) report(problem.index === undefined ? path : [...path, problem.index], problem.reason);
    return undefined;
  }
  return { kind: 'keywords', condition: result.condition };
}

function buildMap(map: Record<string, unknown>, path: readonly Segment[], report: Report): FieldCondition[] | undefined {
  const conditions: FieldCondition[] = [];
  let ok = true;
  const entries = Object.entries(map);
  if (entries.length === 0) {
    report(path, 'an empty map matches nothing; remove it');
    return undefined;
  }
  for (const [key, value] of entries) {
    const result = buildFieldCondition(key, value);
    if (!result.ok) {
      ok = false;
      for (const problem of result.problems) {
        if (problem.index !== undefined) report([...path, key, problem.index], problem.reason);
        else report([...path, key], problem.reason, problem.inKey ? 'key' : 'value');
      }
    } else {
      conditions.push(result.condition);
    }
  }
  return ok ? conditions : undefined;
}

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `${typeof value} ${JSON.stringify(value)}`;
}
