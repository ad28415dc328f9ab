import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { MerkleAccumulator, hashLeaf } from '../audit/merkle.js';
import { VerificationError, WeerbaarError } from '../shared/errors.js';
import type { EntryType, TreeEntry } from './file-tree-scan.js';

/**
 * A manifest of a file tree (issue 7 §1): one JSON line per entry, in the scanner's order, after a
 * header line. Every entry is a Merkle leaf (RFC 6962, audit/merkle.ts) whose bytes are exactly its
 * line — canonical JSON with a fixed key order — so no field can change without changing the root
 * (the "unhashed fields" failure of verification code), and the file alone reproduces the root a
 * signed checkpoint vouches for. Written and read as streams: a million entries never sit in memory.
 */

export const MANIFEST_FORMAT = 'weerbaar-manifest/1';

export interface ManifestHeader {
  readonly format: typeof MANIFEST_FORMAT;
  readonly kind: 'files';
  readonly name: string;
  /** What was scanned, as given (an absolute path). */
  readonly source: string;
  readonly created: string;
}

const CHUNK_CHARS = 256 * 1024;
const TYPES: ReadonlySet<string> = new Set<EntryType>(['file', 'directory', 'symlink', 'other']);

/** The entry's line: keys in a fixed order, nothing else. */
export function entryLine(e: TreeEntry): string {
  return JSON.stringify({ path: e.path, type: e.type, size: e.size, mode: e.mode, owner: e.owner, mtime: e.mtime, sha256: e.sha256, target: e.target, error: e.error });
}

export interface ManifestSummary {
  readonly size: number;
  readonly root: Uint8Array;
  readonly files: number;
  readonly bytes: number;
  readonly errors: number;
}

/** Streams the entries into `file` (header first) and returns the Merkle root over their lines. */
export async function writeManifest(file: string, header: ManifestHeader, entries: AsyncIterable<TreeEntry>): Promise<ManifestSummary> {
  const out = createWriteStream(file, { flags: 'wx', mode: 0o400 });
  const tree = new MerkleAccumulator();
  let files = 0;
  let bytes = 0;
  let errors = 0;
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  try {
    // Lines are written in chunks: one stream write per entry costs more than hashing its leaf.
    let chunk = `${JSON.stringify(header)}\n`;
    for await (const e of entries) {
      const line = entryLine(e);
      tree.add(hashLeaf(Buffer.from(line, 'utf8')));
      if (e.type === 'file') files++;
      bytes += e.size ?? 0;
      if (e.error !== null) errors++;
      chunk += `${line}\n`;
      if (chunk.length >= CHUNK_CHARS) {
        await write(chunk);
        chunk = '';
      }
    }
    if (chunk !== '') await write(chunk);
  } finally {
    out.end();
    await once(out, 'close');
  }
  return { size: tree.size, root: tree.root(), files, bytes, errors };
}

/** The lines of a manifest file, numbered from 1; an unreadable file is NOT_FOUND, an empty one tampered. Shared by both kinds. */
export async function* manifestLines(file: string): AsyncGenerator<{ line: number; text: string }> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const text of lines) yield { line: ++n, text };
  } catch (error) {
    if (error instanceof WeerbaarError) throw error;
    throw new WeerbaarError('NOT_FOUND', `${file}: the manifest cannot be read (${(error as Error).message})`, { cause: error });
  } finally {
    lines.close();
  }
  if (n === 0) throw new VerificationError(`${file}: the manifest is empty (no header)`);
}

/** The header and then every entry with its leaf hash, checked line by line; a malformed line is a tampered manifest. */
export async function* readManifest(file: string): AsyncGenerator<{ header: ManifestHeader } | { entry: TreeEntry; leaf: Uint8Array; line: number }> {
  for await (const { line, text } of manifestLines(file)) {
    if (line === 1) yield { header: parseHeader(file, text) };
    else yield { entry: parseEntry(file, line, text), leaf: hashLeaf(Buffer.from(text, 'utf8')), line };
  }
}

function parseHeader(file: string, text: string): ManifestHeader {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new VerificationError(`${file}:1: the manifest header is not JSON`);
  }
  const h = value as Partial<ManifestHeader>;
  if (h?.format !== MANIFEST_FORMAT || h.kind !== 'files' || typeof h.name !== 'string' || typeof h.source !== 'string' || typeof h.created !== 'string') {
    throw new VerificationError(`${file}:1: not a ${MANIFEST_FORMAT} header`);
  }
  return h as ManifestHeader;
}

/** An entry line is valid only in the exact form entryLine writes: anything else was not written by us. */
function parseEntry(file: string, line: number, text: string): TreeEntry {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new VerificationError(`${file}:${line}: not a JSON entry`);
  }
  const e = value as TreeEntry;
  const ok =
    typeof e === 'object' &&
    e !== null &&
    typeof e.path === 'string' &&
    TYPES.has(e.type) &&
    (e.size === null || Number.isSafeInteger(e.size)) &&
    Number.isInteger(e.mode) &&
    typeof e.owner === 'string' &&
    typeof e.mtime === 'string' &&
    (e.sha256 === null || /^[0-9a-f]{64}$/.test(e.sha256)) &&
    (e.target === null || typeof e.target === 'string') &&
    (e.error === null || typeof e.error === 'string') &&
    entryLine(e) === text;
  if (!ok) throw new VerificationError(`${file}:${line}: the entry is not in the form a manifest writes`);
  return e;
}
