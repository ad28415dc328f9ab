import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, crc32 } from 'node:zlib';
import tar from 'tar-stream';
import yauzl from 'yauzl';
import { WeerbaarError } from '../shared/errors.js';
import { describeFsError } from '../shared/text-input.js';
import { type EntryType, type TreeEntry, comparePaths } from './file-tree-scan.js';

/**
 * The archive side of backup assurance: a backup set that is one tar, tar.gz/tgz or zip file is
 * listed (structure intact?), its members read and hashed (data readable, and comparable with a
 * signed manifest) and extracted (restorable). The caller decides what each result proves.
 *
 * Contract, in short:
 * - A damaged archive never throws: every defect is an ArchiveProblem whose `reason` is a whole
 *   sentence naming the archive, the member and the offset. Only an archive that cannot be opened
 *   throws (NOT_FOUND), and extractArchive refuses a target folder that is not empty (USAGE).
 * - Member data is streamed, never held in memory, and never hashed or restored when it could not
 *   be read to its end (a truncated member, a zip CRC-32 mismatch).
 * - All three operations share one walk per format, so they agree on member paths, duplicates
 *   (the later copy wins, as tar extracts them) and unsafe paths.
 */

export type ArchiveKind = 'tar' | 'tar.gz' | 'zip';

/**
 * A member as a tree entry is recorded (file-tree-scan.ts), without the content hash: `path` is
 * relative, POSIX '/', no leading './' or trailing '/' (unsafe paths — absolute, '..' — kept as
 * stored, with a problem); hard links, devices and FIFOs are 'other'; `mode` & 0o7777, zips without
 * a unix mode get 0o644 (files) or 0o755 (directories) as unzip restores them; `owner` for zip from
 * the Info-ZIP unix extra field (0x7875) when present, else ''; `mtime` '' when the archive stores
 * no valid time. `stamp`: folders only (backup-folder.ts) — size, mtime, ctime and inode, what
 * changes when the content does, without reading it.
 */
export type ArchiveMember = Omit<TreeEntry, 'sha256' | 'error'> & { readonly stamp?: string };

/**
 * `offset`: bytes from the start of the archive file; for tar.gz, of the decompressed tar stream,
 * except for gzip errors (compressed bytes consumed). A tar member's offset is its first header
 * block (a pax or GNU long-name header when there is one); a zip member's, its local header.
 */
export interface ArchiveProblem { readonly member: string | null; readonly offset: number | null; readonly reason: string }

export interface ArchiveListing {
  readonly kind: ArchiveKind;
  readonly archiveBytes: number;
  /** One per path (the later copy of a duplicate), sorted with comparePaths. */
  readonly members: readonly ArchiveMember[];
  /** Empty when the structure is intact. */
  readonly problems: readonly ArchiveProblem[];
  /** False when the walk stopped early (truncation, damaged header or directory): members after that point are unknown. */
  readonly complete: boolean;
}

export interface MemberRead { readonly path: string; readonly sha256: string | null; readonly bytesRead: number; readonly error: string | null }

export interface ReadOptions { readonly onProgress?: (progress: { members: number; bytes: number }) => void }


export function archiveKindOf(file: string): ArchiveKind | undefined {
  const name = file.toLowerCase();
  if (name.endsWith('.tar.gz') || name.endsWith('.tgz')) return 'tar.gz';
  if (name.endsWith('.tar')) return 'tar';
  return name.endsWith('.zip') ? 'zip' : undefined;
}

/** A member's data. A visitor that opens it must iterate it to its end: abandoning a tar member stops the whole walk. */
type Body = AsyncIterable<Buffer>;
export interface MemberData {
  open(): Promise<Body>;
  /** Records a problem about this member (at its offset). */
  problem(what: string): void;
}
type Visit = (member: ArchiveMember, data: MemberData) => Promise<void>;

/** A visitor's own failure (not the archive's), carried out of the walk and rethrown. */
class VisitFailed {
  constructor(readonly cause: unknown) {}
}

const END_OF_TAR = 1024;
const MAX_LINK_TARGET = 64 * 1024;
const PROGRESS_INTERVAL_MS = 250;

/** State of one walk over an archive: problems, completeness, and the checks every format shares. */
export class Walker {
  archiveBytes = 0;
  complete = true;
  readonly problems: ArchiveProblem[] = [];
  private readonly seen = new Set<string>();

  constructor(readonly file: string, private readonly visit: Visit) {}

  problem(member: string | null, offset: number | null, what: string): void {
    const where = `${member === null ? '' : ` member ${JSON.stringify(member)}`}${offset === null ? '' : ` at offset ${offset}`}`;
    this.problems.push(Object.freeze({ member, offset, reason: `${this.file}:${where}${where ? ':' : ''} ${what}` }));
  }

  stop(member: string | null, offset: number | null, what: string): void {
    this.complete = false;
    this.problem(member, offset, what);
  }

  async emit(member: ArchiveMember, offset: number, open: () => Promise<Body>): Promise<void> {
    if (this.seen.has(member.path)) this.problem(member.path, offset, 'appears more than once; this later copy replaces the earlier one (as tar extracts it)');
    this.seen.add(member.path);
    if (isUnsafe(member.path)) this.problem(member.path.replaceAll('\0', '\\0'), offset, 'unsafe path (absolute, with a ".." segment or a NUL): it is never restored');
    try {
      await this.visit(member, { open, problem: (what) => this.problem(member.path, offset, what) });
    } catch (error) {
      throw new VisitFailed(error);
    }
  }
}

/** Null for the archive root itself ('.', './'), which is not a member. */
function normalizePath(raw: string): string | null {
  const segments = raw.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.length === 0) return raw.startsWith('/') ? '/' : null;
  return (raw.startsWith('/') ? '/' : '') + segments.join('/');
}

export function isUnsafe(path: string): boolean {
  // NUL: no file system takes it, PostgreSQL refuses it in text, and it can cut a path short in C code.
  return path.startsWith('/') || path.split('/').includes('..') || path.includes('\0');
}

export function ancestors(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isoOrEmpty(date: Date | undefined): string {
  return date && !Number.isNaN(date.getTime()) ? date.toISOString() : '';
}

function cannotOpen(file: string, error: unknown): WeerbaarError {
  return new WeerbaarError('NOT_FOUND', `${file} cannot be opened: ${describeFsError(error)}`, { cause: error });
}

/** Size of the archive, which must be a regular file. Not opening is the only failure that throws: then there is nothing to judge. */
async function archiveSize(file: string): Promise<number> {
  const info = await stat(file).catch((error: unknown) => Promise.reject(cannotOpen(file, error)));
  if (!info.isFile()) throw new WeerbaarError('NOT_FOUND', `${file} cannot be opened: not a regular file`);
  return info.size;
}

export async function walkArchive(file: string, kind: ArchiveKind, visit: Visit): Promise<Walker> {
  const walker = new Walker(file, visit);
  if (kind === 'zip') await walkZip(walker);
  else await walkTar(walker, kind === 'tar.gz');
  return walker;
}

// ---- tar ----

type TarHeader = tar.Header & { byteOffset?: number; pax?: Record<string, string> | null };

function blocks(size: number): number {
  return Math.ceil(size / 512) * 512;
}

function tarMember(header: TarHeader): ArchiveMember | null {
  const path = normalizePath(header.name);
  if (path === null) return null;
  const type: EntryType = header.type === 'file' || header.type === 'contiguous-file' ? 'file' : header.type === 'directory' || header.type === 'symlink' ? header.type : 'other';
  // A pax mtime keeps sub-second precision (GNU tar --format=posix writes one).
  const paxTime = header.pax?.mtime ? Number(header.pax.mtime) : Number.NaN;
  return Object.freeze({
    path,
    type,
    size: type === 'file' ? header.size ?? 0 : null,
    mode: (header.mode ?? 0) & 0o7777,
    owner: `${header.uid ?? 0}:${header.gid ?? 0}`,
    mtime: isoOrEmpty(Number.isFinite(paxTime) ? new Date(paxTime * 1000) : header.mtime),
    target: type === 'symlink' ? header.linkname ?? '' : null,
  });
}

/**
 * tar-stream accepts an archive that ends cleanly after a member, without the two zero blocks
 * that end a tar: a backup cut at a member boundary would pass. So the bytes fed to it are counted
 * and the trailing run of zeros tracked; the walk is complete only when the last 1024 bytes are
 * zero and lie after the last member's data.
 */
async function walkTar(walker: Walker, gzip: boolean): Promise<void> {
  walker.archiveBytes = await archiveSize(walker.file);
  const handle = await open(walker.file, 'r').catch((error: unknown) => Promise.reject(cannotOpen(walker.file, error)));
  let total = 0;
  let zeroRun = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      total += chunk.length;
      let last = chunk.length - 1;
      while (last >= 0 && chunk[last] === 0) last--;
      zeroRun = last < 0 ? zeroRun + chunk.length : chunk.length - 1 - last;
      done(null, chunk);
    },
  });
  const gunzip = gzip ? createGunzip() : null;
  const inflate: { error: Error | null } = { error: null };
  gunzip?.on('error', (error) => (inflate.error ??= error));
  const extract = tar.extract();
  const source = handle.createReadStream();
  const piped = (gunzip ? pipeline(source, gunzip, counter, extract) : pipeline(source, counter, extract)).then(() => null, (error: unknown) => error);

  let next = 0; // where the next member's first header block starts
  let current: { path: string; start: number; size: number } | null = null;
  let failure: unknown = null;
  try {
    for await (const entry of extract) {
      const header = entry.header as TarHeader;
      const start = header.byteOffset ?? next + 512;
      const size = header.type === 'directory' ? 0 : header.size ?? 0; // tar-stream reads no data for a directory
      const member = tarMember(header);
      current = { path: member?.path ?? header.name, start, size };
      const body = async function* (): AsyncGenerator<Buffer> {
        try {
          for await (const chunk of entry) yield chunk as Buffer;
        } catch (error) {
          throw new Error(`data cut short: ${messageOf(error)}`, { cause: error });
        }
      };
      if (member) await walker.emit(member, next, async () => body());
      entry.resume(); // drains a member nobody read; a no-op once it has ended
      next = start + blocks(size);
    }
  } catch (error) {
    failure = error;
  }
  if (failure instanceof VisitFailed) extract.destroy();
  const pipeError = await piped;
  if (failure instanceof VisitFailed) throw failure.cause;
  const error = failure ?? pipeError;
  const inMember = current && total < current.start + current.size ? current : null;
  if (inflate.error) {
    const code = (inflate.error as NodeJS.ErrnoException).code;
    const what = code === 'Z_BUF_ERROR' ? 'the gzip stream is cut short' : code === 'Z_DATA_ERROR' && /data check/.test(inflate.error.message) ? 'the gzip CRC-32 does not match: the compressed data is damaged' : `gzip error: ${inflate.error.message}`;
    const during = inMember ? ` while this member was read (${total - inMember.start} of ${inMember.size} bytes)` : '';
    walker.stop(inMember?.path ?? null, gunzip?.bytesWritten ?? null, `${what}${during}; members after this point are unknown`);
  } else if (error) {
    const message = messageOf(error);
    if ((error as NodeJS.ErrnoException).code) walker.stop(null, null, `cannot be read: ${describeFsError(error)}`);
    else if (/^Unexpected end of data/.test(message) && inMember) walker.stop(inMember.path, total, `data cut short: ${total - inMember.start} of ${inMember.size} bytes present, then the archive ends`);
    else if (/^Unexpected end of data/.test(message)) walker.stop(null, total, 'the archive ends inside a header block or padding: it was cut short');
    else if (/^Invalid tar header\. Maybe/.test(message)) walker.stop(null, next, 'bad header checksum: the header is damaged; members from here on are unknown');
    else if (/unknown format/.test(message)) walker.stop(null, next, 'not a tar header (unknown format); members from here on are unknown');
    else walker.stop(current?.path ?? null, next, `the archive cannot be read further: ${message}`);
  } else if (zeroRun < END_OF_TAR || total - END_OF_TAR < next) {
    const after = current ? ` after member ${JSON.stringify(current.path)}` : '';
    walker.stop(null, total, `no end-of-archive marker (two zero blocks)${after}: the archive was cut short and members after this point are unknown`);
  }
}

// ---- zip ----

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const S_IFREG = 0o100000;

/** Info-ZIP "ux" extra field (0x7875): version 1, then little-endian uid and gid of stated sizes. */
function zipOwner(fields: readonly yauzl.ExtraField[]): string {
  const data = fields.find((field) => field.id === 0x7875)?.data;
  if (!data || data[0] !== 1) return '';
  const uidSize = data[1] ?? 0;
  const gidSize = data[2 + uidSize] ?? 0;
  if (uidSize < 1 || uidSize > 6 || gidSize < 1 || gidSize > 6 || data.length < 3 + uidSize + gidSize) return '';
  return `${data.readUIntLE(2, uidSize)}:${data.readUIntLE(3 + uidSize, gidSize)}`;
}

function zipMember(entry: yauzl.Entry, path: string, name: string, target: string | null): ArchiveMember {
  const unix = entry.versionMadeBy >> 8 === 3;
  const attributes = unix ? entry.externalFileAttributes >>> 16 : 0;
  const format = attributes & S_IFMT;
  const directory = name.endsWith('/') || format === S_IFDIR || (!unix && (entry.externalFileAttributes & 0x10) !== 0);
  const type: EntryType = format === S_IFLNK ? 'symlink' : directory ? 'directory' : format === 0 || format === S_IFREG ? 'file' : 'other';
  return Object.freeze({
    path,
    type,
    size: type === 'file' ? entry.uncompressedSize : null,
    mode: attributes === 0 ? (directory ? 0o755 : 0o644) : attributes & 0o7777,
    owner: zipOwner(entry.extraFields),
    // yauzl prefers the extended timestamp (0x5455, UTC) and the NTFS time; only the DOS time has
    // no zone, and we take it as UTC so that a listing does not depend on the machine's zone.
    mtime: isoOrEmpty(entry.getLastModDate({ timezone: 'UTC' })),
    target: type === 'symlink' ? target ?? '' : null,
  });
}

/** The decompressed data with its CRC-32 checked at the end (yauzl checks sizes, not the CRC). */
async function* zipBody(zip: yauzl.ZipFile, entry: yauzl.Entry, problem: (what: string) => void): AsyncGenerator<Buffer> {
  let crc = 0;
  try {
    for await (const chunk of await zip.openReadStreamPromise(entry)) {
      crc = crc32(chunk as Buffer, crc);
      yield chunk as Buffer;
    }
  } catch (error) {
    problem(`data cannot be read: ${messageOf(error)}`);
    throw error;
  }
  if (crc >>> 0 !== entry.crc32 >>> 0) {
    const hex = (value: number): string => (value >>> 0).toString(16).padStart(8, '0');
    const message = `CRC-32 mismatch: the archive records ${hex(entry.crc32)}, the data gives ${hex(crc)}`;
    problem(message);
    throw new Error(message);
  }
}

/** A zip symlink's target is its data; null when it cannot be read (zipBody records why). */
async function linkTarget(entry: yauzl.Entry, open: () => Promise<Body>, problem: (what: string) => void): Promise<string | null> {
  const chunks: Buffer[] = [];
  if (entry.uncompressedSize > MAX_LINK_TARGET) {
    problem(`symlink target of ${entry.uncompressedSize} bytes is implausibly long: not read`);
    return null;
  }
  try {
    for await (const chunk of await open()) chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8');
  } catch {
    return null;
  }
}

async function walkZip(walker: Walker): Promise<void> {
  walker.archiveBytes = await archiveSize(walker.file);
  let zip: yauzl.ZipFile;
  try {
    // decodeStrings off: yauzl would end the whole walk at the first absolute or '..' name. The
    // names are decoded below with yauzl's own decoder and judged per member instead.
    zip = await yauzl.openPromise(walker.file, { lazyEntries: true, validateEntrySizes: true, decodeStrings: false, autoClose: false });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code) throw cannotOpen(walker.file, error);
    walker.stop(null, null, `the zip directory cannot be read (${messageOf(error)}): the end-of-central-directory record is missing or damaged, as when the archive was cut short`);
    return;
  }
  try {
    for await (const entry of zip.eachEntry()) {
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
      const path = normalizePath(name);
      if (path === null) continue;
      const offset = entry.relativeOffsetOfLocalHeader;
      const problem = (what: string): void => walker.problem(path, offset, what);
      const reachable = await zip.readLocalFileHeaderPromise(entry, { minimal: true }).then(
        () => true,
        (error: unknown) => {
          problem(`local header unreachable: ${messageOf(error)}`);
          return false;
        },
      );
      const open = async (): Promise<Body> => {
        if (!reachable) throw new Error('local header unreachable');
        return zipBody(zip, entry, problem);
      };
      const link = entry.versionMadeBy >> 8 === 3 && ((entry.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK;
      const target = link && reachable ? await linkTarget(entry, open, problem) : null;
      await walker.emit(zipMember(entry, path, name, target), offset, open);
    }
  } catch (error) {
    if (error instanceof VisitFailed) throw error.cause;
    walker.stop(null, null, `the central directory is damaged after ${zip.entriesRead} entries (${messageOf(error)}); members after this point are unknown`);
  } finally {
    zip.close();
  }
}

// ---- operations ----

function sortByPath<T extends { readonly path: string }>(items: T[]): T[] {
  return items.sort((a, b) => comparePaths(a.path, b.path));
}

/** L1: every member's metadata and every structure problem, without reading member data (zip symlink targets aside). */
export async function listArchive(file: string, kind: ArchiveKind): Promise<ArchiveListing> {
  const members = new Map<string, ArchiveMember>();
  const walk = await walkArchive(file, kind, async (member) => {
    members.set(member.path, member);
  });
  return Object.freeze({ kind, archiveBytes: walk.archiveBytes, members: sortByPath([...members.values()]), problems: walk.problems, complete: walk.complete });
}

async function hashMember(member: ArchiveMember, data: MemberData, onBytes: (bytes: number) => void): Promise<MemberRead> {
  const hash = createHash('sha256');
  let bytesRead = 0;
  let error: string | null = null;
  try {
    for await (const chunk of await data.open()) {
      hash.update(chunk);
      bytesRead += chunk.length;
      onBytes(chunk.length);
    }
  } catch (failure) {
    error = messageOf(failure);
  }
  if (error === null && bytesRead !== member.size) data.problem((error = 'data cut short'));
  if (error === null) return Object.freeze({ path: member.path, sha256: hash.digest('hex'), bytesRead, error: null });
  return Object.freeze({ path: member.path, sha256: null, bytesRead, error: `${error}; read ${bytesRead} of ${member.size} bytes` });
}

/**
 * L2/L3: reads and hashes (SHA-256) the data of the selected file members; one MemberRead per
 * selected path (the later copy of a duplicate), sorted with comparePaths. Problems are the
 * walk's (structure, CRC-32) — the same as listArchive's plus what reading the data revealed.
 */
export async function readArchiveMembers(
  file: string,
  kind: ArchiveKind,
  select: (member: ArchiveMember) => boolean,
  options: ReadOptions = {},
): Promise<{ reads: readonly MemberRead[]; problems: readonly ArchiveProblem[] }> {
  const reads = new Map<string, MemberRead>();
  const totals = { members: 0, bytes: 0 };
  let reported = Date.now();
  const report = (force: boolean): void => {
    if (!options.onProgress || (!force && Date.now() - reported < PROGRESS_INTERVAL_MS)) return;
    reported = Date.now();
    options.onProgress({ ...totals });
  };
  const walk = await walkArchive(file, kind, async (member, data) => {
    reads.delete(member.path); // a later copy replaces the earlier one, whatever its type
    if (member.type !== 'file' || !select(member)) return;
    reads.set(member.path, await hashMember(member, data, (bytes) => {
      totals.bytes += bytes;
      report(false);
    }));
    totals.members += 1;
    report(false);
  });
  report(true);
  return Object.freeze({ reads: sortByPath([...reads.values()]), problems: walk.problems });
}
