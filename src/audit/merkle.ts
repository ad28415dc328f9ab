import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * RFC 6962 / RFC 9162 §2.1 Merkle tree over SHA-256: leaf = H(0x00 ‖ data), node = H(0x01 ‖ l ‖ r),
 * and a tree of n > 1 leaves splits at k, the largest power of two below n. The 0x00/0x01 prefixes
 * keep a leaf from ever passing for an interior node, and the k-split means an odd last node is
 * never duplicated — the two mistakes behind the CVE-2012-2459 class (identical roots for
 * [A,B,C] and [A,B,C,C]). Proof verification follows RFC 9162 §2.1.3.2 and §2.1.4.2 exactly,
 * including the check that the proof consumed the whole second tree. Verifiers never throw on
 * hostile input; they return false.
 */

const HASH_BYTES = 32;

export const EMPTY_ROOT: Uint8Array = createHash('sha256').digest();

export function hashLeaf(data: Uint8Array): Uint8Array {
  return createHash('sha256').update(Uint8Array.of(0x00)).update(data).digest();
}

export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  return createHash('sha256').update(Uint8Array.of(0x01)).update(left).update(right).digest();
}

/**
 * Root over leaf hashes in one left-to-right pass: a stack of perfect subtrees (sizes strictly
 * decreasing powers of two) is merged as leaves arrive, then folded right to left — which is
 * exactly the RFC's k-split for any n.
 */
export function merkleRoot(leafHashes: readonly Uint8Array[]): Uint8Array {
  if (leafHashes.length === 0) return EMPTY_ROOT;
  const stack: Uint8Array[] = [];
  const sizes: number[] = [];
  for (const leaf of leafHashes) {
    let hash = leaf;
    let size = 1;
    while (sizes.length > 0 && sizes[sizes.length - 1] === size) {
      hash = hashChildren(stack.pop() as Uint8Array, hash);
      sizes.pop();
      size *= 2;
    }
    stack.push(hash);
    sizes.push(size);
  }
  let root = stack[stack.length - 1] as Uint8Array;
  for (let i = stack.length - 2; i >= 0; i--) root = hashChildren(stack[i] as Uint8Array, root);
  return root;
}

function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function subtreeRoot(leaves: readonly Uint8Array[], start: number, end: number): Uint8Array {
  return merkleRoot(leaves.slice(start, end));
}

/** RFC 6962 §2.1.1 PATH(m, D[n]): the audit path of leaf `index`. */
export function inclusionProof(leafHashes: readonly Uint8Array[], index: number): Uint8Array[] {
  if (!Number.isInteger(index) || index < 0 || index >= leafHashes.length) throw new RangeError(`leaf index ${index} outside a tree of ${leafHashes.length}`);
  const path: Uint8Array[] = [];
  let start = 0;
  let end = leafHashes.length;
  let m = index;
  // Walk down from the root, collecting siblings; the RFC lists them bottom-up, hence unshift.
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (m < k) {
      path.unshift(subtreeRoot(leafHashes, start + k, end));
      end = start + k;
    } else {
      path.unshift(subtreeRoot(leafHashes, start, start + k));
      start += k;
      m -= k;
    }
  }
  return path;
}

/** RFC 6962 §2.1.2 PROOF(m, D[n]) with n = leafHashes.length. */
export function consistencyProof(leafHashes: readonly Uint8Array[], firstSize: number): Uint8Array[] {
  const n = leafHashes.length;
  if (!Number.isInteger(firstSize) || firstSize < 0 || firstSize > n) throw new RangeError(`first size ${firstSize} outside 0..${n}`);
  if (firstSize === 0 || firstSize === n) return [];
  const proof: Uint8Array[] = [];
  let start = 0;
  let end = n;
  let m = firstSize;
  let complete = true;
  while (m !== end - start) {
    const k = splitPoint(end - start);
    if (m <= k) {
      proof.unshift(subtreeRoot(leafHashes, start + k, end));
      end = start + k;
    } else {
      proof.unshift(subtreeRoot(leafHashes, start, start + k));
      start += k;
      m -= k;
      complete = false;
    }
  }
  if (!complete) proof.unshift(subtreeRoot(leafHashes, start, end));
  return proof;
}

function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === HASH_BYTES;
}

function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function isSize(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/**
 * The walk both RFC 9162 verifiers share: for each proof element, whether it is the left sibling
 * of the running hash. Undefined when the proof does not fit the sizes — too long (sn reaches 0
 * early) or too short (sn not fully consumed).
 */
function siblingSides(fn: number, sn: number, count: number): boolean[] | undefined {
  const half = (n: number) => Math.floor(n / 2);
  const sides: boolean[] = [];
  for (let i = 0; i < count; i++) {
    if (sn === 0) return undefined;
    const left = fn % 2 === 1 || fn === sn;
    sides.push(left);
    if (left && fn % 2 === 0) {
      while (fn % 2 === 0 && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 ? sides : undefined;
}

/** RFC 9162 §2.1.3.2. */
export function verifyInclusion(index: number, treeSize: number, leafHash: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!isSize(index) || !isSize(treeSize) || index >= treeSize) return false;
  if (!isHash(leafHash) || !isHash(root) || !Array.isArray(proof) || !proof.every(isHash)) return false;
  const sides = siblingSides(index, treeSize - 1, proof.length);
  if (!sides) return false;
  let r = leafHash;
  proof.forEach((p, i) => {
    r = sides[i] ? hashChildren(p, r) : hashChildren(r, p);
  });
  return sameHash(r, root);
}

/** RFC 9162 §2.1.4.2, with the conventional edge cases for equal sizes and an empty first tree. */
export function verifyConsistency(firstSize: number, secondSize: number, firstRoot: Uint8Array, secondRoot: Uint8Array, proof: readonly Uint8Array[]): boolean {
  if (!isSize(firstSize) || !isSize(secondSize) || firstSize > secondSize) return false;
  if (!isHash(firstRoot) || !isHash(secondRoot) || !Array.isArray(proof) || !proof.every(isHash)) return false;
  if (firstSize === secondSize) return proof.length === 0 && sameHash(firstRoot, secondRoot);
  if (firstSize === 0) return proof.length === 0 && sameHash(firstRoot, EMPTY_ROOT);
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(firstSize) ? [firstRoot, ...proof] : [...proof];
  let fn = firstSize - 1;
  let sn = secondSize - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  const rest = path.slice(1);
  const sides = siblingSides(fn, sn, rest.length);
  if (!sides) return false;
  let fr = path[0] as Uint8Array;
  let sr = path[0] as Uint8Array;
  rest.forEach((c, i) => {
    if (sides[i]) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
    } else {
      sr = hashChildren(sr, c);
    }
  });
  return sameHash(fr, firstRoot) && sameHash(sr, secondRoot);
}

function isPowerOfTwo(n: number): boolean {
  let p = 1;
  while (p < n) p *= 2;
  return p === n;
}
