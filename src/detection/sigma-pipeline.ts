import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { InvalidInputError } from '../shared/errors.js';
import { parseYamlSource } from '../shared/structured-source.js';
import { readTextFile } from '../shared/text-input.js';
import { validateAt } from '../shared/validation.js';
import { EVENT_COLUMNS } from '../store/event-schema.js';
import { isValidJsonKey } from '../store/sql-compiler.js';
import { FIELDS_COLUMN, type SigmaFieldMapping, type SigmaPlaceholders } from './sigma-compile.js';
import type { SigmaLogsource } from './sigma-rule.js';

/**
 * Processing pipelines as data (pySigma's idea, without its mutable transformations): a YAML file
 * says which Sigma log sources it serves, which datasets of the event store hold them, and how
 * Sigma's field names map to event columns. The shipped pipelines live beside this module in
 * `pipelines/` (copied into dist/ by the build); users add their own with `--pipeline FILE`.
 *
 * ```yaml
 * name: webserver
 * logsources:
 *   - category: webserver
 *     datasets: [web.access, netscaler.httpaccess]
 * fieldmappings:
 *   cs-method: http.request.method
 *   cs-cookie: weerbaar.fields.cookie   # a parsed field under another name
 * ```
 *
 * `placeholders: { admin_accounts: [nsroot, admin] }` gives `%admin_accounts%` its values for
 * rules that use the `expand` modifier; later pipelines override a name.
 *
 * A mapping target is a column of the events table or `weerbaar.fields.<key>`; anything else (a
 * typo, SQL) is refused at load time with file and line — never at query time.
 *
 * How pipelines combine for one rule (resolveLogsource):
 * - a log-source entry applies when every attribute it names equals the rule's (pySigma's
 *   containment): `category: webserver` serves every web server rule, `category: webserver,
 *   product: netscaler` only NetScaler's;
 * - the datasets come from the most specific applying entries (most attributes named), so a
 *   NetScaler web server rule reads NetScaler's access log only, not every web server's;
 * - the field mappings of every pipeline with an applying entry are merged in load order (shipped
 *   first, then user pipelines in the order given), a later pipeline overriding a field.
 */

export interface PipelineLogsource {
  readonly category?: string;
  readonly product?: string;
  readonly service?: string;
  readonly datasets: readonly string[];
}

export interface SigmaPipeline {
  readonly name: string;
  readonly file: string;
  readonly description?: string;
  readonly logsources: readonly PipelineLogsource[];
  readonly fieldmappings: SigmaFieldMapping;
  readonly placeholders: SigmaPlaceholders;
}

/** The shipped pipelines, in the order their mappings are merged. */
export const SHIPPED_PIPELINES = ['webserver', 'proxy', 'firewall', 'netscaler'] as const;

const PIPELINE_DIR = new URL('./pipelines/', import.meta.url);
const MAX_PIPELINE_BYTES = 256 * 1024;

const TARGET_COLUMNS: ReadonlySet<string> = new Set(EVENT_COLUMNS.map((c) => c.name).filter((name) => name !== FIELDS_COLUMN));

/** A column of the events table, or a key of the parsed fields. */
export function isPipelineTarget(target: string): boolean {
  if (TARGET_COLUMNS.has(target)) return true;
  return target.startsWith(`${FIELDS_COLUMN}.`) && isValidJsonKey(target.slice(FIELDS_COLUMN.length + 1));
}

const logsourceName = z.string().regex(/^[a-z0-9_.-]+$/, 'must be lower case letters, digits, _, . or - (Sigma log source names)');
const dataset = z.string().regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*$/, 'a dataset is lower-case words joined by dots, e.g. web.access');
const target = z.string().refine(isPipelineTarget, {
  error: (issue) => `unknown target column ${JSON.stringify(issue.input)}: must be a column of the events table (e.g. url.path, source.ip) or weerbaar.fields.<key>`,
});

const pipelineSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9_-]+$/, 'a pipeline name is lower case letters, digits, _ or -'),
  description: z.string().optional(),
  logsources: z
    .array(
      z
        .strictObject({ category: logsourceName.optional(), product: logsourceName.optional(), service: logsourceName.optional(), datasets: z.array(dataset).min(1) })
        .refine((l) => l.category !== undefined || l.product !== undefined || l.service !== undefined, 'a log source names at least one of category, product, service'),
    )
    .default([]),
  // Keys are checked here rather than by a key schema, so that the problem names the key and its line.
  fieldmappings: z
    .record(z.string(), target)
    .superRefine((map, ctx) => {
      for (const key of Object.keys(map)) {
        if (!isValidJsonKey(key)) ctx.addIssue({ code: 'custom', path: [key], message: `Sigma field name ${JSON.stringify(key)} must be 1–256 characters without quotes, backslashes or control characters` });
      }
    })
    .default({}),
  // Values of `%name%` for the `expand` modifier (literal text each).
  placeholders: z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a placeholder name is letters, digits, _, . or -'), z.array(z.string().min(1).max(1024)).max(10_000)).default({}),
});

/** Parses a pipeline's text; throws InvalidInputError whose problems name the file and line. */
export function parsePipeline(file: string, text: string): SigmaPipeline {
  const source = parseYamlSource(file, text);
  const result = validateAt(pipelineSchema, source, [], source.value);
  if (!result.ok) throw new InvalidInputError(`${file}: not a valid Sigma pipeline`, result.problems);
  const p = result.value;
  const strip = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  return Object.freeze({
    name: p.name,
    file,
    ...(p.description === undefined ? {} : { description: p.description }),
    logsources: Object.freeze(p.logsources.map((l) => Object.freeze(strip({ ...l, datasets: Object.freeze([...l.datasets]) })))),
    fieldmappings: Object.freeze({ ...p.fieldmappings }),
    placeholders: Object.freeze(Object.fromEntries(Object.entries(p.placeholders).map(([k, v]) => [k, Object.freeze([...v])]))),
  });
}

export async function loadPipeline(file: string): Promise<SigmaPipeline> {
  return parsePipeline(file, await readTextFile(file, MAX_PIPELINE_BYTES));
}

/** Where a shipped pipeline lives: beside this module, in src/ (tests) and in dist/ (the build copies it). */
export function shippedPipelineFile(name: (typeof SHIPPED_PIPELINES)[number]): string {
  return fileURLToPath(new URL(`${name}.yaml`, PIPELINE_DIR));
}

let shipped: Promise<readonly SigmaPipeline[]> | undefined;

export function loadShippedPipelines(): Promise<readonly SigmaPipeline[]> {
  shipped ??= Promise.all(SHIPPED_PIPELINES.map((name) => loadPipeline(shippedPipelineFile(name))));
  return shipped;
}

export interface ResolvedLogsource {
  readonly datasets: readonly string[];
  readonly mapping: SigmaFieldMapping;
  /** The pipelines that contributed, for messages. */
  readonly pipelines: readonly string[];
}

const ATTRIBUTES = ['category', 'product', 'service'] as const;

function applies(entry: PipelineLogsource, logsource: SigmaLogsource): boolean {
  return ATTRIBUTES.every((a) => entry[a] === undefined || entry[a] === logsource[a]);
}

/** The datasets and field mapping for a rule's log source, or undefined when no pipeline serves it. */
export function resolveLogsource(pipelines: readonly SigmaPipeline[], logsource: SigmaLogsource): ResolvedLogsource | undefined {
  const matches = pipelines.flatMap((pipeline) => pipeline.logsources.filter((entry) => applies(entry, logsource)).map((entry) => ({ pipeline, entry })));
  if (matches.length === 0) return undefined;
  const specificity = (entry: PipelineLogsource) => ATTRIBUTES.filter((a) => entry[a] !== undefined).length;
  const best = Math.max(...matches.map((m) => specificity(m.entry)));
  const datasets = [...new Set(matches.filter((m) => specificity(m.entry) === best).flatMap((m) => m.entry.datasets))];
  const contributing = pipelines.filter((pipeline) => matches.some((m) => m.pipeline === pipeline));
  const mapping: Record<string, string> = {};
  for (const pipeline of contributing) Object.assign(mapping, pipeline.fieldmappings);
  return { datasets, mapping: Object.freeze(mapping), pipelines: contributing.map((p) => p.name) };
}

/** Every log source the pipelines serve, for "not applicable" messages. */
export function describeLogsources(pipelines: readonly SigmaPipeline[]): string {
  return pipelines
    .flatMap((p) => p.logsources.map((l) => ATTRIBUTES.filter((a) => l[a] !== undefined).map((a) => `${a} ${l[a]}`).join(' + ')))
    .join('; ');
}

/** The placeholder values of all pipelines, later ones overriding a name. */
export function pipelinePlaceholders(pipelines: readonly SigmaPipeline[]): SigmaPlaceholders {
  return Object.freeze(Object.assign({}, ...pipelines.map((p) => p.placeholders)) as Record<string, readonly string[]>);
}
