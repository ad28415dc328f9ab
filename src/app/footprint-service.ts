import { randomUUID } from 'node:crypto';
import { appendAudit } from '../audit/audit-log.js';
import { type Decision, ENTITY_KINDS, type EntityKind, type Footprint, deriveFootprint } from '../detection/footprint.js';
import { huntScope, ownActivity } from '../detection/hunt-scope.js';
import { WeerbaarError } from '../shared/errors.js';
import { isoUtc } from '../shared/time.js';
import { type TimelineEntry, type TimelineMarker, buildTimeline } from '../timeline/timeline.js';
import { findings } from './advisory-service.js';
import type { AppContext } from './app-context.js';

/** `weerbaar footprint` and `weerbaar timeline`: what the hunts found, as entities and in time. */

async function decisions(app: AppContext): Promise<Decision[]> {
  const rows = await app.store.db.selectFrom('footprint_decision').selectAll().orderBy('decided_at').execute();
  return rows.map((r) => ({ kind: r.kind as EntityKind, value: r.value, decision: r.decision, reason: r.reason, actor: r.actor, at: r.decided_at }));
}

export async function footprint(app: AppContext): Promise<Footprint> {
  const scope = huntScope(null, ownActivity(app.workspace.config.hunt?.own_activity));
  return deriveFootprint(await app.events(), await decisions(app), scope ? { scope } : {});
}

/** An analyst confirms or excludes an entity; audited, and the latest decision holds. */
export async function decideEntity(app: AppContext, input: { kind: string; value: string; decision: 'confirmed' | 'excluded'; reason: string }): Promise<Decision> {
  if (!(ENTITY_KINDS as readonly string[]).includes(input.kind)) throw new WeerbaarError('USAGE', `unknown entity kind "${input.kind}": use one of ${ENTITY_KINDS.join(', ')}`);
  if (input.value.trim() === '') throw new WeerbaarError('USAGE', 'the entity value must not be empty');
  if (input.reason.trim() === '') throw new WeerbaarError('USAGE', 'give a --reason: a decision on the footprint must say why');
  const decision: Decision = { kind: input.kind as EntityKind, value: input.value, decision: input.decision, reason: input.reason.trim(), actor: app.actor, at: isoUtc(app.clock()) };
  await app.store.db.transaction().execute(async (trx) => {
    await trx.insertInto('footprint_decision').values({ id: randomUUID(), kind: decision.kind, value: decision.value, decision: decision.decision, reason: decision.reason, actor: decision.actor, decided_at: decision.at }).execute();
    await appendAudit(trx, app, { action: `footprint.${input.decision === 'confirmed' ? 'confirm' : 'exclude'}`, subject: `${decision.kind}:${decision.value}`, details: { reason: decision.reason } });
  });
  return decision;
}

/** `print`: a footprint the caller already derived (the demo), so it is not derived twice. */
export async function timeline(app: AppContext, known?: Footprint): Promise<TimelineEntry[]> {
  const print = known ?? (await footprint(app));
  const sessions = print.entities.filter((e) => e.kind === 'session').map((e) => e.value);
  return buildTimeline(await app.events(), { sessions, markers: await advisoryMarkers(app) });
}

/** Exposure starts, patch installs and disconnections from the advisory findings, once per host and moment. */
async function advisoryMarkers(app: AppContext): Promise<TimelineMarker[]> {
  const markers = new Map<string, TimelineMarker>();
  const put = (m: TimelineMarker) => {
    const key = `${m.kind}|${m.host}|${m.at}`;
    const known = markers.get(key);
    markers.set(key, known ? { ...known, message: `${known.message}; ${m.message.replace(/^.*?: /, '')}` } : m);
  };
  for (const f of await findings(app)) {
    const what = f.cve ?? f.vulnerability;
    if (f.window.start) put({ at: f.window.start, kind: 'Exposure Start', host: f.asset, message: `${f.asset} vulnerable${f.window.startIsLowerBound ? ' (at the latest)' : ''}: ${what}` });
    if (f.window.end && f.window.endReason === 'fixed') put({ at: f.window.end, kind: 'Patch Installed', host: f.asset, message: `${f.asset} fixed: ${what}` });
    if (f.window.end && f.window.endReason === 'disconnected') put({ at: f.window.end, kind: 'Disconnected', host: f.asset, message: `${f.asset} disconnected: ${what}` });
  }
  return [...markers.values()];
}
