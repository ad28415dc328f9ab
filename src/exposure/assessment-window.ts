import type { ExposureWindow } from '../advisory/exposure-window.js';
import type { FootprintEntity } from '../detection/footprint.js';

/**
 * The window an exposure verdict must cover (issue 6 §4): from the moment the attacker could first
 * have been in (the earliest vulnerable-since of an affected finding, or the footprint's first
 * activity if earlier) to the moment they could last have been (the latest fix or disconnection,
 * or the footprint's last activity if later; "now" while a finding is still open).
 *
 * When a finding's start is only a lower bound ("vulnerable at the latest since" the inventory
 * snapshot), nothing before it can ever be covered: every verdict that is not *shown* stays
 * *undeterminable* for that reason. An analyst may record a narrower window with a reason (for
 * instance the date the gateway was commissioned, from a change record); the verdicts then hold
 * for that window only, and the report says so next to each of them.
 */

export interface WindowChoice {
  readonly start: string;
  readonly end: string | null;
  readonly reason: string;
  readonly actor: string;
  readonly at: string;
}

export interface AssessmentWindow {
  readonly start: string;
  readonly end: string;
  /** The start is "at the latest": the true window may begin earlier than anything can show. */
  readonly startIsLowerBound: boolean;
  /** A finding is still open: the window runs until now. */
  readonly open: boolean;
  /** What the window was derived from, before any analyst choice. */
  readonly derived: { readonly start: string; readonly end: string; readonly startIsLowerBound: boolean; readonly basis: readonly string[] };
  readonly choice: WindowChoice | null;
}

export interface WindowFinding {
  readonly asset: string;
  readonly vulnerability: string;
  readonly window: ExposureWindow;
}

/** The footprint kinds that are the attacker's own activity (an account is the victim's, all along). */
const ACTIVITY_KINDS = new Set(['address', 'session', 'process']);

export function assessmentWindow(findings: readonly WindowFinding[], entities: readonly FootprintEntity[], now: Date, choice: WindowChoice | null): AssessmentWindow | null {
  const basis: string[] = [];
  let start = Infinity;
  let end = -Infinity;
  let lowerBound = false;
  let open = false;
  for (const f of findings) {
    // Versions whose state could not be decided may have been vulnerable earlier than the window says.
    if (f.window.undecided.length > 0) {
      lowerBound = true;
      basis.push(`${f.asset} ${f.vulnerability}: versions ${f.window.undecided.join(', ')} could not be judged, so the window may open earlier`);
    }
    if (f.window.start === null) continue;
    const s = Date.parse(f.window.start);
    start = Math.min(start, s);
    // "At the latest" on any finding leaves the union's start unknown, whichever starts first.
    if (f.window.startIsLowerBound) lowerBound = true;
    if (f.window.end === null) open = true;
    else end = Math.max(end, Date.parse(f.window.end));
    basis.push(`${f.asset} ${f.vulnerability}: ${f.window.startIsLowerBound ? '≤ ' : ''}${f.window.start} → ${f.window.end ?? 'open'}`);
  }
  for (const e of entities) {
    if (!ACTIVITY_KINDS.has(e.kind) || e.first === null || e.last === null) continue;
    const first = Date.parse(e.first);
    if (first < start) {
      start = first;
      lowerBound = true; // the attacker was in before any finding says: when they came in is not known
      basis.push(`footprint ${e.kind} ${e.value} active from ${e.first}, before any finding's window`);
    }
    end = Math.max(end, Date.parse(e.last));
  }
  if (open) end = now.getTime();
  if (!Number.isFinite(start) || !Number.isFinite(end)) {
    if (!choice) return null;
    // Nothing to derive from: the analyst's window stands alone, and says so.
    const chosenEnd = choice.end ?? now.toISOString();
    return { start: choice.start, end: chosenEnd, startIsLowerBound: false, open: choice.end === null, derived: { start: choice.start, end: chosenEnd, startIsLowerBound: false, basis: ['no finding and no footprint: the analyst’s choice alone'] }, choice };
  }
  const derived = { start: new Date(start).toISOString(), end: new Date(end).toISOString(), startIsLowerBound: lowerBound, basis };
  if (!choice) return { start: derived.start, end: derived.end, startIsLowerBound: lowerBound, open, derived, choice: null };
  return {
    start: choice.start,
    end: choice.end ?? derived.end,
    // The analyst's start is a decision with a reason, not a lower bound.
    startIsLowerBound: false,
    open: choice.end === null && open,
    derived,
    choice,
  };
}

/** The part of the derived window the analyst's choice leaves out, for the report's caveat. */
export function excludedByChoice(window: AssessmentWindow): { before: string | null; after: string | null } {
  if (!window.choice) return { before: null, after: null };
  const before = Date.parse(window.start) > Date.parse(window.derived.start) || window.derived.startIsLowerBound ? window.start : null;
  const after = Date.parse(window.end) < Date.parse(window.derived.end) ? window.end : null;
  return { before, after };
}
