import { writeFile, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openApp, type AppContext } from '../src/app/app-context.js';
import { entryHash } from '../src/audit/audit-entry.js';
import { sha256Hex } from '../src/shared/hashing.js';
import { cli } from './support/cli-harness.js';
import { useEngineWorkspace } from './support/engine-workspace.js';
import { engines, postgresSkipReason } from './support/engines.js';

/**
 * The audit log must expose every kind of direct tampering with the database, on every engine:
 * an altered entry or details, a deleted entry (middle and tail), an inserted entry, reordered
 * entries, a consistently re-chained rewrite (caught only by the signed checkpoint), and forged,
 * altered or removed checkpoints.
 */

if (postgresSkipReason) describe.skip(postgresSkipReason, () => undefined);

const INVENTORY = `
data_categories:
  - { id: hr-files, name: HR files, sensitivity: confidential, personal_data: true }
assets:
  - { id: hr-app, name: HR system, kind: application, data_categories: [hr-files] }
  - { id: idp, name: Identity provider, kind: identity }
  - { id: gw-1, name: Gateway, kind: gateway, internet_facing: true, depends_on: [idp] }
partners:
  - { id: csirt, name: National CSIRT, kind: csirt, tlp_max: AMBER }
`;

describe.each(engines)('audit log tampering on $name', (engine) => {
  const t = useEngineWorkspace(engine, { timezone: 'Europe/Amsterdam' });
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let app: AppContext;

  beforeEach(async () => {
    ({ ws: dir, env } = t);
    await writeFile(join(t.root, 'inv.yaml'), INVENTORY);
    expect((await cli(['-w', dir, 'inventory', 'import', join(t.root, 'inv.yaml')], { env })).code).toBe(0);
    app = await openApp({ workspace: dir }, { env, cwd: dir });
  });

  // Registered after the workspace's own clean-up, so it runs before it (hooks unwind as a stack).
  afterEach(() => app.close());

  const verify = () => cli(['-w', dir, 'audit', 'verify', '--json'], { env });
  const verifyResult = async () => {
    const run = await verify();
    return { code: run.code, result: JSON.parse(run.stdout) as { ok: boolean; firstBadSeq?: number; problems: { kind: string; seq?: number }[] } };
  };
  const entries = () => app.store.db.selectFrom('audit_log').selectAll().orderBy('seq').execute();

  it('verifies an untouched log and names its size', async () => {
    const run = await cli(['-w', dir, 'audit', 'verify'], { env });
    expect(run.code).toBe(0);
    // init + 5 created entities + the import summary
    expect(run.stdout).toMatch(/audit log verified: 7 entries/);
  });

  it('detects an altered entry and names it', async () => {
    await app.store.db.updateTable('audit_log').set({ actor: 'mallory' }).where('seq', '=', 3).execute();
    const run = await cli(['-w', dir, 'audit', 'verify'], { env });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('first bad entry #3');
    expect(run.stderr).toContain('entry #3: altered');
  });

  it('detects altered details even though the entry hash covers only their hash', async () => {
    await app.store.db.updateTable('audit_log').set({ details: '{"forged":true}' }).where('seq', '=', 2).execute();
    const { code, result } = await verifyResult();
    expect(code).toBe(4);
    expect(result.firstBadSeq).toBe(2);
    expect(result.problems.map((p) => p.kind)).toContain('details-altered');
  });

  it('detects a deleted entry in the middle', async () => {
    await app.store.db.deleteFrom('audit_log').where('seq', '=', 4).execute();
    const { code, result } = await verifyResult();
    expect(code).toBe(4);
    expect(result.firstBadSeq).toBe(4);
    expect(result.problems.map((p) => p.kind)).toEqual(expect.arrayContaining(['missing', 'chain-broken']));
  });

  it('detects deleted entries at the end through the head', async () => {
    await app.store.db.deleteFrom('audit_log').where('seq', '>=', 7).execute();
    const run = await cli(['-w', dir, 'audit', 'verify'], { env });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('first bad entry #7');
    expect(run.stderr).toContain('entries after #6 were deleted');
  });

  it('detects an inserted entry', async () => {
    const rows = await entries();
    for (const row of [...rows].reverse().filter((r) => r.seq >= 3)) {
      await app.store.db.updateTable('audit_log').set({ seq: row.seq + 1 }).where('seq', '=', row.seq).execute();
    }
    const before = rows.find((r) => r.seq === 2);
    const details = '{"forged":true}';
    const forged = { seq: 3, at: '2025-07-01T00:00:00.000Z', actor: 'mallory', action: 'inventory.asset.update', subject: 'asset:gw-1', details_hash: sha256Hex(details), prev_hash: before?.entry_hash ?? '' };
    await app.store.db.insertInto('audit_log').values({ ...forged, details, entry_hash: entryHash(forged) }).execute();
    const { code, result } = await verifyResult();
    expect(code).toBe(4);
    // The forged entry is well-formed by itself; the entry after it no longer follows it.
    expect(result.firstBadSeq).toBe(4);
    expect(result.problems.map((p) => p.kind)).toContain('chain-broken');
  });

  it('detects reordered entries', async () => {
    const rows = await entries();
    const [a, b] = [rows[2], rows[3]];
    if (!a || !b) throw new Error('fixture too small');
    const { seq: _sa, ...contentA } = a;
    const { seq: _sb, ...contentB } = b;
    await app.store.db.updateTable('audit_log').set(contentB).where('seq', '=', a.seq).execute();
    await app.store.db.updateTable('audit_log').set(contentA).where('seq', '=', b.seq).execute();
    const { code, result } = await verifyResult();
    expect(code).toBe(4);
    expect(result.firstBadSeq).toBe(3);
  });

  it('catches a consistently re-chained rewrite only through the signed checkpoint', async () => {
    expect((await cli(['-w', dir, 'audit', 'checkpoint'], { env })).code).toBe(0);
    // The attacker rewrites entry #2 and re-chains everything after it, head included.
    const rows = await entries();
    let prev = rows[0]?.entry_hash ?? '';
    for (const row of rows.slice(1)) {
      const content = { ...row, actor: row.seq === 2 ? 'mallory' : row.actor, prev_hash: prev };
      const hash = entryHash(content);
      await app.store.db.updateTable('audit_log').set({ actor: content.actor, prev_hash: prev, entry_hash: hash }).where('seq', '=', row.seq).execute();
      prev = hash;
    }
    await app.store.db.updateTable('audit_head').set({ entry_hash: prev }).where('id', '=', 1).execute();
    const { code, result } = await verifyResult();
    expect(code).toBe(4);
    expect(result.problems.map((p) => p.kind)).toEqual(['checkpoint-root']);
  });

  it('detects a checkpoint whose signature was tampered with, and one removed from the database', async () => {
    expect((await cli(['-w', dir, 'audit', 'checkpoint'], { env })).code).toBe(0);
    const note = (await app.store.db.selectFrom('audit_checkpoint').select(['note', 'tree_size']).executeTakeFirstOrThrow());
    const lines = note.note.split('\n');
    const signatureLine = lines[4] ?? '';
    const blob = Buffer.from(signatureLine.split(' ')[2] ?? '', 'base64');
    blob[10] = (blob[10] ?? 0) ^ 0x01;
    lines[4] = `${signatureLine.split(' ').slice(0, 2).join(' ')} ${blob.toString('base64')}`;
    const tampered = lines.join('\n');
    await app.store.db.updateTable('audit_checkpoint').set({ note: tampered }).execute();
    const files = await readdir(join(dir, 'audit', 'checkpoints'));
    await writeFile(join(dir, 'audit', 'checkpoints', files[0] ?? ''), tampered);
    let { code, result } = await verifyResult();
    expect(code).toBe(4);
    expect(result.problems.map((p) => p.kind)).toContain('checkpoint-signature');

    await app.store.db.deleteFrom('audit_checkpoint').execute();
    ({ code, result } = await verifyResult());
    expect(code).toBe(4);
    expect(result.problems.map((p) => p.kind)).toContain('checkpoint-missing');
  });

  it('refuses to sign a log that does not verify', async () => {
    await app.store.db.updateTable('audit_log').set({ action: 'nothing.to.see' }).where('seq', '=', 5).execute();
    const run = await cli(['-w', dir, 'audit', 'checkpoint'], { env });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('refusing to sign');
    expect(await app.store.db.selectFrom('audit_checkpoint').selectAll().execute()).toHaveLength(0);
  });

  it('keeps the exported checkpoint note identical to the stored one', async () => {
    await cli(['-w', dir, 'audit', 'checkpoint'], { env });
    const stored = await app.store.db.selectFrom('audit_checkpoint').selectAll().executeTakeFirstOrThrow();
    expect(await readFile(join(dir, 'audit', 'checkpoints', `${stored.tree_size}.note`), 'utf8')).toBe(stored.note);
  });
});
