import { type AddedEvidence, type EvidenceOptions, type EvidenceRecord, addEvidence, listEvidence } from '../ingest/custody.js';
import { type SourceCoverage, coverageLedger } from '../ingest/coverage-ledger.js';
import type { IngestProgress } from '../ingest/ingest-evidence.js';
import { type ParsedEvidence, parsePendingEvidence } from '../ingest/parse-evidence.js';
import { type ParseFailureRow, listParseFailures } from '../ingest/parse-failures.js';
import { type FieldMapping, loadFieldMapping } from '../ingest/field-mapping.js';
import { WeerbaarError } from '../shared/errors.js';
import type { AppContext } from './app-context.js';

/** Evidence for a workspace: files into the vault, parsed into the event store, and what they cover. */

export interface AddEvidenceResult {
  readonly added: AddedEvidence[];
  readonly parsed: ParsedEvidence[];
}

export async function addEvidencePaths(
  app: AppContext,
  paths: readonly string[],
  options: EvidenceOptions = {},
  onProgress?: (progress: IngestProgress) => void,
): Promise<AddEvidenceResult> {
  if (paths.length === 0) throw new WeerbaarError('USAGE', 'name at least one evidence file or folder');
  const vault = { workspaceDir: app.workspace.dir, vault: app.workspace.config.vault };
  const added = await addEvidence(app.store.db, app, vault, paths, options);
  const parsed = await parsePendingEvidence(app.store.db, app, await app.events(), vault, {
    defaultTimeZone: app.workspace.config.timezone,
    ...(onProgress ? { onProgress } : {}),
  });
  return { added, parsed };
}

/** Reads a field-mapping file for generic JSONL/CSV evidence (errors name file, line and reason). */
export async function readFieldMapping(path: string): Promise<FieldMapping> {
  return loadFieldMapping(path);
}

export async function evidence(app: AppContext): Promise<EvidenceRecord[]> {
  return listEvidence(app.store.db);
}

export async function evidenceCoverage(app: AppContext): Promise<SourceCoverage[]> {
  const files = await listEvidence(app.store.db);
  return coverageLedger(await app.events(), files, app.workspace.config.timezone);
}

export async function parseFailures(app: AppContext, limit: number): Promise<{ total: number; failures: ParseFailureRow[] }> {
  return listParseFailures(await app.events(), limit);
}
