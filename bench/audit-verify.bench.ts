/**
 * Audit-log throughput: appending entries (each in the change's transaction), verifying the whole
 * chain, and signing a checkpoint (Merkle root over every entry). Baseline, measured in the same
 * run: `openssl dgst -sha256` over the same entry bytes — the floor for any verifier that re-hashes
 * everything. Usage: npm run bench [-- --entries N]
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { entryBytes } from '../src/audit/audit-entry.js';
import { createCheckpoint } from '../src/audit/audit-checkpoint.js';
import { appendAudit } from '../src/audit/audit-log.js';
import { verifyAuditLog } from '../src/audit/audit-verify.js';
import { openCaseStore } from '../src/store/case-store.js';

const entriesArg = process.argv.indexOf('--entries');
const N = entriesArg > 0 ? Number(process.argv[entriesArg + 1]) : 100_000;
const BATCH = 1000;

const dir = await mkdtemp(join(tmpdir(), 'weerbaar-bench-'));
const store = await openCaseStore({ engine: 'sqlite', file: join(dir, 'case.sqlite') });
const who = { actor: 'bench', clock: () => new Date() };
const keys = generateKeyPairSync('ed25519');
const trust = { origin: 'weerbaar/bench', keyName: 'weerbaar-audit', publicKey: keys.publicKey };

const seconds = (start: number) => (performance.now() - start) / 1000;

let start = performance.now();
for (let done = 0; done < N; done += BATCH) {
  await store.db.transaction().execute(async (trx) => {
    for (let i = done; i < Math.min(N, done + BATCH); i++) {
      await appendAudit(trx, who, { action: 'inventory.asset.update', subject: `asset:host-${i}`, details: { changes: { version: { from: '14.1-43.50', to: '14.1-47.46' } } } });
    }
  });
}
const appendS = seconds(start);

start = performance.now();
const verification = await verifyAuditLog(store.db, trust);
const verifyS = seconds(start);
if (!verification.ok || verification.entries !== N) throw new Error('bench log did not verify');

start = performance.now();
await createCheckpoint(store.db, { ...trust, privateKey: keys.privateKey, checkpointDir: join(dir, 'checkpoints'), clock: who.clock });
const checkpointS = seconds(start);

const rows = await store.db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
const bytes = Buffer.concat(rows.flatMap((r) => [entryBytes(r), Buffer.from(r.details)]));
const bytesFile = join(dir, 'entries.bin');
await writeFile(bytesFile, bytes);
start = performance.now();
execFileSync('openssl', ['dgst', '-sha256', bytesFile]);
const opensslS = seconds(start);

await store.close();
await rm(dir, { recursive: true, force: true });

const rate = (s: number) => `${Math.round(N / s).toLocaleString('en')} entries/s`;
console.log(`audit log, ${N.toLocaleString('en')} entries, SQLite, ${(bytes.length / 1e6).toFixed(1)} MB of hashed bytes`);
console.log(`  append (1000 per transaction)   ${appendS.toFixed(2)} s   ${rate(appendS)}`);
console.log(`  verify (chain + head)           ${verifyS.toFixed(2)} s   ${rate(verifyS)}`);
console.log(`  checkpoint (verify + Merkle)    ${checkpointS.toFixed(2)} s   ${rate(checkpointS)}`);
console.log(`  baseline openssl dgst -sha256   ${opensslS.toFixed(3)} s   (same bytes, one stream, incl. process start)`);
console.log(`  ratio verify / openssl          ${(verifyS / opensslS).toFixed(1)}x`);
