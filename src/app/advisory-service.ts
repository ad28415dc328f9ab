import { resolve } from 'node:path';
import { type AdvisoryImportResult, importAdvisories } from '../advisory/import-advisories.js';
import { validateCsafPaths } from '../advisory/validate-csaf-files.js';
import type { CsafValidation } from '../advisory/validate-csaf.js';
import { WeerbaarError } from '../shared/errors.js';
import type { AppContext } from './app-context.js';

/** Advisory services. Validation needs no workspace: it reads files and changes nothing. */
export async function validateAdvisories(
  paths: readonly string[],
  cwd: string,
  onProgress?: (done: number, total: number) => void,
): Promise<{ results: CsafValidation[]; valid: number; invalid: number }> {
  if (paths.length === 0) throw new WeerbaarError('USAGE', 'name at least one CSAF file or folder');
  const results = await validateCsafPaths(
    paths.map((p) => resolve(cwd, p)),
    onProgress,
  );
  const valid = results.filter((r) => r.valid).length;
  return { results, valid, invalid: results.length - valid };
}

export async function importAdvisoryPaths(app: AppContext, paths: readonly string[], onProgress?: (done: number, total: number) => void): Promise<AdvisoryImportResult> {
  if (paths.length === 0) throw new WeerbaarError('USAGE', 'name at least one CSAF file or folder');
  return importAdvisories(app.store.db, app, paths, onProgress);
}
