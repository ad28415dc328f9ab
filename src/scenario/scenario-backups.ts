import { createWriteStream } from 'node:fs';
import { lstat, open, readFile, readdir, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';

/**
 * The demo's backup sets of the document store (issue 7 §6), written the night of 20 June 2025
 * before anything happened: a nightly tar that is sound, and an off-site copy that was silently
 * truncated — the job was killed after writing part of the archive, cut exactly between two members
 * so that every header that is there still checks out. Ground truth: the first restores to the
 * baseline; the second is damaged and must never be reported above L0.
 */

/** Writes `root` as a tar (folders, then files, in path order), as a backup job would. */
export async function packFolder(root: string, file: string): Promise<number> {
  const pack = tar.pack();
  const done = pipeline(pack, createWriteStream(file, { flags: 'wx' }));
  let members = 0;
  const walk = async (relative: string): Promise<void> => {
    for (const name of (await readdir(join(root, relative))).sort()) {
      const path = relative ? `${relative}/${name}` : name;
      const info = await lstat(join(root, path));
      const header = { name: path, mode: info.mode & 0o7777, mtime: info.mtime, uid: info.uid, gid: info.gid };
      members++;
      if (info.isDirectory()) {
        pack.entry({ ...header, type: 'directory' });
        await walk(path);
      } else if (info.isFile()) {
        // tar-stream takes a member's content as one Buffer; the demo's files are small.
        const content = await readFile(join(root, path));
        await new Promise<void>((resolve, reject) => pack.entry({ ...header, type: 'file' }, content, (error) => (error ? reject(error) : resolve())));
      }
    }
  };
  await walk('');
  pack.finalize();
  await done;
  return members;
}

/**
 * Cuts a tar after `share` of its members, exactly at a member boundary, and drops the
 * end-of-archive blocks: what a killed job leaves. Returns the path of the first member lost.
 */
export async function cutBetweenMembers(file: string, share: number): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const offsets: { offset: number; name: string }[] = [];
    const header = Buffer.alloc(512);
    for (let offset = 0; ; ) {
      await handle.read(header, 0, 512, offset);
      if (header.every((b) => b === 0)) break;
      const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
      const size = Number.parseInt(header.subarray(124, 136).toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8);
      offsets.push({ offset, name });
      offset += 512 + Math.ceil(size / 512) * 512;
    }
    const cut = offsets[Math.floor(offsets.length * share)]!;
    await truncate(file, cut.offset);
    return cut.name;
  } finally {
    await handle.close();
  }
}
