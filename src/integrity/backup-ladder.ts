/**
 * The backup assurance ladder (issue 7 §5; reference exposure-integrity.md §7.2, adapted to the
 * issue's six rungs): how far the evidence about one backup set goes.
 *
 *   L0 exists · L1 structure intact · L2 data read · L3 cryptographically verified ·
 *   L4 restored · L5 restored and matches the pre-incident baseline
 *
 * The level is cumulative — the highest rung such that every rung below it holds too — so a
 * backup is never reported above what its weakest piece of evidence supports: a truncated archive
 * stops at L0 however good an older restore test was, and a restore test of a backup whose
 * content cannot be verified does not lift it past L2. Each rung carries the reason it holds or
 * not, so the report says what is missing, not only how far it got. Pure: the caller gathers the
 * evidence (backup-service.ts).
 */

export type AssuranceLevel = 0 | 1 | 2 | 3 | 4 | 5;

export const RUNGS: readonly string[] = ['exists', 'structure intact', 'data read', 'cryptographically verified', 'restored', 'restored and matches the pre-incident baseline'];

export interface LadderEvidence {
  readonly exists: { readonly ok: boolean; readonly detail: string };
  /** Structure problems found while listing (empty: intact); `complete` false when listing stopped early. */
  readonly structure: { readonly problems: readonly string[]; readonly complete: boolean };
  /** Data read within the rotation cycle: members and bytes now in the backup, and how much of that was read fine. */
  readonly coverage: {
    readonly members: number;
    readonly bytes: number;
    readonly coveredMembers: number;
    readonly coveredBytes: number;
    readonly unreadable: readonly string[];
    readonly cycleDays: number;
  };
  /** Against the signed manifest of the backup's content; null when none is registered. */
  readonly crypto: {
    readonly manifest: string;
    readonly missing: readonly string[];
    readonly extra: readonly string[];
    readonly mismatched: readonly string[];
    /** Members whose content was not read within the cycle, so not compared yet. */
    readonly notYetRead: number;
    /** Entries the manifest itself could not read when it was taken. */
    readonly unverifiableInManifest: number;
    /** The manifest itself does not verify (signature, root): nothing can be checked against it. */
    readonly manifestProblem: string | null;
  } | null;
  /** The latest restore test performed here; null when there is none. */
  readonly restore: {
    readonly testedAt: string;
    readonly passed: boolean;
    readonly problems: readonly string[];
    /** The comparison of the restored copy with the source's baseline; null when there was none to compare with. */
    readonly baseline: { readonly name: string; readonly at: string; readonly contentChanges: number; readonly preIncident: boolean } | null;
  } | null;
}

export interface LadderStep {
  readonly level: AssuranceLevel;
  readonly rung: string;
  readonly holds: boolean;
  readonly reason: string;
}

export interface Assurance {
  /** null: not even L0 (the backup is not there). */
  readonly level: AssuranceLevel | null;
  readonly steps: readonly LadderStep[];
}

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const some = (items: readonly string[]) => items.slice(0, 5).join(', ') + (items.length > 5 ? ` and ${items.length - 5} more` : '');
const pct = (part: number, whole: number) => (whole === 0 ? '100' : ((100 * part) / whole).toFixed(part === whole ? 0 : 1));

export function assuranceLevel(e: LadderEvidence): Assurance {
  const c = e.coverage;
  const steps: [boolean, string][] = [
    [e.exists.ok, e.exists.detail],
    structureStep(e),
    [
      c.members > 0 && c.unreadable.length === 0 && c.coveredBytes === c.bytes && c.coveredMembers === c.members,
      c.members === 0
        ? 'the backup holds no data (no file in it): nothing was read, nothing is assured'
        : c.unreadable.length > 0
        ? `${count(c.unreadable.length, 'member')} could not be read: ${some(c.unreadable)}`
        : `${pct(c.coveredBytes, c.bytes)} % of the data (${count(c.coveredMembers, 'member')} of ${c.members}) read within the ${c.cycleDays}-day cycle`,
    ],
    cryptoStep(e),
    restoreStep(e),
    baselineStep(e),
  ];
  const out: LadderStep[] = steps.map(([holds, reason], i) => ({ level: i as AssuranceLevel, rung: RUNGS[i] as string, holds, reason }));
  const firstGap = out.findIndex((s) => !s.holds);
  const level = firstGap === -1 ? 5 : firstGap === 0 ? null : ((firstGap - 1) as AssuranceLevel);
  return { level, steps: out };
}

function structureStep(e: LadderEvidence): [boolean, string] {
  const { problems, complete } = e.structure;
  if (problems.length === 0 && complete) return [true, 'listed completely, no structural problem'];
  const head = complete ? '' : 'listing stopped early, the rest of the backup is unknown; ';
  return [false, `${head}${count(problems.length, 'problem')}: ${some(problems)}`];
}

function cryptoStep(e: LadderEvidence): [boolean, string] {
  const k = e.crypto;
  if (!k) return [false, 'no signed manifest of the backup’s content is registered (weerbaar backups add --manifest)'];
  if (k.manifestProblem) return [false, `manifest ${k.manifest} does not verify: ${k.manifestProblem}`];
  const gaps: string[] = [];
  if (k.mismatched.length > 0) gaps.push(`${count(k.mismatched.length, 'member')} differ from it: ${some(k.mismatched)}`);
  if (k.missing.length > 0) gaps.push(`${count(k.missing.length, 'entry', 'entries')} missing: ${some(k.missing)}`);
  if (k.extra.length > 0) gaps.push(`${count(k.extra.length, 'member')} not in it: ${some(k.extra)}`);
  if (k.notYetRead > 0) gaps.push(`${count(k.notYetRead, 'member')} not read within the cycle yet`);
  if (k.unverifiableInManifest > 0) gaps.push(`${count(k.unverifiableInManifest, 'entry', 'entries')} could not be read when the manifest was taken`);
  if (gaps.length > 0) return [false, `against manifest ${k.manifest}: ${gaps.join('; ')}`];
  return [true, `every member’s SHA-256 equals signed manifest ${k.manifest} (proven: signature and root)`];
}

function restoreStep(e: LadderEvidence): [boolean, string] {
  const r = e.restore;
  if (!r) return [false, 'no restore test performed (weerbaar backups restore-test)'];
  if (!r.passed) return [false, `the restore test of ${r.testedAt.slice(0, 16)} failed: ${some(r.problems)}`];
  return [true, `restored on ${r.testedAt.slice(0, 16)}: every member written and read back`];
}

function baselineStep(e: LadderEvidence): [boolean, string] {
  const r = e.restore;
  if (!r?.passed) return [false, 'needs a restore test that passed'];
  const b = r.baseline;
  if (!b) return [false, 'the source has no baseline to compare the restored copy with'];
  if (!b.preIncident) return [false, `baseline ${b.name} of ${b.at.slice(0, 16)} does not predate the exposure window`];
  if (b.contentChanges > 0) return [false, `the restored copy differs from baseline ${b.name} of ${b.at.slice(0, 16)} in ${count(b.contentChanges, 'entry', 'entries')}`];
  return [true, `the restored copy equals baseline ${b.name} of ${b.at.slice(0, 16)} in content`];
}
