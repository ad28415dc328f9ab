import type { EventStore } from '../store/event-store.js';
import { type Expr, and, caseWhen, col, compare, count, epochMs, eq, insertSelect, isIn, isNull, max, min, select, val } from '../store/query-node.js';
import type { DetectionRule } from './detection-rule.js';

/**
 * Runs detections over the event store. Each rule is one INSERT … SELECT inside the engine: the
 * matching events are copied into `detections` with the rule, its verdict and the event's custody
 * (file, line, byte offset), so matches never travel through JavaScript and every detection cites
 * its evidence. A rule the engine rejects is reported with the engine's reason, and the hunt goes on.
 */

export interface RuleOutcome {
  readonly rule: DetectionRule;
  readonly hits: number;
  readonly error: string | null;
}

export interface HuntSummaryRow {
  readonly ruleId: string;
  readonly title: string;
  readonly ruleset: string;
  readonly verdict: string;
  readonly confidence: string;
  readonly hits: number;
  /** Hits before the host's fix (or while it has none), and after it. */
  readonly beforeFix: number;
  readonly afterFix: number;
  readonly first: string | null;
  readonly last: string | null;
}

/** The event columns every detection copies: its time, custody and the entities it names. */
export const DETECTION_EVENT_COLUMNS: readonly [string, Expr][] = [
  ['@timestamp', col('@timestamp')],
  ['weerbaar.evidence_sha256', col('weerbaar.evidence_sha256')],
  ['log.file.path', col('log.file.path')],
  ['weerbaar.line', col('weerbaar.line')],
  ['log.offset', col('log.offset')],
  ['event.dataset', col('event.dataset')],
  ['event.action', col('event.action')],
  ['host.name', col('host.name')],
  ['source.ip', col('source.ip')],
  ['user.name', col('user.name')],
  ['weerbaar.session_id', col('weerbaar.session_id')],
  ['message', col('message')],
];

/**
 * `scope` limits every rule to some events (a `--since` run, our own scanners left out).
 * `fixRelation` computes, per event, whether it lies before or after its host's fix (see
 * fixRelationOf); without it every detection says UNKNOWN.
 */
export async function runRules(
  store: EventStore,
  huntId: string,
  rules: readonly DetectionRule[],
  options: { fixRelation?: Expr; scope?: Expr; onRule?: (done: number, total: number) => void } = {},
): Promise<RuleOutcome[]> {
  const onRule = options.onRule;
  const outcomes: RuleOutcome[] = [];
  for (const rule of rules) {
    const constants: [string, Expr][] = [
      ['weerbaar.hunt_id', val(huntId)],
      ['rule.id', val(rule.id)],
      ['rule.name', val(rule.title)],
      ['rule.ruleset', val(rule.ruleset)],
      ['weerbaar.level', val(rule.level)],
      ['weerbaar.verdict', val(rule.verdict)],
      ['weerbaar.confidence', val(rule.confidence)],
      ['weerbaar.fix_relation', options.fixRelation ?? val('UNKNOWN')],
    ];
    const node = insertSelect('detections', select({ from: 'events', columns: [...constants, ...DETECTION_EVENT_COLUMNS].map(([as, expr]) => ({ expr, as })), where: options.scope ? and(rule.where, options.scope) : rule.where }));
    try {
      outcomes.push({ rule, hits: await store.execute(node), error: null });
    } catch (error) {
      outcomes.push({ rule, hits: 0, error: (error as Error).message.split('\n')[0] ?? 'failed' });
    }
    onRule?.(outcomes.length, rules.length);
  }
  return outcomes;
}

/** Per rule of one hunt: hits and the first and last event time. */
export async function huntSummary(store: EventStore, huntId: string): Promise<HuntSummaryRow[]> {
  const rows = await store.query(
    select({
      from: 'detections',
      columns: [
        { expr: col('rule.id'), as: 'id' },
        { expr: col('rule.name'), as: 'title' },
        { expr: col('rule.ruleset'), as: 'ruleset' },
        { expr: col('weerbaar.verdict'), as: 'verdict' },
        { expr: col('weerbaar.confidence'), as: 'confidence' },
        { expr: count(), as: 'hits' },
        { expr: count(caseWhen([{ when: isIn(col('weerbaar.fix_relation'), ['BEFORE', 'UNPATCHED']), then: val(1) }], val(null))), as: 'before' },
        { expr: count(caseWhen([{ when: eq(col('weerbaar.fix_relation'), val('AFTER')), then: val(1) }], val(null))), as: 'after' },
        { expr: epochMs(min(col('@timestamp'))), as: 'first' },
        { expr: epochMs(max(col('@timestamp'))), as: 'last' },
      ],
      where: eq(col('weerbaar.hunt_id'), val(huntId)),
      groupBy: [col('rule.id'), col('rule.name'), col('rule.ruleset'), col('weerbaar.verdict'), col('weerbaar.confidence')],
      orderBy: [{ expr: col('rule.id') }],
    }),
  );
  const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(Number(v)).toISOString());
  return rows.map((r) => ({
    ruleId: String(r['id']),
    title: String(r['title']),
    ruleset: String(r['ruleset']),
    verdict: String(r['verdict']),
    confidence: String(r['confidence']),
    hits: Number(r['hits']),
    beforeFix: Number(r['before']),
    afterFix: Number(r['after']),
    first: iso(r['first']),
    last: iso(r['last']),
  }));
}

/** Per host: when its last vulnerability was fixed, or null while one is still open. */
export type HostFixes = ReadonlyMap<string, number | null>;

/**
 * The BEFORE/AFTER-fix tag of an event (NetScaler reference C2): what happened before the fix may
 * be exploitation of the vulnerability; what happens after it is renewed access (stolen sessions,
 * credentials, persistence) — the distinction the board's question "were we exploited, also where
 * already patched?" rests on.
 */
export function fixRelationOf(fixes: HostFixes): Expr {
  const whens: { when: Expr; then: Expr }[] = [];
  for (const [host, fixedAt] of fixes) {
    const onHost = eq(col('host.name'), val(host));
    whens.push({ when: and(onHost, isNull(col('@timestamp'))), then: val('UNKNOWN') });
    if (fixedAt === null) whens.push({ when: onHost, then: val('UNPATCHED') });
    else {
      whens.push({ when: and(onHost, compare('<', epochMs(col('@timestamp')), val(fixedAt))), then: val('BEFORE') });
      whens.push({ when: onHost, then: val('AFTER') });
    }
  }
  return whens.length === 0 ? val('UNKNOWN') : caseWhen(whens, val('UNKNOWN'));
}

/** The same tag for a detection made in JavaScript (the triage rules), at `time` on `host`. */
export function fixRelationAt(fixes: HostFixes, host: string | null, time: number | null): string {
  if (host === null || time === null || !fixes.has(host)) return 'UNKNOWN';
  const fixedAt = fixes.get(host);
  if (fixedAt === null || fixedAt === undefined) return 'UNPATCHED';
  return time < fixedAt ? 'BEFORE' : 'AFTER';
}
