import type { IocType } from '../detection/ioc-model.js';
import type { AhoCorasick } from './aho-corasick.js';
import { hexSafe } from './artefact-model.js';

/**
 * The byte-level half of the IOC sweep (R17): per-file streaming state over the compiled
 * automata — the retained window (context + longest pattern), hits waiting for their
 * after-context, boundary checks, line counting and excerpts. Kept apart from the rule so the
 * rule file reads as "which IOCs, which findings" and this one as "how bytes are scanned".
 */

const MAX_MATCH_CHARS = 1024;
/** A file is text (lines are counted) when its first bytes hold no NUL. */
const TEXT_PROBE_BYTES = 8192;

export type Boundary = 'ipv4' | 'ipv6' | 'hex' | 'domain' | 'wildcard-domain' | 'email' | 'none';

const isDigit = (b: number | undefined): boolean => b !== undefined && b >= 0x30 && b <= 0x39;
const isHex = (b: number | undefined): boolean => b !== undefined && (isDigit(b) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x66));
const isLabel = (b: number | undefined): boolean => b !== undefined && (isDigit(b) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a) || b === 0x2d || b === 0x5f);
const isLocalPart = (b: number | undefined): boolean => isLabel(b) || b === 0x2e || b === 0x25 || b === 0x2b;

/** Whether the bytes around an occurrence make it a whole value (198.51.100.2 is not in 198.51.100.23). */
export function onBoundary(kind: Boundary, before: number | undefined, after: number | undefined, after2: number | undefined): boolean {
  switch (kind) {
    case 'none':
      return true;
    case 'ipv4':
      return !isDigit(before) && before !== 0x2e && !isDigit(after) && !(after === 0x2e && isDigit(after2));
    case 'ipv6':
      return !isHex(before) && before !== 0x3a && before !== 0x2e && !isHex(after) && !(after === 0x3a && (isHex(after2) || after2 === 0x3a)) && !(after === 0x2e && isDigit(after2));
    case 'hex':
      return !isHex(before) && !isHex(after);
    case 'domain':
      return !isLabel(before) && !isLabel(after) && !(after === 0x2e && isLabel(after2));
    case 'wildcard-domain':
      return isLabel(before) && !isLabel(after) && !(after === 0x2e && isLabel(after2));
    case 'email':
      return !isLocalPart(before) && !isLabel(after) && !(after === 0x2e && isLabel(after2));
  }
}

export interface Target {
  readonly ioc: number;
  readonly boundary: Boundary;
}

/** The IOCs compiled into two automata; `targets[automaton][pattern]` lists the IOCs sharing those bytes. */
export interface CompiledIocs {
  readonly automata: readonly AhoCorasick[];
  readonly targets: readonly (readonly Target[])[][];
  readonly sha256: ReadonlyMap<string, number[]>;
  readonly notSwept: ReadonlyMap<IocType, number>;
}

interface Reported {
  readonly offset: number;
  readonly line: number | null;
  readonly excerpt: string;
}

/** Per-file sweep state: the retained window, hits waiting for their after-context, and counts. */
export class FileSweep {
  private window: Buffer = Buffer.alloc(0);
  private windowStart = 0;
  private states: number[];
  private pending: { start: number; end: number; targets: readonly Target[] }[] = [];
  private isText: boolean | null = null;
  private cursor = 0;
  private cursorLine = 1;
  readonly counts = new Map<number, number>();
  readonly reported = new Map<number, Reported[]>();

  constructor(
    private readonly compiled: CompiledIocs,
    private readonly context: number,
    private readonly perSide: number,
    private readonly limit: number,
  ) {
    this.states = compiled.automata.map((a) => a.start());
  }

  feed(chunk: Buffer): void {
    if (this.isText === null) this.isText = !chunk.subarray(0, TEXT_PROBE_BYTES).includes(0);
    const base = this.windowStart + this.window.length;
    this.window = this.window.length === 0 ? chunk : Buffer.concat([this.window, chunk]);
    this.compiled.automata.forEach((automaton, a) => {
      const targets = this.compiled.targets[a] as (readonly Target[])[];
      this.states[a] = automaton.feed(this.states[a] as number, chunk, base, (pattern, end) => {
        this.pending.push({ start: end - automaton.lengthOf(pattern), end, targets: targets[pattern] as readonly Target[] });
      });
    });
    this.settle(false);
  }

  finish(): void {
    this.settle(true);
  }

  /** Decides every hit whose after-context (and boundary bytes) is in the window, then trims the window. */
  private settle(atEnd: boolean): void {
    const windowEnd = this.windowStart + this.window.length;
    const lookahead = Math.max(this.context, 2);
    const waiting: typeof this.pending = [];
    for (const hit of this.pending) {
      if (!atEnd && hit.end + lookahead > windowEnd) waiting.push(hit);
      else this.decide(hit);
    }
    this.pending = waiting;
    const longest = Math.max(0, ...this.compiled.automata.map((a) => a.maxPatternLength));
    let keepFrom = windowEnd - (this.context + longest + 2);
    for (const hit of waiting) keepFrom = Math.min(keepFrom, hit.start - this.context - 1);
    keepFrom = Math.max(keepFrom, this.windowStart);
    if (keepFrom > this.windowStart) {
      if (this.cursor < keepFrom) this.moveCursor(keepFrom);
      // Copy, so the retained tail does not pin the whole (possibly large) chunk in memory.
      this.window = Buffer.from(this.window.subarray(keepFrom - this.windowStart));
      this.windowStart = keepFrom;
    }
  }

  private byteAt(offset: number): number | undefined {
    return offset < this.windowStart ? undefined : this.window[offset - this.windowStart];
  }

  private decide(hit: { start: number; end: number; targets: readonly Target[] }): void {
    const before = this.byteAt(hit.start - 1);
    const after = this.byteAt(hit.end);
    const after2 = this.byteAt(hit.end + 1);
    for (const target of hit.targets) {
      if (!onBoundary(target.boundary, before, after, after2)) continue;
      const count = (this.counts.get(target.ioc) ?? 0) + 1;
      this.counts.set(target.ioc, count);
      if (count > this.limit) continue;
      const list = this.reported.get(target.ioc) ?? [];
      list.push({ offset: hit.start, line: this.isText ? this.lineOf(hit.start) : null, excerpt: this.excerpt(hit.start, hit.end) });
      this.reported.set(target.ioc, list);
    }
  }

  private moveCursor(to: number): void {
    const from = Math.min(this.cursor, to);
    const until = Math.max(this.cursor, to);
    let newlines = 0;
    const slice = this.window.subarray(from - this.windowStart, until - this.windowStart);
    for (let i = slice.indexOf(0x0a); i >= 0; i = slice.indexOf(0x0a, i + 1)) newlines += 1;
    this.cursorLine += to >= this.cursor ? newlines : -newlines;
    this.cursor = to;
  }

  private lineOf(offset: number): number {
    this.moveCursor(offset);
    return this.cursorLine;
  }

  /** Context, escaped, within the per-side character budget; the hit itself between « and » (never produced by hexSafe). */
  private excerpt(start: number, end: number): string {
    const cost = (b: number): number => (b >= 0x20 && b < 0x7f ? (b === 0x5c ? 2 : 1) : 4);
    let from = start;
    for (let used = 0; from > Math.max(this.windowStart, start - this.context); from -= 1) {
      used += cost(this.byteAt(from - 1) as number);
      if (used > this.perSide) break;
    }
    const windowEnd = this.windowStart + this.window.length;
    let to = end;
    for (let used = 0; to < Math.min(windowEnd, end + this.context); to += 1) {
      used += cost(this.byteAt(to) as number);
      if (used > this.perSide) break;
    }
    const at = (a: number, b: number): Buffer => this.window.subarray(a - this.windowStart, b - this.windowStart);
    const match = hexSafe(at(start, end));
    const shown = match.length > MAX_MATCH_CHARS ? `${match.slice(0, MAX_MATCH_CHARS)}…` : match;
    return `${hexSafe(at(from, start))}«${shown}»${hexSafe(at(end, to))}`;
  }
}

