import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { CaseDatabase } from '../store/case-schema.js';
import { type AuditActor, appendAudit } from '../audit/audit-log.js';
import { WeerbaarError } from '../shared/errors.js';
import { isoUtc } from '../shared/time.js';

/**
 * The protocol a finding goes through: received → assessed → remediating → remediated → hunted
 * ("hunted": investigated for exploitation even after patching, as the NCSC advises). Moves go
 * forward only; a move that skips steps is allowed — reality does not wait for paperwork — but the
 * skipped steps are recorded, so "did we follow our own protocol?" has an honest answer. Every move
 * and every exception to the patch deadline is an audit entry.
 */

export const PROTOCOL_STATES = ['received', 'assessed', 'remediating', 'remediated', 'hunted'] as const;
export type ProtocolState = (typeof PROTOCOL_STATES)[number];

export interface Transition {
  readonly state: ProtocolState;
  readonly at: string;
  readonly actor: string;
  readonly note: string | null;
}

export interface ProtocolTrail {
  readonly state: ProtocolState;
  readonly transitions: readonly Transition[];
  /** States passed over by a move, in order: the protocol was not followed step by step. */
  readonly skipped: readonly ProtocolState[];
}

export interface SlaException {
  readonly reason: string;
  readonly at: string;
  readonly actor: string;
}

export async function recordReceived(db: Kysely<CaseDatabase>, findingId: string, at: string, actor: string): Promise<void> {
  await db.insertInto('finding_transition').values({ id: randomUUID(), finding_id: findingId, state: 'received', at, actor, note: null }).execute();
}

export async function moveFinding(db: Kysely<CaseDatabase>, who: AuditActor, findingId: string, state: ProtocolState, note?: string): Promise<ProtocolTrail> {
  return db.transaction().execute(async (trx) => {
    await requireFinding(trx, findingId);
    const trail = (await protocolTrails(trx, [findingId])).get(findingId);
    const from = trail?.state ?? 'received';
    const [fromIndex, toIndex] = [PROTOCOL_STATES.indexOf(from), PROTOCOL_STATES.indexOf(state)];
    if (toIndex <= fromIndex) {
      throw new WeerbaarError('USAGE', `finding ${findingId} is already ${from}; the protocol only moves forward (${PROTOCOL_STATES.join(' → ')})`);
    }
    const skipped = PROTOCOL_STATES.slice(fromIndex + 1, toIndex);
    const at = isoUtc(who.clock());
    await trx.insertInto('finding_transition').values({ id: randomUUID(), finding_id: findingId, state, at, actor: who.actor, note: note ?? null }).execute();
    await appendAudit(trx, who, { action: 'finding.protocol', subject: `finding:${findingId}`, details: { from, to: state, skipped, note: note ?? null } });
    return (await protocolTrails(trx, [findingId])).get(findingId) as ProtocolTrail;
  });
}

export async function exceptFinding(db: Kysely<CaseDatabase>, who: AuditActor, findingId: string, reason: string): Promise<SlaException> {
  if (reason.trim() === '') throw new WeerbaarError('USAGE', 'an exception needs a reason');
  return db.transaction().execute(async (trx) => {
    await requireFinding(trx, findingId);
    const exception = { reason: reason.trim(), at: isoUtc(who.clock()), actor: who.actor };
    await trx.insertInto('finding_exception').values({ id: randomUUID(), finding_id: findingId, ...exception }).execute();
    await appendAudit(trx, who, { action: 'finding.exception', subject: `finding:${findingId}`, details: exception });
    return exception;
  });
}

export async function protocolTrails(db: Kysely<CaseDatabase>, findingIds?: readonly string[]): Promise<Map<string, ProtocolTrail>> {
  let query = db.selectFrom('finding_transition').selectAll().orderBy('finding_id').orderBy('at').orderBy('id');
  if (findingIds) query = query.where('finding_id', 'in', findingIds.length > 0 ? [...findingIds] : ['']);
  const trails = new Map<string, ProtocolTrail>();
  for (const row of await query.execute()) {
    const before = trails.get(row.finding_id);
    const state = row.state as ProtocolState;
    const previous = before?.state;
    const skipped = previous ? PROTOCOL_STATES.slice(PROTOCOL_STATES.indexOf(previous) + 1, PROTOCOL_STATES.indexOf(state)) : PROTOCOL_STATES.slice(0, PROTOCOL_STATES.indexOf(state));
    trails.set(row.finding_id, {
      state,
      transitions: [...(before?.transitions ?? []), { state, at: row.at, actor: row.actor, note: row.note }],
      skipped: [...(before?.skipped ?? []), ...skipped],
    });
  }
  return trails;
}

export async function slaExceptions(db: Kysely<CaseDatabase>): Promise<Map<string, SlaException>> {
  const rows = await db.selectFrom('finding_exception').selectAll().orderBy('at').execute();
  // The latest exception stands.
  return new Map(rows.map((r) => [r.finding_id, { reason: r.reason, at: r.at, actor: r.actor }]));
}

async function requireFinding(db: Kysely<CaseDatabase>, findingId: string): Promise<void> {
  const found = await db.selectFrom('finding').select('id').where('id', '=', findingId).executeTakeFirst();
  if (!found) throw new WeerbaarError('NOT_FOUND', `no finding ${findingId} (see weerbaar findings)`);
}
