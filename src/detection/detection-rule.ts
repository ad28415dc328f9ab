import type { Expr } from '../store/query-node.js';

/**
 * A detection the hunt can run: built-in (the NetScaler pack) or compiled from Sigma. The verdict
 * classes are those of the NetScaler reference (§7.1): COMPROMISE (evidence of successful
 * exploitation or attacker presence), ATTEMPT (exploitation tried — not proof), REVIEW (needs an
 * analyst), INFO (context). They are never folded into each other.
 */

export type Verdict = 'COMPROMISE' | 'ATTEMPT' | 'REVIEW' | 'INFO';
export type Confidence = 'high' | 'medium' | 'low';

export interface DetectionRule {
  readonly id: string;
  readonly title: string;
  /** `netscaler` for the built-in pack, `sigma` for rules read from files. */
  readonly ruleset: string;
  readonly level: string;
  readonly verdict: Verdict;
  readonly confidence: Confidence;
  /** Why a hit means what the verdict says. */
  readonly rationale: string;
  /** Which events match, over the events table. */
  readonly where: Expr;
}
