import { type FileHandle, chmod, lutimes, mkdir, open, readdir, symlink, unlink, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { WeerbaarError } from '../shared/errors.js';
import { describeFsError } from '../shared/text-input.js';
import { type ArchiveKind, type ArchiveMember, type ArchiveProblem, type MemberData, ancestors, isUnsafe, messageOf, walkArchive } from './backup-archive.js';
import { comparePaths } from './file-tree-scan.js';

/**
 * Restoring an archive for a restore test (L4): the walk of backup-archive.ts, writing each member
 * into an empty folder with every path checked — hostile archives are expected, since a backup
 * written by an attacker is exactly what a restore test must survive.
 */

export interface ExtractResult { readonly members: number; readonly bytes: number; readonly problems: readonly ArchiveProblem[] }

/** A restore goes into an existing, empty folder: nothing of the restore mixes with what was there. */
export async function requireEmptyFolder(into: string): Promise<void> {
  const names = await readdir(into).catch((error: unknown) =>
    Promise.reject(new WeerbaarError('USAGE', `${into} cannot be restored into: ${describeFsError(error)}; it must be an existing empty folder`, { cause: error })),
  );
  if (names.length > 0) throw new WeerbaarError('USAGE', `${into} is not empty (${names.length} entries): a restore goes into an empty folder only`);
}

async function writeAll(handle: FileHandle, chunk: Buffer): Promise<void> {
  for (let done = 0; done < chunk.length; ) done += (await handle.write(chunk, done)).bytesWritten;
}

/** Streams a member into a new file; returns why it failed (the partial file is removed), or null. */
async function writeMember(target: string, member: ArchiveMember, data: MemberData): Promise<string | null> {
  let handle: FileHandle;
  try {
    await mkdir(dirname(target), { recursive: true });
    // 'wx' (O_EXCL) never follows a symlink at the target; none of the archive's exists yet higher up.
    handle = await open(target, 'wx', 0o600);
  } catch (error) {
    return describeFsError(error);
  }
  let failure: string | null = null;
  let written = 0;
  try {
    // Keeps draining after a write error: abandoning a tar member would stop the whole walk.
    for await (const chunk of await data.open()) {
      written += chunk.length;
      if (failure === null) failure = await writeAll(handle, chunk).then(() => null, (error: unknown) => describeFsError(error));
    }
  } catch (error) {
    failure ??= messageOf(error);
  } finally {
    await handle.close();
  }
  if (failure === null && written !== member.size) failure = `data cut short: ${written} of ${member.size} bytes`;
  if (failure !== null) await unlink(target).catch(() => undefined);
  return failure;
}

interface Pending { readonly member: ArchiveMember; readonly problem: (what: string) => void }

/**
 * Restores members into an empty folder. Files and directories are created as they come; symlinks
 * only at the end, so nothing is ever written through one, and a member below a symlink of the
 * archive is refused. Modes (no setuid/setgid/sticky) and times come last, directories deepest
 * first, so that a read-only directory or a new entry does not undo them.
 */
class Restore {
  private readonly files = new Map<string, Pending>();
  private readonly directories = new Map<string, Pending>();
  private readonly links = new Map<string, Pending>();
  private linksCreated = 0;

  constructor(private readonly into: string) {}

  restored(): { members: number; bytes: number } {
    const bytes = [...this.files.values()].reduce((sum, { member }) => sum + (member.size ?? 0), 0);
    return { members: this.files.size + this.directories.size + this.linksCreated, bytes };
  }

  async add(member: ArchiveMember, data: MemberData): Promise<void> {
    if (isUnsafe(member.path)) return; // the walk has reported it
    const refuse = (why: string): void => data.problem(`not restored: ${why}`);
    const through = ancestors(member.path).find((ancestor) => this.links.has(ancestor));
    if (through !== undefined) return refuse(`it would be written through the symlink ${JSON.stringify(through)} of this archive`);
    if (member.type === 'other') return refuse('hard links, devices and FIFOs are not restored');
    const path = member.path;
    const target = join(this.into, path);
    if (member.type !== 'directory' && this.directories.has(path)) return refuse('a directory of this archive is already at this path');
    // The later copy of a duplicate wins: forget the earlier symlink (not created yet) or file.
    this.links.delete(path);
    if (this.files.delete(path)) await unlink(target).catch(() => undefined);
    const pending = { member, problem: data.problem };
    if (member.type === 'symlink') {
      this.links.set(path, pending);
    } else if (member.type === 'directory') {
      try {
        await mkdir(target, { recursive: true });
        this.directories.set(path, pending);
      } catch (error) {
        refuse(describeFsError(error));
      }
    } else {
      const failure = await writeMember(target, member, data);
      if (failure === null) this.files.set(path, pending);
      else refuse(failure);
    }
  }

  async finish(): Promise<void> {
    for (const [path, pending] of this.files) await this.settle(path, pending, false);
    for (const [path, pending] of [...this.links].sort(([a], [b]) => comparePaths(a, b))) {
      const through = ancestors(path).find((ancestor) => this.links.has(ancestor));
      if (through !== undefined) {
        pending.problem(`not restored: it would be created through the symlink ${JSON.stringify(through)} of this archive`);
        continue;
      }
      const target = join(this.into, path);
      try {
        await mkdir(dirname(target), { recursive: true });
        await symlink(pending.member.target ?? '', target);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        pending.problem(`not restored: ${code === 'EEXIST' ? 'another member of this archive is already at this path' : describeFsError(error)}`);
        continue;
      }
      this.linksCreated += 1;
      await this.settle(path, pending, true);
    }
    const deepestFirst = [...this.directories].sort(([a], [b]) => comparePaths(b, a));
    for (const [path, pending] of deepestFirst) await this.settle(path, pending, false);
  }

  private async settle(path: string, { member, problem }: Pending, link: boolean): Promise<void> {
    const target = join(this.into, path);
    const time = new Date(member.mtime);
    try {
      if (!link) await chmod(target, member.mode & 0o777);
      if (member.mtime) await (link ? lutimes : utimes)(target, time, time);
    } catch (error) {
      problem(`mode or time not restored: ${describeFsError(error)}`);
    }
  }
}

/**
 * L4: restores the archive into `into`, an existing empty folder. Unsafe paths, members below a
 * symlink of the archive, hard links, devices and FIFOs are refused as problems, never followed.
 * `members` and `bytes` count what was restored. Owners are not restored: that needs root, and a
 * restore test compares content, modes and times.
 */
export async function extractArchive(file: string, kind: ArchiveKind, into: string): Promise<ExtractResult> {
  await requireEmptyFolder(into);
  const restore = new Restore(into);
  const walk = await walkArchive(file, kind, (member, data) => restore.add(member, data));
  await restore.finish();
  return Object.freeze({ ...restore.restored(), problems: walk.problems });
}
