/** Time helpers. Everything stored is UTC ISO-8601 with milliseconds (`2025-07-16T09:12:03.000Z`). */
import { WeerbaarError } from './errors.js';

export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

export function isoUtc(date: Date): string {
  return date.toISOString();
}

/** True when `zone` is an IANA time-zone name this Node.js runtime knows. */
export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** A date (2025-06-23) or a date-time with a zone (2025-06-23T00:00:00Z), and nothing looser. */
export function isInstant(text: string): boolean {
  return INSTANT.test(text) && !Number.isNaN(Date.parse(text));
}

/** An instant accepted by isInstant as ISO UTC; a date alone is midnight UTC. */
export function instantIso(text: string): string {
  return new Date(/T/.test(text) ? text : `${text}T00:00:00Z`).toISOString();
}

/** A date or a date-time with a zone, given on the command line, as ISO UTC; a usage error names the option otherwise. */
export function parseInstant(label: string, text: string): string {
  if (!isInstant(text)) throw new WeerbaarError('USAGE', `${label} "${text}" is not a date (2025-06-23) or a date-time with a zone (2025-06-23T00:00:00Z)`);
  return instantIso(text);
}
