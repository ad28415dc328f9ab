import { join } from 'node:path';
import type { Scenario } from '../scenario/example-prosecution-service.js';
import { DOCSTORE_BASELINE_AT, plantDocstoreChanges, writeDocstore } from '../scenario/scenario-docstore.js';
import type { AppContext } from './app-context.js';
import { snapshot } from './integrity-service.js';
import { type ManipulationReport, manipulationReport, registerBaseline } from './manipulation-service.js';
import { type TruthCheck, truthCheck as check } from './truth-check.js';

/**
 * The demo's integrity step (issue 7 §4, §6): the document store's export as restored from the
 * backup of 20 June is snapshotted and registered as the baseline; the attacker's planted changes
 * follow; Q4 must find exactly the altered judgement (content, its mtime set back) and the deleted
 * statement — the folders whose listing changed show a new mtime beside them.
 */

export interface DemoIntegrity {
  readonly report: ManipulationReport;
  readonly checks: TruthCheck[];
}

export async function demoIntegrity(app: AppContext, scenario: Scenario, dir: string): Promise<DemoIntegrity> {
  const root = join(dir, 'docstore');
  const truth = await writeDocstore(scenario, root);
  await snapshot(app, root, { name: 'docstore' });
  await registerBaseline(app, 'docstore', { at: DOCSTORE_BASELINE_AT, reason: 'document-store export restored from the backup of 20 June 2025, before the exposure window' });
  await plantDocstoreChanges(root, truth);
  const report = await manipulationReport(app);
  const answer = report.answers.find((a) => a.source === root);
  const fileChanges = (answer?.changes ?? []).filter((c) => (c.before ?? c.after)?.type !== 'directory').map((c) => `${c.kind} ${c.path} ${c.fields.join('+')}`.trim());
  const checks = [
    check('were data manipulated (Q4): shown against the pre-window baseline, exactly the altered judgement and the deleted statement', { verdict: 'shown', changes: [`modified ${truth.manipulated} sha256+size`, `deleted ${truth.deleted}`].sort() }, { verdict: answer?.verdict ?? null, changes: [...fileChanges].sort() }),
  ];
  return { report, checks };
}
