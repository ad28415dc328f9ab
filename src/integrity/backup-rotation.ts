import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
/**
 * Which members of a backup to read in this check (issue 7 §5, reference §7.3–7.4): deterministic
 * rotation, least recently read first, so partial checks of a large backup cover all of it over a
 * cycle — not a random sample, which "will not guarantee to cover all pack files" (restic) and has
 * verified nothing while reporting success (a 1/52 subset of a 16-pack repository). A check reads at
 * least MIN_BYTES (or everything, when the backup is smaller) and at least one member, so a small
 * backup is never "checked" with zero data read.
 */

export const MIN_BYTES = 64 * 1024 * 1024;

/**
 * A member's stamp identifies its content without reading it: for a folder member its size, mtime,
 * ctime and inode; for an archive member the archive file's own. A read counts only while the stamp
 * is unchanged — a member rewritten since (even to the same size, with its mtime put back) is read
 * again before anything else.
 */
export interface RotationMember {
  readonly path: string;
  readonly size: number;
  readonly stamp: string;
}

export interface PreviousRead {
  readonly readAt: string;
  readonly size: number;
  readonly stamp: string;
}

/**
 * The members to read now: never-read first, then changed (size or stamp) since their last read, then the
 * longest unread, each group in path order; until `share` (0–1] of the bytes are chosen.
 */
export function chooseMembers(members: readonly RotationMember[], previous: ReadonlyMap<string, PreviousRead>, share: number): Set<string> {
  if (!(share > 0 && share <= 1)) throw new RangeError(`share ${share} is outside (0, 1]`);
  const total = members.reduce((sum, m) => sum + m.size, 0);
  const budget = Math.max(share * total, Math.min(MIN_BYTES, total));
  const rank = (m: RotationMember) => {
    const p = previous.get(m.path);
    return p === undefined ? 0 : p.size !== m.size || p.stamp !== m.stamp ? 1 : 2;
  };
  const ordered = [...members].sort((a, b) => rank(a) - rank(b) || (previous.get(a.path)?.readAt ?? '').localeCompare(previous.get(b.path)?.readAt ?? '') || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const chosen = new Set<string>();
  let bytes = 0;
  for (const m of ordered) {
    // Empty members cost nothing to read: always taken, so a full check reads every member.
    if (chosen.size > 0 && bytes >= budget && m.size > 0) continue;
    chosen.add(m.path);
    bytes += m.size;
  }
  return chosen;
}

/** Whether a member's last read still counts: within the cycle before `now`, and of the content (size and stamp) it has now. */
export function readCounts(read: PreviousRead | undefined, member: Omit<RotationMember, 'path'>, now: Date, cycleDays: number): boolean {
  if (!read || read.size !== member.size || read.stamp !== member.stamp) return false;
  return Date.parse(read.readAt) > now.getTime() - cycleDays * 86_400_000;
}

/** An archive's own stamp: every member of it changes with the file (rewritten, replaced, cut short). */
export async function archiveStamp(file: string): Promise<string> {
  const info = await stat(file);
  return `archive:${info.size}:${info.mtimeMs}:${info.ctimeMs}:${info.ino}`;
}

/** The stamp of a whole backup: its archive's, or for a folder a digest over every member's path and stamp. */
export function backupStamp(members: readonly { path: string; stamp?: string }[], archive: string | null): string {
  if (archive !== null) return archive;
  const hash = createHash('sha256');
  for (const m of members) hash.update(`${m.path}\u0000${m.stamp ?? ''}\n`);
  return `folder:${hash.digest('hex')}`;
}
