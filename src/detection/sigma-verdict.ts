import type { Expr } from '../store/query-node.js';
import type { Confidence, DetectionRule, Verdict } from './detection-rule.js';

/**
 * How a Sigma hit is judged, for detection and correlation rules alike. Sigma has no verdicts:
 * `level` is the author's severity, not a statement that exploitation was tried (ATTEMPT) or
 * succeeded (COMPROMISE), so every Sigma hit — a correlation too — is REVIEW for an analyst, with
 * the level as confidence (critical/high → high, medium → medium, otherwise low).
 */
export function sigmaVerdict(_level: string | undefined): Verdict {
  return 'REVIEW';
}

export function sigmaConfidence(level: string | undefined): Confidence {
  return level === 'critical' || level === 'high' ? 'high' : level === 'medium' ? 'medium' : 'low';
}

/** The id a Sigma rule is reported under: its id, else its name, else where it stands. */
export const sigmaRuleId = (rule: { readonly id?: string; readonly name?: string; readonly file: string; readonly line: number }): string =>
  rule.id ?? rule.name ?? `${rule.file}:${rule.line}`;

/** A Sigma detection or correlation rule as the hunt runs it. */
export function sigmaDetectionRule(rule: { readonly id?: string; readonly name?: string; readonly file: string; readonly line: number; readonly title: string; readonly level?: string }, where: Expr, rationale: string): DetectionRule {
  return { id: sigmaRuleId(rule), title: rule.title, ruleset: 'sigma', level: rule.level ?? 'medium', verdict: sigmaVerdict(rule.level), confidence: sigmaConfidence(rule.level), rationale, where };
}
