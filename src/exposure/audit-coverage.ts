import { type CoverageGap, findGaps } from '../ingest/coverage-ledger.js';
import type { AuditLogging } from '../inventory/inventory-model.js';

/**
 * Whether one system's data-access audit covers the exposure window well enough to rule access
 * out (issue 6 §4; exposure reference §2: "no" is never the default). Every fact that keeps the
 * answer open becomes a reason with the evidence for it; a system is covered only when there is
 * none.
 */

export type ReasonCode =
  | 'window-start-unknown'
  | 'no-audit-facts'
  | 'no-logging'
  | 'enabled-late'
  | 'not-in-custody'
  | 'retention'
  | 'gap'
  | 'short-span'
  | 'parse-failures'
  | 'limits'
  | 'table-granularity'
  | 'unrecorded-access'
  | 'ambiguous'
  | 'exposed-account';

export interface Reason {
  readonly code: ReasonCode;
  readonly system: string | null;
  readonly text: string;
  readonly from?: string;
  readonly to?: string;
}

export interface AuditSource {
  /** Events per hour (hour start, epoch ms) of the system's data-access audit in custody. */
  readonly hours: ReadonlyMap<number, number>;
  readonly failures: number;
  /** When the audit's evidence was taken into custody (the earliest file); null: none is. */
  readonly collectedAt: string | null;
}

export interface SystemCoverage {
  readonly system: string;
  readonly granularity: AuditLogging['granularity'] | null;
  readonly enabledSince: string | null;
  readonly retentionDays: number | null;
  readonly limits: string | null;
  readonly firstEvent: string | null;
  readonly lastEvent: string | null;
  /** Audit events in custody inside the window. */
  readonly eventsInWindow: number;
  readonly gaps: readonly CoverageGap[];
  readonly reasons: readonly Reason[];
}

const HOUR = 3_600_000;
const DAY = 86_400_000;
/**
 * Silences at the edges of the logs in custody up to this long (a long weekend) are judged by the
 * rhythm; longer ones are missing logs, whatever the rhythm predicts.
 */
const EDGE_TOLERANCE = 3 * DAY;
/** Two weeks: every weekday hour seen ten times, every weekend hour four times. */
const MIN_RHYTHM_SPAN = 14 * DAY;
const iso = (ms: number) => new Date(ms).toISOString();
const day = (text: string) => text.slice(0, 10);

export function auditCoverage(
  system: string,
  logging: AuditLogging | null,
  source: AuditSource | null,
  window: { readonly start: string; readonly end: string },
  timeZone: string,
  now: Date,
): SystemCoverage {
  const reasons: Reason[] = [];
  const add = (code: ReasonCode, text: string, span?: { from: string; to: string }) => reasons.push({ code, system, text, ...span });
  const start = Date.parse(window.start);
  const end = Date.parse(window.end);
  const hours = [...(source?.hours.keys() ?? [])].sort((a, b) => a - b);
  const first = hours[0];
  const last = hours[hours.length - 1];
  const base = {
    system,
    granularity: logging?.granularity ?? null,
    enabledSince: logging?.enabled_since ?? null,
    retentionDays: logging?.retention_days ?? null,
    limits: logging?.limits ?? null,
    firstEvent: first === undefined ? null : iso(first),
    lastEvent: last === undefined ? null : iso(last + HOUR - 1),
  };
  let inWindow = 0;
  for (const [h, n] of source?.hours ?? []) if (h + HOUR > start && h <= end) inWindow += n;

  if (!logging) {
    add('no-audit-facts', `${system}: the inventory does not say what its audit log records (audit_logging)`);
    return { ...base, eventsInWindow: inWindow, gaps: [], reasons };
  }
  if (logging.granularity === 'none') {
    add('no-logging', `${system}: data access is not audited${logging.limits ? ` (${logging.limits})` : ''}`);
    return { ...base, eventsInWindow: inWindow, gaps: [], reasons };
  }
  if (logging.enabled_since === null) add('enabled-late', `${system}: since when its audit runs is not known`);
  else if (Date.parse(logging.enabled_since) > start) add('enabled-late', `${system}: audit enabled only on ${day(logging.enabled_since)}, after the window opens (${day(window.start)})`, { from: window.start, to: logging.enabled_since });
  if (logging.limits) add('limits', `${system}: known limits of its audit: ${logging.limits}`);

  // What the retention leaves of the window at collection time (or today, if not yet collected).
  const collected = source?.collectedAt ? Date.parse(source.collectedAt) : now.getTime();
  const reachesBack = logging.retention_days === null ? null : collected - logging.retention_days * DAY;
  const retentionCuts = reachesBack !== null && reachesBack > start;
  const retentionText = () =>
    `${system}: the audit keeps ${logging.retention_days} days; ${source?.collectedAt ? `collected on ${day(source.collectedAt)}` : 'today'} it reached back only to ${day(iso(reachesBack!))}, after the window opens`;

  if (first === undefined || last === undefined) {
    if (retentionCuts) add('retention', retentionText(), { from: window.start, to: iso(reachesBack!) });
    add('not-in-custody', `${system}: none of its audit events are in custody${retentionCuts ? '' : ' (still within retention: collect them)'}`, { from: window.start, to: window.end });
    return { ...base, eventsInWindow: 0, gaps: [], reasons };
  }
  // Beyond the events in custody the rhythm vouches for little: a silence longer than
  // EDGE_TOLERANCE before the first or after the last event is missing logs (or retention).
  const after = last + HOUR;
  if (retentionCuts && first > start) add('retention', retentionText(), { from: window.start, to: iso(Math.min(first, reachesBack!)) });
  const leadingMissing = first - start > EDGE_TOLERANCE;
  const trailingMissing = end - after > EDGE_TOLERANCE;
  if (leadingMissing && !(retentionCuts && reachesBack! >= first - DAY)) {
    add('not-in-custody', `${system}: no audit events in custody before ${iso(first).slice(0, 16)} UTC; the window opens ${window.start.slice(0, 16)}`, { from: window.start, to: iso(first) });
  }
  if (trailingMissing) add('not-in-custody', `${system}: no audit events in custody after ${iso(after).slice(0, 16)} UTC; the window closes ${window.end.slice(0, 16)}`, { from: iso(after), to: window.end });
  if (end > collected) add('not-in-custody', `${system}: the window runs past the collection of its audit (${day(iso(collected))}): later accesses are not in custody`, { from: iso(collected), to: window.end });
  // A rhythm needs each weekday and weekend hour seen a few times: a shorter log cannot tell a quiet hour from a missing one.
  if (last - first < MIN_RHYTHM_SPAN && end - start > last - first) add('short-span', `${system}: its audit events in custody span ${((last - first) / DAY).toFixed(1)} days, too short to tell quiet hours from missing logs`);
  // The rhythm judges the window within the custody span and the short edges next to it.
  const within = { from: Math.floor((leadingMissing ? first : start) / HOUR) * HOUR, to: Math.floor((trailingMissing ? last : end) / HOUR) * HOUR };
  const gaps = within.to >= within.from ? findGaps(source!.hours, first, last, timeZone, within) : [];
  for (const gap of gaps) {
    const where = Date.parse(gap.to) <= first ? 'before the first event in custody' : Date.parse(gap.from) > last ? 'after the last event in custody' : 'in the window';
    add('gap', `${system}: no audit events ${gap.from.slice(0, 16)} → ${gap.to.slice(0, 16)} UTC (${where}; about ${gap.expectedEvents} expected)`, { from: gap.from, to: gap.to });
  }
  if (source!.failures > 0) add('parse-failures', `${system}: ${source!.failures} audit line(s) could not be parsed; accesses may be among them`);
  return { ...base, eventsInWindow: inWindow, gaps, reasons };
}
