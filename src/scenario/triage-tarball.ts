import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { relative } from 'node:path';
import { listFiles } from '../shared/file-tree.js';
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
  for (const file of await listFiles(root)) {
    const info = await stat(file);
    const entry = pack.entry({ name: relative(root, file).split('\\').join('/'), size: info.size, mode: info.mode & 0o777, mtime: info.mtime });
    await pipeline(createReadStream(file), entry);
  }
  pack.finalize();
  await done;
}
