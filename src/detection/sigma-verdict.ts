import type { Confidence, Verdict } from './detection-rule.js';

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
