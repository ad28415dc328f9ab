import { type IocType, normaliseAddress, normaliseIoc } from './ioc-model.js';
import { type ObservationExpression, type ComparisonExpression, type ObjectPath, type Literal, formatObjectPath } from './stix-pattern.js';

/**
 * The IOCs a parsed STIX pattern (stix-pattern.ts) stands for, for the object paths we can match
 * (addresses and networks, domains, URLs, file hashes and names, e-mail addresses, user agents),
 * keeping AND as conjunctions. Everything else is reported with its column and reason, never
 * dropped: an AND with an unsupported part is left out whole, so it can never match more widely.
 */

export interface PatternIoc {
  type: IocType;
  value: string;
  role: 'src' | 'dst' | null;
}

export interface PatternIssue {
  kind: 'unsupported' | 'rejected';
  column: number;
  reason: string;
}

/**
 * The pattern as alternatives (any one of them is a hit). Each alternative lists observations that
 * must all be seen; each observation lists IOCs that must all hold for the same observed object.
 * Parts that cannot be matched are in `issues`, never silently dropped.
 */
export interface PatternIndicators {
  alternatives: PatternIoc[][][];
  issues: PatternIssue[];
}

/** Bound on the alternatives one pattern may expand to (AND of ORs multiplies). */
export const MAX_ALTERNATIVES = 1000;

const HASH_NAMES: Readonly<Record<string, IocType>> = {
  md5: 'md5',
  'sha-1': 'sha1',
  sha1: 'sha1',
  'sha-256': 'sha256',
  sha256: 'sha256',
  'sha-512': 'sha512',
  sha512: 'sha512',
};

type PathTarget =
  | { kind: 'value'; type: IocType | 'address' | 'ref'; role: 'src' | 'dst' | null; ref: string | null }
  | { kind: 'refType'; ref: string }
  | { kind: 'unsupported'; reason: string };

/** What an object path means for IOC matching. */
function classifyPath(path: ObjectPath): PathTarget {
  const keys = path.steps.map((s) => (s.kind === 'key' ? s.name : '[]'));
  const joined = keys.join('.');
  const t = path.objectType;
  if (keys.length === 1 && keys[0] === 'value') {
    if (t === 'ipv4-addr') return { kind: 'value', type: 'ipv4', role: null, ref: null };
    if (t === 'ipv6-addr') return { kind: 'value', type: 'ipv6', role: null, ref: null };
    if (t === 'domain-name') return { kind: 'value', type: 'domain', role: null, ref: null };
    if (t === 'url') return { kind: 'value', type: 'url', role: null, ref: null };
    if (t === 'email-addr') return { kind: 'value', type: 'email', role: null, ref: null };
  }
  if (t === 'file' && keys.length === 2 && keys[0] === 'hashes') {
    const type = HASH_NAMES[(keys[1] ?? '').toLowerCase()];
    return type ? { kind: 'value', type, role: null, ref: null } : { kind: 'unsupported', reason: `hash algorithm "${keys[1]}" is not supported (MD5, SHA-1, SHA-256, SHA-512 are)` };
  }
  if (t === 'file' && joined === 'name') return { kind: 'value', type: 'filename', role: null, ref: null };
  if (t === 'network-traffic' && (joined === 'dst_ref.value' || joined === 'src_ref.value')) {
    const role = joined.startsWith('dst') ? 'dst' : 'src';
    return { kind: 'value', type: 'ref', role, ref: `${t}:${keys[0]}` };
  }
  if (t === 'network-traffic' && (joined === 'dst_ref.type' || joined === 'src_ref.type')) return { kind: 'refType', ref: `${t}:${keys[0]}` };
  if (
    t === 'network-traffic' &&
    keys.length === 4 &&
    keys[0] === 'extensions' &&
    keys[1] === 'http-request-ext' &&
    keys[2] === 'request_header' &&
    (keys[3] ?? '').toLowerCase() === 'user-agent'
  ) {
    return { kind: 'value', type: 'user-agent', role: null, ref: null };
  }
  if (t === 'email-message' && (joined === 'from_ref.value' || joined === 'sender_ref.value')) return { kind: 'value', type: 'email', role: 'src', ref: null };
  return { kind: 'unsupported', reason: `object path ${formatObjectPath(path)} is not supported for IOC matching` };
}

/** One term of a conjunction: an IOC, or a `*_ref.type = '…'` constraint checked against the IOCs beside it. */
type Term = { kind: 'ioc'; ioc: PatternIoc; ref: string | null } | { kind: 'refType'; ref: string; stixType: string; column: number };

interface Expanded<T> {
  alternatives: T[][];
  issues: PatternIssue[];
}

function product<T>(sides: Expanded<T>[], column: number): Expanded<T> {
  let alternatives: T[][] = [[]];
  const issues: PatternIssue[] = [];
  for (const side of sides) {
    issues.push(...side.issues);
    const nextAlternatives: T[][] = [];
    for (const left of alternatives) for (const right of side.alternatives) nextAlternatives.push([...left, ...right]);
    if (nextAlternatives.length > MAX_ALTERNATIVES) {
      return { alternatives: [], issues: [...issues, { kind: 'unsupported', column, reason: `AND of ORs expands to more than ${MAX_ALTERNATIVES} alternatives` }] };
    }
    alternatives = nextAlternatives;
  }
  return { alternatives, issues };
}

function union<T>(sides: Expanded<T>[]): Expanded<T> {
  const out: Expanded<T> = { alternatives: [], issues: [] };
  for (const side of sides) {
    out.alternatives.push(...side.alternatives);
    out.issues.push(...side.issues);
  }
  if (out.alternatives.length > MAX_ALTERNATIVES) {
    return { alternatives: out.alternatives.slice(0, MAX_ALTERNATIVES), issues: [...out.issues, { kind: 'unsupported', column: 1, reason: `more than ${MAX_ALTERNATIVES} alternatives; the rest are not loaded` }] };
  }
  return out;
}

const REF_TYPES: Readonly<Record<string, readonly IocType[]>> = {
  'ipv4-addr': ['ipv4', 'cidr4'],
  'ipv6-addr': ['ipv6', 'cidr6'],
  'domain-name': ['domain'],
};

function valueTerm(target: Extract<PathTarget, { kind: 'value' }>, raw: string, column: number, subset: boolean): Term | PatternIssue {
  let result;
  if (target.type === 'ref' || target.type === 'address') {
    const address = normaliseAddress(raw.trim());
    result = address.ok || subset ? address : normaliseIoc('domain', raw);
    if (!result.ok && !subset) result = { ok: false as const, reason: `"${raw}" is neither an IP address, a network nor a domain name` };
  } else if (target.type === 'ipv4' || target.type === 'ipv6') {
    result = normaliseIoc(target.type === 'ipv4' ? 'cidr4' : 'cidr6', raw);
  } else {
    result = normaliseIoc(target.type, raw);
  }
  if (!result.ok) return { kind: 'rejected', column, reason: result.reason };
  return { kind: 'ioc', ioc: { type: result.type, value: result.value, role: target.role }, ref: target.ref };
}

function expandComparison(expression: ComparisonExpression): Expanded<Term> {
  const none = (kind: PatternIssue['kind'], reason: string): Expanded<Term> => ({ alternatives: [], issues: [{ kind, column: expression.column, reason }] });
  switch (expression.kind) {
    case 'and':
      return product(expression.operands.map(expandComparison), expression.column);
    case 'or':
      return union(expression.operands.map(expandComparison));
    case 'exists':
      return none('unsupported', `EXISTS ${formatObjectPath(expression.path)} is not supported`);
    case 'compare': {
      const target = classifyPath(expression.path);
      const pathText = formatObjectPath(expression.path);
      if (target.kind === 'unsupported') return none('unsupported', target.reason);
      if (expression.negated) return none('unsupported', `NOT ${expression.operator} on ${pathText} is not supported`);
      if (target.kind === 'refType') {
        if (expression.operator === '=' && !Array.isArray(expression.value) && expression.value.kind === 'string' && REF_TYPES[expression.value.value]) {
          return { alternatives: [[{ kind: 'refType', ref: target.ref, stixType: expression.value.value, column: expression.column }]], issues: [] };
        }
        return none('unsupported', `${pathText} ${expression.operator} is only supported as = 'ipv4-addr' | 'ipv6-addr' | 'domain-name'`);
      }
      const isAddress = target.type === 'ipv4' || target.type === 'ipv6' || target.type === 'ref';
      let values: Literal[];
      if (expression.operator === '=' && !Array.isArray(expression.value)) values = [expression.value];
      else if (expression.operator === 'IN' && Array.isArray(expression.value)) values = expression.value;
      else if (expression.operator === 'ISSUBSET' && isAddress && !Array.isArray(expression.value)) values = [expression.value];
      else {
        return none(
          'unsupported',
          `operator ${expression.operator} on ${pathText} is not supported (only =, IN${isAddress ? ' and ISSUBSET' : ''})`,
        );
      }
      const out: Expanded<Term> = { alternatives: [], issues: [] };
      for (const value of values) {
        if (value.kind !== 'string') {
          out.issues.push({ kind: 'rejected', column: expression.column, reason: `${pathText} compares with a ${value.kind}, expected a string` });
          continue;
        }
        const term = valueTerm(target, value.value, expression.column, expression.operator === 'ISSUBSET');
        if ('reason' in term) out.issues.push(term);
        else out.alternatives.push([term]);
      }
      return out;
    }
  }
}

/** Checks `*_ref.type` constraints against the IOCs of the same conjunction and drops them. */
function resolveClause(terms: Term[]): { iocs: PatternIoc[] } | PatternIssue {
  const iocs: PatternIoc[] = [];
  for (const term of terms) if (term.kind === 'ioc') iocs.push(term.ioc);
  for (const term of terms) {
    if (term.kind !== 'refType') continue;
    const allowed = REF_TYPES[term.stixType] ?? [];
    const values = terms.filter((t): t is Extract<Term, { kind: 'ioc' }> => t.kind === 'ioc' && t.ref === term.ref);
    if (values.length === 0) return { kind: 'unsupported', column: term.column, reason: `${term.ref}.type = '${term.stixType}' without a value to match` };
    const wrong = values.find((v) => !allowed.includes(v.ioc.type));
    if (wrong) return { kind: 'rejected', column: term.column, reason: `${term.ref}.type is '${term.stixType}' but the value "${wrong.ioc.value}" is a ${wrong.ioc.type}` };
  }
  // The same IOC twice in a conjunction adds nothing.
  const unique = iocs.filter((ioc, index) => iocs.findIndex((o) => o.type === ioc.type && o.value === ioc.value && o.role === ioc.role) === index);
  return { iocs: unique };
}

function expandObservation(expression: ObservationExpression): Expanded<PatternIoc[]> {
  switch (expression.kind) {
    case 'observation': {
      const expanded = expandComparison(expression.comparison);
      const out: Expanded<PatternIoc[]> = { alternatives: [], issues: [...expanded.issues] };
      for (const clause of expanded.alternatives) {
        const resolved = resolveClause(clause);
        if ('reason' in resolved) out.issues.push(resolved);
        else out.alternatives.push([resolved.iocs]);
      }
      return out;
    }
    case 'and':
      return product(expression.operands.map(expandObservation), expression.column);
    case 'or':
      return union(expression.operands.map(expandObservation));
    case 'followedby':
      return { alternatives: [], issues: [{ kind: 'unsupported', column: expression.column, reason: 'FOLLOWEDBY (ordered observations) needs correlation; not loaded' }] };
    case 'qualified': {
      const q = expression.qualifier;
      const text = q.kind === 'within' ? `WITHIN ${q.seconds} SECONDS` : q.kind === 'repeats' ? `REPEATS ${q.times} TIMES` : `START t'${q.start}' STOP t'${q.stop}'`;
      return { alternatives: [], issues: [{ kind: 'unsupported', column: expression.column, reason: `qualifier ${text} needs correlation; the qualified expression is not loaded` }] };
    }
  }
}

/** Extracts the IOCs of a parsed pattern for the supported object paths; see {@link PatternIndicators}. */
export function indicatorsFromPattern(ast: ObservationExpression): PatternIndicators {
  const expanded = expandObservation(ast);
  return { alternatives: expanded.alternatives, issues: expanded.issues };
}
