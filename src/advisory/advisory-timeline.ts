import type { Kysely } from 'kysely';
import type { CaseDatabase } from '../store/case-schema.js';
import { listAuditEntries } from '../audit/audit-log.js';
import { versionHistory } from '../inventory/inventory-store.js';
import { WeerbaarError } from '../shared/errors.js';
import type { ProtocolTrail } from './finding-protocol.js';
import type { Finding } from './findings.js';
import type { SlaVerdict } from './patch-sla.js';
import { vulnerabilityFacts } from './vulnerability-facts.js';

/**
 * What we knew when, and what we did when, for one advisory: the publisher's releases and our
 * receipt of each revision, exploitation news, the findings it raised and how they changed, the
 * protocol steps and exceptions, the change records of the affected assets, and the patch
 * deadlines — in time order, each with who and where it comes from.
 */

export interface TimelineEvent {
  readonly at: string;
  readonly who: string;
  readonly what: string;
  readonly subject: string;
}

export interface TimelineFinding extends Finding {
  readonly sla: SlaVerdict;
  readonly protocol: ProtocolTrail;
}

export async function resolveAdvisoryId(db: Kysely<CaseDatabase>, id: string): Promise<string> {
  const rows = await db.selectFrom('advisory').select('id').where((eb) => eb.or([eb('id', '=', id), eb('tracking_id', '=', id)])).execute();
  if (rows.length === 0) throw new WeerbaarError('NOT_FOUND', `no advisory "${id}" (give its tracking id or <namespace>#<tracking id>)`);
  if (rows.length > 1) throw new WeerbaarError('USAGE', `tracking id "${id}" is used by several publishers: ${rows.map((r) => r.id).join(', ')}`);
  return (rows[0] as { id: string }).id;
}

export async function advisoryTimeline(db: Kysely<CaseDatabase>, advisoryId: string, findings: readonly TimelineFinding[]): Promise<TimelineEvent[]> {
  const events: TimelineEvent[] = [];
  const revisions = await db.selectFrom('advisory_revision').selectAll().where('advisory_id', '=', advisoryId).orderBy('received_at').execute();
  for (const r of revisions) {
    events.push({ at: r.current_release_date, who: 'publisher', what: `released version ${r.version} (${r.status})`, subject: advisoryId });
    events.push({ at: r.received_at, who: 'weerbaar', what: `received version ${r.version} from ${r.source}`, subject: advisoryId });
  }
  const latest = revisions.reduce<(typeof revisions)[number] | undefined>((a, r) => (!a || Date.parse(r.current_release_date) > Date.parse(a.current_release_date) ? r : a), undefined);
  if (latest) {
    for (const v of vulnerabilityFacts(JSON.parse(latest.document) as unknown)) {
      for (const e of v.exploitation) if (e.date) events.push({ at: e.date, who: 'publisher', what: `exploitation reported: ${e.details}`, subject: v.key });
      for (const r of v.remediations) if (r.date) events.push({ at: r.date, who: 'publisher', what: `${r.category.replace('_', ' ')} available: ${r.details}`, subject: v.key });
    }
  }
  const mine = findings.filter((f) => f.advisory === advisoryId || f.sources.some((s) => s.advisory === advisoryId));
  const ids = new Set(mine.map((f) => `finding:${f.id}`));
  for (const entry of await listAuditEntries(db)) {
    if (!ids.has(entry.subject) || !entry.action.startsWith('finding.')) continue;
    const details = JSON.parse(entry.details) as Record<string, unknown>;
    const text =
      entry.action === 'finding.create'
        ? `finding raised: ${String(details['status'])}`
        : entry.action === 'finding.update'
          ? `finding changed: ${JSON.stringify(details['status'])}`
          : entry.action === 'finding.refresh'
            ? `finding refreshed (${(details['changed'] as string[] | undefined)?.join(', ') ?? ''})`
            : entry.action === 'finding.protocol'
              ? `protocol: ${String(details['from'])} → ${String(details['to'])}${(details['skipped'] as string[]).length > 0 ? ` (skipped ${(details['skipped'] as string[]).join(', ')})` : ''}${details['note'] ? `: ${String(details['note'])}` : ''}`
              : entry.action === 'finding.exception'
                ? `deadline excepted: ${String(details['reason'])}`
                : entry.action;
    events.push({ at: entry.at, who: entry.actor, what: text, subject: entry.subject.slice('finding:'.length) });
  }
  const assets = new Set(mine.map((f) => f.asset));
  for (const h of await versionHistory(db)) {
    if (!assets.has(h.assetId) || h.event === 'observed') continue;
    events.push({ at: h.at, who: h.actor, what: `${h.event}${h.version ? ` to ${h.version}` : ''}${h.ticket ? ` (${h.ticket})` : ''}`, subject: h.assetId });
  }
  for (const f of mine) {
    const sla = f.sla.verdict === 'excepted' ? f.sla.underlying : f.sla;
    if (sla.verdict === 'met' || sla.verdict === 'breached' || sla.verdict === 'open') {
      events.push({ at: sla.deadline, who: 'policy', what: `patch deadline (${sla.rule}; clock from ${sla.startBasis}): ${sla.summary}`, subject: f.id });
    }
  }
  return events.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.subject.localeCompare(b.subject));
}
