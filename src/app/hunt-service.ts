import { randomUUID } from 'node:crypto';
import { appendAudit } from '../audit/audit-log.js';
import { type HuntSummaryRow, huntSummary, runRules } from '../detection/hunt.js';
import { NETSCALER_LOG_RULES } from '../detection/netscaler-log-rules.js';
import { loadSigmaDetections } from '../detection/sigma-detections.js';
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
}

export async function hunt(app: AppContext, options: { rules?: readonly string[]; onRule?: (done: number, total: number) => void } = {}): Promise<HuntReport> {
  const sigma = options.rules?.length ? await loadSigmaDetections(options.rules) : { rules: [], failed: [], notApplicable: [] };
  const rules = [...NETSCALER_LOG_RULES, ...sigma.rules];
  const huntId = randomUUID();
  const store = await app.events();
  const outcomes = await runRules(store, huntId, rules, options.onRule);
  const summary = await huntSummary(store, huntId);
  const errors = outcomes.filter((o) => o.error !== null).map((o) => ({ rule: o.rule.id, reason: o.error ?? '' }));
  const detections = outcomes.reduce((n, o) => n + o.hits, 0);
  await app.store.db.transaction().execute((trx) =>
    appendAudit(trx, app, {
      action: 'hunt.run',
      subject: `hunt:${huntId}`,
      details: { builtin: NETSCALER_LOG_RULES.length, sigma: sigma.rules.length, failed: sigma.failed.length, not_applicable: sigma.notApplicable.length, errors: errors.length, detections },
    }),
  );
  return { huntId, rules: { builtin: NETSCALER_LOG_RULES.length, sigma: sigma.rules.length }, failed: sigma.failed, notApplicable: sigma.notApplicable, errors, detections, summary };
}
