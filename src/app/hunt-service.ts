import { randomUUID } from 'node:crypto';
import { appendAudit } from '../audit/audit-log.js';
import { type HostFixes, type HuntSummaryRow, fixRelationOf, huntSummary, runRules } from '../detection/hunt.js';
import { type Since, huntScope, ownActivity, parseSince, sinceScope } from '../detection/hunt-scope.js';
import { type IocMatchReport, matchIocs } from '../detection/ioc-match.js';
import type { IocSet } from '../detection/ioc-model.js';
import { NETSCALER_LOG_RULES } from '../detection/netscaler-log-rules.js';
import { findProbeBursts, probeBurstRule } from '../detection/auth-probe-burst.js';
import { readIocFile } from '../detection/read-ioc-file.js';
import { type CorrelationFinding, correlate } from '../detection/sigma-correlation.js';
import { loadSigmaDetections } from '../detection/sigma-detections.js';
import { concurrencyRule, findConcurrency } from '../detection/session-concurrency.js';
import { type RoamingFinding, findSessionRoaming, roamingRule } from '../detection/session-roaming.js';
import { WeerbaarError } from '../shared/errors.js';
import { isoUtc } from '../shared/time.js';
import { col, max, select } from '../store/query-node.js';
import { findings } from './advisory-service.js';
import type { AppContext } from './app-context.js';
import { canaryRules } from './canary-service.js';
import { type TriageReport, triageHunt } from './triage-service.js';

/** `weerbaar hunt`: the built-in NetScaler pack plus given Sigma rules and IOC files over the event store. */

export interface IocFileReport {
  readonly file: string;
  readonly loaded: number;
  readonly rejected: number;
  readonly unsupported: number;
  /** Why items were rejected or not supported, at most a few per file (the counts are complete). */
  readonly issues: readonly string[];
}

export interface HuntReport {
  readonly huntId: string;
  /** Built-in log rules, Sigma rules, Sigma correlations, triage rules (R12–R20) that ran. */
  readonly rules: { readonly builtin: number; readonly sigma: number; readonly correlations: number; readonly triage: number };
  /** Rules that could not be read or compiled, and rules whose log source this platform does not hold. */
  readonly failed: readonly { readonly file: string; readonly reason: string }[];
  readonly notApplicable: readonly { readonly rule: string; readonly reason: string }[];
  /** Rules the engine refused while running, with its reason. */
  readonly errors: readonly { readonly rule: string; readonly reason: string }[];
  readonly iocs: { readonly files: readonly IocFileReport[]; readonly matching: IocMatchReport | null };
  /** Sigma correlations: how many ran, their hits (groups and windows), and what could not run. */
  readonly correlations: { readonly rules: number; readonly findings: readonly Omit<CorrelationFinding, 'eventIds'>[]; readonly warnings: readonly { readonly rule: string; readonly reason: string }[] };
  /** The host-artefact rules R12–R20 over collected trees (triage tarballs, added folders). */
  readonly triage: TriageReport;
  /** Canaries and honey records registered, how many were sighted (per place), values and free-text lines fingerprinted. */
  readonly canaries: { readonly registered: number; readonly sightings: number; readonly valuesChecked: number; readonly linesChecked: number };
  /** `--since` as given, and whether it limited the hunt (a first `last` covers everything). */
  readonly since: { readonly text: string; readonly limited: boolean } | null;
  readonly detections: number;
  readonly summary: readonly HuntSummaryRow[];
  /** NS-R4: sessions used from a network they never logged in from. */
  readonly roamingSessions: readonly Omit<RoamingFinding, 'where'>[];
}

export interface HuntOptions {
  readonly rules?: readonly string[];
  /** Sigma processing pipelines (YAML) applied after the shipped ones. */
  readonly pipelines?: readonly string[];
  readonly iocs?: readonly string[];
  readonly since?: string;
  readonly onRule?: (done: number, total: number) => void;
}

const ISSUES_SHOWN = 5;

export async function hunt(app: AppContext, options: HuntOptions = {}): Promise<HuntReport> {
  const startedAt = isoUtc(app.clock());
  const since: Since | null = options.since === undefined ? null : parseSince(options.since);
  const sigma = options.rules?.length
    ? await loadSigmaDetections(options.rules, options.pipelines ? { pipelines: options.pipelines } : {})
    : { rules: [], failed: [], notApplicable: [], correlations: { rules: [], bases: [] } };
  const iocSets = await readIocSets(options.iocs ?? []);
  const rules = [...NETSCALER_LOG_RULES, ...sigma.rules];
  const huntId = randomUUID();
  const store = await app.events();
  const lastEventId = Number((await store.query(select({ from: 'events', columns: [{ expr: max(col('event.id')), as: 'id' }] })))[0]?.['id'] ?? 0) || null;
  const previous = since?.kind === 'last' ? await previousHunt(app) : null;
  const afterEventId = previous?.lastEventId ?? null;
  const scope = huntScope(since ? sinceScope(since, afterEventId) : null, ownActivity(app.workspace.config.hunt?.own_activity));
  const windows = await hostWindows(app);
  const fixRelation = fixRelationOf(windows.fixes);
  const common = { fixRelation, ...(scope ? { scope } : {}) };
  const outcomes = await runRules(store, huntId, rules, { ...common, ...(options.onRule ? { onRule: options.onRule } : {}) });
  // Stateful rules run after the row rules, whose hits they build on (NS-R4 escalates on NS-R1).
  // They judge whole sessions, so they read every event; the scope limits what they report.
  const roaming = await findSessionRoaming(store, huntId);
  const roamingRules = [true, false].flatMap((escalated) => {
    const judged = roaming.filter((f) => f.escalated === escalated);
    return judged.length > 0 ? [roamingRule(judged, escalated)] : [];
  });
  const concurrency = await findConcurrency(store);
  const concurrencyRules = (['user-networks', 'shared-ip'] as const).flatMap((kind) => {
    const ids = concurrency.filter((f) => f.kind === kind).flatMap((f) => f.eventIds);
    return ids.length > 0 ? [concurrencyRule(ids, kind)] : [];
  });
  const probes = await findProbeBursts(store);
  const probeRules = probes.length > 0 ? [probeBurstRule(probes)] : [];
  outcomes.push(...(await runRules(store, huntId, [...roamingRules, ...concurrencyRules, ...probeRules], common)));
  const correlation = await correlate(store, sigma.correlations.rules, sigma.correlations.bases);
  outcomes.push(...(await runRules(store, huntId, correlation.rules, common)));
  const matching = iocSets.length > 0 ? await matchIocs(store, huntId, iocSets, common) : null;
  const triage = await triageHunt(app, store, huntId, {
    iocs: iocSets.flatMap((s) => s.items),
    fixes: windows.fixes,
    exposedSince: windows.exposedSince,
    ...(previous ? { addedAfter: previous.finishedAt } : {}),
    ...(since?.kind === 'time' ? { notBefore: since.at } : {}),
  });
  // Tripwires last: honey-record accesses and canary values anywhere in the evidence.
  const canaries = await canaryRules(app, store);
  const canaryOutcomes = await runRules(store, huntId, canaries.rules, common);
  outcomes.push(...canaryOutcomes);
  const summary = await huntSummary(store, huntId);
  const errors = outcomes.filter((o) => o.error !== null).map((o) => ({ rule: o.rule.id, reason: o.error ?? '' }));
  const detections = outcomes.reduce((n, o) => n + o.hits, 0) + (matching?.detections ?? 0) + triage.findings;
  const roamingSessions = roaming.map(({ where: _where, ...rest }) => rest);
  // The row rules plus the stateful ones: NS-R2 bursts, NS-R4 and the two kinds of NS-R5.
  const builtin = NETSCALER_LOG_RULES.length + 4;
  const report: HuntReport = {
    huntId,
    rules: { builtin, sigma: sigma.rules.length, correlations: sigma.correlations.rules.length, triage: triage.rules.length },
    failed: [...sigma.failed, ...correlation.failed.map((f) => ({ file: f.rule, reason: f.reason }))],
    notApplicable: sigma.notApplicable,
    errors: [...errors, ...triage.errors.map((e) => ({ rule: e.rule, reason: `${e.tree}: ${e.reason}` }))],
    iocs: { files: iocSets.map(iocFileReport), matching },
    correlations: { rules: sigma.correlations.rules.length, findings: correlation.findings.map(({ eventIds: _ids, ...rest }) => rest), warnings: correlation.warnings },
    triage,
    canaries: { registered: canaries.registered, sightings: canaryOutcomes.filter((o) => o.hits > 0).length, valuesChecked: canaries.valuesChecked, linesChecked: canaries.linesChecked },
    since: since ? { text: since.text, limited: since.kind === 'time' || previous !== null } : null,
    detections,
    summary,
    roamingSessions,
  };
  await app.store.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('hunt')
      .values({
        id: huntId,
        started_at: startedAt,
        finished_at: isoUtc(app.clock()),
        actor: app.actor,
        since: since?.text ?? null,
        after_event_id: afterEventId,
        last_event_id: lastEventId,
        report: JSON.stringify({ rules: report.rules, detections, summary: summary.map((r) => ({ rule: r.ruleId, hits: r.hits })) }),
      })
      .execute();
    await appendAudit(trx, app, {
      action: 'hunt.run',
      subject: `hunt:${huntId}`,
      details: {
        builtin,
        sigma: sigma.rules.length,
        correlations: sigma.correlations.rules.length,
        triage: triage.rules.length,
        collected_trees: triage.trees,
        failed: sigma.failed.length,
        not_applicable: sigma.notApplicable.length,
        errors: errors.length,
        ioc_files: iocSets.map((s) => s.file),
        iocs: iocSets.reduce((n, s) => n + s.counts.loaded, 0),
        since: since?.text ?? null,
        detections,
      },
    });
  });
  return report;
}

async function readIocSets(files: readonly string[]): Promise<IocSet[]> {
  const sets: IocSet[] = [];
  for (const file of files) {
    const set = await readIocFile(file);
    if (set.problems.length > 0) {
      throw new WeerbaarError('INVALID_INPUT', `${file}: cannot be read as an IOC file (STIX 2.1 bundle, MISP event JSON or CSV)`, {
        details: set.problems.map((p) => `${p.location.file}${p.location.line ? `:${p.location.line}` : ''}: ${p.reason}`),
      });
    }
    sets.push(set);
  }
  return sets;
}

function iocFileReport(set: IocSet): IocFileReport {
  const issues = [...set.rejected.map((i) => ['rejected', i] as const), ...set.unsupported.map((i) => ['unsupported', i] as const)];
  return {
    file: set.file,
    loaded: set.counts.loaded,
    rejected: set.counts.rejected,
    unsupported: set.counts.unsupported,
    issues: issues.slice(0, ISSUES_SHOWN).map(([kind, i]) => `${kind}: ${i.location.line ? `line ${i.location.line}: ` : ''}${i.id ? `${i.id}: ` : ''}${i.reason}`),
  };
}

/** Where the previous hunt's events ended and when it finished; null before the first hunt (then `last` means everything). */
async function previousHunt(app: AppContext): Promise<{ lastEventId: number | null; finishedAt: string } | null> {
  const previous = await app.store.db.selectFrom('hunt').select(['last_event_id', 'finished_at']).orderBy('finished_at', 'desc').limit(1).executeTakeFirst();
  if (!previous) return null;
  return { lastEventId: previous.last_event_id === null ? null : Number(previous.last_event_id), finishedAt: previous.finished_at };
}

/**
 * Per asset: when its last vulnerability was fixed (its findings' exposure windows ended by a fix
 * or by disconnection), or null while any is open; and since when it was exposed. Hosts in the
 * logs and collections are matched to assets by id.
 */
async function hostWindows(app: AppContext): Promise<{ fixes: HostFixes; exposedSince: Map<string, number> }> {
  const fixes = new Map<string, number | null>();
  const exposedSince = new Map<string, number>();
  for (const finding of await findings(app)) {
    if (finding.window.start === null) continue;
    const start = Date.parse(finding.window.start);
    exposedSince.set(finding.asset, Math.min(exposedSince.get(finding.asset) ?? start, start));
    const end = finding.window.end === null ? null : Date.parse(finding.window.end);
    const known = fixes.get(finding.asset);
    fixes.set(finding.asset, known === null || end === null ? null : Math.max(known ?? end, end));
  }
  return { fixes, exposedSince };
}
