import { type SchemeName, SCHEMES, type VersionScheme } from './version-schemes.js';

/**
 * Is a version inside a range? Four answers, never a guess: `in`, `out`, `not_comparable` (the range
 * says nothing about this version's release train or variant) and `unparseable`. Ranges come as
 * `vers:` strings (package-url vers-spec, containment algorithm as specified) or as the looser
 * "vls" text CSAF allows (`<4.2`, `All versions < V4.33`, `>=1.0|<2.0`, a bare version).
 */

export type RangeState = 'in' | 'out' | 'not_comparable' | 'unparseable';

export interface RangeVerdict {
  readonly state: RangeState;
  readonly reason: string;
}

type Comparator = '<' | '<=' | '>' | '>=' | '!=' | '=';

interface Constraint {
  readonly comparator: Comparator;
  readonly version: string;
}

const VERS_TYPES: Record<string, SchemeName> = { semver: 'semver', npm: 'semver', intdot: 'intdot', generic: 'dotted' };

/**
 * @param scheme the vendor profile or scheme of the asset; when given it decides how versions
 *   compare (vendor knowledge beats a generic vers type), otherwise the vers type does.
 */
export function inRange(version: string, range: string, scheme?: SchemeName): RangeVerdict {
  const text = range.trim();
  if (text.startsWith('vers:')) return inVersRange(version, text, scheme);
  const constraints = parseVls(text);
  if (typeof constraints === 'string') return { state: 'unparseable', reason: constraints };
  return contains(version, constraints, SCHEMES[scheme ?? 'dotted']);
}

function inVersRange(version: string, range: string, scheme: SchemeName | undefined): RangeVerdict {
  const match = /^vers:([a-z0-9.+-]+)\/(.*)$/.exec(range);
  if (!match) return { state: 'unparseable', reason: `"${range}" is not a vers range (vers:<type>/<constraints>)` };
  const [, type = '', body = ''] = match;
  if (type === 'all' || type === 'none') {
    if (body !== '*') return { state: 'unparseable', reason: `vers:${type} only allows "*"` };
    return type === 'all' ? { state: 'in', reason: 'vers:all/* contains every version' } : { state: 'out', reason: 'vers:none/* contains no version' };
  }
  const effective = scheme ?? VERS_TYPES[type];
  if (!effective) return { state: 'unparseable', reason: `unknown vers type "${type}"` };
  if (body === '*') return { state: 'in', reason: `vers:${type}/* contains every version` };
  if (/\s/.test(body)) return { state: 'unparseable', reason: 'vers ranges must not contain white space' };
  const parts = body.split('|');
  if (parts.some((p) => p === '')) return { state: 'unparseable', reason: 'empty constraint (leading, trailing or double "|")' };
  const constraints: Constraint[] = [];
  for (const part of parts) {
    const c = /^(<=|>=|!=|<|>)?(.+)$/.exec(part);
    if (!c || c[2]?.startsWith('=')) return { state: 'unparseable', reason: `invalid constraint "${part}" (an explicit "=" is not allowed)` };
    constraints.push({ comparator: (c[1] as Comparator | undefined) ?? '=', version: c[2] ?? '' });
  }
  return contains(version, constraints, SCHEMES[effective]);
}

/** Tolerant vls parser: never throws; returns the reason when the text is not a range. */
export function parseVls(text: string): Constraint[] | string {
  const cleaned = text.replace(/^all\s+versions\s*/i, '').trim();
  if (cleaned === '') return 'empty range';
  if (cleaned === '*') return [{ comparator: '>=', version: '0' }];
  const constraints: Constraint[] = [];
  for (const part of cleaned.split('|')) {
    const c = /^\s*(<=|>=|!=|<|>|=)?\s*[vV]?(\S+)\s*$/.exec(part);
    if (!c) return `cannot read "${part.trim()}" as a version constraint`;
    constraints.push({ comparator: (c[1] as Comparator | undefined) ?? '=', version: c[2] ?? '' });
  }
  return constraints;
}

/** The vers-spec containment algorithm over constraints of one scheme. */
function contains(version: string, all: readonly Constraint[], scheme: VersionScheme): RangeVerdict {
  const family = scheme.family(version);
  if (family === undefined) return { state: 'unparseable', reason: `"${version}" is not a ${scheme.name} version` };
  for (const c of all) {
    if (scheme.family(c.version) === undefined) return { state: 'unparseable', reason: `"${c.version}" in the range is not a ${scheme.name} version` };
  }
  // Only constraints on this version's train speak about it (NetScaler: 14.1 vs 13.1 vs 13.1-FIPS).
  const constraints = all.filter((c) => scheme.family(c.version) === family);
  if (constraints.length === 0) {
    if (scheme.isEndOfLife?.(version)) return { state: 'in', reason: `release train ${family} is end-of-life: affected, no fix` };
    return { state: 'not_comparable', reason: `the range covers ${[...new Set(all.map((c) => scheme.family(c.version)))].join(', ')}, not ${family}` };
  }
  const order = (c: Constraint) => scheme.compare(version, c.version) as number;
  for (const c of constraints) {
    const d = order(c);
    if (d === 0 && (c.comparator === '=' || c.comparator === '<=' || c.comparator === '>=')) return { state: 'in', reason: `equals ${c.comparator === '=' ? '' : c.comparator}${c.version}` };
    if (d === 0 && c.comparator === '!=') return { state: 'out', reason: `excluded by !=${c.version}` };
  }
  const bounds = constraints
    .filter((c) => c.comparator !== '=' && c.comparator !== '!=')
    .sort((a, b) => scheme.compare(a.version, b.version) as number);
  if (bounds.length === 0) return { state: 'out', reason: `not one of ${constraints.map((c) => c.version).join(', ')}` };
  const first = bounds[0] as Constraint;
  const last = bounds[bounds.length - 1] as Constraint;
  if ((first.comparator === '<' || first.comparator === '<=') && order(first) < 0) return { state: 'in', reason: `below ${first.comparator}${first.version}` };
  if ((last.comparator === '>' || last.comparator === '>=') && order(last) > 0) return { state: 'in', reason: `above ${last.comparator}${last.version}` };
  for (let i = 0; i + 1 < bounds.length; i++) {
    const [low, high] = [bounds[i] as Constraint, bounds[i + 1] as Constraint];
    if ((low.comparator === '>' || low.comparator === '>=') && (high.comparator === '<' || high.comparator === '<=') && order(low) > 0 && order(high) < 0) {
      return { state: 'in', reason: `between ${low.comparator}${low.version} and ${high.comparator}${high.version}` };
    }
  }
  return { state: 'out', reason: `outside ${constraints.map((c) => `${c.comparator === '=' ? '' : c.comparator}${c.version}`).join('|')}` };
}
