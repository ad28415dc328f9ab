import { readFile } from 'node:fs/promises';
import { WeerbaarError } from '../shared/errors.js';
import { readIocCsv } from './ioc-csv.js';
import type { IocSet } from './ioc-model.js';
import { readMispEvents } from './misp-event.js';
import { readStixBundle } from './stix-bundle.js';

/**
 * Reads an IOC file of any supported kind: a STIX 2.1 bundle or object, MISP event JSON, or CSV.
 * The kind is decided by content, not by the file name: JSON whose top level says `"type"` is
 * STIX, JSON with `Event`/`response`/`Attribute` is MISP, anything else is read as CSV (whose
 * reader reports a missing header precisely).
 */
export async function readIocFile(file: string): Promise<IocSet> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new WeerbaarError('NOT_FOUND', `cannot read the IOC file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
  return readIocBytes(file, bytes);
}

export function readIocBytes(file: string, bytes: Uint8Array): IocSet {
  const head = Buffer.from(bytes.subarray(0, 4096)).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (head.startsWith('{') || head.startsWith('[')) {
    const stix = /"type"\s*:\s*"(bundle|indicator)"/.test(head) && !/"(Event|Attribute)"\s*:/.test(head);
    return stix ? readStixBundle(file, bytes) : readMispEvents(file, bytes);
  }
  return readIocCsv(file, bytes);
}
