import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { hexSafe, type ArtefactFile } from './artefact-model.js';

/**
 * Bounded content access for the host-artefact rules R12–R20. Files in a collection can be
 * gigabytes (cores, pcaps, archives) and are hostile, so rules never read a whole file: they read
 * a prefix through `stream()` (`readHead`, `readForScan`, `readLatin1`) or stream it in bounded
 * chunks (`openContent`, transparently gunzipped when the content is gzip — NSPPE cores and log
 * rotations are `.gz` on the appliance, and an IOC inside compressed bytes would never match).
 * Text is latin1 (one char per byte, so string indexes are byte offsets); the helpers below turn a
 * hit offset into a line and a hex-safe excerpt. Finding construction lives in triage-finding.ts.
 */

export const GZIP_MAGIC = [0x1f, 0x8b] as const;

/** Content rules regex over at most this much of a file; beyond it they report 'too large to scan fully'. */
export const SCAN_LIMIT = 16 * 1024 * 1024;

/** Bytes of excerpt kept around a hit (the finding stays small and printable). */
const EXCERPT_BEFORE = 60;
const EXCERPT_AFTER = 140;

// ——— paths ———

export const basenameOf = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

/** Lower-case extension with its dot (`.php`), or '' when the basename has none (dot-files have none). */
export function extensionOf(path: string): string {
  const base = basenameOf(path);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot).toLowerCase() : '';
}

/** A path under one of the folder prefixes (each ending in `/`). */
export const under = (path: string, roots: readonly string[]): boolean => roots.some((root) => path.startsWith(root));

// ——— reading ———

export interface OpenedContent {
  /** Chunks of at most `chunkSize` bytes, in order. */
  readonly chunks: AsyncIterable<Buffer>;
  /** True when the bytes are the gunzipped content (offsets then refer to it). */
  readonly gunzipped: boolean;
}

/** Splits every incoming buffer into pieces of at most `size` bytes (views, not copies). */
async function* rechunk(source: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    for (let at = 0; at < chunk.length; at += size) yield chunk.subarray(at, Math.min(chunk.length, at + size));
  }
}

/**
 * The content of `file` as chunks; null for metadata-only entries. With `gunzip`, content that
 * starts with the gzip magic is decompressed on the fly; a corrupt stream surfaces as an error
 * thrown from the iteration, so the caller can say how far it got.
 */
export async function openContent(file: ArtefactFile, options: { chunkSize: number; gunzip: boolean }): Promise<OpenedContent | null> {
  const source = file.stream();
  if (!source) return null;
  const iterator = source[Symbol.asyncIterator]();
  // Peek until two bytes are known: the first chunk of a stream may be a single byte.
  const head: Buffer[] = [];
  let headLength = 0;
  let done = false;
  while (headLength < 2) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    head.push(next.value);
    headLength += next.value.length;
  }
  const first = Buffer.concat(head, headLength);
  const rest = async function* (): AsyncGenerator<Buffer> {
    if (first.length > 0) yield first;
    if (done) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  };
  const isGzip = options.gunzip && first[0] === GZIP_MAGIC[0] && first[1] === GZIP_MAGIC[1];
  if (!isGzip) return { chunks: rechunk(rest(), options.chunkSize), gunzipped: false };
  const input = Readable.from(rest());
  const gunzip = createGunzip();
  input.on('error', (error) => gunzip.destroy(error));
  input.pipe(gunzip);
  return { chunks: rechunk(gunzip as AsyncIterable<Buffer>, options.chunkSize), gunzipped: true };
}

/** Chunks concatenated until at least `min` bytes (or the end); the result may be longer than `min`. */
async function collect(chunks: AsyncIterable<Buffer>, min: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let length = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    length += chunk.length;
    // Leaving the loop early closes the stream, so a GB file costs only the prefix.
    if (length >= min) break;
  }
  return Buffer.concat(parts, length);
}

/** The first `max` bytes of a file (fewer when it is shorter); null for metadata-only entries. */
export async function readHead(file: ArtefactFile, max: number): Promise<Buffer | null> {
  const chunks = file.stream();
  if (!chunks) return null;
  const all = await collect(chunks, max);
  return all.length > max ? all.subarray(0, max) : all;
}

export interface ScannedContent {
  readonly bytes: Buffer;
  /** `bytes` decoded as latin1: byte-preserving, so `text.length === bytes.length`. */
  readonly text: string;
  /** True when the file is longer than SCAN_LIMIT and only the prefix is here. */
  readonly truncated: boolean;
}

/** Up to SCAN_LIMIT bytes of content for regex rules; null for metadata-only entries. */
export async function readForScan(file: ArtefactFile, limit = SCAN_LIMIT): Promise<ScannedContent | null> {
  const head = await readHead(file, limit + 1);
  if (!head) return null;
  const truncated = head.length > limit || file.size > limit;
  const bytes = head.length > limit ? head.subarray(0, limit) : head;
  return { bytes, text: bytes.toString('latin1'), truncated };
}

/** A whole (small) text file as latin1 — one char per byte, so string indexes are byte offsets. */
export async function readLatin1(file: ArtefactFile, maxBytes: number, gunzip = false): Promise<{ text: string; truncated: boolean } | null> {
  const opened = await openContent(file, { chunkSize: 1 << 20, gunzip });
  if (!opened) return null;
  const bytes = await collect(opened.chunks, maxBytes + 1);
  return { text: bytes.subarray(0, maxBytes).toString('latin1'), truncated: bytes.length > maxBytes };
}

// ——— lines ———

/** 1-based line of a byte offset (counts newlines before it); for one lookup, without building `lineStarts`. */
export function lineOf(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < bytes.length; i += 1) if (bytes[i] === 0x0a) line += 1;
  return line;
}

/** Start offsets of the lines of `text`, for turning many match indexes into 1-based lines. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** 1-based line containing `index` (binary search over `lineStarts`). */
export function lineAt(starts: readonly number[], index: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] as number) <= index) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/** The text of 1-based `line`, without its newline (and without a trailing CR). */
export function lineText(text: string, starts: readonly number[], line: number): string {
  const from = starts[line - 1] ?? text.length;
  const next = starts[line];
  return text.slice(from, next === undefined ? text.length : next - 1).replace(/\r$/, '');
}

// ——— excerpts ———

/** Latin1 text (one char per byte) as hex-safe text: printable ASCII kept, everything else `\xNN`. */
export const hexSafeText = (text: string): string => hexSafe(Buffer.from(text, 'latin1'));

/** At most ~200 bytes around a hit, hex-escaped outside printable ASCII. */
export function excerptAt(bytes: Uint8Array, offset: number): string {
  return hexSafe(bytes.subarray(Math.max(0, offset - EXCERPT_BEFORE), Math.min(bytes.length, offset + EXCERPT_AFTER)));
}

/** `text` cut to `max` characters around `index` (a long minified line stays a readable excerpt). */
export function around(text: string, index: number, max: number): string {
  if (text.length <= max) return text;
  const from = Math.max(0, Math.min(index - Math.floor(max / 3), text.length - max));
  return `${from > 0 ? '…' : ''}${text.slice(from, from + max)}${from + max < text.length ? '…' : ''}`;
}
