import type { KeyObject } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { CaseDatabase } from '../store/case-schema.js';
import { VerificationError } from '../shared/errors.js';
import { isoUtc } from '../shared/time.js';
import type { Clock } from '../shared/time.js';
import { type CheckpointTrust, verifyAuditLogWithLeaves } from './audit-verify.js';
import { merkleRoot } from './merkle.js';
import { signCheckpoint } from './signed-checkpoint.js';

/**
 * Signs the current head of the audit log. The log is verified first: signing a tampered log would
 * launder the tampering. The signed note is stored in the database and exported as
 * `<checkpoints>/<size>.note`, so that deleting it from one place is noticed from the other.
 */

export interface CheckpointSigner extends CheckpointTrust {
  readonly privateKey: KeyObject;
  readonly checkpointDir: string;
  readonly clock: Clock;
}

export interface CheckpointResult {
  readonly treeSize: number;
  readonly rootHash: string;
  readonly note: string;
  readonly file: string;
  /** False when the head was already checkpointed and nothing new was signed. */
  readonly created: boolean;
}

export async function createCheckpoint(db: Kysely<CaseDatabase>, signer: CheckpointSigner): Promise<CheckpointResult> {
  const { verification, leaves } = await verifyAuditLogWithLeaves(db, signer);
  if (!verification.ok) {
    throw new VerificationError(`refusing to sign: the audit log does not verify (first bad entry #${verification.firstBadSeq ?? '?'})`, {
      details: verification.problems.map((p) => p.message),
    });
  }
  const treeSize = leaves.length;
  const file = join(signer.checkpointDir, `${treeSize}.note`);
  const existing = await db.selectFrom('audit_checkpoint').selectAll().where('tree_size', '=', treeSize).executeTakeFirst();
  if (existing) return { treeSize, rootHash: existing.root_hash, note: existing.note, file, created: false };

  const root = merkleRoot(leaves);
  const note = signCheckpoint({ origin: signer.origin, treeSize, rootHash: root }, signer.keyName, signer.privateKey, signer.publicKey);
  const rootHash = Buffer.from(root).toString('hex');
  await db
    .insertInto('audit_checkpoint')
    .values({ tree_size: treeSize, root_hash: rootHash, signed_at: isoUtc(signer.clock()), signer: signer.keyName, note })
    .execute();
  await mkdir(signer.checkpointDir, { recursive: true, mode: 0o700 });
  await writeFile(file, note, { mode: 0o644 });
  return { treeSize, rootHash, note, file, created: true };
}
