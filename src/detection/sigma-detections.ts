import { resolve } from 'node:path';
import { listFiles } from '../shared/file-tree.js';
import { and, caseWhen, col, isIn, val } from '../store/query-node.js';
import type { DetectionRule } from './detection-rule.js';
import { parseSigmaFiles } from './parse-sigma.js';
import { type SigmaPlaceholders, compileSigmaFilter, compileSigmaRule } from './sigma-compile.js';
import { type CorrelationBase, referencedOnly, unsupportedCorrelation } from './sigma-correlation.js';
import { type SigmaPipeline, describeLogsources, loadPipeline, loadShippedPipelines, pipelinePlaceholders, resolveLogsource } from './sigma-pipeline.js';
import type { SigmaCorrelationRule, SigmaFilterRule } from './sigma-rule.js';
import { sigmaDetectionRule, sigmaRuleId } from './sigma-verdict.js';

/**
 * Sigma rule files → what the hunt can run, with every rule accounted for: loaded, failed to parse
 * (file, line, reason), failed to compile (reason), or not applicable (its log source has no
 * dataset in this platform). Nothing is skipped silently.
 *
 * Rule → pipeline → compile: the processing pipelines (sigma-pipeline.ts: the shipped YAML files
 * plus the user's) say per log source which datasets hold its events and how Sigma's field names
 * map to our columns; fields they do not name are read from each event's parsed fields under the
 * rule's own name (sigma-compile.ts). Sigma has no verdicts: a hit is REVIEW (sigma-verdict.ts).
 *
 * Correlation rules come back apart (`correlations`), for `correlate` (sigma-correlation.ts) to run
 * after the row rules. Rules a correlation references are only building blocks unless it says
 * `generate: true`: they are in `correlations.bases` but not in `rules`.
 */

export interface SigmaCorrelations {
  /** Correlations that can run, inner ones (referenced by others) included. */
  readonly rules: readonly SigmaCorrelationRule[];
  /** Every compiled detection rule, for correlations to reference. */
  readonly bases: readonly CorrelationBase[];
}

export interface SigmaLoad {
  /** Detection rules that run on their own. */
  readonly rules: DetectionRule[];
  readonly correlations: SigmaCorrelations;
  readonly failed: { readonly file: string; readonly reason: string }[];
  readonly notApplicable: { readonly rule: string; readonly reason: string }[];
}

export interface SigmaLoadOptions {
  /** User pipeline files, applied after the shipped ones (a later mapping of a field wins). */
  readonly pipelines?: readonly string[];
}

/** The shipped pipelines followed by the user's; a bad user pipeline throws with file and line. */
export async function sigmaPipelines(files: readonly string[] = []): Promise<SigmaPipeline[]> {
  return [...(await loadShippedPipelines()), ...(await Promise.all(files.map((file) => loadPipeline(resolve(file)))))];
}

export async function loadSigmaDetections(paths: readonly string[], options: SigmaLoadOptions = {}): Promise<SigmaLoad> {
  const pipelines = await sigmaPipelines(options.pipelines);
  const placeholders = pipelinePlaceholders(pipelines);
  const files = (await Promise.all(paths.map((p) => listFiles(resolve(p), (entry) => /\.ya?ml$/i.test(entry.name))))).flat();
  const parsed = await parseSigmaFiles(files, { collectAll: true });
  const failed = parsed.failed.map((f) => ({ file: f.file, reason: f.problems.map((p) => `${p.location.line ? `line ${p.location.line}: ` : ''}${p.reason}`).join('; ') }));
  const notApplicable: { rule: string; reason: string }[] = [];
  const bases: CorrelationBase[] = [];
  const correlations: SigmaCorrelationRule[] = [];
  const filters: SigmaFilterRule[] = [];
  /** Why a referenced rule cannot run, so a correlation over it can say so. */
  const unavailable = new Map<string, { notApplicable: boolean; reason: string }>();
  const markUnavailable = (rule: { id?: string; name?: string }, entry: { notApplicable: boolean; reason: string }) => {
    for (const key of [rule.id, rule.name]) if (key !== undefined) unavailable.set(key, entry);
  };
  for (const rule of parsed.loaded) {
    const name = sigmaRuleId(rule);
    if (rule.kind === 'correlation') {
      correlations.push(rule);
      continue;
    }
    if (rule.kind === 'filter') {
      filters.push(rule);
      continue;
    }
    const resolved = resolveLogsource(pipelines, rule.logsource);
    if (!resolved) {
      const reason = `log source ${JSON.stringify(rule.logsource)} has no dataset here (the pipelines serve: ${describeLogsources(pipelines)})`;
      notApplicable.push({ rule: name, reason });
      markUnavailable(rule, { notApplicable: true, reason: `references "${name}", whose log source has no dataset here` });
      continue;
    }
    const compiled = compileSigmaRule(rule, resolved.mapping, placeholders);
    if (!compiled.ok) {
      failed.push({ file: rule.file, reason: `${name}: ${compiled.reason}` });
      markUnavailable(rule, { notApplicable: false, reason: `references "${name}", which does not compile: ${compiled.reason}` });
      continue;
    }
    // The plain IN lets the engine skip blocks of other datasets; the CASE makes it test the
    // dataset before the rule's text matches, which an engine may otherwise run over every event's
    // message (measured: a 20-keyword rule 12x slower on DuckDB without it, bench/RESULTS.md).
    const inDatasets = isIn(col('event.dataset'), resolved.datasets);
    bases.push({ rule, where: and(inDatasets, caseWhen([{ when: inDatasets, then: compiled.where }], val(false))), mapping: resolved.mapping });
  }
  applyFilters(filters, bases, placeholders, failed, notApplicable);
  const runnable = runnableCorrelations(correlations, unavailable);
  for (const rule of correlations) {
    const problem = runnable.problems.get(rule);
    if (!problem) continue;
    if (problem.notApplicable) notApplicable.push({ rule: sigmaRuleId(rule), reason: problem.reason });
    else failed.push({ file: rule.file, reason: `${sigmaRuleId(rule)}: ${problem.reason}` });
  }
  // Building blocks of any correlation (runnable or not) stay building blocks: a correlation that
  // cannot run is reported, and its parts do not turn into stand-alone detections instead.
  const hidden = referencedOnly(bases.map((b) => b.rule), correlations);
  const rules = bases.filter((b) => !hidden.has(b.rule)).map((b) => detectionOf(b));
  return { rules, correlations: { rules: runnable.ok, bases }, failed, notApplicable };
}

function detectionOf({ rule, where }: CorrelationBase): DetectionRule {
  return sigmaDetectionRule(rule, where, rule.description ?? rule.title);
}

/** Correlations whose type is supported and whose references (transitively) can all run. */
function runnableCorrelations(
  correlations: readonly SigmaCorrelationRule[],
  unavailable: ReadonlyMap<string, { notApplicable: boolean; reason: string }>,
): { ok: SigmaCorrelationRule[]; problems: Map<SigmaCorrelationRule, { notApplicable: boolean; reason: string }> } {
  const problems = new Map<SigmaCorrelationRule, { notApplicable: boolean; reason: string }>();
  for (const rule of correlations) {
    const reason = unsupportedCorrelation(rule, correlations);
    if (reason) problems.set(rule, { notApplicable: false, reason });
  }
  // A correlation over one that cannot run cannot run either; repeat until nothing changes.
  for (let changed = true; changed; ) {
    changed = false;
    for (const rule of correlations) {
      if (problems.has(rule)) continue;
      for (const ref of rule.correlation.rules) {
        const inner = correlations.find((c) => c.id === ref || c.name === ref);
        const innerProblem = inner ? problems.get(inner) : undefined;
        const problem = innerProblem ? { notApplicable: innerProblem.notApplicable, reason: `references correlation "${ref}", which cannot run: ${innerProblem.reason}` } : inner ? undefined : unavailable.get(ref);
        if (problem) {
          problems.set(rule, problem);
          changed = true;
          break;
        }
      }
    }
  }
  return { ok: correlations.filter((c) => !problems.has(c)), problems };
}

/**
 * Filter rules (Sigma filters spec v2.1) tune the rules they name: each such rule's predicate is
 * ANDed with NOT the filter's condition, compiled with that rule's own field mapping. A filter
 * applies to a rule whose log source it contains (every attribute the filter names is the rule's);
 * a filter that names no loaded rule, or a rule of another log source, is reported, not dropped.
 */
function applyFilters(
  filters: readonly SigmaFilterRule[],
  bases: CorrelationBase[],
  placeholders: SigmaPlaceholders,
  failed: { file: string; reason: string }[],
  notApplicable: { rule: string; reason: string }[],
): void {
  for (const filter of filters) {
    const name = sigmaRuleId(filter);
    let named = 0;
    for (const [i, base] of bases.entries()) {
      if (!filter.rules.some((ref) => ref === base.rule.id || ref === base.rule.name)) continue;
      named++;
      const attributes = ['category', 'product', 'service'] as const;
      if (!attributes.every((a) => filter.logsource[a] === undefined || filter.logsource[a] === base.rule.logsource[a])) {
        notApplicable.push({ rule: name, reason: `filter does not apply to "${sigmaRuleId(base.rule)}": its log source ${JSON.stringify(filter.logsource)} is not the rule's` });
        continue;
      }
      const compiled = compileSigmaFilter(filter, base.mapping, placeholders);
      if (!compiled.ok) {
        failed.push({ file: filter.file, reason: `${name}: ${compiled.reason}` });
        break;
      }
      bases[i] = { ...base, where: and(base.where, compiled.where) };
    }
    if (named === 0) notApplicable.push({ rule: name, reason: `filter tunes none of the loaded rules (${filter.rules.join(', ')})` });
  }
}
