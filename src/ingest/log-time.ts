import type { DateOrder, TimeQuality } from './log-event.js';

/**
 * Turning the many ways logs write time into UTC epoch milliseconds with an honest quality flag.
 * Zone conversion uses the runtime's IANA database through Intl (no dependency needed): the offset
 * of a zone at a civil time is found by formatting a first guess in that zone and correcting once,
 * which is exact except inside a DST fold, where the earlier instant is taken.
 */

export const MONTHS: Readonly<Record<string, number>> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12,
};

export interface CivilTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond?: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function zoneOffsetMs(zone: string, instant: number): number {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(zone, formatter);
  }
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(instant)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** Civil time in `zone` (IANA name, or undefined/UTC) → epoch ms; NaN when the fields are impossible. */
export function civilToUtc(civil: CivilTime, zone?: string): number {
  const { year, month, day, hour, minute, second } = civil;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) return NaN;
  const naive = Date.UTC(year, month - 1, day, hour, minute, second, civil.millisecond ?? 0);
  // Date.UTC rolls 31 February over into March: reject instead of silently moving the event.
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return NaN;
  if (!zone || zone === 'UTC' || zone === 'GMT' || zone === 'Etc/UTC') return naive;
  const first = naive - zoneOffsetMs(zone, naive);
  const second_ = naive - zoneOffsetMs(zone, first);
  return Math.min(first, second_);
}

/**
 * Reads a numeric date `a/b/c` (NetScaler `MM/DD/YYYY`, `DD/MM/YYYY` or `YYYY/MM/DD`). With no
 * configured order: a four-digit first field means ymd, a first field above 12 means dmy, else mdy.
 */
export function numericDate(a: number, b: number, c: number, aDigits: number, order?: DateOrder): { year: number; month: number; day: number } {
  const resolved: DateOrder = order ?? (aDigits === 4 ? 'ymd' : a > 12 ? 'dmy' : 'mdy');
  if (resolved === 'ymd') return { year: a, month: b, day: c };
  if (resolved === 'dmy') return { year: c, month: b, day: a };
  return { year: c, month: a, day: b };
}

/** Quality for a time read with or without an explicit zone; hour 24 always says so. */
export function qualityOf(hasZone: boolean, hour: number): TimeQuality {
  if (hour === 24) return 'hour-24';
  return hasZone ? 'exact' : 'zone-assumed';
}

/** `+0100`, `-05:30`, `Z` → minutes east of UTC; null when not an offset. */
export function offsetMinutes(text: string): number | null {
  if (text === 'Z' || text === 'z') return 0;
  const match = /^([+-])(\d{2}):?(\d{2})$/.exec(text);
  if (!match) return null;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}

/**
 * Year inference for BSD syslog lines (`Jan 19 23:40:14`, no year), P4 of the NetScaler reference.
 * Lines are read oldest to newest; the file's reference time (mtime or collection time) anchors
 * the *last* line. Reading forward we cannot know the end yet, so the caller first guesses the
 * year of the first line from the reference time and the month, and then rolls forward one year
 * whenever the month decreases (December → January). The guess is: the reference year, or one
 * earlier if the first line's month lies after the reference month.
 */
export class SyslogYearInference {
  private year: number | null = null;
  private lastMonth = 0;

  constructor(private readonly referenceTime: number) {}

  yearFor(month: number): number {
    if (this.year === null) {
      const reference = new Date(this.referenceTime);
      const refYear = reference.getUTCFullYear();
      this.year = month > reference.getUTCMonth() + 1 ? refYear - 1 : refYear;
    } else if (month < this.lastMonth) {
      this.year += 1;
    }
    this.lastMonth = month;
    return this.year;
  }
}
