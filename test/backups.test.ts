import { execFileSync } from 'node:child_process';
import { cp, mkdir, readFile, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './support/cli-harness.js';
import { useEngineWorkspace } from './support/engine-workspace.js';
import { engines, postgresSkipReason } from './support/engines.js';

/**
 * `weerbaar backups` (issue 7 §5) on every case store: backup sets checked on the ladder L0–L5 with
 * real archives and folders — each rung reached only with its evidence, a truncated backup never
 * above what its evidence supports, rotation covering a large set over several partial checks.
 */

if (postgresSkipReason) describe.skip(postgresSkipReason, () => undefined);

type Check = { level: number | null; damaged: boolean; problems: string[]; steps: { level: number; holds: boolean; reason: string }[]; read: { members: number; bytes: number }; coverage: { coveredMembers: number; members: number }; restoreRegime: { met: boolean; lastPassed: { performed: boolean } | null }; immutability: { now: string } };

describe.each(engines)('backup assurance on $name', (engine) => {
  const t = useEngineWorkspace(engine);
  const run = (args: string[]) => cli(['-w', t.ws, ...args], { env: t.env });
  const check = async (name: string, extra: string[] = []) => {
    const r = await run(['backups', 'verify', name, '--json', ...extra]);
    return { code: r.code, report: JSON.parse(r.stdout) as Check, stderr: r.stderr };
  };

  /** The document store as it was before the attack, its signed manifest as a baseline, and a tar of it. */
  async function docstore(): Promise<{ root: string; tar: string }> {
    const root = join(t.root, 'docstore');
    await mkdir(join(root, 'cases'), { recursive: true });
    for (let i = 1; i <= 6; i++) await writeFile(join(root, 'cases', `CASE-${i}.pdf`), `case file ${i}\n`.repeat(200 * i));
    await writeFile(join(root, 'shelters.csv'), 'SH-1;Lindenlaan 12\n');
    const old = new Date('2025-06-19T22:00:00Z');
    for (const p of ['cases', 'cases/CASE-1.pdf', 'shelters.csv', '.']) await utimes(join(root, p), old, old);
    expect((await run(['integrity', 'snapshot', root, '--name', 'docstore'])).code).toBe(0);
    expect((await run(['integrity', 'baseline', 'docstore', '--at', '2025-06-20T00:00:00Z', '--reason', 'nightly backup of 20 June'])).code).toBe(0);
    const tar = join(t.root, 'docstore-2025-06-20.tar');
    execFileSync('tar', ['-C', root, '-cf', tar, '.']);
    return { root, tar };
  }

  it('climbs the ladder rung by rung, each with its own evidence, to L5', async () => {
    const { tar } = await docstore();
    expect((await run(['backups', 'add', 'nightly', tar, '--source', join(t.root, 'docstore')])).code).toBe(0);
    // No manifest of the backup's content: data read, but not cryptographically verified.
    let c = await check('nightly');
    expect(c.code).toBe(0);
    expect(c.report).toMatchObject({ level: 2, damaged: false, read: { members: 7 } });
    expect(c.report.steps[3]!.reason).toMatch(/no signed manifest/);

    expect((await run(['backups', 'add', 'nightly-m', tar, '--manifest', 'docstore'])).code).toBe(0);
    c = await check('nightly-m');
    expect(c.report.level).toBe(3);
    expect(c.report.steps[4]!.reason).toMatch(/no restore test performed/);

    const into = join(t.root, 'restore-1');
    await mkdir(into);
    const restored = await run(['backups', 'restore-test', 'nightly-m', '--into', into]);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(/restore test of nightly-m into .*: passed \(8 members,/);
    expect(restored.stdout).toMatch(/against baseline docstore of 2025-06-20T00:00: 0 entries differ in content/);
    expect(restored.stdout).toContain(`the restored copy stays in ${into}: it holds the backup's data`);
    expect(await readFile(join(into, 'cases', 'CASE-3.pdf'), 'utf8')).toBe('case file 3\n'.repeat(600));
    // Restored and equal to the baseline — but without an exposure window, "pre-incident" is unknown.
    c = await check('nightly-m');
    expect(c.report.level).toBe(4);
    expect(c.report.steps[5]!.reason).toMatch(/does not predate the exposure window/);
    expect((await run(['exposure', 'window', '--start', '2025-06-23T00:00:00Z', '--end', '2025-07-15T00:00:00Z', '--reason', 'first logs'])).code).toBe(0);
    c = await check('nightly-m');
    expect(c.report.level).toBe(5);
    expect(c.report.restoreRegime).toMatchObject({ met: true, lastPassed: { performed: true } });
    // A restore proves the content it restored: the archive rewritten since (even identically) needs a new one.
    const { utimes: setTimes } = await import('node:fs/promises');
    const copy = await readFile(tar);
    await writeFile(tar, copy);
    await setTimes(tar, new Date('2025-06-20T23:30:00Z'), new Date('2025-06-20T23:30:00Z'));
    const rewritten = await check('nightly-m');
    expect(rewritten.report.level).toBe(3);
    expect(rewritten.report.steps[4]!.reason).toMatch(/has changed since it was restored/);
    const into2 = join(t.root, 'restore-2');
    await mkdir(into2);
    expect((await run(['backups', 'restore-test', 'nightly-m', '--into', into2])).code).toBe(0);
    c = await check('nightly-m');
    expect(c.report.level).toBe(5);
    const text = (await run(['backups', 'verify', 'nightly-m'])).stdout;
    expect(text).toMatch(/backup nightly-m \(tar, .*\): assurance L5 — restored and matches the pre-incident baseline/);
    expect(text).toMatch(/✓ L3 cryptographically verified: every member’s SHA-256 equals signed manifest docstore/);
    expect((await run(['backups', 'list'])).stdout).toMatch(/nightly-m +tar .* L5/);
    // Q5 at once: every set, one report each.
    const all = await run(['backups', 'verify', '--all', '--json']);
    expect(all.code).toBe(0);
    expect((JSON.parse(all.stdout) as Check[]).map((r) => r.level)).toEqual([2, 5]);
    expect((await run(['backups', 'verify'])).stderr).toContain('name one backup set, or give --all');
  });

  it('never reports a truncated backup above what its evidence supports, whatever an earlier restore test said', async () => {
    const { tar } = await docstore();
    expect((await run(['backups', 'add', 'weekly', tar, '--manifest', 'docstore'])).code).toBe(0);
    const into = join(t.root, 'restore-w');
    await mkdir(into);
    expect((await run(['backups', 'restore-test', 'weekly', '--into', into])).code).toBe(0);
    expect((await check('weekly')).report.level).toBe(4);

    // Silently truncated afterwards (a full disk, a killed job): cut in the middle of the archive.
    await truncate(tar, Math.floor((await stat(tar)).size / 2));
    const c = await check('weekly');
    expect(c.code).toBe(4);
    expect(c.report.level).toBe(0);
    expect(c.report.damaged).toBe(true);
    expect(c.report.steps[1]!.holds).toBe(false);
    expect(c.report.problems.join('\n')).toMatch(/missing \(in manifest docstore\)/);

    // A restore of the truncated archive fails and says why.
    const again = join(t.root, 'restore-w2');
    await mkdir(again);
    const r = await run(['backups', 'restore-test', 'weekly', '--into', again]);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/FAILED/);
    expect(r.stdout).toMatch(/problem: .*docstore-2025-06-20\.tar: member .*cut short|problem: .*docstore-2025-06-20\.tar:.*end/);

    // Gone altogether: not even L0.
    const { rm } = await import('node:fs/promises');
    await rm(tar);
    const gone = await check('weekly');
    expect(gone.report.level).toBeNull();
    expect(gone.report.steps[0]!.reason).toMatch(/is not there: .*no such file/i);
  });

  it('finds a member changed after the manifest (same size), and a folder backup read in rotation over a cycle', async () => {
    const { root } = await docstore();
    const copy = join(t.root, 'copy');
    await cp(root, copy, { recursive: true, preserveTimestamps: true });
    await writeFile(join(copy, 'shelters.csv'), 'SH-1;Dorpstraat 99\n'.slice(0, 19));
    expect((await run(['backups', 'add', 'copy', copy, '--manifest', 'docstore'])).code).toBe(0);
    const c = await check('copy');
    expect(c.code).toBe(4);
    expect(c.report.level).toBe(2);
    expect(c.report.problems).toEqual(['differs from manifest docstore: shelters.csv']);
    // A member the manifest does not hold is damage too (a planted file).
    await writeFile(join(copy, 'cases', 'webshell.php'), '<?php system($_GET[0]);');
    expect((await check('copy')).report.problems).toEqual(['differs from manifest docstore: shelters.csv', 'not in manifest docstore: cases/webshell.php']);
    // A backup that holds no data is never "data read".
    const hollow = join(t.root, 'hollow.tar');
    execFileSync('tar', ['-C', join(copy, 'cases'), '-cf', hollow, '--no-recursion', '.']);
    expect((await run(['backups', 'add', 'hollow', hollow])).code).toBe(0);
    const empty = await check('hollow');
    expect(empty.report.level).toBe(1);
    expect(empty.report.steps[2]!.reason).toMatch(/holds no data/);

    // Four 40 MiB members (sparse): with --share 10 each check reads the 64 MiB minimum, two members, least recently read first.
    const big = join(t.root, 'big');
    await mkdir(big);
    for (const n of ['a', 'b', 'c', 'd']) {
      await writeFile(join(big, n), '');
      await truncate(join(big, n), 40 * 1024 * 1024);
    }
    expect((await run(['integrity', 'snapshot', big, '--name', 'big'])).code).toBe(0);
    expect((await run(['backups', 'add', 'big', big, '--manifest', 'big'])).code).toBe(0);
    const first = await check('big', ['--share', '10']);
    expect(first.report).toMatchObject({ level: 1, read: { members: 2 }, coverage: { coveredMembers: 2, members: 4 } });
    expect(first.report.steps[2]!.reason).toMatch(/50 % of the data \(2 members of 4\) read within the 7-day cycle|50\.0 %/);
    const second = await check('big', ['--share', '10']);
    expect(second.report).toMatchObject({ level: 3, read: { members: 2 }, coverage: { coveredMembers: 4 } });
    // Ransomware-style: c (read last) rewritten in place, same size, its mtime put back. Its old read no longer
    // counts; the next partial check reads it first and finds it.
    const { stat: statOf, open: openFile, utimes: setTimes } = await import('node:fs/promises');
    const before = await statOf(join(big, 'c'));
    const handle = await openFile(join(big, 'c'), 'r+');
    await handle.write(Buffer.from('encrypted'), 0, 9, 1024);
    await handle.close();
    await setTimes(join(big, 'c'), before.atime, before.mtime);
    const third = await check('big', ['--share', '10']);
    expect(third.code).toBe(4);
    expect(third.report.level).toBe(2);
    expect(third.report.problems).toEqual(['differs from manifest big: c']);
  });

  it('checks a restored copy where it is, and never restores into it again', async () => {
    const { root } = await docstore();
    const restored = join(t.root, 'restored-copy');
    await cp(root, restored, { recursive: true, preserveTimestamps: true });
    expect((await run(['backups', 'add', 'restored', restored, '--kind', 'restored', '--manifest', 'docstore'])).code).toBe(0);
    expect((await run(['exposure', 'window', '--start', '2025-06-23T00:00:00Z', '--end', '2025-07-15T00:00:00Z', '--reason', 'first logs'])).code).toBe(0);
    expect((await run(['backups', 'restore-test', 'restored', '--into', join(t.root, 'x')])).stderr).toContain('is a restored copy already');
    const tested = await run(['backups', 'restore-test', 'restored']);
    expect(tested.code).toBe(0);
    expect(tested.stdout).not.toContain('the restored copy stays');
    const c = await check('restored');
    expect(c.report.level).toBe(5);
    // An entry of the copy that differs from the pre-incident baseline keeps it below L5 after a new test.
    await writeFile(join(restored, 'cases', 'CASE-2.pdf'), 'case file 2, edited\n');
    expect((await check('restored')).report.level).toBe(2); // the manifest no longer matches, and the old test is stale
    expect((await run(['backups', 'restore-test', 'restored'])).stdout).toMatch(/1 entry differs in content/);
  });

  it('keeps immutability declarations with their evidence, and stated restore tests for the yearly requirement only', async () => {
    const { tar } = await docstore();
    expect((await run(['backups', 'add', 'offsite', tar, '--manifest', 'docstore'])).code).toBe(0);
    expect((await run(['backups', 'immutability', 'offsite', '--mode', 'compliance', '--statement', 'object lock'])).stderr).toMatch(/retain-until date: give --until/);
    const lock = join(t.root, 'object-lock.json');
    await writeFile(lock, JSON.stringify({ ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 365 } } } }));
    expect((await run(['backups', 'immutability', 'offsite', '--mode', 'compliance', '--until', '2099-06-20', '--evidence', lock, '--statement', 'storage team export of 20 June'])).code).toBe(0);
    let c = await check('offsite');
    expect(c.report.immutability.now).toMatch(/^compliance until 2099-06-20 \(evidence [0-9a-f]{12}… in custody\)/);
    expect(c.report.restoreRegime).toMatchObject({ met: false, lastPassed: null });
    expect((await run(['backups', 'restore-test', 'offsite', '--stated', '--at', '2024-03-01', '--result', 'passed', '--statement', 'Veeam SureBackup report 2024-03'])).code).toBe(0);
    c = await check('offsite');
    expect(c.report.level).toBe(3);
    expect(c.report.restoreRegime).toMatchObject({ met: false, lastPassed: { performed: false } });
    expect((await run(['backups', 'verify', 'offsite'])).stdout).toMatch(/last passed 2024-03-01 on offsite \(stated\); OVERDUE since 2025-03-01/);
    expect((await run(['audit', 'log', '--json'])).stdout).toContain('backups.immutability');
  });
});
