import { readFile, stat } from 'node:fs/promises';
import { type Document, LineCounter, isAlias, isMap, isNode, isPair, isScalar, isSeq, parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { type InputProblem, InvalidInputError } from '../shared/errors.js';
import { type StructuredSource, formatPath } from '../shared/structured-source.js';
import { decodeText } from '../shared/text-input.js';
import { validateAt } from '../shared/validation.js';
import { editDistance } from './sigma-condition.js';
import { type Report, type Segment, buildDetection, describe } from './sigma-detection.js';
import {
  CORRELATION_TYPES, type CorrelationCondition, type CorrelationType, RELATION_TYPES, SIGMA_LEVELS, SIGMA_STATUSES,
  type SigmaCorrelation, type SigmaLogsource, type SigmaMeta, type SigmaRule, deepFreeze,
} from './sigma-rule.js';

/**
 * Reads Sigma YAML (rules, correlation rules, filters — several per file with `---`) into the frozen
 * model of `sigma-rule.ts`, collecting every problem with file and line instead of stopping at the first.
 *
 * Hostile input is refused, never crashed on: files are size-capped, aliases are counted (billion
 * laughs), the parser's own stack overflow on absurd nesting becomes a problem, and non-UTF-8 bytes
 * are reported with their line.
 */

/** SigmaHQ's largest rule is a few dozen KiB; a megabyte is a wrong file, not a rule. */
export const MAX_SIGMA_FILE_BYTES = 1024 * 1024;
/** Enough for any real multi-document correlation bundle. */
const MAX_DOCUMENTS = 200;

export interface SigmaParseResult {
  readonly rules: readonly SigmaRule[];
  readonly problems: readonly InputProblem[];
}

const TOP_LEVEL = new Set([
  'title', 'id', 'name', 'related', 'taxonomy', 'status', 'description', 'license', 'author', 'references', 'date', 'modified',
  'logsource', 'detection', 'correlation', 'filter', 'fields', 'falsepositives', 'level', 'tags', 'scope', 'generate',
]);
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const stringList = z.array(z.string());

const metaSchema = z.looseObject({
  title: z.string().min(1).max(256),
  id: z.string().min(1).optional(),
  name: z.string().min(1).optional(),
  status: z.enum(SIGMA_STATUSES).optional(),
  level: z.enum(SIGMA_LEVELS).optional(),
  description: z.string().max(65535).optional(),
  references: stringList.optional(),
  tags: stringList.optional(),
  author: z.string().optional(),
  date: z.string().regex(DATE, 'must be a date YYYY-MM-DD').optional(),
  modified: z.string().regex(DATE, 'must be a date YYYY-MM-DD').optional(),
  taxonomy: z.string().optional(),
  license: z.string().optional(),
  related: z.array(z.object({ id: z.string().min(1), type: z.enum(RELATION_TYPES) })).optional(),
  falsepositives: z.union([stringList, z.string()]).optional(),
  fields: stringList.optional(),
  scope: stringList.optional(),
});

const logsourceSchema = z.looseObject({
  category: z.string().optional(),
  product: z.string().optional(),
  service: z.string().optional(),
  definition: z.string().optional(),
});

/** Parses one file's text. Never throws for bad input; everything wrong is in `problems`. */
export function parseSigmaRule(file: string, text: string): SigmaParseResult {
  const problems: InputProblem[] = [];
  const rules: SigmaRule[] = [];
  if (text.length > MAX_SIGMA_FILE_BYTES) {
    return { rules, problems: [{ location: { file }, reason: `is ${text.length} characters; Sigma files over ${MAX_SIGMA_FILE_BYTES} are refused` }] };
  }
  const lineCounter = new LineCounter();
  let documents: Document.Parsed[];
  try {
    documents = parseAllDocuments(text.replace(/^\uFEFF/, ''), { lineCounter, uniqueKeys: true, prettyErrors: true }) as Document.Parsed[];
  } catch (error) {
    return { rules, problems: [{ location: { file }, reason: `YAML cannot be read: ${error instanceof RangeError ? 'nested too deeply' : String(error)}` }] };
  }
  if (!Array.isArray(documents)) documents = [];
  if (documents.length > MAX_DOCUMENTS) {
    return { rules, problems: [{ location: { file }, reason: `holds ${documents.length} YAML documents; at most ${MAX_DOCUMENTS} are accepted` }] };
  }
  documents.forEach((document, index) => {
    const startLine = document.contents?.range ? lineCounter.linePos(document.contents.range[0]).line : 1;
    if (document.errors.length > 0) {
      // A broken document can yield thousands of identical errors; one per line and reason is enough.
      const reported = new Set<string>();
      for (const error of document.errors.slice(0, 1000)) {
        const message = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
        const reason = /call stack/i.test(message) ? 'YAML nested too deeply' : `YAML syntax: ${message}`;
        const line = error.linePos?.[0]?.line ?? startLine;
        if (reported.has(`${line}:${reason}`) || reported.size >= 20) continue;
        reported.add(`${line}:${reason}`);
        problems.push({ location: { file, line }, reason });
      }
      return;
    }
    if (document.contents === null) return; // an empty document between `---` markers
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      const reason = error instanceof RangeError ? 'nested too deeply' : error instanceof Error ? error.message : String(error);
      problems.push({ location: { file, line: startLine }, reason: `YAML cannot be expanded: ${reason}` });
      return;
    }
    const source = sourceOf(file, document, lineCounter, value);
    const rule = buildRule(source, startLine, index, problems);
    if (rule) {
      rules.push(rule);
      keyLines.set(rule, { id: source.lineOf(['id']), name: source.lineOf(['name']) });
    }
  });
  if (rules.length === 0 && problems.length === 0) problems.push({ location: { file, line: 1 }, reason: 'holds no Sigma rule' });
  checkDuplicates(rules, problems);
  return { rules: rules.map((rule) => deepFreeze(rule)), problems };
}

interface LocatedSource extends StructuredSource {
  keyLineOf(path: readonly Segment[]): number | undefined;
}

/** Line lookup on the YAML AST: for values (the structure's lineOf) and for map keys (typos in keys). */
function sourceOf(file: string, document: Document.Parsed, lineCounter: LineCounter, value: unknown): LocatedSource {
  const lineAt = (node: unknown) => (isNode(node) && node.range ? lineCounter.linePos(node.range[0]).line : undefined);
  const walk = (path: readonly Segment[], wantKey: boolean): number | undefined => {
    let node: unknown = document.contents;
    let best = lineAt(node);
    for (let depth = 0; depth < path.length; depth++) {
      if (isAlias(node)) node = node.resolve(document);
      const segment = path[depth];
      let child: unknown;
      let keyNode: unknown;
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && String(isScalar(item.key) ? item.key.value : item.key) === String(segment));
        child = pair?.value;
        keyNode = pair?.key;
      } else if (isSeq(node) && typeof segment === 'number') {
        child = node.items[segment];
      }
      if (child === undefined && keyNode === undefined) return best;
      const last = depth === path.length - 1;
      best = (last && wantKey ? lineAt(keyNode) : undefined) ?? lineAt(child) ?? lineAt(keyNode) ?? best;
      node = child;
    }
    return best;
  };
  return { file, value, lineOf: (path) => walk(path, false), keyLineOf: (path) => walk(path, true) };
}

function buildRule(source: LocatedSource, line: number, index: number, problems: InputProblem[]): SigmaRule | undefined {
  const { file, value } = source;
  const report: Report = (path, reason, at = 'value') => {
    const where = at === 'key' ? source.keyLineOf(path) : source.lineOf(path);
    problems.push({ location: { file, line: where ?? line, ...(path.length > 0 ? { path: formatPath(path) } : {}) }, reason });
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    report([], `YAML document ${index + 1} is ${describe(value)}, not a Sigma rule (a map with title, logsource, detection)`);
    return undefined;
  }
  const doc = value as Record<string, unknown>;
  const before = problems.length;
  const meta = validateAt(metaSchema, source, [], doc);
  if (!meta.ok) problems.push(...meta.problems);
  const base = meta.ok ? metaOf(file, line, meta.value) : undefined;
  // Custom top-level fields are allowed by the spec, but a near miss of a spec field is a typo
  // (`detecton`), and saying so beats a bare "missing detection".
  for (const key of Object.keys(doc)) {
    if (TOP_LEVEL.has(key)) continue;
    const near = [...TOP_LEVEL].find((known) => editDistance(key, known) <= 2 && key.length > 3);
    if (near !== undefined && !(near in doc)) report([key], `unknown field "${key}" (did you mean "${near}"?)`, 'key');
  }
  const kinds = ['detection', 'correlation', 'filter'].filter((key) => key in doc);
  if (kinds.length > 1) {
    report([kinds[1]!], `a document holds one of detection, correlation or filter; this one has ${kinds.join(' and ')} (split them with ---)`, 'key');
    return undefined;
  }
  const kind = kinds[0] ?? 'detection';
  if (kind === 'correlation') {
    const correlation = buildCorrelation(doc['correlation'], report);
    return base && correlation && problems.length === before ? { ...base, kind: 'correlation', correlation } : undefined;
  }
  const logsource = readLogsource(source, doc['logsource'], problems, report);
  if (kind === 'filter') {
    const section = doc['filter'];
    const rules = readRuleRefs(section !== null && typeof section === 'object' ? (section as Record<string, unknown>)['rules'] : undefined, ['filter', 'rules'], report);
    const detection = buildDetection(section, ['filter'], report);
    if (!base || !logsource || !rules || !detection || problems.length !== before) return undefined;
    return { ...base, kind: 'filter', logsource, rules, detection };
  }
  const detection = buildDetection(doc['detection'], ['detection'], report, new Set(['condition']));
  if (!base || !logsource || !detection || problems.length !== before) return undefined;
  return { ...base, kind: 'detection', logsource, detection };
}

function metaOf(file: string, line: number, m: z.output<typeof metaSchema>): SigmaMeta {
  const optional = <K extends string, V>(key: K, v: V | undefined) => (v === undefined ? {} : ({ [key]: v } as Record<K, V>));
  return {
    file,
    line,
    title: m.title,
    ...optional('id', m.id),
    ...optional('name', m.name),
    ...optional('status', m.status),
    ...optional('level', m.level),
    ...optional('description', m.description),
    ...optional('author', m.author),
    ...optional('date', m.date),
    ...optional('modified', m.modified),
    ...optional('license', m.license),
    references: m.references ?? [],
    tags: m.tags ?? [],
    taxonomy: m.taxonomy ?? 'sigma',
    related: m.related ?? [],
    falsepositives: typeof m.falsepositives === 'string' ? [m.falsepositives] : (m.falsepositives ?? []),
    fields: m.fields ?? [],
    scope: m.scope ?? [],
  };
}

function readLogsource(source: LocatedSource, value: unknown, problems: InputProblem[], report: Report): SigmaLogsource | undefined {
  if (value === undefined) {
    report([], 'missing "logsource"');
    return undefined;
  }
  const result = validateAt(logsourceSchema, source, ['logsource'], value);
  if (!result.ok) {
    problems.push(...result.problems);
    return undefined;
  }
  const { category, product, service, definition } = result.value;
  if (category === undefined && product === undefined && service === undefined) {
    report(['logsource'], 'logsource needs at least one of category, product, service');
    return undefined;
  }
  return { ...(category === undefined ? {} : { category }), ...(product === undefined ? {} : { product }), ...(service === undefined ? {} : { service }), ...(definition === undefined ? {} : { definition }) };
}

function readRuleRefs(value: unknown, path: readonly Segment[], report: Report): string[] | undefined {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((item) => typeof item === 'string' && item !== '')) {
    if (value === undefined) report(path.slice(0, -1), `missing "${String(path[path.length - 1])}"`, 'key');
    else report(path, '"rules" must be a non-empty list of rule ids or names');
    return undefined;
  }
  if (new Set(list).size !== list.length) {
    report(path, '"rules" names a rule twice');
    return undefined;
  }
  return list as string[];
}

const TIMESPAN_UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Spec: "number + letter (in lowercase)" with s, m, h, d. */
export function parseTimespan(text: string): number | undefined {
  const match = /^(\d{1,9})([smhd])$/.exec(text);
  if (!match) return undefined;
  const ms = Number(match[1]) * (TIMESPAN_UNITS[match[2]!] ?? 0);
  return ms > 0 ? ms : undefined;
}

function buildCorrelation(value: unknown, report: Report): SigmaCorrelation | undefined {
  const path = ['correlation'];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    report(path, `"correlation" must be a map, not ${describe(value)}`);
    return undefined;
  }
  const c = value as Record<string, unknown>;
  let ok = true;
  const fail = (at: readonly Segment[], reason: string, where?: 'key') => {
    report(at, reason, where);
    ok = false;
  };
  const type = c['type'];
  if (!CORRELATION_TYPES.includes(type as CorrelationType)) fail([...path, 'type'], type === undefined ? 'missing correlation "type"' : `correlation type ${JSON.stringify(type)} is not one of ${CORRELATION_TYPES.join(', ')}`);
  const rules = readRuleRefs(c['rules'], [...path, 'rules'], report);
  if (!rules) ok = false;
  const groupByRaw = c['group-by'] ?? [];
  const groupBy = typeof groupByRaw === 'string' ? [groupByRaw] : groupByRaw;
  if (!Array.isArray(groupBy) || !groupBy.every((g) => typeof g === 'string' && g !== '')) fail([...path, 'group-by'], '"group-by" must be a list of field names');
  const timespan = c['timespan'];
  const timespanMs = typeof timespan === 'string' ? parseTimespan(timespan) : undefined;
  if (timespanMs === undefined) fail([...path, 'timespan'], timespan === undefined ? 'missing "timespan"' : `timespan ${JSON.stringify(timespan)} must be a positive number followed by s, m, h or d (e.g. 5m, 1h, 2d)`);
  const aliases = c['aliases'] ?? {};
  const aliasesOk = aliases !== null && typeof aliases === 'object' && !Array.isArray(aliases) &&
    Object.values(aliases).every((m) => m !== null && typeof m === 'object' && !Array.isArray(m) && Object.values(m).every((f) => typeof f === 'string'));
  if (!aliasesOk) fail([...path, 'aliases'], '"aliases" must map each alias to a map of rule name → field');
  const generate = c['generate'] ?? false;
  if (typeof generate !== 'boolean') fail([...path, 'generate'], '"generate" must be true or false');
  const known = new Set(['type', 'rules', 'group-by', 'timespan', 'condition', 'aliases', 'generate']);
  for (const key of Object.keys(c)) if (!known.has(key)) fail([...path, key], `unknown correlation field "${key}"`);
  const condition = ok ? readCorrelationCondition(c['condition'], type as CorrelationType, rules?.length ?? 0, fail) : undefined;
  if (!ok || !condition || !rules || typeof timespan !== 'string' || timespanMs === undefined) return undefined;
  return {
    type: type as CorrelationType, rules, groupBy: groupBy as string[], timespan, timespanMs, condition,
    aliases: aliases as Record<string, Record<string, string>>, generate: generate as boolean,
  };
}

const OPERATORS = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'] as const;

function readCorrelationCondition(value: unknown, type: CorrelationType, ruleCount: number, fail: (at: readonly Segment[], reason: string, where?: 'key') => void): CorrelationCondition | undefined {
  const path = ['correlation', 'condition'];
  const temporal = type === 'temporal' || type === 'temporal_ordered';
  // Spec: a temporal correlation needs all referenced rules to occur; with no condition that is the default.
  if (value === undefined && temporal) return { gte: ruleCount };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    if (value === undefined) fail(['correlation'], `missing "condition" (required for ${type})`, 'key');
    else fail(path, `"condition" must be a map such as {gte: 10}, not ${describe(value)}`);
    return undefined;
  }
  const map = value as Record<string, unknown>;
  const result: Record<string, number | string> = {};
  let ok = true;
  for (const [key, v] of Object.entries(map)) {
    if (key === 'field') {
      const fields = Array.isArray(v) ? v : [v];
      if (typeof v !== 'string' || v === '') {
        fail([...path, key], fields.length > 1 ? 'only one "field" per condition is supported' : '"field" must be a field name');
        ok = false;
      } else result[key] = v;
    } else if ((OPERATORS as readonly string[]).includes(key)) {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        fail([...path, key], `"${key}" needs a number, got ${describe(v)}`);
        ok = false;
      } else result[key] = v;
    } else {
      fail([...path, key], `unknown condition key "${key}" (use ${OPERATORS.join(', ')} or field)`);
      ok = false;
    }
  }
  if (!ok) return undefined;
  if (!OPERATORS.some((op) => op in result)) {
    fail(path, `condition needs one of ${OPERATORS.join(', ')}`);
    return undefined;
  }
  const needsField = type.startsWith('value_');
  if (needsField && result['field'] === undefined) {
    fail(path, `a ${type} condition needs "field"`);
    return undefined;
  }
  if (!needsField && result['field'] !== undefined) {
    fail([...path, 'field'], `"field" only applies to value_* correlations, not ${type}`);
    return undefined;
  }
  return result as CorrelationCondition;
}

/** Lines of `id` and `name` per rule, so a duplicate is reported where it is written (rules are frozen). */
const keyLines = new WeakMap<SigmaRule, { id: number | undefined; name: number | undefined }>();

/** Ids and names must be unique: correlations and filters refer to rules by them. */
function checkDuplicates(rules: readonly SigmaRule[], problems: InputProblem[], seen = new Map<string, SigmaRule>()): void {
  for (const rule of rules) {
    for (const which of ['id', 'name'] as const) {
      const key = rule[which];
      if (key === undefined) continue;
      const other = seen.get(key);
      if (other && other !== rule) {
        const line = keyLines.get(rule)?.[which] ?? rule.line;
        const otherLine = keyLines.get(other)?.[which === 'id' && other.id === key ? 'id' : 'name'] ?? other.line;
        problems.push({ location: { file: rule.file, line }, reason: `duplicate ${which} "${key}" (also ${other.file}:${otherLine})` });
      } else seen.set(key, rule);
    }
  }
}

export interface SigmaFilesResult {
  readonly loaded: readonly SigmaRule[];
  readonly failed: readonly { readonly file: string; readonly problems: readonly InputProblem[] }[];
}

/**
 * Reads a rule set. With `collectAll` every file is read and every problem gathered (a rule-set
 * check); without it the first file with problems throws an {@link InvalidInputError}. Ids and
 * names are checked across files, and correlations must reference rules that are in the set.
 */
export async function parseSigmaFiles(paths: readonly string[], options: { collectAll?: boolean } = {}): Promise<SigmaFilesResult> {
  const loaded: SigmaRule[] = [];
  const failed: { file: string; problems: InputProblem[] }[] = [];
  const seen = new Map<string, SigmaRule>();
  const fail = (file: string, problems: InputProblem[]) => {
    if (!options.collectAll) throw new InvalidInputError(`${file}: not a valid Sigma rule file`, problems);
    const entry = failed.find((f) => f.file === file);
    if (entry) entry.problems.push(...problems);
    else failed.push({ file, problems });
  };
  for (const file of paths) {
    const text = await readSigmaText(file);
    if (typeof text !== 'string') {
      fail(file, text);
      continue;
    }
    const result = parseSigmaRule(file, text);
    const problems = [...result.problems];
    checkDuplicates(result.rules, problems, seen);
    if (problems.length > 0) fail(file, problems);
    else loaded.push(...result.rules);
  }
  const known = new Set(loaded.flatMap((rule) => [rule.id, rule.name].filter((k): k is string => k !== undefined)));
  for (const rule of loaded) {
    if (rule.kind !== 'correlation') continue;
    const missing = rule.correlation.rules.filter((ref) => !known.has(ref));
    if (missing.length > 0) fail(rule.file, [{ location: { file: rule.file, line: rule.line }, reason: `correlation "${rule.title}" references rules not in the set: ${missing.join(', ')}` }]);
  }
  const bad = new Set(failed.map((f) => f.file));
  return { loaded: loaded.filter((rule) => !bad.has(rule.file)), failed };
}

async function readSigmaText(file: string): Promise<string | InputProblem[]> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return [{ location: { file }, reason: 'is not a file' }];
    if (info.size > MAX_SIGMA_FILE_BYTES) return [{ location: { file }, reason: `is ${info.size} bytes; Sigma files over ${MAX_SIGMA_FILE_BYTES} bytes are refused` }];
    return decodeText(await readFile(file), file);
  } catch (error) {
    if (error instanceof InvalidInputError) return [...error.problems];
    return [{ location: { file }, reason: `cannot be read: ${error instanceof Error ? error.message : String(error)}` }];
  }
}
