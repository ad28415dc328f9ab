import { describe, expect, it } from 'vitest';
import { findGaps, missingRotations } from './coverage-ledger.js';

const HOUR = 3_600_000;
const start = Date.UTC(2025, 6, 7, 0); // Monday 7 July 2025, 00:00 UTC

/** Hours with events: office hours (07–17 UTC) on weekdays, for `days` days, minus `holes`. */
function officeHours(days: number, holes: number[] = []): Map<number, number> {
  const hours = new Map<number, number>();
  for (let d = 0; d < days; d++) {
    const weekday = (d % 7) < 5;
    for (let h = 7; h < 17; h++) {
      const t = start + (d * 24 + h) * HOUR;
      if (weekday && !holes.includes(t)) hours.set(t, 100);
    }
  }
  return hours;
}

describe('findGaps', () => {
  it('finds no gap in a steady office rhythm: nights and weekends are normal silence', () => {
    const hours = officeHours(21);
    const keys = [...hours.keys()];
    expect(findGaps(hours, Math.min(...keys), Math.max(...keys), 'UTC')).toEqual([]);
  });

  it('finds a silent working morning as one gap with the events its rhythm predicts (14 of 15 Tuesdays at 100)', () => {
    const holes = [9, 10, 11].map((h) => start + (8 * 24 + h) * HOUR); // Tuesday of week 2
    const hours = officeHours(21, holes);
    const keys = [...hours.keys()];
    const gaps = findGaps(hours, Math.min(...keys), Math.max(...keys), 'UTC');
    expect(gaps).toEqual([{ from: '2025-07-15T09:00:00.000Z', to: '2025-07-15T12:00:00.000Z', hours: 3, expectedEvents: 280 }]);
  });

  it('does not call the quiet hours of a sparse log gaps', () => {
    // Two events a day at varying hours: long silences, but none that the rhythm says is unusual.
    const hours = new Map<number, number>();
    for (let d = 0; d < 28; d++) for (const h of [8 + (d % 5), 14 + (d % 3)]) hours.set(start + (d * 24 + h) * HOUR, 1);
    const keys = [...hours.keys()];
    expect(findGaps(hours, Math.min(...keys), Math.max(...keys), 'UTC')).toEqual([]);
  });

  it('judges the rhythm in the workspace zone', () => {
    const holes = [9].map((h) => start + (8 * 24 + h) * HOUR);
    const hours = officeHours(21, holes);
    const keys = [...hours.keys()];
    expect(findGaps(hours, Math.min(...keys), Math.max(...keys), 'Europe/Amsterdam')).toHaveLength(1);
  });
});

describe('missingRotations', () => {
  it('names rotation numbers missing between the newest and the oldest present', () => {
    expect(missingRotations(['/t/var/log/ns.log', '/t/var/log/ns.log.0.gz', '/t/var/log/ns.log.3.gz', '/t/var/log/bash.log.1.gz'])).toEqual(['bash.log.0', 'ns.log.1', 'ns.log.2']);
  });

  it('is quiet when the rotations are complete', () => {
    expect(missingRotations(['a/ns.log', 'a/ns.log.0.gz', 'a/ns.log.1.gz'])).toEqual([]);
  });
});
