import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EMPTY_ROOT, consistencyProof, hashChildren, hashLeaf, inclusionProof, merkleRoot, verifyConsistency, verifyInclusion } from './merkle.js';

/** The RFC 6962 §2.1 definition, written recursively and independently of the implementation. */
function referenceRoot(data: readonly Uint8Array[]): Buffer {
  const h = (...parts: Uint8Array[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
  if (data.length === 0) return h();
  if (data.length === 1) return h(Buffer.from([0]), data[0] as Uint8Array);
  let k = 1;
  while (k * 2 < data.length) k *= 2;
  return h(Buffer.from([1]), referenceRoot(data.slice(0, k)), referenceRoot(data.slice(k)));
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const leafData = (n: number) => Array.from({ length: n }, (_, i) => Buffer.from(`leaf-${i}`));
const leavesOf = (n: number) => leafData(n).map(hashLeaf);

/**
 * The eight leaves of the RFC 6962 reference test data used by Certificate Transparency and
 * Trillian test suites; the expected roots are those suites' published values for each prefix.
 */
const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((x) => Buffer.from(x, 'hex'));
const CT_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

describe('Merkle tree hash (RFC 6962 §2.1)', () => {
  it('has the SHA-256 of the empty string as the empty root', () => {
    expect(hex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(merkleRoot([]))).toBe(hex(EMPTY_ROOT));
  });

  it('matches the Certificate Transparency reference roots for every prefix of its test leaves', () => {
    for (let n = 1; n <= 8; n++) {
      expect(hex(merkleRoot(CT_LEAVES.slice(0, n).map(hashLeaf))), `size ${n}`).toBe(CT_ROOTS[n - 1]);
    }
  });

  it('equals the recursive definition for sizes 0 to 130 and a few large odd sizes', () => {
    for (const n of [...Array.from({ length: 131 }, (_, i) => i), 1000, 1023, 1025]) {
      expect(hex(merkleRoot(leavesOf(n))), `size ${n}`).toBe(hex(referenceRoot(leafData(n))));
    }
  });

  it('never duplicates an odd node: [A,B,C] and [A,B,C,C] differ (CVE-2012-2459 class)', () => {
    const [a, b, c] = leavesOf(3) as [Uint8Array, Uint8Array, Uint8Array];
    expect(hex(merkleRoot([a, b, c]))).not.toBe(hex(merkleRoot([a, b, c, c])));
  });

  it('separates leaves from nodes: a leaf holding two child hashes is not their parent', () => {
    const [a, b] = leavesOf(2) as [Uint8Array, Uint8Array];
    expect(hex(hashLeaf(Buffer.concat([a, b])))).not.toBe(hex(hashChildren(a, b)));
    expect(hex(merkleRoot([hashLeaf(Buffer.concat([a, b]))]))).not.toBe(hex(merkleRoot([a, b])));
  });

  it('computes a large root (2^17 + 12345 leaves) that agrees with splitting at k', () => {
    const n = 2 ** 17 + 12_345;
    const leaves = Array.from({ length: n }, (_, i) => hashLeaf(Buffer.from(String(i))));
    const k = 2 ** 17;
    const root = merkleRoot(leaves);
    expect(root).toHaveLength(32);
    expect(hex(root)).toBe(hex(hashChildren(merkleRoot(leaves.slice(0, k)), merkleRoot(leaves.slice(k)))));
  });
});

describe('inclusion proofs (RFC 9162 §2.1.3)', () => {
  it('verify for every leaf of every tree up to 40 leaves, and of larger odd trees', () => {
    for (const n of [...Array.from({ length: 40 }, (_, i) => i + 1), 127, 129]) {
      const leaves = leavesOf(n);
      const root = merkleRoot(leaves);
      for (let i = 0; i < n; i++) {
        expect(verifyInclusion(i, n, leaves[i] as Uint8Array, inclusionProof(leaves, i), root), `leaf ${i} of ${n}`).toBe(true);
      }
    }
  });

  it('fail on every kind of tampering', () => {
    const n = 13;
    const leaves = leavesOf(n);
    const root = merkleRoot(leaves);
    for (let i = 0; i < n; i++) {
      const leaf = leaves[i] as Uint8Array;
      const proof = inclusionProof(leaves, i);
      const flip = (b: Uint8Array, at: number) => {
        const copy = Buffer.from(b);
        copy[at] = (copy[at] ?? 0) ^ 1;
        return copy;
      };
      expect(verifyInclusion(i, n, leaf, proof.slice(0, -1), root)).toBe(false);
      expect(verifyInclusion(i, n, leaf, [...proof, leaf], root)).toBe(false);
      if (proof.length > 1) expect(verifyInclusion(i, n, leaf, [...proof].reverse(), root)).toBe(false);
      proof.forEach((_, j) => expect(verifyInclusion(i, n, leaf, proof.map((p, k) => (k === j ? flip(p, 31) : p)), root)).toBe(false));
      expect(verifyInclusion(i, n, flip(leaf, 0), proof, root)).toBe(false);
      expect(verifyInclusion((i + 1) % n, n, leaf, proof, root)).toBe(false);
      // A size is only meaningful with its own root (a checkpoint binds both).
      expect(verifyInclusion(i, n + 1, leaf, proof, merkleRoot(leavesOf(n + 1)))).toBe(false);
      if (i < n - 1) expect(verifyInclusion(i, n - 1, leaf, proof, merkleRoot(leaves.slice(0, n - 1)))).toBe(false);
      // A path too short for the claimed size must not be accepted (the size is not fully consumed).
      expect(verifyInclusion(i, 4 * n, leaf, proof, root)).toBe(false);
      expect(verifyInclusion(i, n, leaf, proof, flip(root, 5))).toBe(false);
    }
  });

  it('reject hostile parameters without throwing', () => {
    const leaves = leavesOf(4);
    const root = merkleRoot(leaves);
    const proof = inclusionProof(leaves, 1);
    const leaf = leaves[1] as Uint8Array;
    expect(verifyInclusion(-1, 4, leaf, proof, root)).toBe(false);
    expect(verifyInclusion(1.5, 4, leaf, proof, root)).toBe(false);
    expect(verifyInclusion(4, 4, leaf, proof, root)).toBe(false);
    expect(verifyInclusion(1, 4, leaf.subarray(0, 31), proof, root)).toBe(false);
    expect(verifyInclusion(1, 4, leaf, [proof[0]?.subarray(0, 31) as Uint8Array, ...proof.slice(1)], root)).toBe(false);
    expect(verifyInclusion(0, 1, leaves[0] as Uint8Array, [], hashLeaf(Buffer.from('leaf-0')))).toBe(true);
  });
});

describe('consistency proofs (RFC 9162 §2.1.4)', () => {
  it('verify for every pair of sizes up to 40', () => {
    const all = leavesOf(40);
    for (let n = 1; n <= 40; n++) {
      const leaves = all.slice(0, n);
      const second = merkleRoot(leaves);
      for (let m = 0; m <= n; m++) {
        expect(verifyConsistency(m, n, merkleRoot(leaves.slice(0, m)), second, consistencyProof(leaves, m)), `${m} → ${n}`).toBe(true);
      }
    }
  });

  it('fail on wrong roots, swapped sizes, and proofs presented for the wrong second size', () => {
    const all = leavesOf(41);
    for (let n = 2; n <= 40; n++) {
      const leaves = all.slice(0, n);
      const second = merkleRoot(leaves);
      for (let m = 1; m < n; m++) {
        const first = merkleRoot(leaves.slice(0, m));
        const proof = consistencyProof(leaves, m);
        const other = hashLeaf(Buffer.from('other'));
        expect(verifyConsistency(m, n, other, second, proof)).toBe(false);
        expect(verifyConsistency(m, n, first, other, proof)).toBe(false);
        expect(verifyConsistency(n, m, first, second, proof)).toBe(false);
        expect(verifyConsistency(m, n + 1, first, merkleRoot(all.slice(0, n + 1)), proof)).toBe(false);
        // The hash-tree 0.1.1 bug: a proof that does not consume the whole second size.
        expect(verifyConsistency(m, 4 * n, first, second, proof)).toBe(false);
        if (n - 1 > m) expect(verifyConsistency(m, n - 1, first, merkleRoot(leaves.slice(0, n - 1)), proof)).toBe(false);
        expect(verifyConsistency(m, n, first, second, proof.slice(0, -1))).toBe(false);
        expect(verifyConsistency(m, n, first, second, [...proof, other])).toBe(false);
        if (proof.length > 1) expect(verifyConsistency(m, n, first, second, [...proof].reverse())).toBe(false);
      }
    }
  });

  it('handle the edge cases: equal sizes, an empty first tree, malformed input', () => {
    const leaves = leavesOf(5);
    const root = merkleRoot(leaves);
    expect(verifyConsistency(5, 5, root, root, [])).toBe(true);
    expect(verifyConsistency(5, 5, root, root, [root])).toBe(false);
    expect(verifyConsistency(0, 5, EMPTY_ROOT, root, [])).toBe(true);
    expect(verifyConsistency(0, 5, EMPTY_ROOT, root, [root])).toBe(false);
    expect(verifyConsistency(3, 5, merkleRoot(leaves.slice(0, 3)), root, [])).toBe(false);
    expect(verifyConsistency(-1, 5, root, root, [])).toBe(false);
    expect(verifyConsistency(2.5, 5, root, root, [])).toBe(false);
    expect(verifyConsistency(3, 5, root.subarray(0, 31), root, consistencyProof(leaves, 3))).toBe(false);
  });
});
