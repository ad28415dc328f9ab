import { describe, expect, it } from 'vitest';
import { auditCoverage } from './audit-coverage.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ZONE = 'UTC';
const MONDAY = Date.parse('2025-06-02T00:00:00Z');

/** Four weeks of an office audit log: 30 events an hour, 08–17 UTC on weekdays; `silent` hours left empty. */
function officeHours(silent: (t: number) => boolean = () => false): Map<number, number> {
  const hours = new Map<number, number>();
  for (let t = MONDAY; t < MONDAY + 28 * DAY; t += HOUR) {
    const d = new Date(t);
    if (d.getUTCDay() === 0 || d.getUTCDay() === 6 || d.getUTCHours() < 8 || d.getUTCHours() > 16 || silent(t)) continue;
    hours.set(t, 30);
  }
  return hours;
}

const RECORD = { granularity: 'record' as const, enabled_since: '2024-01-01T00:00:00.000Z', retention_days: 365, limits: null };
const window = { start: new Date(MONDAY).toISOString(), end: new Date(MONDAY + 27 * DAY).toISOString() };
const now = new Date('2025-08-01T00:00:00Z');
const codes = (c: { reasons: readonly { code: string }[] }) => c.reasons.map((r) => r.code);

describe('auditCoverage', () => {
  it('covers a window the audit logs throughout at record level: no reasons', () => {
    const c = auditCoverage('app', RECORD, { hours: officeHours(), failures: 0, collectedAt: '2025-07-01T00:00:00Z' }, window, ZONE, now);
    expect(c.reasons).toEqual([]);
    expect(c.eventsInWindow).toBeGreaterThan(0);
  });

  it('finds a silent Tuesday morning as a gap in the window, with its hours', () => {
    const tuesday = MONDAY + 8 * DAY; // second Tuesday
    const c = auditCoverage('app', RECORD, { hours: officeHours((t) => t >= tuesday + 9 * HOUR && t < tuesday + 13 * HOUR), failures: 0, collectedAt: null }, window, ZONE, now);
    expect(codes(c)).toEqual(['gap']);
    expect(c.reasons[0]).toMatchObject({ system: 'app', from: '2025-06-10T09:00:00.000Z', to: '2025-06-10T13:00:00.000Z' });
    expect(c.reasons[0]!.text).toContain('in the window');
  });

  it('judges a short silence before the first event in custody by the rhythm, and a long one as missing logs', () => {
    // The logs begin on a Wednesday morning; the window two days earlier, on the Monday: office hours were missed.
    const wednesday = officeHours((t) => t < MONDAY + 2 * DAY);
    const c = auditCoverage('app', RECORD, { hours: wednesday, failures: 0, collectedAt: '2025-07-01T00:00:00Z' }, window, ZONE, now);
    expect(codes(c)).toEqual(['gap']);
    expect(c.reasons[0]!.text).toContain('before the first event in custody');
    const early = { ...window, start: new Date(MONDAY - 14 * DAY).toISOString() };
    const long = auditCoverage('app', RECORD, { hours: officeHours(), failures: 0, collectedAt: '2025-07-01T00:00:00Z' }, early, ZONE, now);
    expect(codes(long)).toEqual(['not-in-custody']);
    expect(long.reasons[0]!.text).toBe('app: no audit events in custody before 2025-06-02T08:00 UTC; the window opens 2025-05-19T00:00');
  });

  it('never vouches beyond the logs: a long silence after the last event, a window past the collection, a log too short to learn', () => {
    const late = { ...window, end: new Date(MONDAY + 40 * DAY).toISOString() };
    expect(codes(auditCoverage('app', RECORD, { hours: officeHours(), failures: 0, collectedAt: '2025-08-01T00:00:00Z' }, late, ZONE, now))).toEqual(['not-in-custody']);
    const collectedEarly = auditCoverage('app', RECORD, { hours: officeHours(), failures: 0, collectedAt: '2025-06-20T00:00:00Z' }, window, ZONE, now);
    expect(collectedEarly.reasons.map((r) => r.text)).toEqual(['app: the window runs past the collection of its audit (2025-06-20): later accesses are not in custody']);
    // Two busy days in custody for a five-day window: too short to learn quiet hours from.
    const twoDays = officeHours((t) => t >= MONDAY + 2 * DAY);
    const short = auditCoverage('app', { ...RECORD, retention_days: null }, { hours: twoDays, failures: 0, collectedAt: null }, { start: window.start, end: new Date(MONDAY + 4 * DAY).toISOString() }, ZONE, now);
    expect(codes(short)).toEqual(['short-span']);
  });

  it('names retention as the cause when the logs begin where the retention cut them', () => {
    const early = { ...window, start: new Date(MONDAY - 14 * DAY).toISOString() };
    const logging = { ...RECORD, retention_days: 30 };
    const c = auditCoverage('app', logging, { hours: officeHours(), failures: 0, collectedAt: new Date(MONDAY + 30 * DAY).toISOString() }, early, ZONE, now);
    expect(codes(c)).toEqual(['retention']);
    expect(c.reasons[0]!.text).toMatch(/keeps 30 days; collected on 2025-07-02 it reached back only to 2025-06-02/);
  });

  it('says so when no audit event is in custody, and whether they still exist', () => {
    expect(codes(auditCoverage('db', RECORD, null, window, ZONE, now))).toEqual(['not-in-custody']);
    const short = auditCoverage('db', { ...RECORD, retention_days: 30 }, null, window, ZONE, now);
    expect(codes(short)).toEqual(['retention', 'not-in-custody']);
  });

  it('gives the reason for each other limit: no facts, no logging, late enabling, known limits, unparsed lines', () => {
    const source = { hours: officeHours(), failures: 0, collectedAt: null };
    expect(codes(auditCoverage('x', null, source, window, ZONE, now))).toEqual(['no-audit-facts']);
    expect(codes(auditCoverage('x', { ...RECORD, granularity: 'none' }, source, window, ZONE, now))).toEqual(['no-logging']);
    expect(codes(auditCoverage('x', { ...RECORD, enabled_since: '2025-06-10T00:00:00.000Z' }, source, window, ZONE, now))).toEqual(['enabled-late']);
    expect(codes(auditCoverage('x', { ...RECORD, enabled_since: null }, source, window, ZONE, now))).toEqual(['enabled-late']);
    expect(codes(auditCoverage('x', { ...RECORD, limits: 'throttled above 1,000 events a day' }, source, window, ZONE, now))).toEqual(['limits']);
    expect(codes(auditCoverage('x', RECORD, { ...source, failures: 3 }, window, ZONE, now))).toEqual(['parse-failures']);
  });
});
