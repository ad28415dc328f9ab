import { type PathSegment, formatPath } from '../shared/structured-source.js';
import {
  type Ioc,
  type IocSet,
  type Tlp,
  TLP_MARKING_IDS,
  addConjunction,
  addIoc,
  emptyIocSet,
  readIocJson,
  normaliseTimestamp,
  parseTlpLabel,
  reject,
  strictestTlp,
  unsupported,
} from './ioc-model.js';
import { indicatorsFromPattern } from './stix-indicators.js';
import { StixPatternError, parseStixPattern } from './stix-pattern.js';

/**
 * Reads the indicators of a STIX 2.1 bundle (or a single STIX object) into an {@link IocSet}.
 * Only `pattern_type: stix` is read (a STIX 2.0 indicator without `pattern_type` counts as stix);
 * other pattern types are listed as unsupported. Revoked indicators are counted, not loaded.
 * TLP comes from `object_marking_refs`: the fixed TLP 2.0 / 1.0 ids, and marking definitions in the
 * bundle itself (TLP 2.0 extension, TLP 1.0 `definition.tlp`, or a `statement` such as "TLP:AMBER+STRICT").
 */
export function readStixBundle(file: string, input: string | Uint8Array): IocSet {
  const set = emptyIocSet(file);
  const source = readIocJson(set, input, 'a STIX document');
  if (!source) return set;
  const at = (path: PathSegment[]) => ({ file, line: source.lineOf(path), path: formatPath(path) });
  const root = source.value;
  if (!isObject(root)) {
    set.problems.push({ location: at([]), reason: 'expected a STIX bundle (a JSON object with "type": "bundle")' });
    return set;
  }
  let objects: { value: unknown; path: PathSegment[] }[];
  if (root.type === 'bundle') {
    if (!Array.isArray(root.objects)) {
      set.problems.push({ location: at(['objects']), reason: root.objects === undefined ? 'the bundle has no "objects" list' : '"objects" must be a list' });
      return set;
    }
    objects = root.objects.map((value, index) => ({ value, path: ['objects', index] }));
  } else if (typeof root.type === 'string') {
    objects = [{ value: root, path: [] }];
  } else {
    set.problems.push({ location: at(['type']), reason: 'expected a STIX bundle or object with a "type"' });
    return set;
  }

  const localMarkings = new Map<string, Tlp>();
  for (const { value } of objects) {
    if (!isObject(value) || value.type !== 'marking-definition' || typeof value.id !== 'string') continue;
    const tlp = markingTlp(value);
    if (tlp) localMarkings.set(value.id, tlp);
  }

  for (const { value, path } of objects) {
    if (!isObject(value)) {
      set.problems.push({ location: at(path), reason: 'a STIX object must be a JSON object' });
      continue;
    }
    if (value.type !== 'indicator') continue;
    readIndicator(set, value, path, at, localMarkings);
  }
  return set;
}

function readIndicator(
  set: IocSet,
  indicator: Record<string, unknown>,
  path: PathSegment[],
  at: (path: PathSegment[]) => { file: string; line: number | undefined; path: string },
  localMarkings: ReadonlyMap<string, Tlp>,
): void {
  const id = typeof indicator.id === 'string' ? indicator.id : null;
  const issue = (field: string | null, reason: string) => ({ location: at(field === null ? path : [...path, field]), id, reason });
  if (id === null || !/^indicator--[0-9a-fA-F-]{36}$/.test(id)) {
    reject(set, issue('id', id === null ? 'indicator without an "id"' : `"${id}" is not an indicator id (indicator--<uuid>)`));
    return;
  }
  if (indicator.revoked === true) {
    set.counts.revoked++;
    return;
  }
  const patternType = indicator.pattern_type ?? 'stix';
  if (patternType !== 'stix') {
    unsupported(set, issue('pattern_type', `pattern_type "${String(patternType)}" is not read here (only "stix")`));
    return;
  }
  if (typeof indicator.pattern !== 'string' || indicator.pattern.trim() === '') {
    reject(set, issue('pattern', 'indicator without a "pattern"'));
    return;
  }
  let validUntil: string | null = null;
  if (indicator.valid_until !== undefined) {
    const normalised = typeof indicator.valid_until === 'string' ? normaliseTimestamp(indicator.valid_until) : undefined;
    if (normalised === undefined) {
      reject(set, issue('valid_until', `valid_until ${JSON.stringify(indicator.valid_until)} is not an ISO 8601 timestamp`));
      return;
    }
    validUntil = normalised;
  }
  let confidence: number | null = null;
  if (indicator.confidence !== undefined) {
    const c = indicator.confidence;
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c > 100) {
      reject(set, issue('confidence', `confidence ${JSON.stringify(c)} is not a whole number from 0 to 100`));
      return;
    }
    confidence = c;
  }
  const markings = Array.isArray(indicator.object_marking_refs) ? indicator.object_marking_refs : [];
  const tlp = strictestTlp(
    markings.flatMap((ref) => {
      const level = typeof ref === 'string' ? (TLP_MARKING_IDS[ref] ?? localMarkings.get(ref)) : undefined;
      return level ? [level] : [];
    }),
  );
  const description =
    typeof indicator.description === 'string' ? indicator.description : typeof indicator.name === 'string' ? indicator.name : null;

  let ast;
  try {
    ast = parseStixPattern(indicator.pattern);
  } catch (error) {
    if (error instanceof StixPatternError) {
      reject(set, issue('pattern', `invalid STIX pattern: ${error.message}`));
      return;
    }
    throw error;
  }
  const extracted = indicatorsFromPattern(ast);
  const location = at([...path, 'pattern']);
  const source = { file: set.file, id, line: location.line, path: location.path };
  // One entry per indicator and kind, naming every part (and its column in the pattern).
  const partly = extracted.alternatives.length > 0 ? ' (the rest of the pattern is loaded)' : '';
  for (const kind of ['rejected', 'unsupported'] as const) {
    const parts = extracted.issues.filter((problem) => problem.kind === kind);
    if (parts.length === 0) continue;
    const reason = parts.map((problem) => `column ${problem.column}: ${problem.reason}`).join('; ') + partly;
    if (kind === 'rejected') reject(set, { location, id, reason });
    else unsupported(set, { location, id, reason });
  }
  for (const alternative of extracted.alternatives) {
    const make = (ioc: { type: Ioc['type']; value: string; role: Ioc['role'] }): Ioc => ({
      type: ioc.type,
      value: ioc.value,
      role: ioc.role,
      confidence,
      source,
      validUntil,
      tlp,
      description,
    });
    const only = alternative.length === 1 && alternative[0]!.length === 1 ? alternative[0]![0] : undefined;
    if (only) addIoc(set, make(only));
    else addConjunction(set, { source, observations: alternative.map((observation) => observation.map(make)) });
  }
  if (extracted.alternatives.length === 0 && extracted.issues.length === 0) {
    unsupported(set, { location, id, reason: 'the pattern yields no IOC (an empty IN set?)' });
  }
}

/** The TLP level a marking-definition object stands for, if any. */
function markingTlp(marking: Record<string, unknown>): Tlp | undefined {
  if (typeof marking.id === 'string' && TLP_MARKING_IDS[marking.id]) return TLP_MARKING_IDS[marking.id];
  const extensions = marking.extensions;
  if (isObject(extensions)) {
    for (const extension of Object.values(extensions)) {
      if (isObject(extension) && typeof extension.tlp_2_0 === 'string') return parseTlpLabel(extension.tlp_2_0);
    }
  }
  const definition = marking.definition;
  if (isObject(definition)) {
    if (typeof definition.tlp === 'string') return parseTlpLabel(definition.tlp);
    if (typeof definition.statement === 'string' && /^\s*tlp\s*:/i.test(definition.statement)) return parseTlpLabel(definition.statement);
  }
  if (typeof marking.name === 'string' && /^\s*tlp\s*:/i.test(marking.name)) return parseTlpLabel(marking.name);
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
