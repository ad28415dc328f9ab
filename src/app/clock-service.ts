import { randomUUID } from 'node:crypto';
import { appendAudit } from '../audit/audit-log.js';
import { type Awareness, OBLIGATIONS, type Obligation, type Regime, type RegulatoryClock, type Submission, regulatoryClocks } from '../exposure/regulatory-clocks.js';
import { excludedByChoice } from '../exposure/assessment-window.js';
import { WeerbaarError } from '../shared/errors.js';
import { isoUtc, parseInstant } from '../shared/time.js';
import type { AppContext } from './app-context.js';
import { type ExposureReport, exposureReport } from './exposure-service.js';
import { inventory } from './inventory-service.js';

/** `weerbaar clocks`: the GDPR and NIS2 deadlines, from the recorded awareness and submissions. */

export interface ClocksReport {
  readonly awareness: Awareness | null;
  readonly clocks: readonly RegulatoryClock[];
}

export async function clocks(app: AppContext, known?: ExposureReport): Promise<ClocksReport> {
  const rows = await app.store.db.selectFrom('regulatory_record').selectAll().orderBy('recorded_at').orderBy('id').execute();
  // The earliest awareness counts: a later record cannot move a legal deadline back (corrections show in the audit log).
  const aware = rows.filter((r) => r.kind === 'awareness').sort((a, b) => a.at.localeCompare(b.at))[0];
  const awareness = aware ? { at: aware.at, reason: aware.text } : null;
  const submissions: Submission[] = rows.filter((r) => r.kind === 'submission').map((r) => ({ regime: r.regime as Regime, obligation: r.obligation as Obligation, at: r.at, reference: r.text }));
  const report = known ?? (await exposureReport(app));
  // Without an exposure window nothing was judged, and with an analyst's narrower window the rest
  // of it was not: then nothing is ruled out, and every personal-data category is at risk.
  const left = report.window ? excludedByChoice(report.window) : null;
  const personalDataAtRisk =
    report.window && left && left.before === null && left.after === null
      ? report.categories.filter((c) => c.personalData && c.verdict !== 'ruled-out').map((c) => c.category)
      : (await inventory(app)).data_categories.filter((c) => c.personal_data).map((c) => c.id);
  const nis2 = app.workspace.config.regulation?.nis2 ?? true;
  return { awareness, clocks: regulatoryClocks({ awareness, personalDataAtRisk, nis2, submissions, now: app.clock(), timeZone: app.workspace.config.timezone }) };
}

/** When the organisation became aware: every clock starts here; the latest record holds. */
export async function recordAwareness(app: AppContext, input: { at: string; reason: string }): Promise<Awareness> {
  if (input.reason.trim() === '') throw new WeerbaarError('USAGE', 'give a --reason: how the organisation became aware (a notification, a detection) starts every clock');
  // A date alone would be read as midnight UTC, hours off a local date: the moment must be given.
  if (!/T/.test(input.at)) throw new WeerbaarError('USAGE', `--at "${input.at}" needs a time and a zone (2025-07-16T09:30:00+02:00): deadlines run by the hour`);
  const at = parseInstant('--at', input.at);
  await record(app, { kind: 'awareness', regime: null, obligation: null, at, text: input.reason.trim() }, 'clocks.awareness', at);
  return { at, reason: input.reason.trim() };
}

export async function recordSubmission(app: AppContext, input: { regime: string; obligation: string; at: string; reference: string }): Promise<Submission> {
  const regime = input.regime as Regime;
  const obligations = OBLIGATIONS[regime] as readonly string[] | undefined;
  if (!obligations) throw new WeerbaarError('USAGE', `unknown regime "${input.regime}": use ${Object.keys(OBLIGATIONS).join(' or ')}`);
  if (!obligations.includes(input.obligation)) throw new WeerbaarError('USAGE', `unknown ${regime} obligation "${input.obligation}": use one of ${obligations.join(', ')}`);
  if (input.reference.trim() === '') throw new WeerbaarError('USAGE', 'give a --reference: the regulator\'s case number or the message sent');
  const at = parseInstant('--at', input.at);
  await record(app, { kind: 'submission', regime, obligation: input.obligation, at, text: input.reference.trim() }, 'clocks.submission', `${regime}/${input.obligation}`);
  return { regime, obligation: input.obligation as Obligation, at, reference: input.reference.trim() };
}

async function record(app: AppContext, fact: { kind: 'awareness' | 'submission'; regime: string | null; obligation: string | null; at: string; text: string }, action: string, subject: string): Promise<void> {
  await app.store.db.transaction().execute(async (trx) => {
    await trx.insertInto('regulatory_record').values({ id: randomUUID(), ...fact, actor: app.actor, recorded_at: isoUtc(app.clock()) }).execute();
    await appendAudit(trx, app, { action, subject, details: { at: fact.at, text: fact.text } });
  });
}
