import { chmod, mkdir, readFile, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp } from '../src/app/app-context.js';
import { cli } from './support/cli-harness.js';
import { useEngineWorkspace } from './support/engine-workspace.js';
import { engines, postgresSkipReason } from './support/engines.js';

/**
 * `weerbaar integrity snapshot|verify|list` (issue 7 §1, §3): a signed manifest of a tree, every
 * change kind found exactly, and a manifest that was tampered with (its record's signature, or its
 * entries file) failing loudly, on every case store.
 */

if (postgresSkipReason) describe.skip(postgresSkipReason, () => undefined);

type Report = { counts: Record<string, number>; changes: { kind: string; path: string; fields: string[] }[] };

describe.each(engines)('integrity manifests on $name', (engine) => {
  const t = useEngineWorkspace(engine);
  const run = (args: string[]) => cli(['-w', t.ws, ...args], { env: t.env });

  async function tree(): Promise<string> {
    const root = join(t.root, 'docstore');
    await mkdir(join(root, 'cases', '2025'), { recursive: true });
    await mkdir(join(root, 'shelters'));
    await writeFile(join(root, 'cases', '2025', 'CASE-1.pdf'), 'verdict: guilty\n');
    await writeFile(join(root, 'cases', '2025', 'CASE-2.pdf'), 'witness statement\n');
    await writeFile(join(root, 'cases', 'index.txt'), 'CASE-1\nCASE-2\n');
    await writeFile(join(root, 'shelters', 'SH-1.txt'), 'Lindenlaan 12\n');
    await writeFile(join(root, 'readme.txt'), 'document store export\n');
    await symlink('cases/index.txt', join(root, 'latest'));
    const old = new Date('2025-06-01T08:00:00Z');
    for (const p of ['cases/2025/CASE-1.pdf', 'cases/2025/CASE-2.pdf', 'cases/index.txt', 'shelters/SH-1.txt', 'readme.txt']) await utimes(join(root, p), old, old);
    return root;
  }

  it('finds every change kind exactly against a signed manifest', async () => {
    const root = await tree();
    const taken = await run(['integrity', 'snapshot', root, '--name', 'docstore', '--json']);
    expect(taken.code).toBe(0);
    expect(JSON.parse(taken.stdout)).toMatchObject({ name: 'docstore', entries: 9, files: 5, errors: 0 });
    const clean = JSON.parse((await run(['integrity', 'verify', root, '--against', 'docstore', '--json'])).stdout) as Report;
    expect(clean.changes).toEqual([]);

    // One of each: a manipulated verdict, a deleted witness statement, a planted file, a back-dated
    // (touched) shelter file with other permissions, and a re-pointed symlink.
    await writeFile(join(t.root, 'docstore', 'cases', '2025', 'CASE-1.pdf'), 'verdict: acquitted\n');
    const old = new Date('2025-06-01T08:00:00Z');
    await utimes(join(root, 'cases', '2025', 'CASE-1.pdf'), old, old);
    await rm(join(root, 'cases', '2025', 'CASE-2.pdf'));
    await writeFile(join(root, 'shelters', 'export.csv'), 'SH-1;Lindenlaan 12\n');
    await utimes(join(root, 'shelters', 'SH-1.txt'), new Date('2024-01-01T00:00:00Z'), new Date('2024-01-01T00:00:00Z'));
    await chmod(join(root, 'shelters', 'SH-1.txt'), 0o666);
    await rm(join(root, 'latest'));
    await symlink('readme.txt', join(root, 'latest'));

    const report = JSON.parse((await run(['integrity', 'verify', root, '--against', 'docstore', '--json'])).stdout) as Report;
    const changes = report.changes.map((c) => `${c.kind} ${c.path} ${c.fields.join('+')}`);
    // Exact, in the scanner's order (siblings by their bytes): parent folders whose listing changed show their new mtime too.
    expect(changes).toEqual([
      'metadata cases/2025 mtime',
      'modified cases/2025/CASE-1.pdf sha256+size',
      'deleted cases/2025/CASE-2.pdf ',
      'modified latest target+mtime',
      'metadata shelters mtime',
      'metadata shelters/SH-1.txt mode+mtime',
      'added shelters/export.csv ',
    ]);
    const text = (await run(['integrity', 'verify', root, '--against', 'docstore'])).stdout;
    expect(text).toMatch(/manifest docstore of .* proven \(signature and root\); 1 added, 1 deleted, 2 modified, \d+ metadata changed, 0 unverifiable/);
    const list = JSON.parse((await run(['integrity', 'list', '--json'])).stdout) as { name: string; entries: number }[];
    expect(list.map((m) => `${m.name} ${m.entries}`)).toEqual(['docstore 9']);
    expect((await run(['audit', 'log', '--json'])).stdout).toContain('integrity.snapshot');
  });

  it('proves one entry with a self-contained inclusion proof, and refuses every altered proof', async () => {
    const root = await tree();
    expect((await run(['integrity', 'snapshot', root, '--name', 'docstore'])).code).toBe(0);
    const proved = await run(['integrity', 'prove', 'docstore', 'shelters/SH-1.txt']);
    expect(proved.code).toBe(0);
    const proof = JSON.parse(proved.stdout) as { index: number; treeSize: number; entry: string; proof: string[] };
    expect(proof).toMatchObject({ index: 8, treeSize: 9 });
    expect(proof.entry).toMatch(/^\{"path":"shelters\/SH-1\.txt","type":"file","size":14,/);
    const file = join(t.root, 'proof.json');
    const check = async (document: unknown) => {
      await writeFile(file, JSON.stringify(document));
      return run(['integrity', 'check-proof', file]);
    };
    expect((await check(proof)).stdout).toContain('proof holds: {"path":"shelters/SH-1.txt"');
    // The last leaf of an odd tree: claiming a tree one larger (a duplicated last node) or another place fails.
    const forgeries = [
      { ...proof, entry: proof.entry.replace(/"sha256":"[0-9a-f]{64}"/, `"sha256":"${'0'.repeat(64)}"`) }, // another content
      { ...proof, entry: proof.entry.replace('"owner":', '"owner" :') }, // the same fields, other bytes
      { ...proof, index: 7 },
      { ...proof, treeSize: 10, index: 9 },
      { ...proof, proof: [Buffer.alloc(32, 1).toString('base64'), ...proof.proof.slice(1)] },
    ];
    for (const forged of forgeries) {
      const r = await check(forged);
      expect(r.code).toBe(4);
      expect(r.stderr).toContain('the proof does not hold');
    }
    expect((await run(['integrity', 'prove', 'docstore', 'no/such/file'])).stderr).toContain('has no entry "no/such/file"');
  });

  it('answers "were data manipulated since the window opened?" against the latest baseline before it, three-valued', async () => {
    const root = await tree();
    expect((await run(['integrity', 'snapshot', root, '--name', 'docstore'])).code).toBe(0);
    const other = join(t.root, 'hr-share');
    await mkdir(other);
    await writeFile(join(other, 'HR-1.txt'), 'salary\n');
    expect((await run(['integrity', 'snapshot', other, '--name', 'hr-share'])).code).toBe(0);
    expect((await run(['integrity', 'baseline', 'docstore', '--reason', ' '])).code).toBe(2);
    expect((await run(['integrity', 'baseline', 'docstore', '--at', '2099-01-01T00:00:00Z', '--reason', 'x'])).stderr).toContain('is after the manifest was taken');
    expect((await run(['integrity', 'baseline', 'docstore', '--at', '2025-06-01T00:00:00Z', '--reason', 'read from the backup of 1 June'])).code).toBe(0);
    expect((await run(['integrity', 'baseline', 'hr-share', '--at', '2025-08-01T00:00:00Z', '--reason', 'taken after the incident'])).code).toBe(0);
    type Q4 = { window: unknown; answers: { source: string; verdict: string; reasons: string[]; changes: { kind: string; path: string }[] }[] };
    const answer = async (extra: string[] = []) => JSON.parse((await run(['integrity', 'manipulated', '--json', ...extra])).stdout) as Q4;

    // No exposure window yet: nothing can be answered.
    expect((await answer()).answers.map((a) => a.verdict)).toEqual(['undeterminable', 'undeterminable']);
    expect((await run(['exposure', 'window', '--start', '2025-07-01T00:00:00Z', '--end', '2025-07-31T00:00:00Z', '--reason', 'breach period per NCSC'])).code).toBe(0);
    const clean = await answer();
    expect(clean.answers.map((a) => `${a.source.split('/').pop()} ${a.verdict}`)).toEqual(['docstore ruled-out', 'hr-share undeterminable']);
    expect(clean.answers[1]!.reasons[0]).toMatch(/no baseline predates the window \(2025-07-01T00:00\); the earliest is of 2025-08-01T00:00/);

    // A manipulated verdict: shown, with the change to explain; read from a restored copy elsewhere too.
    await writeFile(join(root, 'cases', '2025', 'CASE-1.pdf'), 'verdict: acquitted\n');
    const shown = await answer();
    expect(shown.answers[0]).toMatchObject({ verdict: 'shown', changes: [{ kind: 'modified', path: 'cases/2025/CASE-1.pdf' }] });
    const text = (await run(['integrity', 'manipulated'])).stdout;
    expect(text).toMatch(/docstore: shown — against baseline docstore of 2025-06-01T00:00\n +modified +cases\/2025\/CASE-1\.pdf +\(sha256, size, mtime\) +— needs an explanation/);
    const { cp } = await import('node:fs/promises');
    const restored = join(t.root, 'restored');
    await cp(join(t.root, 'docstore'), restored, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    await writeFile(join(restored, 'cases', '2025', 'CASE-1.pdf'), 'verdict: guilty\n');
    await utimes(join(restored, 'cases', '2025', 'CASE-1.pdf'), new Date('2025-06-01T08:00:00Z'), new Date('2025-06-01T08:00:00Z'));
    const fromCopy = await answer(['--path', `${root}=${restored}`]);
    // The copy's folders carry the copy's times: only metadata of folders differs, the content is the baseline's.
    expect(fromCopy.answers[0]!.changes.filter((c) => c.kind !== 'metadata')).toEqual([]);
  });

  it('fails loudly when the manifest lies: entries altered, or its record not signed by this workspace', async () => {
    const root = await tree();
    expect((await run(['integrity', 'snapshot', root, '--name', 'docstore'])).code).toBe(0);
    const [file] = (await readdir(join(t.ws, 'integrity', 'manifests'))).filter((f) => f.endsWith('.jsonl'));
    const path = join(t.ws, 'integrity', 'manifests', file!);
    const original = await readFile(path, 'utf8');

    // A lying manifest: the witness statement's recorded hash replaced by the hash of a forgery.
    await chmod(path, 0o600);
    await writeFile(path, original.replace(/("path":"cases\/2025\/CASE-2.pdf".*?"sha256":")[0-9a-f]{64}/, `$1${'ab'.repeat(32)}`));
    const lying = await run(['integrity', 'verify', root, '--against', 'docstore']);
    expect(lying.code).toBe(4);
    expect(lying.stderr).toContain('its entries do not produce the signed root');
    // A line that is not in the form the manifest writes (an extra field) is refused by line.
    await writeFile(path, original.replace('"error":null}', '"error":null,"note":"x"}'));
    const malformed = await run(['integrity', 'verify', root, '--against', 'docstore']);
    expect(malformed.code).toBe(4);
    expect(malformed.stderr).toMatch(/\.jsonl:2: the entry is not in the form a manifest writes/);
    await writeFile(path, original);
    expect((await run(['integrity', 'verify', root, '--against', 'docstore'])).code).toBe(0);

    // A tampered record: the checkpoint re-rooted without the key.
    const app = await openApp({ workspace: t.ws }, { env: t.env, cwd: t.ws });
    try {
      const row = await app.store.db.selectFrom('manifest').select(['id', 'note']).executeTakeFirstOrThrow();
      const lines = row.note.split('\n');
      lines[2] = Buffer.alloc(32, 7).toString('base64');
      await app.store.db.updateTable('manifest').set({ note: lines.join('\n') }).where('id', '=', row.id).execute();
    } finally {
      await app.close();
    }
    const forged = await run(['integrity', 'verify', root, '--against', 'docstore']);
    expect(forged.code).toBe(4);
    expect(forged.stderr).toContain("its checkpoint is not signed by this workspace's key");
    expect((await run(['integrity', 'verify', root, '--against', 'nothing'])).stderr).toContain('no manifest named "nothing"');
  });
});
