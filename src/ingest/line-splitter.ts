import { isUtf8 } from 'node:buffer';
import type { SourceLine } from './log-event.js';

/**
 * Splits a byte stream into physical lines with 1-based numbers and byte offsets, across chunk
 * boundaries, without decoding anything it does not have to. `\n` ends a line; a `\r` before it is
 * part of the ending, not the text. A final line without a newline is still a line. Lines longer
 * than `maxLineBytes` are handed over once, truncated and flagged `oversized`, and the rest of that
 * line is skipped (its bytes stay in the vault) so a hostile file (one 2 GB line) cannot exhaust
 * memory; the pipeline records such a line as a failure.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private lineNo = 0;
  private offset = 0;
  /** Inside an oversized line: bytes are skipped until its newline. */
  private skipping = false;

  constructor(
    private readonly onLine: (line: SourceLine, oversized: boolean) => void,
    private readonly maxLineBytes = 1 << 20,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    if (this.skipping) {
      const nl = chunk.indexOf(0x0a);
      if (nl < 0) {
        this.offset += chunk.length;
        return;
      }
      this.offset += nl + 1;
      this.skipping = false;
      start = nl + 1;
    }
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      const piece = chunk.subarray(start, nl);
      if (this.pendingBytes > 0) {
        this.pending.push(piece);
        const whole = Buffer.concat(this.pending, this.pendingBytes + piece.length);
        this.pending = [];
        this.pendingBytes = 0;
        this.emit(whole, whole.length + 1, false);
      } else {
        this.emit(piece, piece.length + 1, false);
      }
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.pending.push(rest);
      this.pendingBytes += rest.length;
      if (this.pendingBytes > this.maxLineBytes) {
        const whole = Buffer.concat(this.pending, this.pendingBytes);
        this.pending = [];
        this.pendingBytes = 0;
        this.emit(whole, whole.length, true);
        this.skipping = true;
      }
    }
  }

  end(): void {
    if (this.pendingBytes > 0) {
      const whole = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
      this.emit(whole, whole.length, false);
    }
  }

  /** Bytes consumed so far (for progress). */
  get bytes(): number {
    return this.offset;
  }

  private emit(bytes: Buffer, consumed: number, oversized: boolean): void {
    // A long line that ends inside one chunk is cut the same way as one spanning chunks.
    if (bytes.length > this.maxLineBytes) {
      bytes = bytes.subarray(0, this.maxLineBytes);
      oversized = true;
    }
    const raw = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.subarray(0, bytes.length - 1) : bytes;
    this.lineNo += 1;
    this.onLine({ text: decodeLine(raw), raw, line: this.lineNo, offset: this.offset }, oversized);
    this.offset += consumed;
  }
}

/** UTF-8 when valid, else Latin-1: never a replacement character, so no byte is lost. */
export function decodeLine(raw: Buffer): string {
  return isUtf8(raw) ? raw.toString('utf8') : raw.toString('latin1');
}

/** Whether `decodeLine` would read these bytes as UTF-8 (stored per event as `weerbaar.encoding`). */
export function lineEncoding(raw: Buffer): 'utf8' | 'latin1' {
  return isUtf8(raw) ? 'utf8' : 'latin1';
}
