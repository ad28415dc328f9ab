import type { Finding } from './findings.js';

/**
 * Was it patched in time? Per finding: the rule of the patch policy that applies (first match),
 * the moment the clock started, the deadline, and the verdict — met, breached by N hours, open and
 * due in N hours, or not applicable (never affected). When exploitation became known after the
 * clock started, a rule about known exploitation counts from that moment: nobody can be late for
 * news that did not exist yet.
 */

export interface PatchRule {
  readonly name: string;
  readonly known_exploited?: boolean | undefined;
  readonly internet_facing?: boolean | undefined;
  readonly min_cvss?: number | undefined;
  readonly deadline_hours: number;
}

export interface PatchPolicyInput {
  readonly start: 'advisory_release' | 'receipt' | 'fix_available';
  readonly rules: readonly PatchRule[];
}

export interface AdvisoryMoments {
  /** The advisory's initial release. */
  readonly released: string;
  /** When we first received any revision of it. */
  readonly received: string;
}

export type SlaVerdict =
  | { readonly verdict: 'not_applicable'; readonly reason: string }
  | { readonly verdict: 'excepted'; readonly reason: string; readonly actor: string; readonly at: string; readonly underlying: SlaVerdict }
  | {
      readonly verdict: 'met' | 'breached' | 'open';
      readonly rule: string;
      readonly start: string;
      readonly startBasis: string;
      readonly deadline: string;
      /** met: hours to spare; breached: hours late; open: hours left (negative once overdue). */
      readonly hours: number;
      readonly remediatedAt: string | null;
      readonly summary: string;
    };

const HOUR = 3_600_000;

export function slaVerdict(finding: Finding, internetFacing: boolean, moments: AdvisoryMoments, policy: PatchPolicyInput, now: Date): SlaVerdict {
  if (finding.window.start === null) return { verdict: 'not_applicable', reason: `the asset was never seen on an affected version (${finding.status})` };
  const exploitedDates = finding.exploitation.map((e) => Date.parse(e.date ?? '')).filter((t) => !Number.isNaN(t));
  const knownExploited = finding.exploitation.length > 0;
  const cvss = finding.cvss ?? 0;
  const rule = policy.rules.find(
    (r) =>
      (r.known_exploited === undefined || r.known_exploited === knownExploited) &&
      (r.internet_facing === undefined || r.internet_facing === internetFacing) &&
      (r.min_cvss === undefined || cvss >= r.min_cvss),
  );
  if (!rule) return { verdict: 'not_applicable', reason: 'no rule of the patch policy applies' };

  const fixDates = finding.remediations.filter((r) => r.category === 'vendor_fix' && r.date).map((r) => Date.parse(r.date ?? ''));
  const basis =
    policy.start === 'receipt'
      ? { at: Date.parse(moments.received), text: 'our receipt of the advisory' }
      : policy.start === 'fix_available' && fixDates.length > 0
        ? { at: Math.min(...fixDates), text: 'the fix became available' }
        : { at: Date.parse(moments.released), text: 'the advisory was released' };
  let start = basis.at;
  let startBasis = basis.text;
  if (rule.known_exploited && exploitedDates.length > 0 && Math.min(...exploitedDates) > start) {
    start = Math.min(...exploitedDates);
    startBasis = 'exploitation became known';
  }
  const deadline = start + rule.deadline_hours * HOUR;
  const remediated = finding.window.end ? Date.parse(finding.window.end) : null;
  const iso = (t: number) => new Date(t).toISOString();
  const hours = (t: number) => Math.round(t / HOUR);
  const base = { rule: rule.name, start: iso(start), startBasis, deadline: iso(deadline), remediatedAt: remediated === null ? null : iso(remediated) };
  if (remediated !== null) {
    const how = finding.window.endReason === 'disconnected' ? 'disconnected' : 'fixed';
    return remediated <= deadline
      ? { ...base, verdict: 'met', hours: hours(deadline - remediated), summary: `${how} ${hours(deadline - remediated)} h before the deadline` }
      : { ...base, verdict: 'breached', hours: hours(remediated - deadline), summary: `${how} ${hours(remediated - deadline)} h after the deadline` };
  }
  const left = deadline - now.getTime();
  return left >= 0
    ? { ...base, verdict: 'open', hours: hours(left), summary: `open, due in ${hours(left)} h` }
    : { ...base, verdict: 'breached', hours: hours(-left), summary: `open and ${hours(-left)} h overdue` };
}
