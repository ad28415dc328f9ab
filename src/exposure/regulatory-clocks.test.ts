import { describe, expect, it } from 'vitest';
import { oneMonthAfter, regulatoryClocks } from './regulatory-clocks.js';

const awareness = { at: '2025-07-16T07:30:00.000Z', reason: 'NCSC notification' };
const base = { awareness, personalDataAtRisk: ['shelter-addresses'], nis2: true, submissions: [], now: new Date('2025-07-16T12:00:00Z') };
const row = (c: ReturnType<typeof regulatoryClocks>[number]) => `${c.regime} ${c.obligation} ${c.deadline ?? '-'} ${c.status}${c.provisional ? ' provisional' : ''}`;

describe('regulatoryClocks', () => {
  it('starts GDPR 72 h and NIS2 24 h / 72 h / one month from awareness', () => {
    expect(regulatoryClocks(base).map(row)).toEqual([
      'gdpr art33-notification 2025-07-19T07:30:00.000Z open',
      'nis2 early-warning 2025-07-17T07:30:00.000Z open',
      'nis2 incident-notification 2025-07-19T07:30:00.000Z open',
      'nis2 final-report 2025-08-19T07:30:00.000Z open provisional',
    ]);
    expect(regulatoryClocks(base)[1]!.hoursLeft).toBe(19.5);
  });

  it('judges submissions against their deadline and counts the final report from the notification actually sent', () => {
    const submissions = [
      { regime: 'nis2' as const, obligation: 'early-warning' as const, at: '2025-07-17T05:00:00.000Z', reference: 'CSIRT-1' },
      { regime: 'nis2' as const, obligation: 'incident-notification' as const, at: '2025-07-19T10:00:00.000Z', reference: 'CSIRT-2' },
      { regime: 'gdpr' as const, obligation: 'art33-notification' as const, at: '2025-07-18T14:00:00.000Z', reference: 'AP-1' },
    ];
    const clocks = regulatoryClocks({ ...base, submissions, now: new Date('2025-09-01T00:00:00Z') });
    expect(clocks.map(row)).toEqual([
      'gdpr art33-notification 2025-07-19T07:30:00.000Z met',
      'nis2 early-warning 2025-07-17T07:30:00.000Z met',
      'nis2 incident-notification 2025-07-19T07:30:00.000Z late',
      'nis2 final-report 2025-08-19T10:00:00.000Z overdue',
    ]);
    expect(clocks[3]!.basis).toContain('CSIRT-2');
  });

  it('waits for awareness to be recorded, and runs no GDPR clock when no personal data is at risk, no NIS2 clock outside NIS2', () => {
    expect(regulatoryClocks({ ...base, awareness: null }).map((c) => c.status)).toEqual(['not-started', 'not-started', 'not-started', 'not-started']);
    expect(regulatoryClocks({ ...base, personalDataAtRisk: [], nis2: false })).toEqual([]);
  });

  it('adds a calendar month, clamped to the end of a shorter month', () => {
    expect(oneMonthAfter('2025-01-31T10:00:00.000Z')).toBe('2025-02-28T10:00:00.000Z');
    expect(oneMonthAfter('2024-01-31T10:00:00.000Z')).toBe('2024-02-29T10:00:00.000Z');
    expect(oneMonthAfter('2025-12-15T00:00:00.000Z')).toBe('2026-01-15T00:00:00.000Z');
    // In the organisation's zone: 31 January 00:30 in Amsterdam ends on 28 February 00:30 there.
    expect(oneMonthAfter('2025-01-30T23:30:00.000Z', 'Europe/Amsterdam')).toBe('2025-02-27T23:30:00.000Z');
    // Across the change to summer time the local hour stays: 10 March 12:00 CET → 10 April 12:00 CEST.
    expect(oneMonthAfter('2025-03-10T11:00:00.000Z', 'Europe/Amsterdam')).toBe('2025-04-10T10:00:00.000Z');
  });
});
