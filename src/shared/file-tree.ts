import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { WeerbaarError } from './errors.js';
import { describeFsError } from './text-input.js';

/**
 * The files a user named: a file is itself; a folder is every entry below it that `accept` takes
 * (regular files by default, so symbolic links are not followed out of the tree), in name order so
 * that runs are repeatable. A path that cannot be read is an error naming it.
 */
export async function listFiles(path: string, accept: (entry: Dirent) => boolean = (entry) => entry.isFile()): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new WeerbaarError('INVALID_INPUT', `${path} cannot be read: ${describeFsError(error)}`, { cause: error });
  }
  if (!info.isDirectory()) return [path];
  const walk = async (dir: string): Promise<string[]> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? walk(join(dir, e.name)) : Promise.resolve(accept(e) ? [join(dir, e.name)] : []))));
    return nested.flat();
  };
  return walk(path);
}
