import { describe, expect, it } from 'vitest';
import type { Finding } from './findings.js';
import { type PatchPolicyInput, slaVerdict } from './patch-sla.js';

const policy: PatchPolicyInput = {
  start: 'advisory_release',
  rules: [
    { name: 'known exploited, internet-facing', known_exploited: true, internet_facing: true, deadline_hours: 72 },
    { name: 'critical, internet-facing', min_cvss: 9, internet_facing: true, deadline_hours: 72 },
    { name: 'high', min_cvss: 7, deadline_hours: 168 },
    { name: 'other', deadline_hours: 2160 },
  ],
};
const moments = { released: '2025-06-17T12:00:00.000Z', received: '2025-06-18T08:00:00.000Z' };

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    id: 'gw|CVE-2025-5777',
    asset: 'gw',
    vulnerability: 'CVE-2025-5777',
    cve: 'CVE-2025-5777',
    advisory: 'a',
    advisoryRevision: 'r',
    status: 'affected',
    confidence: 1,
    cvss: 9.8,
    reason: '',
    evidence: [],
    remediations: [{ category: 'vendor_fix', details: '', date: '2025-06-17T12:00:00.000Z', productIds: [] }],
    exploitation: [],
    sources: [],
    firstSeenAt: '',
    updatedAt: '',
    window: { start: '2025-06-01T00:00:00.000Z', startIsLowerBound: true, end: null, endReason: null, undecided: [] },
    ...overrides,
  };
}
const now = new Date('2025-06-19T12:00:00.000Z');

describe('patch SLA verdicts', () => {
  it('gives critical internet-facing findings 72 hours from the release: open, then breached', () => {
    expect(slaVerdict(finding(), true, moments, policy, now)).toMatchObject({ verdict: 'open', rule: 'critical, internet-facing', deadline: '2025-06-20T12:00:00.000Z', hours: 24 });
    expect(slaVerdict(finding(), true, moments, policy, new Date('2025-06-21T12:00:00.000Z'))).toMatchObject({ verdict: 'breached', hours: 24, summary: 'open and 24 h overdue' });
  });

  it('judges a fix or a disconnection against the deadline', () => {
    const fixedInTime = finding({ window: { start: '2025-06-01T00:00:00.000Z', startIsLowerBound: true, end: '2025-06-19T12:00:00.000Z', endReason: 'fixed', undecided: [] } });
    expect(slaVerdict(fixedInTime, true, moments, policy, now)).toMatchObject({ verdict: 'met', hours: 24, summary: 'fixed 24 h before the deadline' });
    const disconnectedLate = finding({ window: { start: '2025-06-01T00:00:00.000Z', startIsLowerBound: true, end: '2025-07-16T08:00:00.000Z', endReason: 'disconnected', undecided: [] } });
    expect(slaVerdict(disconnectedLate, true, moments, policy, now)).toMatchObject({ verdict: 'breached', hours: 620, summary: 'disconnected 620 h after the deadline' });
  });

  it('starts a known-exploited clock when exploitation became known, if later', () => {
    const exploitedLater = finding({ cvss: 8.8, exploitation: [{ date: '2025-07-10T00:00:00.000Z', details: 'observed' }] });
    expect(slaVerdict(exploitedLater, true, moments, policy, now)).toMatchObject({ rule: 'known exploited, internet-facing', start: '2025-07-10T00:00:00.000Z', startBasis: 'exploitation became known' });
  });

  it('applies rules by internet exposure and score, and the configured start', () => {
    expect(slaVerdict(finding(), false, moments, policy, now)).toMatchObject({ rule: 'high', deadline: '2025-06-24T12:00:00.000Z' });
    expect(slaVerdict(finding({ cvss: 3 }), false, moments, policy, now)).toMatchObject({ rule: 'other' });
    expect(slaVerdict(finding(), true, moments, { ...policy, start: 'receipt' }, now)).toMatchObject({ start: '2025-06-18T08:00:00.000Z', startBasis: 'our receipt of the advisory' });
    expect(slaVerdict(finding(), true, moments, { ...policy, start: 'fix_available' }, now)).toMatchObject({ startBasis: 'the fix became available' });
  });

  it('does not apply to a finding that was never affected', () => {
    const neverAffected = finding({ status: 'fixed', window: { start: null, startIsLowerBound: false, end: null, endReason: null, undecided: [] } });
    expect(slaVerdict(neverAffected, true, moments, policy, now).verdict).toBe('not_applicable');
  });
});
