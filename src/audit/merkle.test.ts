import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EMPTY_ROOT, MerkleAccumulator, consistencyProof, hashChildren, hashLeaf, inclusionProof, merkleRoot, verifyConsistency, verifyInclusion } from './merkle.js';

// ---- An independent reference, written recursively straight from RFC 6962 §2.1, §2.1.1, §2.1.2. ----

const sha = (...parts: Uint8Array[]): Buffer => createHash('sha256').update(Buffer.concat(parts)).digest();
const refLeaf = (data: Uint8Array) => sha(Uint8Array.of(0), data);
const refNode = (l: Uint8Array, r: Uint8Array) => sha(Uint8Array.of(1), l, r);
const refK = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1); // largest power of two < n, for n > 1

/** MTH(D[n]) over leaf hashes. */
function refRoot(d: readonly Uint8Array[]): Uint8Array {
  if (d.length === 0) return sha();
  if (d.length === 1) return d[0] as Uint8Array;
  const k = refK(d.length);
  return refNode(refRoot(d.slice(0, k)), refRoot(d.slice(k)));
}

/** PATH(m, D[n]). */
function refPath(m: number, d: readonly Uint8Array[]): Uint8Array[] {
  if (d.length <= 1) return [];
  const k = refK(d.length);
  return m < k ? [...refPath(m, d.slice(0, k)), refRoot(d.slice(k))] : [...refPath(m - k, d.slice(k)), refRoot(d.slice(0, k))];
}

/** SUBPROOF(m, D[n], b); PROOF(m, D[n]) = SUBPROOF(m, D[n], true). */
function refSubproof(m: number, d: readonly Uint8Array[], b: boolean): Uint8Array[] {
  if (m === d.length) return b ? [] : [refRoot(d)];
  const k = refK(d.length);
  return m <= k ? [...refSubproof(m, d.slice(0, k), b), refRoot(d.slice(k))] : [...refSubproof(m - k, d.slice(k), false), refRoot(d.slice(0, k))];
}

// ---- Helpers. ----

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const hexes = (bs: readonly Uint8Array[]) => bs.map(hex);
const unhex = (s: string) => Buffer.from(s, 'hex');
const leavesOf = (n: number) => Array.from({ length: n }, (_, i) => hashLeaf(Buffer.from(`leaf-${i}`)));
const flipBit = (b: Uint8Array, bit: number) => {
  const copy = Buffer.from(b);
  copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
  return copy;
};
const SIZES = [...Array.from({ length: 41 }, (_, n) => n), 127, 129, 1000];
const OTHER = hashLeaf(Buffer.from('not in any tree'));

// ---- Known vectors. ----

/**
 * The RFC 6962 reference leaves and the roots for every prefix, from transparency-dev/merkle
 * (testonly/constants.go: LeafInputs, RootHashes — the same values Trillian and the CT C++ log use),
 * and its known proofs from proof/verify_test.go (inclusionProofs, consistencyProofs; that table
 * numbers leaves from 1, converted to 0-based indices here).
 */
const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(unhex);
const CT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const [N0_1, N0_4, N1_1, N1_2, N1_3, N2_0, N2_1] = [
  '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
  'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
  '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
  '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
  'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
];
const CT_INCLUSION: [index: number, size: number, proof: string[]][] = [
  [0, 1, []],
  [0, 8, [N0_1, N1_1, N2_1]],
  [5, 8, [N0_4, N1_3, N2_0]],
  [2, 3, [CT_ROOTS[2] as string]],
  [1, 5, [CT_ROOTS[1] as string, N1_1, N0_4]],
];
const CT_CONSISTENCY: [first: number, second: number, proof: string[]][] = [
  [1, 1, []],
  [1, 8, [N0_1, N1_1, N2_1]],
  [6, 8, [N1_2, N1_3, N2_0]],
  [2, 5, [N1_1, N0_4]],
  [6, 7, [N1_2, 'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f', N2_0]],
];

describe('Merkle tree hash (RFC 9162 §2.1)', () => {
  const ctLeafHashes = CT_LEAVES.map(hashLeaf);

  it('hashes the empty tree, leaves and nodes as the RFC defines', () => {
    expect(hex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(merkleRoot([]))).toBe(hex(EMPTY_ROOT));
    for (const d of CT_LEAVES) expect(hex(hashLeaf(d))).toBe(hex(refLeaf(d)));
    const [a, b] = ctLeafHashes as [Uint8Array, Uint8Array];
    expect(hex(hashChildren(a, b))).toBe(hex(refNode(a, b)));
  });

  it('matches the transparency-dev/merkle reference root for every prefix 0..8 of the RFC 6962 test leaves', () => {
    for (let n = 0; n <= 8; n++) expect(hex(merkleRoot(ctLeafHashes.slice(0, n))), `size ${n}`).toBe(CT_ROOTS[n]);
  });

  it('generates and accepts the transparency-dev/merkle known proofs', () => {
    for (const [index, size, proof] of CT_INCLUSION) {
      const leaves = ctLeafHashes.slice(0, size);
      expect(hexes(inclusionProof(leaves, index)), `inclusion ${index}/${size}`).toEqual(proof);
      expect(verifyInclusion(index, size, leaves[index] as Uint8Array, proof.map(unhex), unhex(CT_ROOTS[size] as string))).toBe(true);
    }
    for (const [m, n, proof] of CT_CONSISTENCY) {
      expect(hexes(consistencyProof(ctLeafHashes.slice(0, n), m)), `consistency ${m}→${n}`).toEqual(proof);
      expect(verifyConsistency(m, n, unhex(CT_ROOTS[m] as string), unhex(CT_ROOTS[n] as string), proof.map(unhex))).toBe(true);
    }
  });

  it('equals the recursive definition for sizes 0..40, 127, 129 and 1000', () => {
    for (const n of SIZES) expect(hex(merkleRoot(leavesOf(n))), `size ${n}`).toBe(hex(refRoot(leavesOf(n))));
  });

  it('never duplicates an odd node: [A,B,C] and [A,B,C,C] differ (CVE-2012-2459 class)', () => {
    const [a, b, c] = leavesOf(3) as [Uint8Array, Uint8Array, Uint8Array];
    expect(hex(merkleRoot([a, b, c]))).not.toBe(hex(merkleRoot([a, b, c, c])));
    expect(hex(merkleRoot([a, b, c]))).toBe(hex(refNode(refNode(a, b), c)));
  });

  it('separates leaves from nodes: a leaf holding two child hashes does not hash to their parent', () => {
    const [a, b] = leavesOf(2) as [Uint8Array, Uint8Array];
    const parent = hex(hashChildren(a, b));
    expect(hex(hashLeaf(Buffer.concat([a, b])))).not.toBe(parent);
    expect(hex(hashLeaf(Buffer.concat([Uint8Array.of(1), a, b])))).not.toBe(parent);
    expect(hex(merkleRoot([hashLeaf(Buffer.concat([a, b]))]))).not.toBe(hex(merkleRoot([a, b])));
  });

  it('hands out a copy of the empty root, so the constant cannot be corrupted through a result', () => {
    merkleRoot([]).fill(0);
    expect(hex(merkleRoot([]))).toBe(CT_ROOTS[0]);
  });

  it('computes the root of 1,000,000 leaves, agreeing with a level-by-level reduction and with the split at k', () => {
    const n = 1_000_000;
    const k = 2 ** 19;
    const backing = Buffer.alloc(32 * n);
    for (let i = 0; i < n; i++) backing.writeUInt32BE(i, 32 * i);
    const leaves = Array.from({ length: n }, (_, i) => backing.subarray(32 * i, 32 * i + 32));
    const root = merkleRoot(leaves);
    expect(root).toHaveLength(32);
    // Independent shape: pair up each level, promoting an odd last node unchanged (RFC trees are
    // left-full, so this equals the k-split). hashChildren is already checked against refNode above.
    let level: Uint8Array[] = leaves;
    while (level.length > 1) {
      const next: Uint8Array[] = [];
      for (let i = 0; i + 1 < level.length; i += 2) next.push(hashChildren(level[i] as Uint8Array, level[i + 1] as Uint8Array));
      if (level.length % 2 === 1) next.push(level[level.length - 1] as Uint8Array);
      level = next;
    }
    expect(hex(root)).toBe(hex(level[0] as Uint8Array));
    expect(hex(root)).toBe(hex(hashChildren(merkleRoot(leaves.slice(0, k)), merkleRoot(leaves.slice(k)))));
  });
});

describe('inclusion proofs (RFC 6962 §2.1.1, RFC 9162 §2.1.3.2)', () => {
  it('are the RFC audit paths and verify, for every leaf of every size 1..40, 127, 129 and 1000', () => {
    for (const n of SIZES.filter((s) => s > 0)) {
      const leaves = leavesOf(n);
      const root = merkleRoot(leaves);
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(leaves, i);
        if (n <= 129) expect(hexes(proof), `path ${i}/${n}`).toEqual(hexes(refPath(i, leaves)));
        expect(verifyInclusion(i, n, leaves[i] as Uint8Array, proof, root), `leaf ${i}/${n}`).toBe(true);
      }
    }
  });

  it('refuse to generate for an index outside the tree', () => {
    expect(() => inclusionProof([], 0)).toThrow(RangeError);
    expect(() => inclusionProof(leavesOf(3), 3)).toThrow(RangeError);
    expect(() => inclusionProof(leavesOf(3), -1)).toThrow(RangeError);
    expect(() => inclusionProof(leavesOf(3), 0.5)).toThrow(RangeError);
  });

  it('fail on every kind of tampering, for every leaf of every size 1..40', () => {
    const all = leavesOf(41);
    const roots = Array.from({ length: 42 }, (_, n) => merkleRoot(all.slice(0, n)));
    for (let n = 1; n <= 40; n++) {
      const root = roots[n] as Uint8Array;
      for (let i = 0; i < n; i++) {
        const leaf = all[i] as Uint8Array;
        const proof = inclusionProof(all.slice(0, n), i);
        const bad = (idx: number, size: number, lf: Uint8Array, p: readonly Uint8Array[], r: Uint8Array, what: string) =>
          expect(verifyInclusion(idx, size, lf, p, r), `${what}: leaf ${i}/${n}`).toBe(false);
        if (proof.length > 0) bad(i, n, leaf, proof.slice(0, -1), root, 'truncated');
        bad(i, n, leaf, [...proof, OTHER], root, 'extra hash at the end');
        bad(i, n, leaf, [OTHER, ...proof], root, 'extra hash at the front');
        bad(i, n, leaf, [...proof, root], root, 'root appended');
        if (proof.length > 1) bad(i, n, leaf, [...proof.slice(1), proof[0] as Uint8Array], root, 'rotated');
        proof.forEach((_, j) => bad(i, n, leaf, proof.map((p, x) => (x === j ? flipBit(p, (7 * j + i) % 256) : p)), root, `bit flip in ${j}`));
        bad(i, n, OTHER, proof, root, 'wrong leaf hash');
        bad(i, n, flipBit(leaf, 255), proof, root, 'flipped leaf hash');
        for (const j of [i - 1, i + 1, i ^ 2]) if (j >= 0 && j !== i) bad(j, n, leaf, proof, root, `index ${j}`);
        // A size travels with its own root (both are in a signed checkpoint): claim the honest root of the other size.
        bad(i, n + 1, leaf, proof, roots[n + 1] as Uint8Array, 'size + 1');
        bad(i, n - 1, leaf, proof, roots[n - 1] as Uint8Array, 'size - 1');
        // Same root, different height: the proof cannot consume the claimed size.
        bad(i, 2 * n, leaf, proof, root, 'size × 2');
        bad(i, 4 * n, leaf, proof, root, 'size × 4');
        bad(i, n, leaf, proof, OTHER, 'wrong root');
        bad(i, n, leaf, proof, flipBit(root, i), 'flipped root');
      }
    }
  });

  it('reject hostile parameters without throwing', () => {
    const leaves = leavesOf(5);
    const root = merkleRoot(leaves);
    const proof = inclusionProof(leaves, 1);
    const leaf = leaves[1] as Uint8Array;
    const short = (b: Uint8Array) => b.subarray(0, 31);
    const cases: [number, number, Uint8Array, readonly Uint8Array[], Uint8Array][] = [
      [-1, 5, leaf, proof, root],
      [1.5, 5, leaf, proof, root],
      [1, 5.5, leaf, proof, root],
      [1, -5, leaf, proof, root],
      [Number.NaN, 5, leaf, proof, root],
      [1, Number.POSITIVE_INFINITY, leaf, proof, root],
      [1, 2 ** 60, leaf, proof, root],
      [5, 5, leaf, proof, root],
      [0, 0, leaf, [], root],
      [1, 5, short(leaf), proof, root],
      [1, 5, leaf, proof, short(root)],
      [1, 5, leaf, [short(proof[0] as Uint8Array), ...proof.slice(1)], root],
      [1, 5, leaf, [...proof, new Uint8Array(0)], root],
      [1, 5, leaf, 'not a proof' as unknown as Uint8Array[], root],
      [1, 5, leaf, [null, ...proof.slice(1)] as unknown as Uint8Array[], root],
      [1, 5, 'leaf' as unknown as Uint8Array, proof, root],
    ];
    for (const [index, size, lf, p, r] of cases) expect(verifyInclusion(index, size, lf, p, r), `${index}/${size}`).toBe(false);
    expect(verifyInclusion(0, 1, leaf, [], leaf)).toBe(true);
  });
});

describe('consistency proofs (RFC 6962 §2.1.2, RFC 9162 §2.1.4.2)', () => {
  const all = leavesOf(41 * 4);
  const roots = Array.from({ length: 41 * 4 + 1 }, (_, n) => merkleRoot(all.slice(0, n)));

  it('are the RFC proofs and verify, for every pair 0 <= m <= n <= 40', () => {
    for (let n = 0; n <= 40; n++) {
      const leaves = all.slice(0, n);
      for (let m = 0; m <= n; m++) {
        const proof = consistencyProof(leaves, m);
        expect(hexes(proof), `proof ${m}→${n}`).toEqual(m === 0 ? [] : hexes(refSubproof(m, leaves, true)));
        expect(verifyConsistency(m, n, roots[m] as Uint8Array, roots[n] as Uint8Array, proof), `${m}→${n}`).toBe(true);
      }
    }
  });

  it('refuse to generate for a first size outside 0..n', () => {
    expect(() => consistencyProof(leavesOf(3), 4)).toThrow(RangeError);
    expect(() => consistencyProof(leavesOf(3), -1)).toThrow(RangeError);
    expect(() => consistencyProof(leavesOf(3), 1.5)).toThrow(RangeError);
  });

  it('fail on every kind of tampering, for every pair 1 <= m < n <= 40', () => {
    for (let n = 2; n <= 40; n++) {
      for (let m = 1; m < n; m++) {
        const [r1, r2] = [roots[m] as Uint8Array, roots[n] as Uint8Array];
        const proof = consistencyProof(all.slice(0, n), m);
        const bad = (fs: number, ss: number, a: Uint8Array, b: Uint8Array, p: readonly Uint8Array[], what: string) =>
          expect(verifyConsistency(fs, ss, a, b, p), `${what}: ${m}→${n}`).toBe(false);
        bad(m, n, OTHER, r2, proof, 'wrong first root');
        bad(m, n, flipBit(r1, m), r2, proof, 'flipped first root');
        bad(m, n, r1, OTHER, proof, 'wrong second root');
        bad(m, n, r2, r1, proof, 'swapped roots');
        bad(n, m, r1, r2, proof, 'swapped sizes');
        bad(n, m, r2, r1, proof, 'swapped sizes and roots');
        bad(m - 1, n, roots[m - 1] as Uint8Array, r2, proof, 'first size - 1');
        bad(m + 1, n, roots[m + 1] as Uint8Array, r2, proof, 'first size + 1');
        // The proof for (m, n) presented for another second size, with that size's honest root ...
        bad(m, n + 1, r1, roots[n + 1] as Uint8Array, proof, 'second size + 1');
        bad(m, n - 1, r1, roots[n - 1] as Uint8Array, proof, 'second size - 1');
        // ... or with the same root but a taller tree: the hash-tree 0.1.1 bug (sn never consumed).
        bad(m, 2 * n, r1, r2, proof, 'second size × 2');
        bad(m, 4 * n, r1, r2, proof, 'second size × 4');
        bad(m, n, r1, r2, [], 'empty proof');
        bad(m, n, r1, r2, proof.slice(0, -1), 'truncated');
        bad(m, n, r1, r2, proof.slice(1), 'first element dropped');
        for (const extra of [OTHER, r1, r2, proof[0] as Uint8Array]) {
          bad(m, n, r1, r2, [...proof, extra], 'extra hash at the end');
          bad(m, n, r1, r2, [extra, ...proof], 'extra hash at the front');
        }
        if (proof.length > 1) bad(m, n, r1, r2, [...proof].reverse(), 'reversed');
        proof.forEach((_, j) => bad(m, n, r1, r2, proof.map((p, x) => (x === j ? flipBit(p, (5 * j + m) % 256) : p)), `bit flip in ${j}`));
        bad(m, n, r1, r2, [(proof[0] as Uint8Array).subarray(0, 31), ...proof.slice(1)], '31-byte element');
      }
    }
  });

  it('handle the edge cases: equal sizes, an empty first tree, hostile input', () => {
    const [r0, r3, r5] = [roots[0], roots[3], roots[5]] as [Uint8Array, Uint8Array, Uint8Array];
    const p35 = consistencyProof(all.slice(0, 5), 3);
    expect(verifyConsistency(5, 5, r5, r5, [])).toBe(true);
    expect(verifyConsistency(5, 5, r5, r5, [r5])).toBe(false);
    expect(verifyConsistency(5, 5, r5, r3, [])).toBe(false);
    expect(verifyConsistency(0, 0, r0, r0, [])).toBe(true);
    expect(verifyConsistency(0, 0, OTHER, OTHER, [])).toBe(false);
    expect(verifyConsistency(0, 5, r0, r5, [])).toBe(true);
    expect(verifyConsistency(0, 5, r0, r5, [r5])).toBe(false);
    expect(verifyConsistency(0, 5, OTHER, r5, [])).toBe(false);
    expect(verifyConsistency(5, 0, r5, r0, [])).toBe(false);
    expect(verifyConsistency(3, 5, r3, r5, p35)).toBe(true);
    const hostile: [number, number, Uint8Array, Uint8Array, readonly Uint8Array[]][] = [
      [-3, 5, r3, r5, p35],
      [3, -5, r3, r5, p35],
      [2.5, 5, r3, r5, p35],
      [3, 5.5, r3, r5, p35],
      [Number.NaN, 5, r3, r5, p35],
      [3, Number.POSITIVE_INFINITY, r3, r5, p35],
      [3, 5, r3.subarray(0, 31), r5, p35],
      [3, 5, r3, r5.subarray(0, 31), p35],
      [3, 5, r3, r5, p35.map((p) => p.subarray(0, 31))],
      [3, 5, r3, r5, 'nope' as unknown as Uint8Array[]],
      [3, 5, r3, r5, [undefined, ...p35] as unknown as Uint8Array[]],
    ];
    for (const [m, n, a, b, p] of hostile) expect(verifyConsistency(m, n, a, b, p), `${m}→${n}`).toBe(false);
  });
});

describe('MerkleAccumulator', () => {
  it('gives the same root as merkleRoot at every size, and keeps growing after a root is read', () => {
    const leaves = Array.from({ length: 40 }, (_, i) => hashLeaf(Buffer.from(`leaf ${i}`)));
    const tree = new MerkleAccumulator();
    expect(Buffer.from(tree.root())).toEqual(Buffer.from(merkleRoot([])));
    leaves.forEach((leaf, i) => {
      tree.add(leaf);
      expect(Buffer.from(tree.root())).toEqual(Buffer.from(merkleRoot(leaves.slice(0, i + 1))));
    });
    expect(tree.size).toBe(40);
  });
});
