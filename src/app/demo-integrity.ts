import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Scenario } from '../scenario/example-prosecution-service.js';
import { DOCSTORE_BASELINE_AT, plantDocstoreChanges, writeDocstore } from '../scenario/scenario-docstore.js';
import { cutBetweenMembers, packFolder } from '../scenario/scenario-backups.js';
import type { AppContext } from './app-context.js';
import { type BackupCheckReport, verifyBackup } from './backup-check-service.js';
import { addBackupSet, recordImmutability } from './backup-service.js';
import { type RestoreTestReport, performRestoreTest } from './restore-test-service.js';
import { snapshot } from './integrity-service.js';
import { type ManipulationReport, manipulationReport, registerBaseline } from './manipulation-service.js';
import { type TruthCheck, truthCheck as check } from './truth-check.js';

/**
 * The demo's integrity step (issue 7 §4, §6): the document store's export as restored from the
 * backup of 20 June is snapshotted and registered as the baseline; the attacker's planted changes
 * follow; Q4 must find exactly the altered judgement (content, its mtime set back) and the deleted
 * statement — the folders whose listing changed show a new mtime beside them.
 *
 * Q5 (§5, §6): two backups of the document store written that night — the nightly tar, sound, and
 * an off-site copy under a compliance-mode object lock that was silently cut short when written.
 * Both are restore-tested and verified: the nightly one must reach L5 (restored and equal to the
 * pre-incident baseline), the off-site one must stay at L0 — immutably stored is not intact.
 */

export interface DemoIntegrity {
  readonly report: ManipulationReport;
  readonly backups: readonly BackupCheckReport[];
  readonly checks: TruthCheck[];
}

export async function demoIntegrity(app: AppContext, scenario: Scenario, dir: string): Promise<DemoIntegrity> {
  const root = join(dir, 'docstore');
  const truth = await writeDocstore(scenario, root);
  await snapshot(app, root, { name: 'docstore' });
  await registerBaseline(app, 'docstore', { at: DOCSTORE_BASELINE_AT, reason: 'document-store export restored from the backup of 20 June 2025, before the exposure window' });
  const backups = join(dir, 'backups');
  await mkdir(backups, { recursive: true });
  const nightly = join(backups, 'docstore-2025-06-20.tar');
  const offsite = join(backups, 'offsite-docstore-2025-06-20.tar');
  await packFolder(root, nightly);
  await packFolder(root, offsite);
  await cutBetweenMembers(offsite, 0.6);
  await plantDocstoreChanges(root, truth);
  const report = await manipulationReport(app);
  const answer = report.answers.find((a) => a.source === root);
  const fileChanges = (answer?.changes ?? []).filter((c) => (c.before ?? c.after)?.type !== 'directory').map((c) => `${c.kind} ${c.path} ${c.fields.join('+')}`.trim());

  await addBackupSet(app, { name: 'docstore-nightly', location: nightly, manifest: 'docstore', takenAt: DOCSTORE_BASELINE_AT });
  await addBackupSet(app, { name: 'docstore-offsite', location: offsite, manifest: 'docstore', takenAt: DOCSTORE_BASELINE_AT });
  const lock = join(backups, 'offsite-object-lock.json');
  await writeFile(lock, `${JSON.stringify({ ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 365 } } } }, null, 2)}\n`);
  await recordImmutability(app, 'docstore-offsite', { mode: 'compliance', retainUntil: '2032-06-20T23:00:00Z', evidence: lock, statement: 'off-site bucket under S3 object lock, compliance mode (storage team export)' });
  const restores: RestoreTestReport[] = [];
  for (const name of ['docstore-nightly', 'docstore-offsite']) {
    const into = join(dir, 'restore-tests', name);
    await mkdir(into, { recursive: true });
    restores.push(await performRestoreTest(app, name, { into }));
  }
  const checked = [await verifyBackup(app, 'docstore-nightly'), await verifyBackup(app, 'docstore-offsite')];
  const checks = [
    check('were data manipulated (Q4): shown against the pre-window baseline, exactly the altered judgement and the deleted statement', { verdict: 'shown', changes: [`modified ${truth.manipulated} sha256+size`, `deleted ${truth.deleted}`].sort() }, { verdict: answer?.verdict ?? null, changes: [...fileChanges].sort() }),
    check('are the backups secured (Q5): the nightly backup restored and equal to the pre-incident baseline (L5), the silently truncated off-site copy damaged, its restore failed, never above L0', [
      { level: 5, damaged: false, restored: true },
      { level: 0, damaged: true, restored: false },
    ], checked.map((c, i) => ({ level: c.level, damaged: c.damaged, restored: restores[i]!.passed }))),
  ];
  return { report, backups: checked, checks };
}
