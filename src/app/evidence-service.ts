import { type AddedEvidence, type EvidenceOptions, type EvidenceRecord, addEvidence, listEvidence } from '../ingest/custody.js';
import { WeerbaarError } from '../shared/errors.js';
import type { AppContext } from './app-context.js';

/** Evidence custody for a workspace: files into the vault, and the list of what is there. */
export async function addEvidencePaths(app: AppContext, paths: readonly string[], options: EvidenceOptions = {}): Promise<AddedEvidence[]> {
  if (paths.length === 0) throw new WeerbaarError('USAGE', 'name at least one evidence file or folder');
  return addEvidence(app.store.db, app, { workspaceDir: app.workspace.dir, vault: app.workspace.config.vault }, paths, options);
}

export async function evidence(app: AppContext): Promise<EvidenceRecord[]> {
  return listEvidence(app.store.db);
}
