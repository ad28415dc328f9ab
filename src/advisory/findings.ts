import type { Kysely } from 'kysely';
import type { CaseDatabase, FindingTable } from '../store/case-schema.js';
import { type AuditActor, appendAudit } from '../audit/audit-log.js';
import { loadInventory, versionHistory } from '../inventory/inventory-store.js';
import { canonicalJson } from '../shared/hashing.js';
import { isoUtc } from '../shared/time.js';
import { type ExposureWindow, exposureWindow } from './exposure-window.js';
import { recordReceived } from './finding-protocol.js';
import { type AssetMatch, AssetIndex, type FindingStatus, matchAssets } from './match-assets.js';

/**
 * Findings: one per (asset, vulnerability), from the latest revision of every stored advisory
 * matched against the inventory. When several advisories speak about the same pair (the vendor's
 * and a CSIRT's), the most severe status decides, then the highest confidence; all are kept as
 * sources. A re-run that changes neither the status nor the remediation raises no new finding
 * (CSAF conformance clause 13): newer supporting facts are stored as a quiet refresh. Every write is
 * audited.
 */

export interface Finding {
  readonly id: string;
  readonly asset: string;
  readonly vulnerability: string;
  readonly cve: string | null;
  readonly advisory: string;
  readonly advisoryRevision: string;
  readonly status: FindingStatus;
  readonly confidence: number;
  readonly cvss: number | null;
  readonly reason: string;
  readonly evidence: AssetMatch['evidence'];
  readonly remediations: AssetMatch['remediations'];
  readonly exploitation: AssetMatch['exploitation'];
  readonly sources: readonly { advisory: string; status: FindingStatus; confidence: number }[];
  readonly firstSeenAt: string;
  readonly updatedAt: string;
  readonly window: ExposureWindow;
}

export interface FindingsRun {
  /** New (asset, vulnerability) pairs. */
  readonly created: number;
  /** Status or remediation changed: what a user must act on again. */
  readonly updated: number;
  /** Only supporting facts changed (a newer revision, exploitation news, a score): no new alert. */
  readonly refreshed: number;
  readonly unchanged: number;
}

/** Fields that support a finding without changing what must be done about it. */
const SUPPORTING = ['advisory_id', 'advisory_sha256', 'confidence', 'cvss', 'reason', 'evidence', 'exploitation', 'sources'] as const;

const SEVERITY: Record<FindingStatus, number> = { affected: 4, under_investigation: 3, fixed: 2, not_affected: 1, unknown: 0 };

export async function updateFindings(db: Kysely<CaseDatabase>, who: AuditActor): Promise<FindingsRun> {
  return db.transaction().execute(async (trx) => {
    const { assets } = await loadInventory(trx);
    const advisories = await trx
      .selectFrom('advisory')
      .innerJoin('advisory_revision', (join) => join.onRef('advisory_revision.advisory_id', '=', 'advisory.id').onRef('advisory_revision.sha256', '=', 'advisory.latest_sha256'))
      .select(['advisory.id as id', 'advisory_revision.sha256 as sha256', 'advisory_revision.document as document'])
      .orderBy('advisory.id')
      .execute();
    const byPair = new Map<string, { match: AssetMatch; advisory: string; sha256: string }[]>();
    const index = new AssetIndex(assets);
    for (const advisory of advisories) {
      for (const match of matchAssets(JSON.parse(advisory.document) as unknown, index)) {
        const key = `${match.assetId}|${match.vulnerability}`;
        byPair.set(key, [...(byPair.get(key) ?? []), { match, advisory: advisory.id, sha256: advisory.sha256 }]);
      }
    }
    const stored = new Map((await trx.selectFrom('finding').selectAll().execute()).map((row) => [row.id, row]));
    const now = isoUtc(who.clock());
    const run = { created: 0, updated: 0, refreshed: 0, unchanged: 0 };
    for (const [id, candidates] of [...byPair].sort(([a], [b]) => a.localeCompare(b))) {
      const decisive = [...candidates].sort((a, b) => SEVERITY[b.match.status] - SEVERITY[a.match.status] || b.match.confidence - a.match.confidence)[0];
      if (!decisive) continue;
      const { match } = decisive;
      const row: Omit<FindingTable, 'first_seen_at' | 'updated_at'> = {
        id,
        asset_id: match.assetId,
        vulnerability: match.vulnerability,
        cve: match.cve ?? null,
        advisory_id: decisive.advisory,
        advisory_sha256: decisive.sha256,
        status: match.status,
        confidence: match.confidence,
        cvss: match.cvss ?? null,
        reason: match.reason,
        evidence: canonicalJson(match.evidence),
        remediations: canonicalJson(match.remediations),
        exploitation: canonicalJson(match.exploitation),
        sources: canonicalJson(candidates.map((c) => ({ advisory: c.advisory, status: c.match.status, confidence: c.match.confidence }))),
      };
      const before = stored.get(id);
      if (!before) {
        await trx.insertInto('finding').values({ ...row, first_seen_at: now, updated_at: now }).execute();
        await recordReceived(trx, id, now, who.actor);
        await appendAudit(trx, who, { action: 'finding.create', subject: `finding:${id}`, details: { status: row.status, advisory: row.advisory_id, revision: row.advisory_sha256, confidence: row.confidence } });
        run.created++;
      } else if (before.status !== row.status || before.remediations !== row.remediations) {
        await trx.updateTable('finding').set({ ...row, updated_at: now }).where('id', '=', id).execute();
        await appendAudit(trx, who, {
          action: 'finding.update',
          subject: `finding:${id}`,
          details: { status: { from: before.status, to: row.status }, advisory: row.advisory_id, revision: row.advisory_sha256, remediation_changed: before.remediations !== row.remediations },
        });
        run.updated++;
      } else if (SUPPORTING.some((field) => before[field] !== row[field])) {
        await trx.updateTable('finding').set({ ...row, updated_at: now }).where('id', '=', id).execute();
        const changed = SUPPORTING.filter((field) => before[field] !== row[field]);
        await appendAudit(trx, who, { action: 'finding.refresh', subject: `finding:${id}`, details: { changed, advisory: row.advisory_id, revision: row.advisory_sha256 } });
        run.refreshed++;
      } else {
        run.unchanged++;
      }
    }
    return run;
  });
}

/** Per advisory: its initial release and when we first received it — where SLA clocks start. */
export async function advisoryMoments(db: Kysely<CaseDatabase>): Promise<Map<string, { released: string; received: string }>> {
  const rows = await db.selectFrom('advisory').innerJoin('advisory_revision', 'advisory_revision.advisory_id', 'advisory.id').select(['advisory.id as id', 'advisory.first_seen_at as received', 'advisory_revision.initial_release_date as released']).execute();
  const moments = new Map<string, { released: string; received: string }>();
  for (const row of rows) {
    const known = moments.get(row.id);
    if (!known || Date.parse(row.released) < Date.parse(known.released)) moments.set(row.id, { released: row.released, received: row.received });
  }
  return moments;
}

export async function listFindings(db: Kysely<CaseDatabase>): Promise<Finding[]> {
  const rows = await db.selectFrom('finding').selectAll().orderBy('asset_id').orderBy('vulnerability').execute();
  const { assets } = await loadInventory(db);
  const assetById = new Map(assets.map((a) => [a.id, a]));
  const history = await versionHistory(db);
  const documents = new Map<string, unknown>();
  for (const sha of new Set(rows.map((r) => r.advisory_sha256))) {
    const revision = await db.selectFrom('advisory_revision').select('document').where('sha256', '=', sha).executeTakeFirst();
    if (revision) documents.set(sha, JSON.parse(revision.document) as unknown);
  }
  // Was the asset vulnerable at that version, by the advisory that decided the finding?
  const windowOf = (r: (typeof rows)[number]): ExposureWindow => {
    const asset = assetById.get(r.asset_id);
    const document = documents.get(r.advisory_sha256);
    const isVulnerable = (version: string) => {
      if (!asset || document === undefined) return undefined;
      const status = matchAssets(document, [{ ...asset, version }]).find((m) => m.vulnerability === r.vulnerability)?.status;
      return status === 'affected' ? true : status === 'unknown' || status === undefined ? undefined : false;
    };
    return exposureWindow(
      history.filter((h) => h.assetId === r.asset_id),
      isVulnerable,
    );
  };
  return rows.map((r) => ({
    id: r.id,
    asset: r.asset_id,
    vulnerability: r.vulnerability,
    cve: r.cve,
    advisory: r.advisory_id,
    advisoryRevision: r.advisory_sha256,
    status: r.status as FindingStatus,
    confidence: Number(r.confidence),
    cvss: r.cvss === null ? null : Number(r.cvss),
    reason: r.reason,
    evidence: JSON.parse(r.evidence) as AssetMatch['evidence'],
    remediations: JSON.parse(r.remediations) as AssetMatch['remediations'],
    exploitation: JSON.parse(r.exploitation) as AssetMatch['exploitation'],
    sources: JSON.parse(r.sources) as Finding['sources'],
    firstSeenAt: r.first_seen_at,
    updatedAt: r.updated_at,
    window: windowOf(r),
  }));
}
