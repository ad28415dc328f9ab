import { describe, expect, it } from 'vitest';
import type { FootprintEntity } from '../detection/footprint.js';
import { assessmentWindow, excludedByChoice } from './assessment-window.js';

const finding = (start: string | null, end: string | null, startIsLowerBound = false) => ({
  asset: 'gw', vulnerability: 'CVE-2025-5777', window: { start, end, startIsLowerBound, endReason: end ? ('fixed' as const) : null, undecided: [] },
});
const entity = (kind: FootprintEntity['kind'], first: string, last: string): FootprintEntity => ({ kind, value: 'v', via: 'detection', rules: [], first, last, events: 1, decision: null });
const now = new Date('2025-08-01T00:00:00Z');

describe('assessmentWindow', () => {
  it('runs from the earliest vulnerable-since to the latest fix, keeping "at the latest" starts as lower bounds', () => {
    const w = assessmentWindow([finding('2025-06-01T00:00:00.000Z', '2025-07-16T08:00:00.000Z', true), finding('2025-06-10T00:00:00.000Z', '2025-07-18T19:30:00.000Z')], [], now, null)!;
    expect(w).toMatchObject({ start: '2025-06-01T00:00:00.000Z', end: '2025-07-18T19:30:00.000Z', startIsLowerBound: true, open: false, choice: null });
  });

  it('widens to the footprint: activity before any finding makes the start unknown, activity after a fix extends the end', () => {
    const w = assessmentWindow([finding('2025-06-10T00:00:00.000Z', '2025-07-01T00:00:00.000Z')], [entity('address', '2025-06-05T00:00:00.000Z', '2025-07-03T00:00:00.000Z'), entity('account', '2025-01-01T00:00:00.000Z', '2025-12-01T00:00:00.000Z')], now, null)!;
    expect(w).toMatchObject({ start: '2025-06-05T00:00:00.000Z', end: '2025-07-03T00:00:00.000Z', startIsLowerBound: true });
  });

  it('leaves the start unknown when any finding is "at the latest", or has versions that could not be judged', () => {
    const exact = finding('2025-06-01T00:00:00.000Z', '2025-07-01T00:00:00.000Z');
    expect(assessmentWindow([exact, finding('2025-06-10T00:00:00.000Z', '2025-07-01T00:00:00.000Z', true)], [], now, null)).toMatchObject({ start: '2025-06-01T00:00:00.000Z', startIsLowerBound: true });
    const undecided = { ...exact, window: { ...exact.window, undecided: ['14.1-99.x'] } };
    expect(assessmentWindow([undecided], [], now, null)).toMatchObject({ startIsLowerBound: true });
    expect(assessmentWindow([exact], [], now, null)).toMatchObject({ startIsLowerBound: false });
  });

  it('runs until now while a finding is open, and is absent without findings or footprint', () => {
    expect(assessmentWindow([finding('2025-06-10T00:00:00.000Z', null)], [], now, null)).toMatchObject({ end: now.toISOString(), open: true });
    expect(assessmentWindow([finding(null, null)], [], now, null)).toBeNull();
  });

  it('takes an analyst’s choice with its reason and reports what the choice leaves out', () => {
    const choice = { start: '2025-06-23T00:00:00.000Z', end: null, reason: 'logs begin', actor: 'ana', at: '2025-08-01T00:00:00.000Z' };
    const w = assessmentWindow([finding('2025-06-01T00:00:00.000Z', '2025-07-18T19:30:00.000Z', true)], [], now, choice)!;
    expect(w).toMatchObject({ start: choice.start, end: '2025-07-18T19:30:00.000Z', startIsLowerBound: false, choice });
    expect(excludedByChoice(w)).toEqual({ before: choice.start, after: null });
  });
});
