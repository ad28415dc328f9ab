import type { KeyObject } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { CaseDatabase } from '../store/case-schema.js';
import { sha256Hex } from '../shared/hashing.js';
import { GENESIS_HASH, entryBytes } from './audit-entry.js';
import { auditHead } from './audit-log.js';
import { hashLeaf, merkleRoot } from './merkle.js';
import { hasValidSignature, parseSignedNote } from './signed-checkpoint.js';

/**
 * Verifies the whole audit log from first principles: every entry is re-hashed from its stored
 * fields, every link is re-checked, the head row must name the last entry, and every signed
 * checkpoint — in the database and in the workspace's checkpoint folder — must carry a valid
 * signature and the Merkle root of exactly the entries it covers. A rewritten history that was
 * re-chained consistently still fails here, because the signed roots no longer match.
 */

export type AuditProblemKind =
  | 'missing'
  | 'altered'
  | 'details-altered'
  | 'chain-broken'
  | 'head-mismatch'
  | 'checkpoint-malformed'
  | 'checkpoint-signature'
  | 'checkpoint-beyond-log'
  | 'checkpoint-root'
  | 'checkpoint-missing'
  | 'checkpoint-conflict';

export interface AuditProblem {
  readonly kind: AuditProblemKind;
  /** The first entry the problem concerns, when there is one. */
  readonly seq?: number;
  readonly message: string;
}

export interface AuditVerification {
  readonly ok: boolean;
  readonly entries: number;
  readonly checkpoints: number;
  /** The latest checkpoint that verified, if any. */
  readonly latestCheckpoint?: number;
  /** The first bad entry, the one to name in the headline. */
  readonly firstBadSeq?: number;
  readonly problems: readonly AuditProblem[];
}

export interface CheckpointTrust {
  readonly origin: string;
  readonly keyName: string;
  readonly publicKey: KeyObject;
  /** Folder of exported `<size>.note` files; checked as well as the database rows. */
  readonly checkpointDir?: string;
}

const PAGE = 5000;

export async function verifyAuditLog(db: Kysely<CaseDatabase>, trust: CheckpointTrust): Promise<AuditVerification> {
  return (await verifyAuditLogWithLeaves(db, trust)).verification;
}

/** The same, also returning the Merkle leaf hashes it computed, so a checkpoint need not read the log twice. */
export async function verifyAuditLogWithLeaves(
  db: Kysely<CaseDatabase>,
  trust: CheckpointTrust,
): Promise<{ verification: AuditVerification; leaves: Uint8Array[] }> {
  const problems: AuditProblem[] = [];
  const leaves: Uint8Array[] = [];
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let lastSeq = 0;
  for (;;) {
    const rows = await db.selectFrom('audit_log').selectAll().where('seq', '>', lastSeq).orderBy('seq').limit(PAGE).execute();
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq !== expectedSeq) {
        problems.push({
          kind: 'missing',
          seq: expectedSeq,
          message: seq - expectedSeq === 1 ? `entry #${expectedSeq} is missing (deleted)` : `entries #${expectedSeq}–#${seq - 1} are missing (deleted)`,
        });
      }
      if (sha256Hex(row.details) !== row.details_hash) {
        problems.push({ kind: 'details-altered', seq, message: `entry #${seq}: its details were altered (they no longer match their hash)` });
      }
      const bytes = entryBytes({ ...row, seq });
      if (sha256Hex(bytes) !== row.entry_hash) {
        problems.push({ kind: 'altered', seq, message: `entry #${seq}: altered (its stored hash does not match its content)` });
      }
      if (row.prev_hash !== prevHash) {
        problems.push({
          kind: 'chain-broken',
          seq,
          message: `entry #${seq}: chain broken — it does not follow the entry before it (an entry was inserted, deleted or reordered)`,
        });
      }
      leaves.push(hashLeaf(bytes));
      prevHash = row.entry_hash;
      expectedSeq = seq + 1;
      lastSeq = seq;
    }
    if (rows.length < PAGE) break;
  }

  const head = await auditHead(db);
  if (head && (head.seq !== lastSeq || head.entry_hash !== prevHash)) {
    problems.push({
      kind: 'head-mismatch',
      seq: Math.min(head.seq, lastSeq) + 1,
      message:
        head.seq > lastSeq
          ? `the log ends at entry #${lastSeq} but its head records #${head.seq}: entries after #${lastSeq} were deleted`
          : `the head records entry #${head.seq} but the log holds #${lastSeq} with a different hash: entries were added or altered outside Weerbaar`,
    });
  } else if (!head && lastSeq > 0) {
    problems.push({ kind: 'head-mismatch', seq: 1, message: 'the log has entries but no head row: the head was deleted' });
  }

  const checked = await verifyCheckpoints(db, trust, leaves, problems);
  const firstBadSeq = problems.reduce<number | undefined>((min, p) => (p.seq !== undefined && (min === undefined || p.seq < min) ? p.seq : min), undefined);
  const verification: AuditVerification = {
    ok: problems.length === 0,
    entries: leaves.length,
    checkpoints: checked.count,
    ...(checked.latest !== undefined ? { latestCheckpoint: checked.latest } : {}),
    ...(firstBadSeq !== undefined ? { firstBadSeq } : {}),
    problems,
  };
  return { verification, leaves };
}

async function verifyCheckpoints(
  db: Kysely<CaseDatabase>,
  trust: CheckpointTrust,
  leaves: readonly Uint8Array[],
  problems: AuditProblem[],
): Promise<{ count: number; latest?: number }> {
  const notes = new Map<number, { text: string; where: string }>();
  const rows = await db.selectFrom('audit_checkpoint').selectAll().orderBy('tree_size').execute();
  for (const row of rows) notes.set(Number(row.tree_size), { text: row.note, where: 'database' });

  for (const file of await listNoteFiles(trust.checkpointDir)) {
    const text = await readFile(file.path, 'utf8');
    const existing = notes.get(file.size);
    if (!existing) {
      problems.push({ kind: 'checkpoint-missing', seq: file.size, message: `checkpoint at size ${file.size} is in ${file.path} but was removed from the database` });
      notes.set(file.size, { text, where: file.path });
    } else if (existing.text !== text) {
      problems.push({ kind: 'checkpoint-conflict', seq: file.size, message: `checkpoint at size ${file.size} differs between the database and ${file.path}` });
      notes.set(file.size + 0.5, { text, where: file.path });
    }
  }

  let latest: number | undefined;
  let count = 0;
  for (const [, { text, where }] of [...notes].sort((a, b) => a[0] - b[0])) {
    count++;
    const note = parseSignedNote(text);
    if (typeof note === 'string') {
      problems.push({ kind: 'checkpoint-malformed', message: `checkpoint in ${where} is malformed: ${note}` });
      continue;
    }
    const size = note.checkpoint.treeSize;
    if (note.checkpoint.origin !== trust.origin || !hasValidSignature(note, trust.keyName, trust.publicKey)) {
      problems.push({ kind: 'checkpoint-signature', seq: size, message: `checkpoint at size ${size} (${where}): signature not valid for this workspace's key` });
      continue;
    }
    if (size > leaves.length) {
      problems.push({
        kind: 'checkpoint-beyond-log',
        seq: leaves.length + 1,
        message: `checkpoint at size ${size} (${where}) covers entries up to #${size}, but the log holds ${leaves.length}: entries were deleted`,
      });
      continue;
    }
    const root = merkleRoot(leaves.slice(0, size));
    if (!Buffer.from(root).equals(Buffer.from(note.checkpoint.rootHash))) {
      problems.push({
        kind: 'checkpoint-root',
        seq: firstDivergence(size, problems),
        message: `checkpoint at size ${size} (${where}): entries #1–#${size} no longer produce its signed root — history was rewritten`,
      });
      continue;
    }
    latest = Math.max(latest ?? 0, size);
  }
  return { count, ...(latest !== undefined ? { latest } : {}) };
}

/** A rewritten-but-rechained history shows no chain problem; the checkpoint still bounds where it happened. */
function firstDivergence(size: number, problems: readonly AuditProblem[]): number {
  const seqs = problems.map((p) => p.seq).filter((s): s is number => s !== undefined && s <= size);
  return seqs.length > 0 ? Math.min(...seqs) : 1;
}

async function listNoteFiles(dir: string | undefined): Promise<{ size: number; path: string }[]> {
  if (!dir) return [];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names
    .map((name) => ({ name, match: /^(\d+)\.note$/.exec(name) }))
    .filter((n) => n.match)
    .map((n) => ({ size: Number(n.match?.[1]), path: join(dir, n.name) }));
}

