import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, utimes, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ArchiveKind, archiveKindOf, listArchive, readArchiveMembers } from './backup-archive.js';
import { extractArchive } from './archive-extract.js';

const hasZip = (() => {
  try {
    execFileSync('zip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const OWNER = `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`;
const WHEN = new Date('2024-03-04T05:06:07.000Z');
const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'backup-archive-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface PackEntry { readonly header: tar.Header | (Partial<tar.Header> & { name: string }); readonly data?: string | Buffer }

async function packTar(entries: readonly PackEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const { header, data } of entries) {
    if (data === undefined) pack.entry({ mtime: WHEN, ...header });
    else pack.entry({ mtime: WHEN, ...header }, data);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function save(name: string, data: Buffer): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, data);
  return file;
}

/** The tree most tests archive: a folder, files with distinct modes, a symlink, fixed times. */
async function makeTree(): Promise<string> {
  const root = join(dir, 'tree');
  await mkdir(join(root, 'docs'), { recursive: true });
  await writeFile(join(root, 'docs', 'a.txt'), 'alpha\n');
  await writeFile(join(root, 'run.sh'), '#!/bin/sh\n');
  await symlink('a.txt', join(root, 'docs', 'link'));
  await chmod(join(root, 'docs', 'a.txt'), 0o640);
  await chmod(join(root, 'run.sh'), 0o755);
  await chmod(join(root, 'docs'), 0o750);
  for (const path of ['docs/a.txt', 'run.sh', 'docs']) await utimes(join(root, path), WHEN, WHEN);
  return root;
}

const TREE_MEMBERS = [
  { path: 'docs', type: 'directory', size: null, mode: 0o750, owner: OWNER, mtime: WHEN.toISOString(), target: null },
  { path: 'docs/a.txt', type: 'file', size: 6, mode: 0o640, owner: OWNER, mtime: WHEN.toISOString(), target: null },
  { path: 'docs/link', type: 'symlink', size: null, mode: 0o777, owner: OWNER, target: 'a.txt' },
  { path: 'run.sh', type: 'file', size: 10, mode: 0o755, owner: OWNER, mtime: WHEN.toISOString(), target: null },
];

/** A minimal zip writer (stored or deflated members, unix modes, DOS time in UTC): enough for hostile and damaged cases. */
interface ZipItem { readonly name: string; readonly mode: number; readonly data?: string; readonly deflate?: boolean }
const ZIP_TIME = new Date('2024-01-02T03:04:06.000Z');

function buildZip(items: readonly ZipItem[]): Buffer {
  const u32 = (value: number): Buffer => Buffer.from(new Uint32Array([value]).buffer);
  const time = (ZIP_TIME.getUTCHours() << 11) | (ZIP_TIME.getUTCMinutes() << 5) | (ZIP_TIME.getUTCSeconds() >> 1);
  const date = ((ZIP_TIME.getUTCFullYear() - 1980) << 9) | ((ZIP_TIME.getUTCMonth() + 1) << 5) | ZIP_TIME.getUTCDate();
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const item of items) {
    const name = Buffer.from(item.name);
    const raw = Buffer.from(item.data ?? '');
    const body = item.deflate ? deflateRawSync(raw) : raw;
    // Version needed … extra-field length: the same 26 bytes in the local and the central header.
    const common = Buffer.alloc(26);
    common.writeUInt16LE(20, 0);
    common.writeUInt16LE(0x800, 2);
    common.writeUInt16LE(item.deflate ? 8 : 0, 4);
    common.writeUInt16LE(time, 6);
    common.writeUInt16LE(date, 8);
    common.writeUInt32LE(crc32(raw), 10);
    common.writeUInt32LE(body.length, 14);
    common.writeUInt32LE(raw.length, 18);
    common.writeUInt16LE(name.length, 22);
    const tail = Buffer.alloc(14); // comment length, disk, internal attributes, external attributes, local header offset
    tail.writeUInt32LE(item.mode * 0x10000, 6);
    tail.writeUInt32LE(offset, 10);
    const madeBy = Buffer.alloc(2);
    madeBy.writeUInt16LE((3 << 8) | 20); // unix
    locals.push(u32(0x04034b50), common, name, body);
    centrals.push(u32(0x02014b50), madeBy, common, tail, name);
    offset += 30 + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(items.length, 8);
  end.writeUInt16LE(items.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

describe('archiveKindOf', () => {
  it('knows tar, tar.gz, tgz and zip by extension, in any case', () => {
    expect(['a.tar', 'b.TAR.GZ', 'c.tgz', 'd.Zip', 'e.gz', 'f'].map(archiveKindOf)).toEqual(['tar', 'tar.gz', 'tar.gz', 'zip', undefined, undefined]);
  });
});

describe('listArchive on tar', () => {
  it.each<[ArchiveKind, string]>([['tar', '-cf'], ['tar.gz', '-czf']])('lists what the system tar wrote (%s): types, modes, owners, times, targets', async (kind, flag) => {
    const root = await makeTree();
    const file = join(dir, `backup.${kind}`);
    execFileSync('tar', ['-C', root, flag, file, '.']);
    const listing = await listArchive(file, kind);
    expect(listing).toMatchObject({ kind, archiveBytes: (await stat(file)).size, problems: [], complete: true });
    expect(listing.members).toMatchObject(TREE_MEMBERS);
  });

  it('reads numeric owners and setuid bits from the header; hard links and FIFOs are "other"', async () => {
    const file = await save('x.tar', await packTar([
      { header: { name: './bin/tool', mode: 0o4755, uid: 1000, gid: 1001 }, data: 'x' },
      { header: { name: 'bin/alias', type: 'link', linkname: 'bin/tool' } },
      { header: { name: 'pipe', type: 'fifo', mode: 0o644 } },
    ]));
    const listing = await listArchive(file, 'tar');
    expect(listing.problems).toEqual([]);
    expect(listing.members.map((m) => [m.path, m.type, m.size, m.mode, m.owner])).toEqual([
      ['bin/alias', 'other', null, 0o644, '0:0'],
      ['bin/tool', 'file', 1, 0o4755, '1000:1001'],
      ['pipe', 'other', null, 0o644, '0:0'],
    ]);
  });
});

describe('tar structure problems', () => {
  const first = { header: { name: 'a.txt' }, data: 'a'.repeat(100) };

  it('reports a member whose data is cut short, and never hashes it', async () => {
    const whole = await packTar([first, { header: { name: 'b.bin' }, data: randomBytes(3000) }]);
    const file = await save('cut.tar', whole.subarray(0, 512 + 512 + 512 + 1000));
    const listing = await listArchive(file, 'tar');
    expect(listing.complete).toBe(false);
    expect(listing.problems).toHaveLength(1);
    expect(listing.problems[0]).toMatchObject({ member: 'b.bin', offset: 2536 });
    expect(listing.problems[0]!.reason).toMatch(/cut\.tar: member "b\.bin" at offset 2536: data cut short: 1000 of 3000 bytes/);
    const { reads } = await readArchiveMembers(file, 'tar', () => true);
    expect(reads).toMatchObject([
      { path: 'a.txt', sha256: sha256('a'.repeat(100)), bytesRead: 100, error: null },
      { path: 'b.bin', sha256: null },
    ]);
    expect(reads[1]!.error).toMatch(/cut short/);
    const into = join(dir, 'into');
    await mkdir(into);
    const restored = await extractArchive(file, 'tar', into);
    expect(await readdir(into)).toEqual(['a.txt']); // no partial b.bin
    expect(restored.problems.map((p) => p.reason)).toEqual([expect.stringMatching(/"b\.bin".*not restored: data cut short/), listing.problems[0]!.reason]);
  });

  it.each([['text', 'b'.repeat(700)], ['zeros', Buffer.alloc(1024)]])('reports an archive cut exactly after a member (last member of %s)', async (_case, data) => {
    const whole = await packTar([first, { header: { name: 'b.bin' }, data }]);
    const file = await save('cut.tar', whole.subarray(0, whole.length - 1024));
    const listing = await listArchive(file, 'tar');
    expect(listing.members.map((m) => m.path)).toEqual(['a.txt', 'b.bin']);
    expect(listing.complete).toBe(false);
    expect(listing.problems).toHaveLength(1);
    expect(listing.problems[0]!.reason).toMatch(/no end-of-archive marker .* after member "b\.bin"/);
  });

  it('reports a header with a bad checksum and stops there', async () => {
    const whole = await packTar([first, { header: { name: 'b.txt' }, data: 'b' }]);
    whole[1024] = 'c'.charCodeAt(0); // the second header's name
    const listing = await listArchive(await save('bad.tar', whole), 'tar');
    expect(listing.members.map((m) => m.path)).toEqual(['a.txt']);
    expect(listing).toMatchObject({ complete: false, problems: [{ member: null, offset: 1024 }] });
    expect(listing.problems[0]!.reason).toMatch(/bad header checksum/);
  });

  it('reports a truncated gzip stream and a gzip CRC mismatch', async () => {
    const gz = gzipSync(await packTar([first, { header: { name: 'b.bin' }, data: randomBytes(64 * 1024) }]));
    const truncated = await listArchive(await save('cut.tar.gz', gz.subarray(0, gz.length / 2)), 'tar.gz');
    expect(truncated.complete).toBe(false);
    expect(truncated.problems).toMatchObject([{ member: 'b.bin', reason: expect.stringMatching(/gzip stream is cut short while this member was read/) }]);
    gz[gz.length - 8]! ^= 0xff; // the CRC-32 in the gzip trailer
    const damaged = await listArchive(await save('crc.tar.gz', gz), 'tar.gz');
    expect(damaged.complete).toBe(false);
    expect(damaged.problems.map((p) => p.reason)).toEqual([expect.stringMatching(/gzip CRC-32 does not match/)]);
  });
});

describe('zip', () => {
  const items: ZipItem[] = [
    { name: 'd/a.txt', mode: 0o100640, data: 'alpha' },
    { name: 'd/', mode: 0o40750 },
    { name: 'd/b.txt', mode: 0o100600, data: 'bravo '.repeat(100), deflate: true },
    { name: 'd/link', mode: 0o120777, data: 'a.txt' },
  ];

  it('lists directories, files and symlinks with unix modes and the DOS time taken as UTC', async () => {
    const listing = await listArchive(await save('x.zip', buildZip(items)), 'zip');
    const time = ZIP_TIME.toISOString();
    expect(listing).toMatchObject({ kind: 'zip', problems: [], complete: true });
    expect(listing.members).toEqual([
      { path: 'd', type: 'directory', size: null, mode: 0o750, owner: '', mtime: time, target: null },
      { path: 'd/a.txt', type: 'file', size: 5, mode: 0o640, owner: '', mtime: time, target: null },
      { path: 'd/b.txt', type: 'file', size: 600, mode: 0o600, owner: '', mtime: time, target: null },
      { path: 'd/link', type: 'symlink', size: null, mode: 0o777, owner: '', mtime: time, target: 'a.txt' },
    ]);
  });

  it('finds a flipped data byte by its CRC-32 when the member is read', async () => {
    const zip = buildZip(items);
    zip[30 + 'd/a.txt'.length]! ^= 0x01; // first byte of the first (stored) member's data
    const file = await save('flip.zip', zip);
    expect((await listArchive(file, 'zip')).problems).toEqual([]);
    const { reads, problems } = await readArchiveMembers(file, 'zip', (m) => m.path === 'd/a.txt');
    expect(reads).toMatchObject([{ path: 'd/a.txt', sha256: null, bytesRead: 5 }]);
    expect(reads[0]!.error).toMatch(/^CRC-32 mismatch: /);
    expect(problems).toMatchObject([{ member: 'd/a.txt', offset: 0 }]);
    expect(problems[0]!.reason).toMatch(/flip\.zip: member "d\/a\.txt" at offset 0: CRC-32 mismatch/);
  });

  it('reports a zip cut short (no end-of-central-directory record)', async () => {
    const zip = buildZip(items);
    const listing = await listArchive(await save('cut.zip', zip.subarray(0, zip.length - 30)), 'zip');
    expect(listing).toMatchObject({ members: [], complete: false });
    expect(listing.problems.map((p) => p.reason)).toEqual([expect.stringMatching(/cut\.zip: the zip directory cannot be read/)]);
  });

  it('judges hostile names per member instead of giving up on the archive', async () => {
    const file = await save('evil.zip', buildZip([{ name: '../evil.txt', mode: 0o100644, data: 'x' }, { name: 'ok.txt', mode: 0o100644, data: 'ok' }]));
    const listing = await listArchive(file, 'zip');
    expect(listing.complete).toBe(true);
    expect(listing.members.map((m) => m.path)).toEqual(['../evil.txt', 'ok.txt']);
    expect(listing.problems.map((p) => p.reason)).toEqual([expect.stringMatching(/"\.\.\/evil\.txt".*unsafe path/)]);
    const into = join(dir, 'into');
    await mkdir(into);
    expect(await extractArchive(file, 'zip', into)).toMatchObject({ members: 1, bytes: 2 });
    expect(await readdir(dir)).not.toContain('evil.txt');
  });

  it.skipIf(!hasZip)('lists what the system zip wrote: owner (0x7875), UTC time (0x5455), symlink target', async () => {
    const root = await makeTree();
    const file = join(dir, 'backup.zip');
    execFileSync('zip', ['-qry', file, '.'], { cwd: root });
    const listing = await listArchive(file, 'zip');
    expect(listing).toMatchObject({ problems: [], complete: true });
    expect(listing.members).toMatchObject(TREE_MEMBERS);
  });
});

describe('readArchiveMembers', () => {
  const content = { 'b/two.txt': 'two', 'a.txt': 'one', 'skip.log': 'not read' };

  it.each<ArchiveKind>(['tar', 'tar.gz', 'zip'])('hashes the selected file members only (%s)', async (kind) => {
    const entries = Object.entries(content);
    const data = kind === 'zip'
      ? buildZip(entries.map(([name, text]) => ({ name, mode: 0o100644, data: text, deflate: true })))
      : await packTar(entries.map(([name, text]) => ({ header: { name }, data: text })));
    const file = await save(`x.${kind}`, kind === 'tar.gz' ? gzipSync(data) : data);
    const progress: { members: number; bytes: number }[] = [];
    const result = await readArchiveMembers(file, kind, (m) => !m.path.endsWith('.log'), { onProgress: (p) => progress.push(p) });
    expect(result).toEqual({
      reads: [
        { path: 'a.txt', sha256: sha256('one'), bytesRead: 3, error: null },
        { path: 'b/two.txt', sha256: sha256('two'), bytesRead: 3, error: null },
      ],
      problems: [],
    });
    expect(progress.at(-1)).toEqual({ members: 2, bytes: 6 });
  });
});

describe('extractArchive', () => {
  async function expectRestored(into: string): Promise<void> {
    expect(await readFile(join(into, 'docs', 'a.txt'), 'utf8')).toBe('alpha\n');
    expect(await readlink(join(into, 'docs', 'link'))).toBe('a.txt');
    for (const [path, mode] of [['docs', 0o750], ['docs/a.txt', 0o640], ['run.sh', 0o755]] as const) {
      const info = await lstat(join(into, path));
      expect([path, info.mode & 0o7777, info.mtime.toISOString()]).toEqual([path, mode, WHEN.toISOString()]);
    }
  }

  it.each<[ArchiveKind, string]>([['tar', '-cf'], ['tar.gz', '-czf']])('restores contents, modes, times and symlinks (%s)', async (kind, flag) => {
    const root = await makeTree();
    const file = join(dir, `backup.${kind}`);
    execFileSync('tar', ['-C', root, flag, file, '.']);
    const into = join(dir, 'into');
    await mkdir(into);
    expect(await extractArchive(file, kind, into)).toEqual({ members: 4, bytes: 16, problems: [] });
    await expectRestored(into);
  });

  it('restores a zip', async () => {
    const file = await save('x.zip', buildZip([{ name: 'd/', mode: 0o40750 }, { name: 'd/a.txt', mode: 0o104755, data: 'alpha' }]));
    const into = join(dir, 'into');
    await mkdir(into);
    expect(await extractArchive(file, 'zip', into)).toEqual({ members: 2, bytes: 5, problems: [] });
    expect(await readFile(join(into, 'd', 'a.txt'), 'utf8')).toBe('alpha');
    expect(((await stat(join(into, 'd', 'a.txt'))).mode & 0o7777)).toBe(0o755); // never setuid
    expect((await stat(join(into, 'd'))).mtime).toEqual(ZIP_TIME);
  });

  it('refuses ../ and absolute paths, members below a symlink, hard links; the later duplicate wins', async () => {
    const outside = join(dir, 'outside');
    await mkdir(outside);
    const file = await save('evil.tar', await packTar([
      { header: { name: '../escape.txt' }, data: 'x' },
      { header: { name: join(outside, 'abs.txt') }, data: 'x' },
      { header: { name: 'link', type: 'symlink', linkname: outside } },
      { header: { name: 'link/evil.txt' }, data: 'x' },
      { header: { name: 'ok.txt' }, data: 'ok' },
      { header: { name: 'hard', type: 'link', linkname: 'ok.txt' } },
      { header: { name: 'dup.txt' }, data: 'one' },
      { header: { name: 'dup.txt' }, data: 'two' },
    ]));
    const into = join(dir, 'into');
    await mkdir(into);
    const result = await extractArchive(file, 'tar', into);
    expect(result.problems.map((p) => [p.member, p.reason.replace(/^.*?: member ".*?" at offset \d+: /, '')])).toEqual([
      ['../escape.txt', expect.stringMatching(/^unsafe path/)],
      [join(outside, 'abs.txt'), expect.stringMatching(/^unsafe path/)],
      ['link/evil.txt', 'not restored: it would be written through the symlink "link" of this archive'],
      ['hard', 'not restored: hard links, devices and FIFOs are not restored'],
      ['dup.txt', expect.stringMatching(/^appears more than once/)],
    ]);
    expect(await readdir(outside)).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(['evil.tar', 'into', 'outside']);
    expect((await readdir(into)).sort()).toEqual(['dup.txt', 'link', 'ok.txt']);
    expect(await readlink(join(into, 'link'))).toBe(outside);
    expect(await readFile(join(into, 'dup.txt'), 'utf8')).toBe('two');
    expect(result).toMatchObject({ members: 3, bytes: 5 });
  });

  it('restores only into an existing empty folder, and only from an archive that exists', async () => {
    const file = await save('x.tar', await packTar([{ header: { name: 'a' }, data: 'a' }]));
    await expect(extractArchive(file, 'tar', dir)).rejects.toMatchObject({ code: 'USAGE' });
    await expect(extractArchive(file, 'tar', join(dir, 'missing'))).rejects.toMatchObject({ code: 'USAGE' });
    await mkdir(join(dir, 'into'));
    await expect(extractArchive(join(dir, 'nope.tar'), 'tar', join(dir, 'into'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(listArchive(join(dir, 'nope.zip'), 'zip')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
