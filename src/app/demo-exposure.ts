import type { Footprint } from '../detection/footprint.js';
import { LOG_START_MS } from '../scenario/scenario-log-common.js';
import type { Scenario } from '../scenario/example-prosecution-service.js';
import { AWARENESS, CANARIES, DECOY_SHELTER, NOTIFICATIONS, allAssets } from '../scenario/example-prosecution-service.js';
import { and, col, epochMs, eq, select, val } from '../store/query-node.js';
import { type ClocksReport, clocks, recordAwareness, recordSubmission } from './clock-service.js';
import type { ScenarioLogsTruth } from '../scenario/scenario-logs.js';
import type { AppContext } from './app-context.js';
import { attributeAccesses } from './demo-attribution.js';
import { type ExposureReport, chooseExposureWindow, exposureReport } from './exposure-service.js';
import { type TruthCheck, truthCheck as check } from './truth-check.js';

/**
 * The demo's exposure step (issue 6): the window is chosen as an analyst would have to — the
 * derived window opens "at the latest" on the inventory snapshot, before the collected logs, so
 * without a choice every verdict would be undeterminable — and the verdicts are checked against
 * the scenario: the planted reads exactly, the planted gap as the reason its category stays open,
 * and every category that is fully audited and untouched ruled out.
 */

export interface DemoExposure {
  readonly report: ExposureReport;
  readonly clocks: ClocksReport;
  readonly accesses: { readonly truth: number; readonly attributed: number; readonly correct: number; readonly precision: number; readonly recall: number; readonly ambiguous: number };
  readonly checks: TruthCheck[];
}

const DAY = 86_400_000;

export async function demoExposure(
  app: AppContext,
  scenario: Scenario,
  truth: ScenarioLogsTruth,
  print: Footprint,
  evidencePathOf: (truthPath: string) => string,
  canaries: { huntId: string; leak: { file: string; line: number } },
): Promise<DemoExposure> {
  const logsBegin = new Date(Math.ceil(LOG_START_MS / DAY) * DAY).toISOString();
  await chooseExposureWindow(app, {
    start: logsBegin,
    reason: `the collected gateway and application logs begin on ${logsBegin.slice(0, 10)}; the gateways were vulnerable at the latest since the inventory snapshot, before that — nothing earlier can be judged`,
  });
  const report = await exposureReport(app, print);
  await recordAwareness(app, AWARENESS);
  for (const n of NOTIFICATIONS) await recordSubmission(app, n);
  const clockReport = await clocks(app, report);
  const accesses = await attributeAccesses(app, truth, print, evidencePathOf);
  const ambiguous = await attributeAccesses(app, truth, print, evidencePathOf, 'ambiguous');

  const shownCategories = [...new Set(truth.reads.filter((r) => r.visible && r.recordId !== null).map((r) => r.category))].sort();
  const read = new Set(truth.reads.map((r) => r.category));
  const assets = allAssets(scenario);
  const fullyAudited = scenario.dataCategories
    .filter((c) => !read.has(c.id))
    .filter((c) => {
      const holders = new Set([...assets.filter((a) => a.data_categories.includes(c.id)).map((a) => a.id), ...c.selectors.map((s) => s.system)]);
      return holders.size > 0 && [...holders].every((h) => assets.find((a) => a.id === h)?.audit_logging?.granularity === 'record');
    })
    .map((c) => c.id)
    .sort();
  const verdictOf = (id: string) => report.categories.find((c) => c.category === id);
  const gapReasons = (verdictOf(truth.gap.category)?.reasons ?? []).filter((r) => r.code === 'gap' && r.system === truth.gap.system);
  const overlapsGap = gapReasons.some((r) => Date.parse(r.from ?? '') < Date.parse(truth.gap.to) && Date.parse(r.to ?? '') > Date.parse(truth.gap.from));
  const checks = [
    check('record reads attributed to the footprint: precision and recall (exposure records)', { precision: 1, recall: 1 }, { precision: accesses.precision, recall: accesses.recall }),
    check('categories shown read: those with planted reads the logs show', shownCategories, report.categories.filter((c) => c.verdict === 'shown').map((c) => c.category).sort()),
    check(`planted logging gap keeps ${truth.gap.category} open (extent undeterminable, reason: gap in ${truth.gap.system})`, { extent: 'undeterminable', gap: true }, { extent: verdictOf(truth.gap.category)?.extent ?? null, gap: overlapsGap }),
    check('categories ruled out within coverage: untouched and audited per record on every system that holds them', fullyAudited, report.categories.filter((c) => c.verdict === 'ruled-out').map((c) => c.category).sort()),
    // The upload, and nothing else: the owner's own uploads through the same address are not flagged.
    check(
      'possible exfiltration found: exactly the planted upload, carried by the thief’s gateway connection',
      [{ time: truth.transfer.time, source: truth.transfer.src, destination: truth.transfer.dst, bytesOut: truth.transfer.bytesOut, attribution: 'footprint' }],
      report.transfers.map((t) => ({ time: t.time, source: t.source, destination: t.destination, bytesOut: t.bytesOut, attribution: t.attribution })),
    ),
    check(
      'systems holding data that the thief reached, with the connections the gateway logged',
      Object.fromEntries(
        assets
          .filter((a) => a.data_categories.length > 0 && a.addresses.length > 0)
          .map((a) => [a.id, Object.entries(truth.connectionsTo).filter(([d]) => a.addresses.includes(d.split(':')[0]!)).reduce((n, [, c]) => n + c, 0)] as const)
          .filter(([, n]) => n > 0)
          .sort(([x], [y]) => x.localeCompare(y)),
      ),
      Object.fromEntries([...new Map(report.categories.flatMap((c) => c.systems.filter((s) => s.reached).map((s) => [s.system, s.reached!.connections] as const)))].sort(([x], [y]) => x.localeCompare(y))),
    ),
    check('canaries sighted: the decoy shelter opened by the thief, its address in the leak-site export; the beacon never', expectedSightings(truth, canaries.leak), await sightings(app, canaries.huntId)),
    check('regulatory clocks: deadlines from awareness, statuses from the submissions', expectedClocks(), clockReport.clocks.map((c) => ({ obligation: c.obligation, deadline: c.deadline, status: c.status }))),
  ];
  return { report, clocks: clockReport, accesses: { ...accesses, ambiguous: ambiguous.attributed }, checks };
}

/** The clocks worked out by hand from the scenario's facts: 72 h (GDPR), 24 h and 72 h (NIS2), a month after the notification sent. */
function expectedClocks(): { obligation: string; deadline: string; status: string }[] {
  const aware = Date.parse(AWARENESS.at);
  const sent = (obligation: string) => Date.parse(NOTIFICATIONS.find((n) => n.obligation === obligation)!.at);
  const due = (hours: number) => new Date(aware + hours * 3_600_000).toISOString();
  const judged = (obligation: string, deadline: string) => ({ obligation, deadline, status: sent(obligation) <= Date.parse(deadline) ? 'met' : 'late' });
  const notified = new Date(sent('incident-notification'));
  const month = new Date(Date.UTC(notified.getUTCFullYear(), notified.getUTCMonth() + 1, notified.getUTCDate(), notified.getUTCHours(), notified.getUTCMinutes())).toISOString();
  return [judged('art33-notification', due(72)), judged('early-warning', due(24)), judged('incident-notification', due(72)), { obligation: 'final-report', deadline: month, status: 'overdue' }];
}

function expectedSightings(truth: ScenarioLogsTruth, leak: { file: string; line: number }): string[] {
  const decoy = truth.reads.find((r) => r.recordId === DECOY_SHELTER.recordId && r.visible);
  const [honey, address] = CANARIES;
  return [`${honey.label} at ${decoy?.time ?? 'never'}`, `${address.label} at ${leak.file}:${leak.line}`].sort();
}

/** The hunt's canary detections as `label at time` (timed events) or `label at file:line` (untimed evidence such as a leak export). */
async function sightings(app: AppContext, huntId: string): Promise<string[]> {
  const rows = await (await app.events()).query(
    select({
      from: 'detections',
      columns: [{ expr: col('rule.name'), as: 'title' }, { expr: epochMs(col('@timestamp')), as: 't' }, { expr: col('log.file.path'), as: 'file' }, { expr: col('weerbaar.line'), as: 'line' }],
      where: and(eq(col('weerbaar.hunt_id'), val(huntId)), eq(col('rule.ruleset'), val('canary'))),
    }),
  );
  return rows
    .map((r) => {
      const label = CANARIES.map((c) => c.label).find((l) => String(r['title']).includes(`${l} (`)) ?? String(r['title']);
      return `${label} at ${r['t'] === null ? `${String(r['file'])}:${String(r['line'])}` : new Date(Number(r['t'])).toISOString()}`;
    })
    .sort();
}
