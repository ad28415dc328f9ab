import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SourceCoverage } from '../ingest/coverage-ledger.js';
import { countEvents } from '../ingest/event-counts.js';
import type { IngestProgress } from '../ingest/ingest-evidence.js';
import { CANARIES, type Scenario } from '../scenario/example-prosecution-service.js';
import { leakExport } from '../scenario/scenario-leak.js';
import { addCanaries } from './canary-service.js';
import { groundTruth } from '../scenario/ground-truth.js';
import { type ScenarioLogsResult, writeScenarioLogs } from '../scenario/scenario-logs.js';
import { partnerIocBundle } from '../scenario/scenario-iocs.js';
import { packTriageTarball } from '../scenario/triage-tarball.js';
import type { AppContext } from './app-context.js';
import { type TruthCheck, truthCheck as check } from './truth-check.js';
import { addEvidencePaths, evidenceCoverage } from './evidence-service.js';
import { type HuntReport, hunt } from './hunt-service.js';
import { type Attribution, attributeAttack } from './demo-attribution.js';
import { type DemoExposure, demoExposure } from './demo-exposure.js';
import { type DemoIntegrity, demoIntegrity } from './demo-integrity.js';
import { footprint, timeline } from './footprint-service.js';
import type { Footprint } from '../detection/footprint.js';
import { type TimelineEntry, keyMoments } from '../timeline/timeline.js';

/**
 * The demo's evidence step: the scenario's logs are generated, each gateway's logs packed into a
 * triage tarball as a collector would, everything added through `evidence add` (custody, parsing)
 * and the coverage ledger drawn up. The checks compare what the event store holds with the
 * attack's ground truth: counts that only come out right when every line was parsed and kept.
 */

export interface DemoEvidence {
  readonly generated: { readonly files: number; readonly bytes: number; readonly scale: number };
  readonly added: number;
  readonly events: number;
  readonly failures: number;
  readonly coverage: SourceCoverage[];
  /** The built-in NetScaler log rules over the demo's evidence. */
  readonly hunt: HuntReport;
  readonly footprint: Footprint;
  /** The hunt judged line by line against the attack's truth. */
  readonly attribution: Attribution;
  /** Exposure verdicts and the footprint's record accesses against the planted reads (issue 6). */
  readonly exposure: DemoExposure;
  /** Q4 against the document store's pre-window baseline (issue 7). */
  readonly integrity: DemoIntegrity;
  readonly moments: readonly { readonly label: string; readonly entry: TimelineEntry }[];
  readonly checks: TruthCheck[];
}

export async function collectDemoEvidence(
  app: AppContext,
  scenario: Scenario,
  dir: string,
  scale: number,
  onProgress?: (progress: IngestProgress) => void,
): Promise<DemoEvidence> {
  const logs = join(dir, 'logs');
  const generated = await writeScenarioLogs(scenario, logs, { scale });
  const triage = join(dir, 'triage');
  await mkdir(triage, { recursive: true });
  let added = 0;
  let events = 0;
  let failures = 0;
  const add = async (paths: string[], host?: string) => {
    const result = await addEvidencePaths(app, paths, host ? { host } : {}, onProgress);
    added += result.added.filter((a) => a.status === 'added').length;
    for (const p of result.parsed) {
      events += p.stats.events;
      failures += p.stats.failures;
    }
  };
  for (const gateway of ['ns-gw-01', 'ns-gw-02']) {
    const tarball = join(triage, `${gateway}-triage.tgz`);
    await packTriageTarball(join(logs, `gateway-${gateway}`), tarball);
    await add([tarball], gateway);
  }
  await add([join(logs, 'apps'), join(logs, 'network')]);
  // The tripwires planted in March, and the leak-site export that surfaced in November.
  await addCanaries(app, CANARIES.map((c) => ({ ...c })));
  const leak = leakExport(scenario);
  const leakFile = join(dir, leak.path);
  await mkdir(dirname(leakFile), { recursive: true });
  await writeFile(leakFile, leak.text, { mode: 0o600 });
  await add([leakFile]);
  const coverage = await evidenceCoverage(app);
  // The national CSIRT's indicators for this actor (STIX 2.1), as a partner would share them.
  const iocFile = join(dir, 'ncsc-indicators.json');
  await writeFile(iocFile, `${JSON.stringify(partnerIocBundle(generated.truth), null, 2)}\n`, { mode: 0o600 });
  const huntReport = await hunt(app, { iocs: [iocFile] });
  const print = await footprint(app);
  const tarballOf = (gateway: string) => join(triage, `${gateway}-triage.tgz`);
  // Gateway logs went in as triage tarballs (entries relative to the gateway folder), the rest as folders.
  const evidencePathOf = (path: string) => {
    const m = /^gateway-([^/]+)\/(.*)$/.exec(path);
    return m ? `${tarballOf(m[1]!)}!/${m[2]!}` : join(logs, path);
  };
  const attribution = await attributeAttack(app, generated.truth, print, evidencePathOf);
  const exposure = await demoExposure(app, scenario, generated.truth, print, evidencePathOf, { huntId: huntReport.huntId, leak: { file: leakFile, line: leak.canaryLine } });
  const integrity = await demoIntegrity(app, scenario, dir);
  const moments = keyMoments(await timeline(app, print));
  const attempts = huntReport.summary.find((r) => r.ruleId === 'NS-R1');
  const checks = [
    ...(await checkEvidence(app, generated, coverage, failures)),
    // ns.log writes whole seconds: the truth's first attempt is compared at that precision.
    check(
      'CitrixBleed-2 attempts found by the hunt (NS-R1)',
      { hits: generated.truth.aaaAttempts.count, first: `${generated.truth.windows.aaa.first.slice(0, 19)}.000Z` },
      { hits: attempts?.hits ?? 0, first: attempts?.first ?? null },
    ),
    // Every exploit request is a POST to /p/u/doAuthentication.do, in one burst: context, not a verdict.
    check(
      'CitrixBleed-2 probe burst in httpaccess.log (NS-R2, INFO)',
      { hits: generated.truth.aaaAttempts.count, verdict: 'INFO' },
      { hits: huntReport.summary.find((r) => r.ruleId === 'NS-R2')?.hits ?? 0, verdict: huntReport.summary.find((r) => r.ruleId === 'NS-R2')?.verdict ?? null },
    ),
    // The planted attack lies wholly before the gateway's upgrade: every hit is tagged BEFORE the fix.
    check(
      'attack detections tagged before the gateway fix',
      attackRules(huntReport).map((r) => ({ rule: r.ruleId, beforeFix: Date.parse(generated.truth.windows.attack.last) < fixOf(scenario, generated.truth.gateway) ? r.hits : 0 })),
      attackRules(huntReport).map((r) => ({ rule: r.ruleId, beforeFix: r.afterFix === 0 ? r.beforeFix : -r.afterFix })),
    ),
    check(
      'hijacked session found by the hunt (NS-R4), escalated by the attempts',
      [{ session: String(generated.truth.hijackedSession.sessionId), user: generated.truth.hijackedSession.user, to: [generated.truth.hijackedSession.attackerIp], verdict: 'COMPROMISE', connections: generated.truth.hijackedSession.tcpConnections }],
      huntReport.roamingSessions.map((s) => ({
        session: s.sessionId,
        user: s.user,
        to: s.roamedTo,
        verdict: s.escalated ? 'COMPROMISE' : 'REVIEW',
        connections: huntReport.summary.filter((r) => r.ruleId === 'NS-R4').reduce((n, r) => n + r.hits, 0),
      })),
    ),
    check(
      "NCSC's indicators that hit: exactly the attacker's three addresses",
      [generated.truth.attackerIps.exploit, generated.truth.attackerIps.hijack, generated.truth.attackerIps.exfiltration].sort(),
      huntReport.summary.filter((r) => r.ruleId === 'IOC').map((r) => r.title.split(' ')[2] ?? '').sort(),
    ),
    check('attacker log lines attributed by the hunt and footprint: precision and recall', { precision: 1, recall: 1 }, { precision: attribution.precision, recall: attribution.recall }),
    check(
      'attacker footprint: addresses, hijacked session, victim account, shell',
      {
        addresses: [generated.truth.attackerIps.exploit, generated.truth.attackerIps.hijack].sort(),
        sessions: [String(generated.truth.hijackedSession.sessionId)],
        accounts: [generated.truth.hijackedSession.user],
      },
      {
        addresses: print.entities.filter((e) => e.kind === 'address').map((e) => e.value).sort(),
        sessions: print.entities.filter((e) => e.kind === 'session').map((e) => e.value),
        accounts: print.entities.filter((e) => e.kind === 'account').map((e) => e.value),
      },
    ),
    ...exposure.checks,
    ...integrity.checks,
  ];
  return { generated: { files: generated.files.length, bytes: generated.uncompressedBytes, scale }, added, events, failures, coverage, hunt: huntReport, footprint: print, attribution, exposure, integrity, moments, checks };
}

async function checkEvidence(app: AppContext, generated: ScenarioLogsResult, coverage: readonly SourceCoverage[], failures: number): Promise<TruthCheck[]> {
  const { truth } = generated;
  const store = await app.events();
  const nsLines = generated.files.filter((f) => /\/ns\.log(\.\d+\.gz)?$/.test(f.path)).reduce((n, f) => n + f.lines, 0);
  const nsEvents = coverage.filter((c) => c.dataset === 'netscaler.syslog').reduce((n, c) => n + c.events, 0);
  const gapSource = coverage.find((c) => c.host === truth.gap.system && c.dataset === 'app.data_access');
  const planted = { from: Date.parse(truth.gap.from), to: Date.parse(truth.gap.to) };
  // The ledger works in whole hours: the hours wholly inside the planted silence must be reported.
  const gapFound = gapSource?.gaps.some((g) => Date.parse(g.from) <= Math.ceil(planted.from / 3_600_000) * 3_600_000 && Date.parse(g.to) >= Math.floor(planted.to / 3_600_000) * 3_600_000) ?? false;
  const session = truth.hijackedSession;
  return [
    check('log lines that failed to parse', 0, failures),
    check('ns.log lines stored as events', nsLines, nsEvents),
    check('CitrixBleed-2 attempt lines with non-ASCII bytes', truth.aaaAttempts.count, await countEvents(store, { 'event.action': 'aaa.message', 'weerbaar.encoding': 'latin1', 'host.name': truth.gateway })),
    check(
      'hijacked session used from the attacker address',
      session.tcpConnections,
      await countEvents(store, { 'event.action': 'sslvpn.tcpconnstat', 'weerbaar.session_id': String(session.sessionId), 'source.ip': session.attackerIp }),
    ),
    check('outbound transfer in the proxy log', 1, await countEvents(store, { 'event.dataset': 'network.flow', 'source.ip': truth.transfer.src, 'destination.ip': truth.transfer.dst, 'source.bytes': truth.transfer.bytesOut })),
    check(`logging gap in ${truth.gap.system} found by the coverage ledger`, true, gapFound),
  ];
}

function attackRules(report: HuntReport) {
  return report.summary.filter((r) => r.ruleId === 'NS-R1' || r.ruleId === 'NS-R4' || r.ruleId === 'NS-R8');
}

/** When the scenario's change records close the gateway's exposure (its upgrade or disconnection). */
function fixOf(scenario: Scenario, gateway: string): number {
  const end = groundTruth(scenario).windowEnds[gateway];
  return end ? Date.parse(end.end) : Number.POSITIVE_INFINITY;
}
