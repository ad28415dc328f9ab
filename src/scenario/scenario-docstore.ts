import { mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Scenario } from './example-prosecution-service.js';
import { logSeed } from './scenario-log-common.js';
import { SeededRandom } from './seeded-random.js';

/**
 * The document store's export (issue 7 §6): case documents, organised-crime files and shelter
 * letters as files, with a baseline taken from the backup of 20 June 2025 — before anything
 * happened. Afterwards the attacker's planted changes: one judgement altered (its mtime set back
 * to hide it) and one witness statement deleted. Ground truth: exactly these two.
 */

export const DOCSTORE_BASELINE_AT = '2025-06-20T23:00:00.000Z';

export interface DocstoreTruth {
  readonly files: number;
  readonly manipulated: string;
  readonly deleted: string;
}

const FOLDERS = ['cases/2024', 'cases/2025', 'ocl/2025', 'victim-care/shelters'] as const;

export async function writeDocstore(scenario: Scenario, root: string): Promise<DocstoreTruth & { paths: string[] }> {
  const random = new SeededRandom(logSeed(scenario, 13));
  const paths: string[] = [];
  for (const folder of FOLDERS) {
    const count = folder.startsWith('victim') ? 12 : 40;
    for (let i = 1; i <= count; i++) {
      const name = folder.startsWith('victim') ? `letter-SH-${String(i).padStart(4, '0')}.txt` : `${folder.replace(/\W/g, '-').toUpperCase()}-${String(random.int(1, 999_999)).padStart(6, '0')}-${i}.txt`;
      paths.push(`${folder}/${name}`);
    }
  }
  const stamp = (path: string) => new Date(Date.parse('2024-09-01T08:00:00Z') + Math.abs(hashOf(path)) % (290 * 86_400_000));
  for (const path of paths) {
    const file = join(root, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `${path}\n${'Lorem ipsum dolor sit amet. '.repeat(random.int(20, 400))}\n`);
    await utimes(file, stamp(path), stamp(path));
  }
  const judgements = paths.filter((p) => p.startsWith('cases/2025/'));
  const manipulated = judgements[random.int(0, judgements.length - 1)]!;
  const statements = paths.filter((p) => p.startsWith('ocl/2025/'));
  const deleted = statements[random.int(0, statements.length - 1)]!;
  return { paths, files: paths.length, manipulated, deleted };
}

/** The attacker's changes: the judgement rewritten with its old mtime, the statement removed. */
export async function plantDocstoreChanges(root: string, truth: DocstoreTruth): Promise<void> {
  const file = join(root, truth.manipulated);
  const { stat } = await import('node:fs/promises');
  const before = await stat(file);
  await writeFile(file, `${truth.manipulated}\nVONNIS: vrijspraak.\n`);
  await utimes(file, before.atime, before.mtime);
  await rm(join(root, truth.deleted));
}

function hashOf(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0;
  return h;
}
