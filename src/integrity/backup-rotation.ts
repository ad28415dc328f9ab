/**
 * Which members of a backup to read in this check (issue 7 §5, reference §7.3–7.4): deterministic
 * rotation, least recently read first, so partial checks of a large backup cover all of it over a
 * cycle — not a random sample, which "will not guarantee to cover all pack files" (restic) and has
 * verified nothing while reporting success (a 1/52 subset of a 16-pack repository). A check reads at
 * least MIN_BYTES (or everything, when the backup is smaller) and at least one member, so a small
 * backup is never "checked" with zero data read.
 */

export const MIN_BYTES = 64 * 1024 * 1024;

export interface RotationMember {
  readonly path: string;
  readonly size: number;
}

export interface PreviousRead {
  readonly readAt: string;
  readonly size: number;
}

/**
 * The members to read now: never-read first, then changed in size since their last read, then the
 * longest unread, each group in path order; until `share` (0–1] of the bytes are chosen.
 */
export function chooseMembers(members: readonly RotationMember[], previous: ReadonlyMap<string, PreviousRead>, share: number): Set<string> {
  if (!(share > 0 && share <= 1)) throw new RangeError(`share ${share} is outside (0, 1]`);
  const total = members.reduce((sum, m) => sum + m.size, 0);
  const budget = Math.max(share * total, Math.min(MIN_BYTES, total));
  const rank = (m: RotationMember) => {
    const p = previous.get(m.path);
    return p === undefined ? 0 : p.size !== m.size ? 1 : 2;
  };
  const ordered = [...members].sort((a, b) => rank(a) - rank(b) || (previous.get(a.path)?.readAt ?? '').localeCompare(previous.get(b.path)?.readAt ?? '') || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const chosen = new Set<string>();
  let bytes = 0;
  for (const m of ordered) {
    if (chosen.size > 0 && bytes >= budget) break;
    chosen.add(m.path);
    bytes += m.size;
  }
  return chosen;
}

/** Whether a member's last read still counts: within the cycle before `now`, and of the size it has now. */
export function readCounts(read: PreviousRead | undefined, size: number, now: Date, cycleDays: number): boolean {
  if (!read || read.size !== size) return false;
  return Date.parse(read.readAt) > now.getTime() - cycleDays * 86_400_000;
}
