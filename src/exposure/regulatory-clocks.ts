/**
 * Regulatory clocks (issue 6 §6). Each runs from a recorded fact — the moment the organisation
 * became aware of the breach or incident — to a deadline fixed in law:
 *
 * - GDPR article 33(1): notify the supervisory authority without undue delay and, where feasible,
 *   not later than 72 hours after having become aware of a personal-data breach; a later
 *   notification must give the reasons for the delay. It starts when a category holding personal
 *   data is *shown* or *undeterminable* (a breach that cannot be ruled out is notified: the
 *   controller must be able to show it is unlikely to result in a risk, which an open answer
 *   cannot).
 * - NIS2 article 23(4): (a) early warning within 24 hours of becoming aware of a significant
 *   incident, (b) incident notification within 72 hours, (d) final report not later than one month
 *   after the incident notification was submitted (until then, provisionally a month after its
 *   deadline). For essential and important entities (`regulation.nis2` in weerbaar.yaml).
 *
 * The clocks are computed, never stored, from the facts that are: awareness and submissions are
 * audited case records, so a clock cannot be moved without a trace.
 */

export type Regime = 'gdpr' | 'nis2';
export type Obligation = 'art33-notification' | 'early-warning' | 'incident-notification' | 'final-report';

export const OBLIGATIONS: Record<Regime, readonly Obligation[]> = {
  gdpr: ['art33-notification'],
  nis2: ['early-warning', 'incident-notification', 'final-report'],
};

export interface Awareness {
  readonly at: string;
  readonly reason: string;
}

export interface Submission {
  readonly regime: Regime;
  readonly obligation: Obligation;
  readonly at: string;
  readonly reference: string;
}

export type ClockStatus = 'open' | 'overdue' | 'met' | 'late' | 'not-started';

export interface RegulatoryClock {
  readonly regime: Regime;
  readonly obligation: Obligation;
  readonly article: string;
  readonly start: string | null;
  readonly deadline: string | null;
  /** The deadline follows from an earlier obligation that is not submitted yet. */
  readonly provisional: boolean;
  readonly status: ClockStatus;
  readonly submitted: Submission | null;
  /** Why this clock runs (or does not run yet). */
  readonly basis: string;
  /** Hours left (negative: overdue) while open. */
  readonly hoursLeft: number | null;
}

const HOUR = 3_600_000;

/**
 * The same local day and time one calendar month later, clamped to the month's last day (31 Jan →
 * 28/29 Feb), in the organisation's time zone: a month is a calendar month where the regulator
 * sits, so 31 January 00:30 in Amsterdam (30 January 23:30 UTC) ends on 28 February 00:30 there,
 * and a deadline across a change to summer time keeps its local hour.
 */
export function oneMonthAfter(iso: string, timeZone = 'UTC'): string {
  const t = Date.parse(iso);
  const p = localParts(t, timeZone);
  const lastDay = new Date(Date.UTC(p.year, p.month + 1, 0)).getUTCDate();
  const wanted = Date.UTC(p.year, p.month, Math.min(p.day, lastDay), p.hour, p.minute, p.second, t % 1000 < 0 ? 0 : t % 1000);
  // Local wall time → UTC: subtract the zone's offset at that moment (twice, for a change of offset in between).
  let guess = wanted - offsetAt(wanted, timeZone);
  guess = wanted - offsetAt(guess, timeZone);
  return new Date(guess).toISOString();
}

function localParts(t: number, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23' });
  const parts = Object.fromEntries(f.formatToParts(t).map((x) => [x.type, Number(x.value)]));
  // The month after this one (month is 1-based in the parts, 0-based in Date.UTC: +1 -1).
  return { year: parts['year']!, month: parts['month']!, day: parts['day']!, hour: parts['hour']!, minute: parts['minute']!, second: parts['second']! };
}

function offsetAt(t: number, timeZone: string): number {
  const p = localParts(t, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - (t - (((t % 1000) + 1000) % 1000));
}

export function regulatoryClocks(input: {
  readonly awareness: Awareness | null;
  /** Personal-data categories whose verdict is shown or undeterminable. */
  readonly personalDataAtRisk: readonly string[];
  readonly nis2: boolean;
  readonly submissions: readonly Submission[];
  readonly now: Date;
  /** The organisation's zone: a calendar month is counted there. */
  readonly timeZone?: string;
}): RegulatoryClock[] {
  const { awareness, now } = input;
  const submitted = (regime: Regime, obligation: Obligation) =>
    [...input.submissions].filter((s) => s.regime === regime && s.obligation === obligation).sort((a, b) => a.at.localeCompare(b.at))[0] ?? null;
  const clock = (regime: Regime, obligation: Obligation, article: string, start: string | null, deadline: string | null, basis: string, provisional = false): RegulatoryClock => {
    const done = submitted(regime, obligation);
    let status: ClockStatus = 'not-started';
    if (start !== null && deadline !== null) {
      if (done) status = Date.parse(done.at) <= Date.parse(deadline) ? 'met' : 'late';
      else status = now.getTime() <= Date.parse(deadline) ? 'open' : 'overdue';
    } else if (done) status = 'met';
    const hoursLeft = start !== null && deadline !== null && !done ? Math.round(((Date.parse(deadline) - now.getTime()) / HOUR) * 10) / 10 : null;
    return { regime, obligation, article, start, deadline, provisional, status, submitted: done, basis, hoursLeft };
  };
  const after = (hours: number) => (awareness ? new Date(Date.parse(awareness.at) + hours * HOUR).toISOString() : null);
  const clocks: RegulatoryClock[] = [];

  const atRisk = input.personalDataAtRisk;
  if (atRisk.length > 0) {
    clocks.push(
      clock(
        'gdpr',
        'art33-notification',
        'GDPR art. 33(1)',
        awareness?.at ?? null,
        after(72),
        awareness
          ? `personal data shown or undeterminable (${atRisk.join(', ')}); aware since ${awareness.at}: ${awareness.reason}`
          : `personal data shown or undeterminable (${atRisk.join(', ')}); record when the organisation became aware to start the clock`,
      ),
    );
  }
  if (input.nis2) {
    const basis = awareness ? `significant incident; aware since ${awareness.at}: ${awareness.reason}` : 'record when the organisation became aware of the significant incident to start the clocks';
    clocks.push(clock('nis2', 'early-warning', 'NIS2 art. 23(4)(a)', awareness?.at ?? null, after(24), basis));
    clocks.push(clock('nis2', 'incident-notification', 'NIS2 art. 23(4)(b)', awareness?.at ?? null, after(72), basis));
    const notification = submitted('nis2', 'incident-notification');
    const from = notification?.at ?? after(72);
    clocks.push(
      clock('nis2', 'final-report', 'NIS2 art. 23(4)(d)', from, from === null ? null : oneMonthAfter(from, input.timeZone ?? 'UTC'), notification ? `one month after the incident notification (${notification.reference})` : 'one month after the incident notification, which is not submitted yet: counted from its deadline', notification === null),
    );
  }
  return clocks;
}
