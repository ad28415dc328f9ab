import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError } from '../shared/errors.js';
import { parseJsonSource } from '../shared/structured-source.js';
import { readTextFile } from '../shared/text-input.js';
import { type CsafValidation, validateCsaf } from './validate-csaf.js';

/**
 * Validates CSAF files and folders (every `.json` below a folder, in name order). A file that
 * cannot be read or parsed is reported as invalid with its reason; nothing is skipped silently.
 */

export const MAX_CSAF_BYTES = 64 * 1024 * 1024;

export async function validateCsafPaths(paths: readonly string[], onProgress?: (done: number, total: number) => void): Promise<CsafValidation[]> {
  const files = await expandCsafPaths(paths);
  const results: CsafValidation[] = [];
  for (const file of files) {
    results.push(await validateCsafFile(file));
    onProgress?.(results.length, files.length);
  }
  return results;
}

export async function validateCsafFile(file: string): Promise<CsafValidation> {
  try {
    return await validateCsaf(parseJsonSource(file, await readTextFile(file, MAX_CSAF_BYTES)));
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return {
      file,
      version: null,
      valid: false,
      failures: error.problems.map((p) => ({ test: 'parse', path: '', ...(p.location.line !== undefined ? { line: p.location.line } : {}), message: p.reason })),
      checked: [],
      limits: [],
    };
  }
}

/** Files as given, folders as every `.json` below them (name order). */
export async function expandCsafPaths(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) files.push(...(await expand(path)));
  return files;
}

async function expand(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch {
    return [path]; // reported as unreadable by validateCsafFile
  }
  if (!info.isDirectory()) return [path];
  const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const nested = await Promise.all(
    entries.filter((e) => e.isDirectory() || (e.isFile() && e.name.endsWith('.json'))).map((e) => expand(join(path, e.name))),
  );
  return nested.flat();
}
