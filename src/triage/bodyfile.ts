import type { ArtefactFile, ArtefactTree } from './artefact-model.js';

/**
 * The Sleuth Kit bodyfile 3.x (`fls -m`, `ils -m`, dissect, many image tools):
 * `MD5|name|inode|mode_as_string|UID|GID|size|atime|mtime|ctime|crtime`, times in epoch seconds,
 * 0 = unknown. It gives the triage rules what a tarball loses: UFS2 birth times (R18 timestomp)
 * and setuid bits (R15) of every file on the image, collected or not. A name may itself contain
 * `|`, so the fields are counted from both ends; symlinks carry `name -> target`, and fls marks
 * deleted entries with ` (deleted)`. Every line that is not a valid record is reported with its
 * line number, never dropped.
 */

export interface BodyfileEntry {
  /** 1-based line in the bodyfile. */
  readonly line: number;
  readonly path: string;
  /** Permission bits including setuid/setgid/sticky (0o7777), null when the mode field is unknown. */
  readonly mode: number | null;
  /** `-`, `d`, `l` … from the mode string; null when the string has no type letter. */
  readonly fileType: string | null;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly atime: Date | null;
  readonly mtime: Date | null;
  readonly ctime: Date | null;
  readonly birthtime: Date | null;
  /** Lower-case MD5, null when the tool wrote `0`. */
  readonly md5: string | null;
  readonly inode: string;
  readonly linkTarget: string | null;
  readonly deleted: boolean;
}

export interface BodyfileFailure {
  readonly line: number;
  readonly reason: string;
}

export interface BodyfileResult {
  readonly entries: BodyfileEntry[];
  readonly failures: BodyfileFailure[];
}

const FIELDS = 11;
const NUMBER = /^-?\d+(?:\.\d+)?$/;
const INTEGER = /^\d+$/;

/** `rwsr-xr-x`, `-rwsr-xr-x`, fls `r/rrwxr-xr-x`; octal numbers (`0104755`, `4755`) are accepted too. */
export function parseModeString(text: string): { mode: number; fileType: string | null } | null {
  if (/^0?[0-7]{3,6}$/.test(text)) {
    const value = parseInt(text, 8);
    return { mode: value & 0o7777, fileType: null };
  }
  const perms = text.slice(-9);
  const prefix = text.slice(0, -9);
  if (perms.length !== 9 || !/^[r-][w-][xsS-][r-][w-][xsS-][r-][w-][xtT-]$/.test(perms)) return null;
  // fls writes `<name type>/<meta type>` (`r/r`, `d/d`, `l/l`); ls style writes one letter (`-`, `d`, `l`).
  let fileType: string | null = null;
  if (prefix.length === 1 && /^[-dlcbpsrvwh]$/.test(prefix)) fileType = prefix === 'r' ? '-' : prefix;
  else if (/^[-a-z]\/[-a-z]$/.test(prefix)) fileType = prefix[2] === 'r' ? '-' : (prefix[2] as string);
  else if (prefix !== '') return null;
  let mode = 0;
  // Owner, group, other: `rwx` each, where the execute slot shows setuid/setgid (`s`/`S`) or sticky (`t`/`T`), lower case when executable too.
  for (let triad = 0; triad < 3; triad += 1) {
    const shift = 6 - 3 * triad;
    const special = triad === 2 ? 't' : 's';
    const [r, w, x] = perms.slice(3 * triad, 3 * triad + 3);
    if (r === 'r') mode |= 0o4 << shift;
    if (w === 'w') mode |= 0o2 << shift;
    if (x === 'x' || x === special) mode |= 0o1 << shift;
    if (x === special || x === special.toUpperCase()) mode |= 0o4000 >> triad;
  }
  return { mode, fileType };
}

const epoch = (text: string): Date | null => {
  const seconds = Number(text);
  return seconds === 0 ? null : new Date(seconds * 1000);
};

function parseLine(text: string, line: number): BodyfileEntry | BodyfileFailure {
  const fail = (reason: string): BodyfileFailure => ({ line, reason });
  const parts = text.split('|');
  if (parts.length < FIELDS) return fail(`${parts.length} fields, a bodyfile 3.x record has ${FIELDS} (MD5|name|inode|mode|UID|GID|size|atime|mtime|ctime|crtime)`);
  // The name is everything between the first field and the last nine, so `|` in names survives.
  const tail = parts.slice(-9);
  const [inode = '', modeText = '', uid = '', gid = '', size = '', atime = '', mtime = '', ctime = '', crtime = ''] = tail;
  const md5 = parts[0] as string;
  let name = parts.slice(1, -9).join('|');
  if (!/^(?:0|[0-9a-fA-F]{32})$/.test(md5)) return fail(`MD5 field "${md5.slice(0, 40)}" is neither 0 nor 32 hex digits`);
  if (name === '') return fail('empty name');
  if (inode === '') return fail('empty inode field');
  const parsedMode = modeText === '' || modeText === '0' ? null : parseModeString(modeText);
  if (parsedMode === null && modeText !== '' && modeText !== '0') return fail(`mode "${modeText.slice(0, 20)}" is not a mode string such as -rwsr-xr-x`);
  for (const [label, value] of [['UID', uid], ['GID', gid], ['size', size]] as const) if (!INTEGER.test(value)) return fail(`${label} "${value.slice(0, 20)}" is not a whole number`);
  for (const [label, value] of [['atime', atime], ['mtime', mtime], ['ctime', ctime], ['crtime', crtime]] as const) {
    if (!NUMBER.test(value)) return fail(`${label} "${value.slice(0, 20)}" is not epoch seconds`);
  }
  const deleted = /\s\(deleted(?:-realloc)?\)$/.test(name);
  if (deleted) name = name.replace(/\s\(deleted(?:-realloc)?\)$/, '');
  let linkTarget: string | null = null;
  const arrow = name.indexOf(' -> ');
  if (parsedMode?.fileType === 'l' && arrow > 0) {
    linkTarget = name.slice(arrow + 4);
    name = name.slice(0, arrow);
  }
  return {
    line,
    path: name.startsWith('/') ? name : `/${name}`,
    mode: parsedMode?.mode ?? null,
    fileType: parsedMode?.fileType ?? null,
    uid: Number(uid),
    gid: Number(gid),
    size: Number(size),
    atime: epoch(atime),
    mtime: epoch(mtime),
    ctime: epoch(ctime),
    birthtime: epoch(crtime),
    md5: md5 === '0' ? null : md5.toLowerCase(),
    inode,
    linkTarget,
    deleted,
  };
}

/** Parses a whole bodyfile. Blank lines carry nothing and are skipped; every other bad line is a failure. */
export function parseBodyfile(input: string | Uint8Array): BodyfileResult {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
  const entries: BodyfileEntry[] = [];
  const failures: BodyfileFailure[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    const parsed = parseLine(line, i + 1);
    if ('reason' in parsed) failures.push(parsed);
    else entries.push(parsed);
  });
  return { entries, failures };
}

/** Whether the start of a file reads as a bodyfile: its complete lines (at least one) all parse. */
export function looksLikeBodyfile(head: string): boolean {
  const lines = head.split('\n');
  // The last piece may be cut off by the head; judge it only when the head holds nothing else.
  const complete = (lines.length > 1 ? lines.slice(0, -1) : lines).map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '');
  return complete.length > 0 && complete.slice(0, 20).every((l, i) => !('reason' in parseLine(l, i + 1)));
}

function metadataOnly(entry: BodyfileEntry): ArtefactFile {
  return Object.freeze({
    path: entry.path,
    evidenceSha256: null,
    size: entry.size,
    mode: entry.mode,
    owner: String(entry.uid),
    mtime: entry.mtime,
    birthtime: entry.birthtime,
    read: () => null,
    stream: () => null,
  });
}

/**
 * Merges bodyfile metadata into a collected tree. A collected file keeps what the collection
 * recorded and takes from the bodyfile only what it lacks (birth time, mode, owner, mtime): the
 * tar header was written from the live file, the bodyfile may come from an older image. Paths not
 * collected become metadata-only entries (no content, no custody hash). Directories and deleted
 * entries are left out — the rules read `files` as the files present on the appliance.
 */
export function overlayBodyfile(tree: ArtefactTree, entries: readonly BodyfileEntry[]): ArtefactTree {
  const byPath = new Map<string, BodyfileEntry>();
  for (const entry of entries) {
    if (entry.deleted || entry.fileType === 'd') continue;
    if (!byPath.has(entry.path)) byPath.set(entry.path, entry);
  }
  const collected = new Set<string>();
  const files = tree.files.map((file): ArtefactFile => {
    collected.add(file.path);
    const entry = byPath.get(file.path);
    if (!entry) return file;
    return Object.freeze({
      path: file.path,
      evidenceSha256: file.evidenceSha256,
      size: file.size,
      mode: file.mode ?? entry.mode,
      owner: file.owner ?? String(entry.uid),
      mtime: file.mtime ?? entry.mtime,
      birthtime: file.birthtime ?? entry.birthtime,
      read: () => file.read(),
      stream: () => file.stream(),
    });
  });
  for (const [path, entry] of byPath) if (!collected.has(path)) files.push(metadataOnly(entry));
  return { host: tree.host, files };
}
