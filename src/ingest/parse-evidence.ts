import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { CaseDatabase } from '../store/case-schema.js';
import type { EventStore } from '../store/event-store.js';
import { type AuditActor, appendAudit } from '../audit/audit-log.js';
import { isoUtc } from '../shared/time.js';
import { type IngestProgress, type IngestTarget, ingestFiles } from './ingest-evidence.js';
import { DATASETS, isParseable } from './parser-registry.js';
import type { ParseStats } from './parse-file.js';
import type { VaultLocation } from './custody.js';
import type { FieldMapping } from './field-mapping.js';

/**
 * Parses every evidence file that has a parser and has not been parsed yet, and records what came
 * of it (counts, time span, time-quality mix) next to the custody record, with an audit entry.
 * Idempotent: a file is parsed once; adding the same content again changes nothing.
 */

export interface ParsedEvidence {
  readonly sha256: string;
  readonly originalPath: string;
  readonly dataset: string;
  readonly stats: ParseStats;
}

export interface ParseEvidenceOptions {
  /** The workspace's zone: the default for timestamps without one (quality `zone-assumed`). */
  readonly defaultTimeZone: string;
  readonly onProgress?: (progress: IngestProgress) => void;
  readonly workers?: number;
}

export async function parsePendingEvidence(
  db: Kysely<CaseDatabase>,
  who: AuditActor,
  events: EventStore,
  vault: VaultLocation,
  options: ParseEvidenceOptions,
): Promise<ParsedEvidence[]> {
  const pending = await db
    .selectFrom('evidence_file')
    .leftJoin('evidence_parse', 'evidence_parse.sha256', 'evidence_file.sha256')
    .selectAll('evidence_file')
    .where('evidence_parse.sha256', 'is', null)
    .orderBy('evidence_file.original_path')
    .execute();
  const targets: IngestTarget[] = pending
    .flatMap((row) => (isParseable(row.format) ? [{ ...row, format: row.format }] : []))
    .map((row) => {
      const mapping = row.field_mapping ? (JSON.parse(row.field_mapping) as FieldMapping) : undefined;
      // Precedence for times without a zone: --tz at add time, then the mapping's zone, then the workspace's.
      const timeZone = row.timezone ?? mapping?.time?.zone ?? options.defaultTimeZone;
      return {
        sha256: row.sha256,
        file: join(vault.workspaceDir, row.vault_path),
        gzip: row.compression === 'gzip',
        format: row.format,
        originalPath: row.original_path,
        host: row.host,
        options: {
          path: row.original_path,
          timeZone,
          ...(row.date_order ? { dateOrder: row.date_order as 'mdy' | 'dmy' | 'ymd' } : {}),
          ...(row.host ? { host: row.host } : {}),
          referenceTime: Date.parse(row.source_mtime ?? row.added_at),
          ...(mapping ? { mapping } : {}),
        },
      };
    });
  if (targets.length === 0) return [];
  const results = await ingestFiles(events, targets, {
    workDir: join(vault.workspaceDir, vault.vault, 'tmp'),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
  });
  const parsed: ParsedEvidence[] = [];
  const at = isoUtc(who.clock());
  for (const target of targets) {
    const stats = results.get(target.sha256);
    if (!stats) continue;
    const dataset = DATASETS[target.format];
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('evidence_parse')
        .values({
          sha256: target.sha256,
          dataset,
          lines: stats.lines,
          bytes: stats.bytes,
          events: stats.events,
          failures: stats.failures,
          skipped: stats.skipped,
          first_event: stats.firstEvent === null ? null : isoUtc(new Date(stats.firstEvent)),
          last_event: stats.lastEvent === null ? null : isoUtc(new Date(stats.lastEvent)),
          time_quality: JSON.stringify(stats.timeQuality),
          read_error: stats.readError,
          parsed_at: at,
        })
        .execute();
      await appendAudit(trx, who, {
        action: 'evidence.parse',
        subject: `evidence:${target.sha256}`,
        details: { dataset, lines: stats.lines, events: stats.events, failures: stats.failures, skipped: stats.skipped, read_error: stats.readError },
      });
    });
    parsed.push({ sha256: target.sha256, originalPath: target.originalPath, dataset, stats });
  }
  return parsed;
}
