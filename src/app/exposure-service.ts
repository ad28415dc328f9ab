import { randomUUID } from 'node:crypto';
import { appendAudit } from '../audit/audit-log.js';
import type { Footprint } from '../detection/footprint.js';
import { type AssessmentWindow, type WindowChoice, assessmentWindow } from '../exposure/assessment-window.js';
import { type AuditSource, type SystemCoverage, auditCoverage } from '../exposure/audit-coverage.js';
import { type PossibleTransfer, possibleExfiltration } from '../exposure/exfiltration.js';
import { footprintReach, holderEgress } from '../exposure/system-reach.js';
import { type CategoryVerdict, exposureVerdicts } from '../exposure/exposure-verdicts.js';
import { type ExposedAccount, type TouchedRecord, accessScopes, tableAccesses, touchedRecords } from '../exposure/touched-records.js';
import { sourceHours } from '../ingest/coverage-ledger.js';
import { type InputProblem, InvalidInputError, WeerbaarError } from '../shared/errors.js';
import { readCsvRecords } from '../shared/csv-records.js';
import { readTextFile } from '../shared/text-input.js';
import { isoUtc, parseInstant } from '../shared/time.js';
import { findings } from './advisory-service.js';
import type { AppContext } from './app-context.js';
import { evidenceCoverage } from './evidence-service.js';
import { footprint } from './footprint-service.js';
import { inventory } from './inventory-service.js';

/** `weerbaar exposure`: which sensitive data the attacker touched, and how far that can be known. */

const AUDIT_DATASET = 'app.data_access';

/** `weerbaar exposure records`: the records the attacker's footprint touched, with their data category. */
export async function exposureRecords(app: AppContext, known?: Footprint): Promise<TouchedRecord[]> {
  const print = known ?? (await footprint(app));
  const inv = await inventory(app);
  const store = await app.events();
  return touchedRecords(store, print, inv.data_categories, await accessScopes(store, print, await exposedAccounts(app)));
}

export async function exposedAccounts(app: AppContext): Promise<ExposedAccount[]> {
  const rows = await app.store.db.selectFrom('exposed_account').selectAll().orderBy('exposed_since').orderBy('account').execute();
  return rows.map((r) => ({ account: r.account, since: r.exposed_since, reason: r.reason }));
}

/** `exposure accounts import FILE`: CSV of account, exposed_since, reason; every bad row is reported with its line, and nothing is stored then. */
export async function importExposedAccounts(app: AppContext, file: string): Promise<ExposedAccount[]> {
  const problems: InputProblem[] = [];
  const rows = readCsvRecords(file, await readTextFile(file, 16 * 1024 * 1024), problems);
  const accounts: ExposedAccount[] = [];
  for (const { record, line } of rows) {
    const account = record['account']?.trim() ?? '';
    const reason = record['reason']?.trim() ?? '';
    if (account === '' || reason === '') {
      problems.push({ location: { file, line }, reason: `missing ${[account === '' ? 'account' : '', reason === '' ? 'reason' : ''].filter(Boolean).join(', ')}` });
      continue;
    }
    try {
      accounts.push({ account, since: parseInstant('exposed_since', record['exposed_since']?.trim() ?? ''), reason });
    } catch (error) {
      problems.push({ location: { file, line }, reason: (error as Error).message });
    }
  }
  if (problems.length > 0) throw new InvalidInputError(`${file}: ${problems.length} row(s) rejected, none stored`, problems);
  await app.store.db.transaction().execute(async (trx) => {
    for (const a of accounts) {
      await trx.insertInto('exposed_account').values({ id: randomUUID(), account: a.account, exposed_since: a.since, reason: a.reason, actor: app.actor, recorded_at: isoUtc(app.clock()) }).execute();
      await appendAudit(trx, app, { action: 'exposure.exposed-account', subject: a.account, details: { since: a.since, reason: a.reason } });
    }
  });
  return accounts;
}

export interface ExposureReport {
  readonly window: AssessmentWindow | null;
  readonly categories: readonly CategoryVerdict[];
  readonly transfers: readonly PossibleTransfer[];
}

/** The window every verdict must cover: derived from the findings and the footprint, or the analyst's choice. */
export async function exposureWindow(app: AppContext, known?: Footprint): Promise<AssessmentWindow | null> {
  const print = known ?? (await footprint(app));
  return assessmentWindow(await findings(app), print.entities, app.clock(), await windowChoice(app));
}

export async function exposureReport(app: AppContext, known?: Footprint): Promise<ExposureReport> {
  const print = known ?? (await footprint(app));
  const window = await exposureWindow(app, print);
  if (!window) return { window: null, categories: [], transfers: [] };
  const inv = await inventory(app);
  const store = await app.events();
  const holders = new Set([...inv.assets.filter((a) => a.data_categories.length > 0).map((a) => a.id), ...inv.data_categories.flatMap((c) => c.selectors.map((s) => s.system))]);
  const sources = await auditSources(app);
  const coverage = new Map<string, SystemCoverage>();
  for (const system of holders) {
    const asset = inv.assets.find((a) => a.id === system);
    if (!asset) continue;
    const source = sources.get(system);
    const hours = source ? await sourceHours(store, system, AUDIT_DATASET) : null;
    const audit: AuditSource | null = source && hours ? { ...source, hours } : null;
    coverage.set(system, auditCoverage(system, asset.audit_logging, audit, window, app.workspace.config.timezone, app.clock()));
  }
  const scopes = await accessScopes(store, print, await exposedAccounts(app));
  const touched = await touchedRecords(store, print, inv.data_categories, scopes);
  const located = inv.assets.filter((a) => a.addresses.length > 0 && holders.has(a.id)).map((a) => ({ id: a.id, addresses: a.addresses, categories: a.data_categories }));
  const spans = [...new Set(scopes.map((s) => s.span).filter((s) => s !== undefined))];
  const transfers = [...(await possibleExfiltration(store, print, touched, spans)), ...(await holderEgress(store, located, window))].sort((a, b) => a.time.localeCompare(b.time));
  const reach = await footprintReach(store, print, located);
  const categories = exposureVerdicts({ categories: inv.data_categories, assets: inv.assets, window, coverage, touched, tables: await tableAccesses(store, print, scopes), transfers, reach });
  return { window, categories, transfers };
}

/** Per audited system: parse failures and when its evidence was taken into custody. */
async function auditSources(app: AppContext): Promise<Map<string, { failures: number; collectedAt: string | null }>> {
  const ledger = (await evidenceCoverage(app)).filter((s) => s.dataset === AUDIT_DATASET);
  const added = new Map((await app.store.db.selectFrom('evidence_file').select(['sha256', 'added_at']).execute()).map((r) => [r.sha256, r.added_at]));
  const out = new Map<string, { failures: number; collectedAt: string | null }>();
  for (const s of ledger) {
    const times = s.files.map((f) => added.get(f.sha256)).filter((t): t is string => t !== undefined).sort();
    out.set(s.host, { failures: s.failures, collectedAt: times[0] ?? null });
  }
  return out;
}

async function windowChoice(app: AppContext): Promise<WindowChoice | null> {
  const row = await app.store.db.selectFrom('exposure_window').selectAll().orderBy('decided_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  return row ? { start: row.window_start, end: row.window_end, reason: row.reason, actor: row.actor, at: row.decided_at } : null;
}

/** An analyst narrows (or widens) the window with a reason; audited, and the latest choice holds. */
export async function chooseExposureWindow(app: AppContext, input: { start: string; end?: string | null; reason: string }): Promise<WindowChoice> {
  if (input.reason.trim() === '') throw new WeerbaarError('USAGE', 'give a --reason: the exposure window bounds every verdict, so its choice must say why');
  const start = parseInstant('--start', input.start);
  const end = input.end ? parseInstant('--end', input.end) : null;
  if (end !== null && Date.parse(end) <= Date.parse(start)) throw new WeerbaarError('USAGE', `--end ${end} is not after --start ${start}`);
  const choice: WindowChoice = { start, end, reason: input.reason.trim(), actor: app.actor, at: isoUtc(app.clock()) };
  await app.store.db.transaction().execute(async (trx) => {
    await trx.insertInto('exposure_window').values({ id: randomUUID(), window_start: start, window_end: end, reason: choice.reason, actor: choice.actor, decided_at: choice.at }).execute();
    await appendAudit(trx, app, { action: 'exposure.window', subject: `${start}/${end ?? 'derived'}`, details: { reason: choice.reason } });
  });
  return choice;
}
