import { readFile, stat } from 'node:fs/promises';
import { InvalidInputError } from './errors.js';

/**
 * Reads a configuration or inventory file as text. Files come from many tools, so the encoding is
 * checked rather than assumed: UTF-8 (with or without BOM) and UTF-16 with a BOM are decoded;
 * anything else is rejected naming the first line that is not valid UTF-8 — never decoded with
 * replacement characters, which would silently change identifiers.
 */

/** Inventory and configuration files are small; this bound keeps a wrong path (a disk image) from exhausting memory. */
export const MAX_TEXT_INPUT_BYTES = 256 * 1024 * 1024;

export async function readTextFile(file: string, maxBytes = MAX_TEXT_INPUT_BYTES): Promise<string> {
  let size: number;
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw InvalidInputError.single({ file }, 'is a folder, not a file');
    size = info.size;
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    throw InvalidInputError.single({ file }, `cannot be read: ${describeFsError(error)}`, error);
  }
  if (size > maxBytes) {
    throw InvalidInputError.single({ file }, `is ${size} bytes; files over ${maxBytes} bytes are not accepted here`);
  }
  const bytes = await readFile(file);
  return decodeText(bytes, file);
}

export function decodeText(bytes: Uint8Array, file: string): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return decodeUtf8(bytes.subarray(3), file);
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  return decodeUtf8(bytes, file);
}

function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw InvalidInputError.single(
      { file, line: firstInvalidUtf8Line(bytes) },
      'is not valid UTF-8 (save it as UTF-8, or as UTF-16 with a byte-order mark)',
    );
  }
}

function firstInvalidUtf8Line(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      try {
        decoder.decode(bytes.subarray(start, i));
      } catch {
        return line;
      }
      line++;
      start = i + 1;
    }
  }
  return line;
}

export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a folder, not a file';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
