import type { Asset, DataCategory } from '../inventory/inventory-model.js';
import type { AssessmentWindow } from './assessment-window.js';
import type { Reason, SystemCoverage } from './audit-coverage.js';
import type { PossibleTransfer } from './exfiltration.js';
import type { SystemReach } from './system-reach.js';
import type { TableAccess, TouchedRecord } from './touched-records.js';

/**
 * One verdict per data category and per system that holds it (issue 6 §4), three-valued:
 *
 * - *shown*: the footprint touched records of the category (or, on a system audited per table
 *   only, a table that holds nothing but the category: the whole table is presumed read, the
 *   exposure reference's conservative rule for pgAudit-like logs);
 * - *ruled out within coverage*: every system that holds the category has a record- or
 *   table-level audit that covers the whole window without a gap, and the footprint touched none
 *   of it;
 * - *undeterminable*: anything else, with every reason (no logging, a gap, late enabling,
 *   retention, known limits, table granularity where the category is only part of a table, a
 *   window whose start is unknown).
 * A *shown* category also says whether its extent is complete within coverage or not (the same
 * reasons): "these records at least" is not "these records".
 */

export type Verdict = 'shown' | 'ruled-out' | 'undeterminable';

export interface SystemVerdict extends SystemCoverage {
  readonly verdict: Verdict;
  /** The footprint's connections to this system in the gateway log (inventory addresses needed). */
  readonly reached: SystemReach | null;
  readonly recordsTouched: number;
  readonly tablesTouched: readonly string[];
}

export interface CategoryVerdict {
  readonly category: string;
  readonly name: string;
  readonly sensitivity: string;
  readonly personalData: boolean;
  readonly verdict: Verdict;
  /** For *shown*: whether the touched records are all there is to know within the window. */
  readonly extent: 'complete' | 'undeterminable' | null;
  readonly reasons: readonly Reason[];
  readonly recordsTouched: number;
  readonly accesses: number;
  readonly actions: readonly string[];
  readonly firstAccess: string | null;
  readonly lastAccess: string | null;
  readonly bytes: number;
  /** Transfers after reads of this category by the same footprint entity: possible, never shown. */
  readonly possibleExfiltration: readonly { readonly time: string; readonly destination: string; readonly bytesOut: number; readonly attribution: string; readonly evidence: string }[];
  readonly systems: readonly SystemVerdict[];
  /** Custody of the first accesses (file:line), a few per category. */
  readonly evidence: readonly string[];
}

const EVIDENCE_REFS = 5;
/** Accesses that may be the attacker's but need not be: each keeps the verdict open. */
const UNSURE: readonly (readonly ['ambiguous' | 'exposed-account', string])[] = [
  ['ambiguous', "were accessed through a hijacked session's address by a client like the owner's (the owner working on, or the thief imitating their browser)"],
  ['exposed-account', 'were accessed by accounts whose credentials were exposed (their owners, or whoever held the credentials)'],
];

export function exposureVerdicts(input: {
  readonly categories: readonly DataCategory[];
  readonly assets: readonly Pick<Asset, 'id' | 'data_categories'>[];
  readonly window: AssessmentWindow;
  readonly coverage: ReadonlyMap<string, SystemCoverage>;
  readonly touched: readonly TouchedRecord[];
  readonly tables: readonly TableAccess[];
  readonly transfers?: readonly PossibleTransfer[];
  readonly reach?: ReadonlyMap<string, SystemReach>;
}): CategoryVerdict[] {
  const { window } = input;
  return input.categories.map((category) => {
    const holders = new Set([...input.assets.filter((a) => a.data_categories.includes(category.id)).map((a) => a.id), ...category.selectors.map((s) => s.system)]);
    const all = input.touched.filter((r) => r.category === category.id);
    const touched = all.filter((r) => r.attribution === 'footprint');
    const ambiguous = all.filter((r) => r.attribution !== 'footprint');
    const tables = input.tables;
    const systems = [...holders].sort().map((system) => ({ ...systemVerdict(system, category, input.coverage.get(system), touched, ambiguous, tables), reached: input.reach?.get(system) ?? null }));
    const reasons: Reason[] = systems.flatMap((s) => s.reasons);
    if (window.startIsLowerBound) {
      reasons.unshift({
        code: 'window-start-unknown',
        system: null,
        text: `the window opens at the latest on ${window.start.slice(0, 10)} (the vulnerability predates what the inventory's history shows); nothing before it can be covered`,
        to: window.start,
      });
    }
    const shown = systems.some((s) => s.verdict === 'shown');
    const verdict: Verdict = shown ? 'shown' : reasons.length === 0 && systems.length > 0 ? 'ruled-out' : 'undeterminable';
    if (systems.length === 0) reasons.push({ code: 'no-audit-facts', system: null, text: 'no system in the inventory holds this category' });
    const times = touched.flatMap((r) => [r.first, r.last]).sort();
    return {
      category: category.id,
      name: category.name,
      sensitivity: category.sensitivity,
      personalData: category.personal_data,
      verdict,
      extent: shown ? (reasons.length === 0 ? 'complete' : 'undeterminable') : null,
      reasons,
      recordsTouched: touched.length,
      accesses: touched.reduce((n, r) => n + r.events, 0),
      actions: [...new Set(touched.flatMap((r) => r.actions))].sort(),
      firstAccess: times[0] ?? null,
      lastAccess: times[times.length - 1] ?? null,
      bytes: touched.reduce((n, r) => n + r.bytes, 0),
      possibleExfiltration: (input.transfers ?? [])
        .filter((t) => t.categories.includes(category.id))
        .map((t) => ({ time: t.time, destination: t.destination, bytesOut: t.bytesOut, attribution: t.attribution, evidence: `${t.file}:${t.line}` })),
      systems,
      evidence: [...touched].sort((a, b) => a.first.localeCompare(b.first)).slice(0, EVIDENCE_REFS).map((r) => `${r.file}:${r.line}`),
    };
  });
}

function systemVerdict(
  system: string,
  category: DataCategory,
  coverage: SystemCoverage | undefined,
  touched: readonly TouchedRecord[],
  ambiguous: readonly TouchedRecord[],
  tables: readonly TableAccess[],
): Omit<SystemVerdict, 'reached'> {
  const cover: SystemCoverage = coverage ?? {
    system,
    granularity: null,
    enabledSince: null,
    retentionDays: null,
    limits: null,
    firstEvent: null,
    lastEvent: null,
    eventsInWindow: 0,
    gaps: [],
    reasons: [{ code: 'no-audit-facts', system, text: `${system}: not in the inventory, so nothing is known about its audit` }],
  };
  const records = touched.filter((r) => r.system === system).length;
  const reasons = [...cover.reasons];
  for (const [code, text] of UNSURE) {
    const unsure = ambiguous.filter((r) => r.system === system && r.attribution === code);
    if (unsure.length === 0) continue;
    const times = unsure.flatMap((r) => [r.first, r.last]).sort();
    reasons.push({ code, system, text: `${system}: ${unsure.length} record(s) ${text}: listed by \`exposure records\`, not counted as shown`, from: times[0]!, to: times[times.length - 1]! });
  }
  const selectors = category.selectors.filter((s) => s.system === system);
  // Accesses without a record id: reads logged per table, and searches. Which belong to the
  // category, and whether wholly; the unsure ones (ambiguous, exposed accounts) keep it open.
  const tablesTouched: string[] = [];
  let wholeTable = false;
  for (const access of tables.filter((t) => t.system === system)) {
    const matching = selectors.filter((s) => s.record_types.length === 0 || (access.table !== null && s.record_types.includes(access.table)));
    if (matching.length === 0) continue;
    const what = access.table ?? '(no record type)';
    if (access.attribution !== 'footprint') {
      reasons.push({ code: access.attribution, system, text: `${system}: ${access.events} ${access.kind === 'search' ? 'search(es)' : `read(s) of ${what}`} without a record id by ${access.via}, not counted as shown`, from: access.first, to: access.last });
    } else if (access.kind === 'search') {
      reasons.push({ code: 'unrecorded-access', system, text: `${system}: the footprint searched ${access.events} time(s) (${what}); which records the results showed is not logged`, from: access.first, to: access.last });
    } else {
      tablesTouched.push(what);
      const whole = access.table !== null && matching.some((s) => s.record_ids.length === 0 && s.path_prefixes.length === 0 && s.tags.length === 0);
      if (whole) wholeTable = true;
      else reasons.push({ code: 'table-granularity', system, text: `${system}: the footprint read ${what} without a record id; it holds only part of this category, and the audit does not say which rows`, from: access.first, to: access.last });
    }
  }
  if (selectors.some((s) => s.tags.length > 0)) {
    reasons.push({ code: 'no-audit-facts', system, text: `${system}: a selector of this category needs tags, which audit events do not carry: those accesses cannot be told` });
  }
  if (selectors.length === 0 && cover.granularity !== null && cover.granularity !== 'none' && cover.eventsInWindow > 0) {
    reasons.push({ code: 'no-audit-facts', system, text: `${system}: holds this category, but no selector says which of its audit events touch it` });
  }
  const verdict: Verdict = records > 0 || wholeTable ? 'shown' : reasons.length === 0 ? 'ruled-out' : 'undeterminable';
  return { ...cover, reasons, verdict, recordsTouched: records, tablesTouched };
}
