import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp } from '../src/app/app-context.js';
import { cli } from './support/cli-harness.js';
import { useEngineWorkspace } from './support/engine-workspace.js';
import { engines, postgresSkipReason } from './support/engines.js';

/** Importing CSAF advisories into a workspace, on every engine: the real corpus, revisions, retrievals. */

if (postgresSkipReason) describe.skip(postgresSkipReason, () => undefined);

const CORPUS = join(import.meta.dirname, '..', '..', 'shared', 'corpora', 'csaf');

describe.each(engines)('advisory import on $name', (engine) => {
  const t = useEngineWorkspace(engine);

  it('imports the real corpus, rejecting with a reason what is not valid CSAF, and counts both', async () => {
    const first = await cli(['-w', t.ws, 'advisories', 'import', '--json', join(CORPUS, 'real')], { env: t.env });
    expect(first.code).toBe(0);
    const result = JSON.parse(first.stdout) as { imported: unknown[]; unchanged: number; rejected: { source: string; reason: string }[] };
    // The corpus holds one advisory twice (also in its citrix/ folder): the second copy is unchanged.
    expect(result.imported.length + result.unchanged + result.rejected.length).toBe(300);
    expect(result.rejected.length).toBeGreaterThan(0);
    for (const r of result.rejected) expect(r.reason).not.toBe('');
    expect(result.rejected.map((r) => r.reason).join('\n')).toContain('csaf_version is missing');

    const again = await cli(['-w', t.ws, 'advisories', 'import', join(CORPUS, 'real')], { env: t.env });
    expect(again.stdout).toContain(`300 documents: 0 imported, ${result.imported.length + result.unchanged} unchanged, ${result.rejected.length} rejected`);

    const app = await openApp({ workspace: t.ws }, { env: t.env, cwd: t.ws });
    try {
      const retrievals = await app.store.db.selectFrom('advisory_retrieval').select(['result']).execute();
      expect(retrievals).toHaveLength(600);
    } finally {
      await app.close();
    }
    expect((await cli(['-w', t.ws, 'audit', 'verify'], { env: t.env })).code).toBe(0);
  });

  it('keeps every revision of a document and tracks the latest by release date', async () => {
    const original = JSON.parse(await readFile(join(CORPUS, 'oasis-2.0', 'examples', 'csaf', 'bsi-2022-0001.json'), 'utf8')) as {
      document: { tracking: { version: string; current_release_date: string; revision_history: { date: string; number: string; summary: string }[] } };
    };
    const v1 = join(t.root, 'v1.json');
    await writeFile(v1, JSON.stringify(original, null, 2));
    const next = structuredClone(original);
    const tracking = next.document.tracking;
    const number = String(Number(tracking.version.split('.')[0]) + 1);
    const date = new Date(Date.parse(tracking.current_release_date) + 86_400_000).toISOString();
    tracking.revision_history.push({ date, number: tracking.version.includes('.') ? `${number}.0.0` : number, summary: 'Second revision.' });
    tracking.version = tracking.version.includes('.') ? `${number}.0.0` : number;
    tracking.current_release_date = date;
    const v2 = join(t.root, 'v2.json');
    await writeFile(v2, JSON.stringify(next, null, 2));

    const run = await cli(['-w', t.ws, 'advisories', 'import', v2, v1], { env: t.env });
    expect(run.stdout).toContain('2 documents: 2 imported, 0 unchanged, 0 rejected');
    const app = await openApp({ workspace: t.ws }, { env: t.env, cwd: t.ws });
    try {
      const revisions = await app.store.db.selectFrom('advisory_revision').select(['version', 'sha256']).orderBy('version').execute();
      expect(revisions.map((r) => r.version)).toEqual([original.document.tracking.version, tracking.version].sort());
      const advisory = await app.store.db.selectFrom('advisory').selectAll().executeTakeFirstOrThrow();
      expect(revisions.find((r) => r.sha256 === advisory.latest_sha256)?.version).toBe(tracking.version);
      const stored = await app.store.db.selectFrom('advisory_revision').select('document').where('version', '=', tracking.version).executeTakeFirstOrThrow();
      expect(stored.document).toBe(await readFile(v2, 'utf8'));
    } finally {
      await app.close();
    }
  });
});
