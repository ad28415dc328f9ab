import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { appendAudit } from '../audit/audit-log.js';
import { MerkleAccumulator, hashLeaf, inclusionProof, verifyInclusion } from '../audit/merkle.js';
import { type SignedNote, hasValidSignature, parseSignedNote, signCheckpoint } from '../audit/signed-checkpoint.js';
import { type ScanProgress, type TreeEntry, scanTree } from '../integrity/file-tree-scan.js';
import { MANIFEST_FORMAT, type ManifestHeader, entryLine, readManifest, writeManifest } from '../integrity/manifest.js';
import { type ManifestRow, readRecordManifest, recordLine } from '../integrity/record-manifest.js';
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
  /** files: a tree (integrity snapshot); records: rows by key (integrity records). */
  readonly kind: 'files' | 'records';
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

/**
 * A manifest's checkpoint origin names the workspace, the manifest and the SHA-256 of its header
 * line, so the header (name, source, key columns, salt) is signed with the root even though it is
 * not a leaf: it cannot be a leaf, since a later manifest of an append-only source must share the
 * earlier one's leaves exactly (consistency proofs). Manifests taken before the header was bound
 * carry the bare origin and are still accepted; their header is not covered.
 */
const origin = (app: AppContext, id: string) => `weerbaar/${app.workspace.config.workspace_id}/manifest/${id}`;
const boundOrigin = (app: AppContext, id: string, headerSha256: string) => `${origin(app, id)}/header/${headerSha256}`;
const isOriginOf = (app: AppContext, id: string, text: string) => text === origin(app, id) || text.startsWith(`${origin(app, id)}/header/`);

/** SHA-256 (hex) of a manifest file's first line, its header, as written. */
export async function headerDigest(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(HEADER_MAX_BYTES), 0, HEADER_MAX_BYTES, 0);
    const end = buffer.subarray(0, bytesRead).indexOf(0x0a);
    if (end < 0) throw new VerificationError(`${file}: no header line within ${HEADER_MAX_BYTES} bytes`);
    return createHash('sha256').update(buffer.subarray(0, end)).digest('hex');
  } finally {
    await handle.close();
  }
}

const HEADER_MAX_BYTES = 1024 * 1024;

/** Signs a written manifest's root and records it (audited); shared by file and record manifests. */
export async function recordManifest(
  app: AppContext,
  m: { id: string; name: string; kind: 'files' | 'records'; source: string; created: string; file: string; size: number; root: Uint8Array; files: number; bytes: number; errors: number },
): Promise<ManifestRecord> {
  const { config } = app.workspace;
  const privateKey = await loadSigningKey(app.workspace.path(config.audit.signing_key));
  const publicKey = await loadPublicKey(app.workspace.path(config.audit.public_key));
  const note = signCheckpoint({ origin: boundOrigin(app, m.id, await headerDigest(app.workspace.path(m.file))), treeSize: m.size, rootHash: m.root }, AUDIT_KEY_NAME, privateKey, publicKey);
  const record: ManifestRecord = { id: m.id, name: m.name, kind: m.kind, source: m.source, createdAt: m.created, actor: app.actor, entries: m.size, files: m.files, bytes: m.bytes, errors: m.errors, rootHash: Buffer.from(m.root).toString('hex'), file: m.file, baseline: null };
  await app.store.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('manifest')
      .values({ id: m.id, name: m.name, kind: m.kind, source: m.source, created_at: m.created, actor: app.actor, entries: m.size, files: m.files, bytes: m.bytes, errors: m.errors, root_hash: record.rootHash, note, file: m.file })
      .execute();
    await appendAudit(trx, app, { action: m.kind === 'files' ? 'integrity.snapshot' : 'integrity.records', subject: m.name, details: { id: m.id, source: m.source, entries: m.size, root: record.rootHash } });
  });
  return record;
}

export const MANIFEST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Checks a manifest name and prepares the folder and a new id for a manifest file. */
export async function newManifestFile(app: AppContext, name: string): Promise<{ id: string; created: string; partial: string; file: string }> {
  if (!MANIFEST_NAME.test(name)) throw new WeerbaarError('USAGE', `manifest name "${name}" must be letters, digits, ".", "_" or "-" (up to 128), starting with a letter or digit`);
  const id = randomUUID();
  const dir = app.workspace.path('integrity/manifests');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return { id, created: isoUtc(app.clock()), partial: `${dir}/${id}.jsonl.partial`, file: `integrity/manifests/${id}.jsonl` };
}

export async function snapshot(app: AppContext, path: string, options: { name?: string; onProgress?: (p: ScanProgress) => void } = {}): Promise<ManifestRecord> {
  const source = resolve(path);
  const name = options.name ?? (source.split('/').filter(Boolean).pop() || 'root');
  const { id, created, partial, file } = await newManifestFile(app, name);
  const header: ManifestHeader = { format: MANIFEST_FORMAT, kind: 'files', name, source, created };
  let summary;
  try {
    summary = await writeManifest(partial, header, scanTree(source, options.onProgress ? { onProgress: options.onProgress } : {}));
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  await rename(partial, app.workspace.path(file));
  return recordManifest(app, { id, name, kind: 'files', source, created, file, size: summary.size, root: summary.root, files: summary.files, bytes: summary.bytes, errors: summary.errors });
}

export async function listManifests(app: AppContext): Promise<ManifestRecord[]> {
  const rows = await app.store.db.selectFrom('manifest').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map(toRecord);
}

function toRecord(r: {
  id: string; name: string; kind: string; source: string; created_at: string; actor: string; entries: number | string; files: number | string; bytes: number | string; errors: number | string; root_hash: string; file: string;
  baseline_at: string | null; baseline_reason: string | null;
}): ManifestRecord {
  return {
    id: r.id, name: r.name, kind: r.kind === 'records' ? 'records' : 'files', source: r.source, createdAt: r.created_at, actor: r.actor, entries: Number(r.entries), files: Number(r.files), bytes: Number(r.bytes), errors: Number(r.errors), rootHash: r.root_hash, file: r.file,
    baseline: r.baseline_at === null ? null : { at: r.baseline_at, reason: r.baseline_reason ?? '' },
  };
}

/** The latest manifest of that name, or the one with that id. */
export async function findManifest(app: AppContext, nameOrId: string): Promise<ManifestRecord & { note: string }> {
  const row = await app.store.db.selectFrom('manifest').selectAll().where((eb) => eb.or([eb('name', '=', nameOrId), eb('id', '=', nameOrId)])).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  if (!row) throw new WeerbaarError('NOT_FOUND', `no manifest named "${nameOrId}" (see weerbaar integrity list)`);
  return { ...toRecord(row), note: row.note };
}

/** One leaf of a proven manifest: its exact line, what it describes, and the entry or row it holds. */
export type ProvenLeaf = { readonly leaf: Uint8Array; readonly line: string; readonly label: string } & ({ readonly entry: TreeEntry; readonly row?: undefined } | { readonly row: ManifestRow; readonly entry?: undefined });

/**
 * Everything about a manifest that can be proven before its entries are read: the checkpoint's
 * signature by this workspace's key, its origin (this manifest, this header), and the case store's
 * record agreeing with the signed header. Run first by anything that reads a source named by the
 * record, so a record pointed elsewhere is refused before the wrong source is read.
 */
export async function proveHeader(app: AppContext, manifest: ManifestRecord & { note: string }): Promise<{ note: SignedNote; path: string }> {
  const note = parseSignedNote(manifest.note);
  if (typeof note === 'string') throw new VerificationError(`manifest ${manifest.name}: its checkpoint is malformed (${note})`);
  const publicKey = await loadPublicKey(app.workspace.path(app.workspace.config.audit.public_key));
  if (!hasValidSignature(note, AUDIT_KEY_NAME, publicKey)) throw new VerificationError(`manifest ${manifest.name}: its checkpoint is not signed by this workspace's key: the manifest record was tampered with`);
  if (!isOriginOf(app, manifest.id, note.checkpoint.origin)) throw new VerificationError(`manifest ${manifest.name}: its checkpoint belongs to another manifest (${note.checkpoint.origin})`);
  const path = app.workspace.path(manifest.file);
  try {
    await stat(path);
  } catch {
    throw new VerificationError(`manifest ${manifest.name}: its entries file ${manifest.file} is missing`);
  }
  if (note.checkpoint.origin !== origin(app, manifest.id) && note.checkpoint.origin !== boundOrigin(app, manifest.id, await headerDigest(path))) {
    throw new VerificationError(`manifest ${manifest.name}: its header line is not the one that was signed: the entries file was altered`);
  }
  const reader = manifest.kind === 'records' ? readRecordManifest(path) : readManifest(path);
  try {
    const first = await reader.next();
    if (!first.done && 'header' in first.value) matchesHeader(manifest, first.value.header);
  } finally {
    await reader.return(undefined);
  }
  return { note, path };
}

/**
 * Proves a manifest before it is used (proveHeader), then checks that its lines produce the signed
 * size and root. Yields the leaves while it checks; throws VerificationError at the end if the root
 * does not match, so a consumer never acts on a manifest that does not prove out.
 */
export async function* provenLeaves(app: AppContext, manifest: ManifestRecord & { note: string }): AsyncGenerator<ProvenLeaf> {
  const { note, path } = await proveHeader(app, manifest);
  const tree = new MerkleAccumulator();
  if (manifest.kind === 'records') {
    for await (const item of readRecordManifest(path)) {
      if ('header' in item) continue;
      tree.add(item.leaf);
      yield { leaf: item.leaf, line: recordLine(item.row), label: JSON.stringify(item.row.key), row: item.row };
    }
  } else {
    for await (const item of readManifest(path)) {
      if ('header' in item) continue;
      tree.add(item.leaf);
      yield { leaf: item.leaf, line: entryLine(item.entry), label: item.entry.path, entry: item.entry };
    }
  }
  if (tree.size !== note.checkpoint.treeSize || !Buffer.from(tree.root()).equals(Buffer.from(note.checkpoint.rootHash))) {
    throw new VerificationError(`manifest ${manifest.name}: its entries do not produce the signed root (${tree.size} entries, signed ${note.checkpoint.treeSize}): the entries file was altered`);
  }
}

/**
 * The case store's record of a manifest must say what its signed header says: commands read the
 * source from the record, so a record pointed at another source would verify the wrong thing.
 */
function matchesHeader(manifest: ManifestRecord, header: { kind: string; name: string; source: string }): void {
  if (header.kind !== manifest.kind || header.name !== manifest.name || header.source !== manifest.source) {
    throw new VerificationError(`manifest ${manifest.name}: the case store's record (${manifest.kind} of ${manifest.source}) differs from its signed header (${header.kind} of ${header.source}): the record was altered`);
  }
}

/** The proven entries of a manifest of a file tree. */
export async function* provenEntries(app: AppContext, manifest: ManifestRecord & { note: string }): AsyncGenerator<TreeEntry> {
  if (manifest.kind !== 'files') throw new WeerbaarError('USAGE', `manifest ${manifest.name} is of records, not of a file tree`);
  for await (const item of provenLeaves(app, manifest)) yield item.entry!;
}

/** The proven rows of a manifest of records. */
export async function* provenRows(app: AppContext, manifest: ManifestRecord & { note: string }): AsyncGenerator<ManifestRow> {
  if (manifest.kind !== 'records') throw new WeerbaarError('USAGE', `manifest ${manifest.name} is of a file tree, not of records`);
  for await (const item of provenLeaves(app, manifest)) yield item.row!;
}

export interface VerifyReport {
  readonly manifest: ManifestRecord;
  readonly path: string;
  readonly counts: Record<ChangeKind, number>;
  readonly changes: readonly TreeChange[];
}

export async function verifyTree(app: AppContext, path: string, against: string, options: { onProgress?: (p: ScanProgress) => void } = {}): Promise<VerifyReport> {
  const manifest = await findManifest(app, against);
  await proveHeader(app, manifest);
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

export async function proveEntry(app: AppContext, against: string, label: string): Promise<InclusionProofDocument> {
  const manifest = await findManifest(app, against);
  const leaves: Uint8Array[] = [];
  let index = -1;
  let line = '';
  // A row is named by its key: as JSON (["a","1"]) or, for one key column, the value itself.
  const wanted = manifest.kind === 'records' && !label.startsWith('[') ? JSON.stringify([label]) : label;
  for await (const item of provenLeaves(app, manifest)) {
    if (item.label === wanted) {
      index = leaves.length;
      line = item.line;
    }
    leaves.push(item.leaf);
  }
  if (index < 0) throw new WeerbaarError('NOT_FOUND', manifest.kind === 'records' ? `manifest ${manifest.name} has no row with key ${wanted}` : `manifest ${manifest.name} has no entry "${label}" (paths are relative to the scanned folder, with / between names)`);
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
/** A checkpoint from a proof document, and what is wrong with it: malformed, not signed by this workspace, or another manifest's. */
export async function checkpointProblems(app: AppContext, text: string, manifestId: string): Promise<{ note: SignedNote | null; problems: string[] }> {
  const note = parseSignedNote(text);
  if (typeof note === 'string') return { note: null, problems: [`the checkpoint is malformed: ${note}`] };
  const problems: string[] = [];
  const publicKey = await loadPublicKey(app.workspace.path(app.workspace.config.audit.public_key));
  if (!hasValidSignature(note, AUDIT_KEY_NAME, publicKey)) problems.push("the checkpoint is not signed by this workspace's key");
  if (!isOriginOf(app, manifestId, note.checkpoint.origin)) problems.push(`the checkpoint is for ${note.checkpoint.origin}, not manifest ${manifestId}`);
  return { note, problems };
}

export async function checkProof(app: AppContext, document: unknown): Promise<{ ok: boolean; entry: string | null; problems: string[] }> {
  const d = document as Partial<InclusionProofDocument>;
  if (d?.format !== 'weerbaar-inclusion-proof/1' || typeof d.checkpoint !== 'string' || typeof d.entry !== 'string' || !Array.isArray(d.proof) || !Number.isSafeInteger(d.index) || !Number.isSafeInteger(d.treeSize)) {
    return { ok: false, entry: null, problems: ['not a weerbaar-inclusion-proof/1 document'] };
  }
  if (typeof d.manifest?.id !== 'string') return { ok: false, entry: d.entry, problems: ['the document names no manifest: its checkpoint could be any this workspace signed'] };
  const { note, problems } = await checkpointProblems(app, d.checkpoint, d.manifest.id);
  if (!note) return { ok: false, entry: d.entry, problems };
  if (note.checkpoint.treeSize !== d.treeSize) problems.push(`the proof is for a tree of ${d.treeSize} entries, the checkpoint signs ${note.checkpoint.treeSize}`);
  const proof = d.proof.map((h) => (typeof h === 'string' ? Buffer.from(h, 'base64') : Buffer.alloc(0)));
  if (!verifyInclusion(d.index!, d.treeSize!, hashLeaf(Buffer.from(d.entry, 'utf8')), proof, note.checkpoint.rootHash)) problems.push('the entry and the proof do not lead to the signed root: the entry, its position or the proof was altered');
  return { ok: problems.length === 0, entry: d.entry, problems };
}
