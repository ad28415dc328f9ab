import { randomUUID } from 'node:crypto';
import { appendAudit } from '../audit/audit-log.js';
import { type HostFixes, type HuntSummaryRow, fixRelationOf, huntSummary, runRules } from '../detection/hunt.js';
import { findings } from './advisory-service.js';
import { NETSCALER_LOG_RULES } from '../detection/netscaler-log-rules.js';
import { loadSigmaDetections } from '../detection/sigma-detections.js';
import { type RoamingFinding, findSessionRoaming, roamingRule } from '../detection/session-roaming.js';
import type { AppContext } from './app-context.js';

/** `weerbaar hunt`: the built-in NetScaler pack plus given Sigma rules over the event store. */

export interface HuntReport {
  readonly huntId: string;
  readonly rules: { readonly builtin: number; readonly sigma: number };
  /** Rules that could not be read or compiled, and rules whose log source this platform does not hold. */
  readonly failed: readonly { readonly file: string; readonly reason: string }[];
  readonly notApplicable: readonly { readonly rule: string; readonly reason: string }[];
  /** Rules the engine refused while running, with its reason. */
  readonly errors: readonly { readonly rule: string; readonly reason: string }[];
  readonly detections: number;
  readonly summary: readonly HuntSummaryRow[];
  /** NS-R4: sessions used from a network they never logged in from. */
  readonly roamingSessions: readonly Omit<RoamingFinding, 'eventIds'>[];
}

export async function hunt(app: AppContext, options: { rules?: readonly string[]; onRule?: (done: number, total: number) => void } = {}): Promise<HuntReport> {
  const sigma = options.rules?.length ? await loadSigmaDetections(options.rules) : { rules: [], failed: [], notApplicable: [] };
  const rules = [...NETSCALER_LOG_RULES, ...sigma.rules];
  const huntId = randomUUID();
  const store = await app.events();
  const fixRelation = fixRelationOf(await hostFixes(app));
  const outcomes = await runRules(store, huntId, rules, { fixRelation, ...(options.onRule ? { onRule: options.onRule } : {}) });
  // Stateful rules run after the row rules, whose hits they build on (NS-R4 escalates on NS-R1).
  const roaming = await findSessionRoaming(store, huntId);
  const roamingRules = [true, false].flatMap((escalated) => {
    const ids = roaming.filter((f) => f.escalated === escalated).flatMap((f) => f.eventIds);
    return ids.length > 0 ? [roamingRule(ids, escalated)] : [];
  });
  outcomes.push(...(await runRules(store, huntId, roamingRules, { fixRelation })));
  const summary = await huntSummary(store, huntId);
  const errors = outcomes.filter((o) => o.error !== null).map((o) => ({ rule: o.rule.id, reason: o.error ?? '' }));
  const detections = outcomes.reduce((n, o) => n + o.hits, 0);
  await app.store.db.transaction().execute((trx) =>
    appendAudit(trx, app, {
      action: 'hunt.run',
      subject: `hunt:${huntId}`,
      details: { builtin: NETSCALER_LOG_RULES.length + 1, sigma: sigma.rules.length, failed: sigma.failed.length, not_applicable: sigma.notApplicable.length, errors: errors.length, detections },
    }),
  );
  const roamingSessions = roaming.map(({ eventIds: _ids, ...rest }) => rest);
  return { huntId, rules: { builtin: NETSCALER_LOG_RULES.length + 1, sigma: sigma.rules.length }, failed: sigma.failed, notApplicable: sigma.notApplicable, errors, detections, summary, roamingSessions };
}

/**
 * When each asset's last vulnerability was fixed (its findings' exposure windows ended by a fix or
 * by disconnection), or null while any is open. Hosts in the logs are matched to assets by id.
 */
async function hostFixes(app: AppContext): Promise<HostFixes> {
  const byAsset = new Map<string, number | null>();
  for (const finding of await findings(app)) {
    if (finding.window.start === null) continue;
    const end = finding.window.end === null ? null : Date.parse(finding.window.end);
    const known = byAsset.get(finding.asset);
    byAsset.set(finding.asset, known === null || end === null ? null : Math.max(known ?? end, end));
  }
  return byAsset;
}
