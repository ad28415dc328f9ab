/**
 * Byte-level Aho–Corasick automaton for the IOC sweep (R17): one pass over the bytes finds every
 * occurrence of every pattern, whatever the number of patterns (100,000 IOCs cost the same scan as
 * ten). Written here rather than taken from npm because no maintained package searches *bytes*
 * (Buffers, not UTF-16 strings) for many patterns with offsets while carrying its state across
 * chunks — which the sweep needs to stream gigabyte core dumps without overlap bookkeeping.
 *
 * The trie lives in flat typed arrays (first-child / next-sibling lists) so a few million nodes
 * stay a few tens of MB; the root has a dense 256-entry table because almost every byte starts
 * there. Matching is ASCII-case-insensitive when the automaton is built so (the input byte and
 * the pattern bytes are folded A–Z → a–z), else exact.
 */

export interface AhoCorasickOptions {
  readonly caseInsensitive?: boolean;
}

/** Called for every occurrence: the pattern's index and the absolute offset just past its last byte. */
export type MatchHandler = (pattern: number, end: number) => void;

const NONE = -1;

const fold = (b: number): number => (b >= 0x41 && b <= 0x5a ? b | 0x20 : b);

export class AhoCorasick {
  readonly patternCount: number;
  readonly maxPatternLength: number;
  readonly caseInsensitive: boolean;
  private readonly lengths: Int32Array;
  private readonly label: Uint8Array;
  private readonly firstChild: Int32Array;
  private readonly nextSibling: Int32Array;
  private readonly fail: Int32Array;
  /** First pattern ending at the node, or NONE. */
  private readonly output: Int32Array;
  /** Further patterns with the same bytes as a pattern (duplicates share one node). */
  private readonly samePattern: Int32Array;
  /** Nearest proper suffix node (via failure links) that ends a pattern; 0 = none. */
  private readonly dictLink: Int32Array;
  private readonly rootNext = new Int32Array(256).fill(NONE);

  constructor(patterns: readonly Uint8Array[], options: AhoCorasickOptions = {}) {
    this.caseInsensitive = options.caseInsensitive ?? false;
    this.patternCount = patterns.length;
    this.lengths = new Int32Array(patterns.length);
    let total = 1;
    let longest = 0;
    patterns.forEach((p, i) => {
      if (p.length === 0) throw new RangeError(`pattern ${i} is empty`);
      this.lengths[i] = p.length;
      total += p.length;
      longest = Math.max(longest, p.length);
    });
    this.maxPatternLength = longest;
    // Upper bound on nodes: one per pattern byte plus the root.
    this.label = new Uint8Array(total);
    this.firstChild = new Int32Array(total).fill(NONE);
    this.nextSibling = new Int32Array(total).fill(NONE);
    this.fail = new Int32Array(total);
    this.output = new Int32Array(total).fill(NONE);
    this.samePattern = new Int32Array(patterns.length).fill(NONE);
    this.dictLink = new Int32Array(total);
    const nodes = this.insertAll(patterns);
    this.linkFailures(nodes);
  }

  /** The state before any byte. */
  start(): number {
    return 0;
  }

  /** The byte length of a pattern. */
  lengthOf(pattern: number): number {
    return this.lengths[pattern] ?? 0;
  }

  /**
   * Feeds `bytes`, which begin at absolute offset `base`, from `state`; reports matches in order of
   * their end offset and returns the state to pass with the next chunk.
   */
  feed(state: number, bytes: Uint8Array, base: number, onMatch: MatchHandler): number {
    let s = state;
    const ci = this.caseInsensitive;
    for (let i = 0; i < bytes.length; i += 1) {
      const c = ci ? fold(bytes[i] as number) : (bytes[i] as number);
      for (;;) {
        const next = this.child(s, c);
        if (next !== NONE) {
          s = next;
          break;
        }
        if (s === 0) break;
        s = this.fail[s] as number;
      }
      let o = (this.output[s] as number) !== NONE ? s : (this.dictLink[s] as number);
      while (o !== 0) {
        for (let p = this.output[o] as number; p !== NONE; p = this.samePattern[p] as number) onMatch(p, base + i + 1);
        o = this.dictLink[o] as number;
      }
    }
    return s;
  }

  private child(node: number, c: number): number {
    if (node === 0) return this.rootNext[c] as number;
    for (let k = this.firstChild[node] as number; k !== NONE; k = this.nextSibling[k] as number) if (this.label[k] === c) return k;
    return NONE;
  }

  private insertAll(patterns: readonly Uint8Array[]): number {
    let count = 1;
    patterns.forEach((pattern, index) => {
      let node = 0;
      for (const raw of pattern) {
        const c = this.caseInsensitive ? fold(raw) : raw;
        let next = this.child(node, c);
        if (next === NONE) {
          next = count;
          count += 1;
          this.label[next] = c;
          if (node === 0) this.rootNext[c] = next;
          else {
            this.nextSibling[next] = this.firstChild[node] as number;
            this.firstChild[node] = next;
          }
        }
        node = next;
      }
      const first = this.output[node] as number;
      if (first === NONE) this.output[node] = index;
      else {
        // Keep the duplicate chain in input order.
        let last = first;
        while ((this.samePattern[last] as number) !== NONE) last = this.samePattern[last] as number;
        this.samePattern[last] = index;
      }
    });
    return count;
  }

  /** Breadth-first: a node's failure link is the longest proper suffix of its path that is also a trie path. */
  private linkFailures(nodeCount: number): void {
    const queue = new Int32Array(nodeCount);
    let head = 0;
    let tail = 0;
    for (let c = 0; c < 256; c += 1) {
      const n = this.rootNext[c] as number;
      if (n !== NONE) {
        this.fail[n] = 0;
        queue[tail++] = n;
      }
    }
    while (head < tail) {
      const u = queue[head++] as number;
      for (let v = this.firstChild[u] as number; v !== NONE; v = this.nextSibling[v] as number) {
        const c = this.label[v] as number;
        let f = this.fail[u] as number;
        let target = this.child(f, c);
        while (target === NONE && f !== 0) {
          f = this.fail[f] as number;
          target = this.child(f, c);
        }
        const failTo = target === NONE ? 0 : target;
        this.fail[v] = failTo;
        this.dictLink[v] = (this.output[failTo] as number) !== NONE ? failTo : (this.dictLink[failTo] as number);
        queue[tail++] = v;
      }
    }
  }
}
