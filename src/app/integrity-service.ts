import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { appendAudit } from '../audit/audit-log.js';
import { MerkleAccumulator, hashLeaf, inclusionProof, verifyInclusion } from '../audit/merkle.js';
import { hasValidSignature, parseSignedNote, signCheckpoint } from '../audit/signed-checkpoint.js';
import { type ScanProgress, type TreeEntry, scanTree } from '../integrity/file-tree-scan.js';
import { MANIFEST_FORMAT, type ManifestHeader, entryLine, readManifest, writeManifest } from '../integrity/manifest.js';
import { type ChangeKind, type TreeChange, diffTrees } from '../integrity/tree-diff.js';
import { VerificationError, WeerbaarError } from '../shared/errors.js';
import { isoUtc } from '../shared/time.js';
import { loadPublicKey, loadSigningKey } from '../workspace/signing-key.js';
import type { AppContext } from './app-context.js';
import { AUDIT_KEY_NAME } from './audit-service.js';

/**
 * `weerbaar integrity`: signed manifests of file trees, and what changed since. A manifest's
 * entries live in a file under the workspace (integrity/manifests), its Merkle root in a checkpoint
 * signed with the workspace's audit key; the case store records both. Verification first proves the
 * manifest itself — signature, then the root its entries produce — and fails loudly otherwise.
 */

export interface ManifestRecord {
  readonly id: string;
  readonly name: string;
  readonly source: string;
  readonly createdAt: string;
  readonly actor: string;
  readonly entries: number;
  readonly files: number;
  readonly bytes: number;
  readonly errors: number;
  readonly rootHash: string;
  readonly file: string;
  /** When registered as a baseline: the moment its state reflects, and why it is trusted. */
  readonly baseline: { readonly at: string; readonly reason: string } | null;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const origin = (app: AppContext, id: string) => `weerbaar/${app.workspace.config.workspace_id}/manifest/${id}`;

export async function snapshot(app: AppContext, path: string, options: { name?: string; onProgress?: (p: ScanProgress) => void } = {}): Promise<ManifestRecord> {
  const source = resolve(path);
  const name = options.name ?? (source.split('/').filter(Boolean).pop() || 'root');
  if (!NAME.test(name)) throw new WeerbaarError('USAGE', `manifest name "${name}" must be letters, digits, ".", "_" or "-" (up to 128), starting with a letter or digit`);
  const id = randomUUID();
  const created = isoUtc(app.clock());
  const dir = app.workspace.path('integrity/manifests');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const partial = `${dir}/${id}.jsonl.partial`;
  const header: ManifestHeader = { format: MANIFEST_FORMAT, kind: 'files', name, source, created };
  let summary;
  try {
    summary = await writeManifest(partial, header, scanTree(source, options.onProgress ? { onProgress: options.onProgress } : {}));
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  const file = `integrity/manifests/${id}.jsonl`;
  await rename(partial, app.workspace.path(file));
  const { config } = app.workspace;
  const privateKey = await loadSigningKey(app.workspace.path(config.audit.signing_key));
  const publicKey = await loadPublicKey(app.workspace.path(config.audit.public_key));
  const note = signCheckpoint({ origin: origin(app, id), treeSize: summary.size, rootHash: summary.root }, AUDIT_KEY_NAME, privateKey, publicKey);
  const record: ManifestRecord = { id, name, source, createdAt: created, actor: app.actor, entries: summary.size, files: summary.files, bytes: summary.bytes, errors: summary.errors, rootHash: Buffer.from(summary.root).toString('hex'), file, baseline: null };
  await app.store.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('manifest')
      .values({ id, name, kind: 'files', source, created_at: created, actor: app.actor, entries: record.entries, files: record.files, bytes: record.bytes, errors: record.errors, root_hash: record.rootHash, note, file })
      .execute();
    await appendAudit(trx, app, { action: 'integrity.snapshot', subject: name, details: { id, source, entries: record.entries, root: record.rootHash } });
  });
  return record;
}

export async function listManifests(app: AppContext): Promise<ManifestRecord[]> {
  const rows = await app.store.db.selectFrom('manifest').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map(toRecord);
}

function toRecord(r: {
  id: string; name: string; source: string; created_at: string; actor: string; entries: number | string; files: number | string; bytes: number | string; errors: number | string; root_hash: string; file: string;
  baseline_at: string | null; baseline_reason: string | null;
}): ManifestRecord {
  return {
    id: r.id, name: r.name, source: r.source, createdAt: r.created_at, actor: r.actor, entries: Number(r.entries), files: Number(r.files), bytes: Number(r.bytes), errors: Number(r.errors), rootHash: r.root_hash, file: r.file,
    baseline: r.baseline_at === null ? null : { at: r.baseline_at, reason: r.baseline_reason ?? '' },
  };
}

/** The latest manifest of that name, or the one with that id. */
export async function findManifest(app: AppContext, nameOrId: string): Promise<ManifestRecord & { note: string }> {
  const row = await app.store.db.selectFrom('manifest').selectAll().where((eb) => eb.or([eb('name', '=', nameOrId), eb('id', '=', nameOrId)])).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  if (!row) throw new WeerbaarError('NOT_FOUND', `no manifest named "${nameOrId}" (see weerbaar integrity list)`);
  return { ...toRecord(row), note: row.note };
}

/**
 * Proves a manifest before it is used: its checkpoint must carry a valid signature by this
 * workspace's key for this manifest, and its entries must produce the signed size and root. Yields
 * the entries while it checks; throws VerificationError at the end if the root does not match.
 */
export async function* provenEntries(app: AppContext, manifest: ManifestRecord & { note: string }): AsyncGenerator<TreeEntry> {
  const note = parseSignedNote(manifest.note);
  if (typeof note === 'string') throw new VerificationError(`manifest ${manifest.name}: its checkpoint is malformed (${note})`);
  const publicKey = await loadPublicKey(app.workspace.path(app.workspace.config.audit.public_key));
  if (!hasValidSignature(note, AUDIT_KEY_NAME, publicKey)) throw new VerificationError(`manifest ${manifest.name}: its checkpoint is not signed by this workspace's key: the manifest record was tampered with`);
  if (note.checkpoint.origin !== origin(app, manifest.id)) throw new VerificationError(`manifest ${manifest.name}: its checkpoint belongs to another manifest (${note.checkpoint.origin})`);
  const tree = new MerkleAccumulator();
  const path = app.workspace.path(manifest.file);
  try {
    await stat(path);
  } catch {
    throw new VerificationError(`manifest ${manifest.name}: its entries file ${manifest.file} is missing`);
  }
  for await (const item of readManifest(path)) {
    if ('header' in item) continue;
    tree.add(item.leaf);
    yield item.entry;
  }
  if (tree.size !== note.checkpoint.treeSize || !Buffer.from(tree.root()).equals(Buffer.from(note.checkpoint.rootHash))) {
    throw new VerificationError(`manifest ${manifest.name}: its entries do not produce the signed root (${tree.size} entries, signed ${note.checkpoint.treeSize}): the entries file was altered`);
  }
}

export interface VerifyReport {
  readonly manifest: ManifestRecord;
  readonly path: string;
  readonly counts: Record<ChangeKind, number>;
  readonly changes: readonly TreeChange[];
}

export async function verifyTree(app: AppContext, path: string, against: string, options: { onProgress?: (p: ScanProgress) => void } = {}): Promise<VerifyReport> {
  const manifest = await findManifest(app, against);
  const counts: Record<ChangeKind, number> = { added: 0, deleted: 0, modified: 0, metadata: 0, unverifiable: 0 };
  const changes: TreeChange[] = [];
  const current = scanTree(resolve(path), options.onProgress ? { onProgress: options.onProgress } : {});
  for await (const change of diffTrees(provenEntries(app, manifest), current)) {
    counts[change.kind]++;
    changes.push(change);
  }
  const { note: _note, ...record } = manifest;
  return { manifest: record, path: resolve(path), counts, changes };
}

/**
 * An inclusion proof: that this entry, exactly as its line reads, is leaf `index` of the manifest
 * whose root the signed checkpoint vouches for. Self-contained: anyone with the workspace's public
 * key can check it (`integrity check-proof`) without the manifest or the tree.
 */
export interface InclusionProofDocument {
  readonly format: 'weerbaar-inclusion-proof/1';
  readonly manifest: { readonly id: string; readonly name: string };
  readonly checkpoint: string;
  readonly index: number;
  readonly treeSize: number;
  /** The entry's manifest line: its leaf is SHA-256(0x00 ‖ these UTF-8 bytes). */
  readonly entry: string;
  /** Sibling hashes, leaf first, base64. */
  readonly proof: readonly string[];
}

export async function proveEntry(app: AppContext, against: string, path: string): Promise<InclusionProofDocument> {
  const manifest = await findManifest(app, against);
  const leaves: Uint8Array[] = [];
  let index = -1;
  let line = '';
  for await (const entry of provenEntries(app, manifest)) {
    if (entry.path === path) {
      index = leaves.length;
      line = entryLine(entry);
    }
    leaves.push(hashLeaf(Buffer.from(entryLine(entry), 'utf8')));
  }
  if (index < 0) throw new WeerbaarError('NOT_FOUND', `manifest ${manifest.name} has no entry "${path}" (paths are relative to the scanned folder, with / between names)`);
  return {
    format: 'weerbaar-inclusion-proof/1',
    manifest: { id: manifest.id, name: manifest.name },
    checkpoint: manifest.note,
    index,
    treeSize: leaves.length,
    entry: line,
    proof: inclusionProof(leaves, index).map((h) => Buffer.from(h).toString('base64')),
  };
}

/** Checks a proof document against this workspace's key; the reasons it fails, or none. */
export async function checkProof(app: AppContext, document: unknown): Promise<{ ok: boolean; entry: string | null; problems: string[] }> {
  const d = document as Partial<InclusionProofDocument>;
  if (d?.format !== 'weerbaar-inclusion-proof/1' || typeof d.checkpoint !== 'string' || typeof d.entry !== 'string' || !Array.isArray(d.proof) || !Number.isSafeInteger(d.index) || !Number.isSafeInteger(d.treeSize)) {
    return { ok: false, entry: null, problems: ['not a weerbaar-inclusion-proof/1 document'] };
  }
  const problems: string[] = [];
  const note = parseSignedNote(d.checkpoint);
  if (typeof note === 'string') return { ok: false, entry: d.entry, problems: [`the checkpoint is malformed: ${note}`] };
  const publicKey = await loadPublicKey(app.workspace.path(app.workspace.config.audit.public_key));
  if (!hasValidSignature(note, AUDIT_KEY_NAME, publicKey)) problems.push("the checkpoint is not signed by this workspace's key");
  if (d.manifest && note.checkpoint.origin !== origin(app, d.manifest.id)) problems.push(`the checkpoint is for ${note.checkpoint.origin}, not manifest ${d.manifest.id}`);
  if (note.checkpoint.treeSize !== d.treeSize) problems.push(`the proof is for a tree of ${d.treeSize} entries, the checkpoint signs ${note.checkpoint.treeSize}`);
  const proof = d.proof.map((h) => (typeof h === 'string' ? Buffer.from(h, 'base64') : Buffer.alloc(0)));
  if (!verifyInclusion(d.index!, d.treeSize!, hashLeaf(Buffer.from(d.entry, 'utf8')), proof, note.checkpoint.rootHash)) problems.push('the entry and the proof do not lead to the signed root: the entry, its position or the proof was altered');
  return { ok: problems.length === 0, entry: d.entry, problems };
}
