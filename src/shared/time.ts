/** Time helpers. Everything stored is UTC ISO-8601 with milliseconds (`2025-07-16T09:12:03.000Z`). */

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
