import { type Footprint, processEvents } from '../detection/footprint.js';
import { footprintAccesses } from '../exposure/touched-records.js';
import type { AttackLineKind } from '../scenario/scenario-log-common.js';
import type { ScenarioLogsTruth } from '../scenario/scenario-logs.js';
import { and, col, isIn, not, select } from '../store/query-node.js';
import type { Expr } from '../store/query-node.js';
import type { AppContext } from './app-context.js';

/**
 * Judges the hunt line by line against the attack's ground truth: which log lines does the
 * platform attribute to the attacker, and which lines did the attack write? Attributed are the
 * lines of ATTEMPT/COMPROMISE detections and every line of the footprint's addresses and shell
 * processes (what an analyst gets when they follow the footprint). REVIEW detections are leads
 * for an analyst, not attributions, and are not counted.
 *
 * Not judged here, with the reason: the stolen session's HTTPREQUEST lines (NetScaler logs them
 * with the session's login address — the victim's — so no log-based method can tell them from the
 * victim's own requests; they lie inside the session span on the timeline), and the data reads and
 * the upload, which the exposure analysis judges.
 */

export const NOT_JUDGED: Readonly<Partial<Record<AttackLineKind, string>>> = {
  'hijack-request': "logged with the victim's login address: indistinguishable from the victim's own requests",
  'data-access': 'judged by the exposure analysis (which records were read)',
  exfiltration: 'judged by the exposure analysis (possible exfiltration)',
};

export interface Attribution {
  /** Lines of the truth that are judged, and lines the platform attributes. */
  readonly truth: number;
  readonly attributed: number;
  readonly correct: number;
  readonly precision: number;
  readonly recall: number;
  /** A few lines on either side of the difference, `file:line (kind)`, for the summary. */
  readonly missed: readonly string[];
  readonly extra: readonly string[];
  readonly notJudged: readonly { readonly kind: string; readonly lines: number; readonly reason: string }[];
}

export async function attributeAttack(app: AppContext, truth: ScenarioLogsTruth, print: Footprint, evidencePathOf: (truthPath: string) => string): Promise<Attribution> {
  const store = await app.events();
  const key = (path: unknown, line: unknown) => `${String(path)}:${String(line)}`;
  const lines = async (from: 'events' | 'detections', where: Expr) =>
    (await store.query(select({ from, columns: [{ expr: col('log.file.path'), as: 'path' }, { expr: col('weerbaar.line'), as: 'line' }], where, groupBy: [col('log.file.path'), col('weerbaar.line')] }))).map((r) => key(r['path'], r['line']));
  // Triage findings are files, canary sightings evidence that data left (a leak export's line): neither is a line the attacker wrote.
  const attributed = new Set(await lines('detections', and(isIn(col('weerbaar.verdict'), ['ATTEMPT', 'COMPROMISE']), not(isIn(col('rule.ruleset'), ['triage', 'canary'])))));
  const addresses = print.entities.filter((e) => e.kind === 'address').map((e) => e.value);
  if (addresses.length > 0) for (const k of await lines('events', isIn(col('source.ip'), addresses))) attributed.add(k);
  const shells = processEvents(print.entities.filter((e) => e.kind === 'process').map((e) => e.value));
  if (shells) for (const k of await lines('events', shells)) attributed.add(k);

  const judged = truth.attackLines.filter((l) => NOT_JUDGED[l.kind] === undefined);
  const kindOf = new Map(judged.map((l) => [key(evidencePathOf(l.path), l.line), l.kind]));
  // Attacker lines of the kinds not judged here (the upload) may be attributed too — rightly; they
  // are left out of both sides rather than counted for or against.
  for (const l of truth.attackLines) if (NOT_JUDGED[l.kind] !== undefined) attributed.delete(key(evidencePathOf(l.path), l.line));
  const correct = [...kindOf.keys()].filter((k) => attributed.has(k)).length;
  const notJudged = Object.entries(NOT_JUDGED).map(([kind, reason]) => ({ kind, reason: reason ?? '', lines: truth.attackLines.filter((l) => l.kind === kind).length }));
  return {
    truth: kindOf.size,
    attributed: attributed.size,
    correct,
    precision: attributed.size === 0 ? 0 : correct / attributed.size,
    recall: kindOf.size === 0 ? 0 : correct / kindOf.size,
    missed: [...kindOf].filter(([k]) => !attributed.has(k)).slice(0, 5).map(([k, kind]) => `${k} (${kind})`),
    extra: [...attributed].filter((k) => !kindOf.has(k)).slice(0, 5),
    notJudged,
  };
}

/**
 * The attacker's record accesses (issue 6: touched records) against the planted data reads, line
 * by line: every access the footprint attributes must be a planted read, and every planted read
 * that was written (the logging gap swallowed some) must be attributed.
 */
export async function attributeAccesses(
  app: AppContext,
  truth: ScenarioLogsTruth,
  print: Footprint,
  evidencePathOf: (truthPath: string) => string,
  attribution: 'footprint' | 'ambiguous' = 'footprint',
): Promise<{ truth: number; attributed: number; correct: number; precision: number; recall: number }> {
  const store = await app.events();
  const where = await footprintAccesses(store, print, attribution);
  const attributed = new Set(
    where === null
      ? []
      : (await store.query(select({ from: 'events', columns: [{ expr: col('log.file.path'), as: 'path' }, { expr: col('weerbaar.line'), as: 'line' }], where }))).map((r) => `${String(r['path'])}:${String(r['line'])}`),
  );
  const planted = new Set(truth.attackLines.filter((l) => l.kind === 'data-access').map((l) => `${evidencePathOf(l.path)}:${l.line}`));
  const correct = [...planted].filter((k) => attributed.has(k)).length;
  return { truth: planted.size, attributed: attributed.size, correct, precision: attributed.size === 0 ? 0 : correct / attributed.size, recall: planted.size === 0 ? 0 : correct / planted.size };
}
