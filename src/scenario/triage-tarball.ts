import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';

/**
 * Packs a collected file tree into a `.tgz` the way a triage collector on the appliance would
 * (`tar czf triage.tgz var/log`): relative paths, file modes and modification times kept, files
 * streamed one by one so a multi-gigabyte collection needs no memory.
 */
export async function packTriageTarball(root: string, out: string): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack, createGzip({ level: 4 }), createWriteStream(out, { mode: 0o600 }));
  for (const file of await filesUnder(root)) {
    const info = await stat(file);
    const entry = pack.entry({ name: relative(root, file).split('\\').join('/'), size: info.size, mode: info.mode & 0o777, mtime: info.mtime });
    await pipeline(createReadStream(file), entry);
  }
  pack.finalize();
  await done;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : Promise.resolve(e.isFile() ? [join(dir, e.name)] : []))));
  return nested.flat();
}
