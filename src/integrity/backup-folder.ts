import { createHash } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { cp, lstat, open, readdir, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { WeerbaarError } from '../shared/errors.js';
import { describeFsError } from '../shared/text-input.js';
import { requireEmptyFolder } from './archive-extract.js';
import type { ArchiveListing, ArchiveMember, ArchiveProblem, MemberRead } from './backup-archive.js';
import { comparePaths } from './file-tree-scan.js';

/**
 * A backup that is a folder (a copy on a backup volume, or a restored copy), seen the way
 * backup-archive.ts sees a tar or zip: a listing first (metadata only, cheap, so a check can judge
 * the structure of the whole backup before it reads any data), then the contents of the members a
 * check chose to read. Symlinks are recorded, never followed; a member that cannot be listed or
 * read is a problem that names it, never skipped. Problems are whole sentences naming the folder
 * and the member, like the archive reader's.
 */

function memberOf(path: string, info: Awaited<ReturnType<typeof lstat>>, target: string | null): ArchiveMember {
  const type = info.isFile() ? 'file' : info.isDirectory() ? 'directory' : info.isSymbolicLink() ? 'symlink' : 'other';
  // ctime cannot be set back without root (or the clock): a rewrite that restores size and mtime still moves it.
  const stamp = `${info.size}:${info.mtimeMs}:${info.ctimeMs}:${info.ino}`;
  return { path, type, size: type === 'file' ? Number(info.size) : null, mode: Number(info.mode) & 0o7777, owner: `${info.uid}:${info.gid}`, mtime: info.mtime.toISOString(), target, stamp };
}

export async function listFolder(root: string): Promise<Omit<ArchiveListing, 'kind'>> {
  const members: ArchiveMember[] = [];
  const problems: ArchiveProblem[] = [];
  let rootInfo;
  try {
    rootInfo = await stat(root);
  } catch (error) {
    throw new WeerbaarError('NOT_FOUND', `${root}: the backup folder cannot be read (${describeFsError(error)})`, { cause: error });
  }
  if (!rootInfo.isDirectory()) throw new WeerbaarError('USAGE', `${root}: not a folder`);
  const walk = async (relative: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(relative === '' ? root : join(root, relative));
    } catch (error) {
      problems.push({ member: relative || null, offset: null, reason: `${root}:${relative ? ` folder ${JSON.stringify(relative)}:` : ''} cannot be listed: ${describeFsError(error)}` });
      return;
    }
    for (const name of names) {
      const path = relative === '' ? name : `${relative}/${name}`;
      try {
        const info = await lstat(join(root, path));
        members.push(memberOf(path, info, info.isSymbolicLink() ? await readlink(join(root, path)) : null));
        if (info.isDirectory()) await walk(path);
      } catch (error) {
        problems.push({ member: path, offset: null, reason: `${root}: member ${JSON.stringify(path)}: ${describeFsError(error)}` });
      }
    }
  };
  await walk('');
  members.sort((a, b) => comparePaths(a.path, b.path));
  return { archiveBytes: members.reduce((sum, m) => sum + (m.size ?? 0), 0), members, problems, complete: true };
}

/** SHA-256 of the chosen file members, in path order; a member that cannot be read whole gets its error and no hash. */
export async function readFolderMembers(root: string, members: readonly ArchiveMember[], select: (m: ArchiveMember) => boolean, onProgress?: (p: { members: number; bytes: number }) => void): Promise<MemberRead[]> {
  const reads: MemberRead[] = [];
  let bytes = 0;
  for (const m of members) {
    if (m.type !== 'file' || !select(m)) continue;
    const read = await hashMember(join(root, m.path), m);
    reads.push({ path: m.path, ...read });
    bytes += read.bytesRead;
    onProgress?.({ members: reads.length, bytes });
  }
  return reads;
}

async function hashMember(file: string, m: ArchiveMember): Promise<Omit<MemberRead, 'path'>> {
  let bytesRead = 0;
  try {
    // O_NOFOLLOW: a member swapped for a symlink since the listing is not followed out of the backup.
    const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const hash = createHash('sha256');
    for await (const chunk of createReadStream('', { fd: handle.fd, autoClose: false, highWaterMark: 1024 * 1024 })) {
      hash.update(chunk as Buffer);
      bytesRead += (chunk as Buffer).length;
    }
    await handle.close();
    if (bytesRead !== m.size) return { sha256: null, bytesRead, error: `changed since it was listed: ${m.size} bytes listed, ${bytesRead} read` };
    return { sha256: hash.digest('hex'), bytesRead, error: null };
  } catch (error) {
    return { sha256: null, bytesRead, error: describeFsError(error) };
  }
}

/** A restore of a folder backup: a copy into an empty folder, symlinks copied as they are, times kept. */
export async function copyFolder(root: string, into: string): Promise<{ problems: ArchiveProblem[] }> {
  await requireEmptyFolder(into);
  try {
    await cp(root, into, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true, errorOnExist: true, force: false });
    return { problems: [] };
  } catch (error) {
    return { problems: [{ member: null, offset: null, reason: `${root}: the copy into ${into} failed: ${describeFsError(error)}` }] };
  }
}
