import { describe, expect, it } from 'vitest';
import { BsdClock, parseBsdSyslog, programName, rotationReason, startsWithBsdTime, ZoneConverter } from './bsd-syslog-header.js';
import { civilToUtc } from './log-time.js';

describe('BSD syslog header', () => {
  it('reads facility, host, program and pid', () => {
    expect(parseBsdSyslog('Jan 19 23:40:14 <local7.notice> ns bash[1297]: root on /dev/pts/0 x')).toEqual({
      month: 1,
      day: 19,
      hour: 23,
      minute: 40,
      second: 14,
      timeText: 'Jan 19 23:40:14',
      facility: 'local7.notice',
      host: 'ns',
      program: 'bash',
      pid: 1297,
      body: 'root on /dev/pts/0 x',
    });
  });

  it('reads padded days and lines without facility, host, pid or program', () => {
    expect(parseBsdSyslog('Jan  5 01:02:03 NS01 newsyslog[1]: logfile turned over')).toMatchObject({ day: 5, host: 'NS01', program: 'newsyslog', facility: undefined });
    expect(parseBsdSyslog('Jan 19 23:00:06 newsyslog[14448]: x')).toMatchObject({ host: undefined, program: 'newsyslog', pid: 14448, body: 'x' });
    expect(parseBsdSyslog('Jan 19 23:00:06 ns kernel: x')).toMatchObject({ host: 'ns', program: 'kernel', pid: undefined });
    expect(parseBsdSyslog('Jan 19 23:00:06 ns last message repeated 2 times')).toMatchObject({ host: 'ns', program: undefined, body: 'last message repeated 2 times' });
  });

  it('rejects lines without a month name and time', () => {
    expect(parseBsdSyslog('Foo 19 23:00:06 ns x: y')).toBeNull();
    expect(parseBsdSyslog('2020-01-19 23:00:06 ns x: y')).toBeNull();
    expect(startsWithBsdTime('Jan 19 23:00:06 ns')).toBe(true);
    expect(startsWithBsdTime('https://example/')).toBe(false);
  });

  it('names programs and recognises newsyslog rotation', () => {
    expect(programName('/usr/sbin/cron')).toBe('cron');
    expect(rotationReason(parseBsdSyslog('Jan 19 23:00:06 ns newsyslog[1]: logfile turned over due to size>100K')!)).toBe('size>100K');
    expect(rotationReason(parseBsdSyslog('Jan 19 23:00:06 ns bash[1]: logfile turned over')!)).toBeNull();
  });
});

describe('BsdClock and ZoneConverter', () => {
  it('infers the year from the reference time and rolls over at New Year', () => {
    const clock = new BsdClock({ path: 'x', referenceTime: Date.UTC(2024, 1, 10) });
    const at = (text: string) => clock.resolve(parseBsdSyslog(`${text} ns x: y`)!);
    expect(at('Nov 30 10:00:00')).toEqual({ timestamp: Date.UTC(2023, 10, 30, 10), timeQuality: 'year-inferred' });
    expect(at('Feb 29 24:00:00')).toEqual({ timestamp: Date.UTC(2024, 2, 1, 0), timeQuality: 'hour-24' });
  });

  it('gives the same instants as civilToUtc across a DST change', () => {
    const zone = new ZoneConverter('Europe/Amsterdam');
    // 2024: summer time starts 31 March 02:00 (gap) and ends 27 October 03:00 (fold).
    for (const [month, day] of [[3, 31], [10, 27]] as const) {
      for (let hour = 0; hour < 5; hour += 1) {
        for (const minute of [0, 30, 59]) {
          const civil = { year: 2024, month, day, hour, minute, second: 1 };
          expect(zone.toUtc(civil)).toBe(civilToUtc(civil, 'Europe/Amsterdam'));
        }
      }
    }
    expect(zone.toUtc({ year: 2024, month: 2, day: 30, hour: 1, minute: 0, second: 0 })).toBeNaN();
  });
});
