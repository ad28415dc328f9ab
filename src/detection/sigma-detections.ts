import { resolve } from 'node:path';
import { listFiles } from '../shared/file-tree.js';
import { and, col, isIn } from '../store/query-node.js';
import type { Confidence, DetectionRule } from './detection-rule.js';
import { parseSigmaFiles } from './parse-sigma.js';
import { type SigmaFieldMapping, compileSigmaRule } from './sigma-compile.js';

/**
 * Sigma rule files → detections the hunt can run, with every rule accounted for: loaded, failed to
 * parse (file, line, reason), failed to compile (reason), or not applicable (its log source has no
 * dataset in this platform). Nothing is skipped silently.
 *
 * The processing pipeline is, for now, one built-in field mapping from Sigma's web server, proxy and
 * firewall taxonomy to our ECS columns, and one log-source table; fields it does not name are read
 * from each event's parsed fields under the rule's own name (sigma-compile.ts). Sigma has no
 * verdicts: a Sigma hit is REVIEW, with the rule's level as confidence.
 */

export const SIGMA_FIELD_MAPPING: SigmaFieldMapping = Object.freeze({
  'c-ip': 'source.ip',
  'c-uri': 'url.original',
  'c-uri-query': 'url.query',
  'c-uri-stem': 'url.path',
  'cs-uri': 'url.original',
  'cs-uri-query': 'url.query',
  'cs-uri-stem': 'url.path',
  'cs-method': 'http.request.method',
  'cs-host': 'url.domain',
  'r-dns': 'url.domain',
  'cs-referer': 'http.request.referrer',
  'cs-referrer': 'http.request.referrer',
  'cs-user-agent': 'user_agent.original',
  'c-useragent': 'user_agent.original',
  'sc-status': 'http.response.status_code',
  'cs-version': 'http.version',
  'sc-bytes': 'http.response.body.bytes',
  src_ip: 'source.ip',
  dst_ip: 'destination.ip',
  src_port: 'source.port',
  dst_port: 'destination.port',
});

/** Sigma log-source category → the datasets that carry such events. */
export const SIGMA_LOGSOURCES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  webserver: ['web.access', 'netscaler.httpaccess'],
  proxy: ['network.flow'],
  firewall: ['network.flow'],
});

export interface SigmaLoad {
  readonly rules: DetectionRule[];
  readonly failed: { readonly file: string; readonly reason: string }[];
  readonly notApplicable: { readonly rule: string; readonly reason: string }[];
}

const confidenceOf = (level: string | undefined): Confidence => (level === 'critical' || level === 'high' ? 'high' : level === 'medium' ? 'medium' : 'low');

export async function loadSigmaDetections(paths: readonly string[]): Promise<SigmaLoad> {
  const files = (await Promise.all(paths.map((p) => listFiles(resolve(p), (entry) => /\.ya?ml$/i.test(entry.name))))).flat();
  const parsed = await parseSigmaFiles(files, { collectAll: true });
  const failed = parsed.failed.map((f) => ({ file: f.file, reason: f.problems.map((p) => `${p.location.line ? `line ${p.location.line}: ` : ''}${p.reason}`).join('; ') }));
  const rules: DetectionRule[] = [];
  const notApplicable: { rule: string; reason: string }[] = [];
  for (const rule of parsed.loaded) {
    const name = rule.id ?? `${rule.file}:${rule.line}`;
    if (rule.kind !== 'detection') {
      notApplicable.push({ rule: name, reason: `${rule.kind} rules are not run yet` });
      continue;
    }
    const datasets = rule.logsource.category ? SIGMA_LOGSOURCES[rule.logsource.category] : undefined;
    if (!datasets) {
      notApplicable.push({ rule: name, reason: `log source ${JSON.stringify(rule.logsource)} has no dataset here (web server, proxy and firewall logs are read)` });
      continue;
    }
    const compiled = compileSigmaRule(rule, SIGMA_FIELD_MAPPING);
    if (!compiled.ok) {
      failed.push({ file: rule.file, reason: `${name}: ${compiled.reason}` });
      continue;
    }
    rules.push({
      id: name,
      title: rule.title,
      ruleset: 'sigma',
      level: rule.level ?? 'medium',
      verdict: 'REVIEW',
      confidence: confidenceOf(rule.level),
      rationale: rule.description ?? rule.title,
      where: and(isIn(col('event.dataset'), datasets), compiled.where),
    });
  }
  return { rules, failed, notApplicable };
}
