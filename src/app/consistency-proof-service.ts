import { consistencyProof, verifyConsistency } from '../audit/merkle.js';
import { VerificationError, WeerbaarError } from '../shared/errors.js';
import type { AppContext } from './app-context.js';
import { type ProvenLeaf, checkpointProblems, findManifest, provenLeaves } from './integrity-service.js';

/**
 * Consistency proofs (issue 7 §3; RFC 9162 §2.1.4): that a later manifest of an append-only source
 * — a register keyed by a rising number, a log folder whose files only ever arrive — extends an
 * earlier one: the earlier manifest's entries are exactly the later one's first entries, nothing
 * changed, removed or inserted before its end. The proof is self-contained like an inclusion proof:
 * both signed checkpoints and the sibling hashes; `integrity check-proof` checks it without either
 * manifest. When the later manifest does not extend the earlier one, no proof exists and the first
 * entry that differs is named.
 */

export interface ConsistencyProofDocument {
  readonly format: 'weerbaar-consistency-proof/1';
  readonly first: { readonly id: string; readonly name: string; readonly checkpoint: string };
  readonly second: { readonly id: string; readonly name: string; readonly checkpoint: string };
  readonly firstSize: number;
  readonly secondSize: number;
  /** RFC 9162 §2.1.4.1 path, base64. */
  readonly proof: readonly string[];
}

async function leavesOf(app: AppContext, nameOrId: string): Promise<{ manifest: Awaited<ReturnType<typeof findManifest>>; leaves: ProvenLeaf[] }> {
  const manifest = await findManifest(app, nameOrId);
  const leaves: ProvenLeaf[] = [];
  for await (const leaf of provenLeaves(app, manifest)) leaves.push(leaf);
  return { manifest, leaves };
}

export async function proveConsistency(app: AppContext, earlier: string, later: string): Promise<ConsistencyProofDocument> {
  const first = await leavesOf(app, earlier);
  const second = await leavesOf(app, later);
  const [a, b] = [first.manifest, second.manifest];
  if (a.id === b.id) throw new WeerbaarError('USAGE', `${earlier} and ${later} are the same manifest`);
  if (a.kind !== b.kind) throw new VerificationError(`${a.name} is a manifest of ${a.kind}, ${b.name} of ${b.kind}: one cannot extend the other`);
  if (Date.parse(a.createdAt) > Date.parse(b.createdAt)) throw new WeerbaarError('USAGE', `${a.name} (${a.createdAt}) was taken after ${b.name} (${b.createdAt}): name the earlier manifest first`);
  if (first.leaves.length > second.leaves.length) throw new VerificationError(`${b.name} does not extend ${a.name}: it has ${second.leaves.length} entries, ${a.name} ${first.leaves.length} (something was removed)`);
  const differs = first.leaves.findIndex((leaf, i) => !Buffer.from(leaf.leaf).equals(Buffer.from(second.leaves[i]!.leaf)));
  if (differs >= 0) {
    const [x, y] = [first.leaves[differs]!, second.leaves[differs]!];
    const what = x.label === y.label ? `${x.label} changed` : `${x.label} in ${a.name} is ${y.label} in ${b.name} (an entry removed or inserted before the end)`;
    throw new VerificationError(`${b.name} does not extend ${a.name}: entry ${differs + 1} differs: ${what}`);
  }
  const proof = consistencyProof(second.leaves.map((l) => l.leaf), first.leaves.length);
  return {
    format: 'weerbaar-consistency-proof/1',
    first: { id: a.id, name: a.name, checkpoint: a.note },
    second: { id: b.id, name: b.name, checkpoint: b.note },
    firstSize: first.leaves.length,
    secondSize: second.leaves.length,
    proof: proof.map((h) => Buffer.from(h).toString('base64')),
  };
}

export function isConsistencyProof(document: unknown): boolean {
  return (document as { format?: unknown } | null)?.format === 'weerbaar-consistency-proof/1';
}

/** Checks a consistency proof against this workspace's key; the reasons it fails, or none. */
export async function checkConsistencyProof(app: AppContext, document: unknown): Promise<{ ok: boolean; entry: string | null; problems: string[] }> {
  const d = document as Partial<ConsistencyProofDocument>;
  const side = (s: unknown): s is ConsistencyProofDocument['first'] => typeof s === 'object' && s !== null && typeof (s as { checkpoint?: unknown }).checkpoint === 'string' && typeof (s as { id?: unknown }).id === 'string';
  if (!isConsistencyProof(d) || !side(d.first) || !side(d.second) || !Array.isArray(d.proof) || !Number.isSafeInteger(d.firstSize) || !Number.isSafeInteger(d.secondSize)) {
    return { ok: false, entry: null, problems: ['not a weerbaar-consistency-proof/1 document'] };
  }
  // The ids are bound to the signed checkpoints (their origins); the names in the document are not.
  const what = `manifest ${d.second.id} extends manifest ${d.first.id}`;
  const one = await checkpointProblems(app, d.first.checkpoint, d.first.id);
  const two = await checkpointProblems(app, d.second.checkpoint, d.second.id);
  const problems = [...one.problems.map((p) => `first: ${p}`), ...two.problems.map((p) => `second: ${p}`)];
  if (!one.note || !two.note) return { ok: false, entry: what, problems };
  if (one.note.checkpoint.treeSize !== d.firstSize || two.note.checkpoint.treeSize !== d.secondSize) problems.push(`the proof is for sizes ${d.firstSize} → ${d.secondSize}, the checkpoints sign ${one.note.checkpoint.treeSize} → ${two.note.checkpoint.treeSize}`);
  const proof = d.proof.map((h) => (typeof h === 'string' ? Buffer.from(h, 'base64') : Buffer.alloc(0)));
  if (!verifyConsistency(d.firstSize!, d.secondSize!, one.note.checkpoint.rootHash, two.note.checkpoint.rootHash, proof)) problems.push('the proof does not lead from the first signed root to the second: the proof, a size or a checkpoint was altered');
  return { ok: problems.length === 0, entry: what, problems };
}
