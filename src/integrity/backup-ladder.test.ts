import { describe, expect, it } from 'vitest';
import { type LadderEvidence, assuranceLevel } from './backup-ladder.js';

/** Evidence for a backup that reaches L5; each test takes one piece away. */
const sound: LadderEvidence = {
  exists: { ok: true, detail: '/backups/docstore.tar, 12.0 MB' },
  structure: { problems: [], complete: true },
  coverage: { members: 10, bytes: 1000, coveredMembers: 10, coveredBytes: 1000, unreadable: [], cycleDays: 7 },
  crypto: { manifest: 'docstore-at-backup', missing: [], extra: [], mismatched: [], notYetRead: 0, unverifiableInManifest: 0, manifestProblem: null },
  restore: { testedAt: '2025-07-20T10:00:00.000Z', passed: true, problems: [], baseline: { name: 'docstore', at: '2025-06-20T00:00:00.000Z', contentChanges: 0, preIncident: true } },
};

describe('the assurance ladder', () => {
  it('reaches L5 only with every piece of evidence', () => {
    const a = assuranceLevel(sound);
    expect(a.level).toBe(5);
    expect(a.steps.map((s) => s.holds)).toEqual([true, true, true, true, true, true]);
  });

  it('stops at each rung whose evidence is missing or bad, whatever holds above it', () => {
    const cases: [Partial<LadderEvidence>, number | null, RegExp][] = [
      [{ exists: { ok: false, detail: 'not found' } }, null, /not found/],
      [{ structure: { problems: ['unexpected end of archive at byte 6144'], complete: false } }, 0, /listing stopped early.*1 problem: unexpected end/],
      [{ coverage: { ...sound.coverage, coveredMembers: 4, coveredBytes: 370 } }, 1, /37\.0 % of the data \(4 members of 10\) read within the 7-day cycle/],
      [{ coverage: { ...sound.coverage, unreadable: ['cases/a.pdf'] } }, 1, /1 member could not be read: cases\/a\.pdf/],
      [{ coverage: { ...sound.coverage, members: 0, bytes: 0, coveredMembers: 0, coveredBytes: 0 } }, 1, /holds no data/],
      [{ crypto: null }, 2, /no signed manifest/],
      [{ crypto: { ...sound.crypto!, mismatched: ['cases/a.pdf'], missing: ['b', 'c'] } }, 2, /1 member differ.*cases\/a\.pdf; 2 entries missing: b, c/],
      [{ crypto: { ...sound.crypto!, manifestProblem: 'its entries do not produce the signed root' } }, 2, /does not verify: its entries do not produce/],
      [{ restore: null }, 3, /no restore test performed/],
      [{ restore: { ...sound.restore!, passed: false, problems: ['cases/a.pdf: not written'] } }, 3, /failed: cases\/a\.pdf: not written/],
      [{ restore: { ...sound.restore!, baseline: null } }, 4, /no baseline/],
      [{ restore: { ...sound.restore!, baseline: { ...sound.restore!.baseline!, contentChanges: 2 } } }, 4, /differs from baseline docstore .* in 2 entries/],
      [{ restore: { ...sound.restore!, baseline: { ...sound.restore!.baseline!, preIncident: false } } }, 4, /does not predate the exposure window/],
    ];
    for (const [change, level, reason] of cases) {
      const a = assuranceLevel({ ...sound, ...change });
      expect(a.level).toBe(level);
      expect(a.steps[(level ?? -1) + 1]!.reason).toMatch(reason);
    }
  });

  it('never lets a good restore test lift a truncated backup: the level is cumulative', () => {
    const truncated = assuranceLevel({ ...sound, structure: { problems: ['member cases/z.pdf cut short'], complete: false }, crypto: { ...sound.crypto!, missing: ['cases/z.pdf'] } });
    expect(truncated.level).toBe(0);
    expect(truncated.steps[4]!.holds).toBe(true);
  });
});
