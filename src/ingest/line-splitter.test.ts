import { describe, expect, it } from 'vitest';
import { LineSplitter } from './line-splitter.js';
import type { SourceLine } from './log-event.js';

function split(chunks: Buffer[], max?: number): { lines: SourceLine[]; oversized: number[]; bytes: number } {
  const lines: SourceLine[] = [];
  const oversized: number[] = [];
  const splitter = new LineSplitter((line, big) => {
    lines.push(line);
    if (big) oversized.push(line.line);
  }, max);
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return { lines, oversized, bytes: splitter.bytes };
}

describe('LineSplitter', () => {
  it('numbers lines and keeps byte offsets across chunk boundaries and CRLF', () => {
    const input = Buffer.from('first\r\nsecond line\nthird');
    const { lines, bytes } = split([input.subarray(0, 3), input.subarray(3, 10), input.subarray(10)]);
    expect(lines.map((l) => [l.line, l.offset, l.text])).toEqual([
      [1, 0, 'first'],
      [2, 7, 'second line'],
      [3, 19, 'third'],
    ]);
    expect(bytes).toBe(input.length);
  });

  it('never replaces bytes: invalid UTF-8 is read as Latin-1 and round-trips', () => {
    const raw = Buffer.from([0x41, 0xe9, 0xff, 0x80, 0x42]);
    const { lines } = split([raw]);
    expect(lines[0]!.text).not.toContain('\uFFFD');
    expect(Buffer.from(lines[0]!.text, 'latin1')).toEqual(raw);
    const utf8 = split([Buffer.from('Jürgen\n')]).lines[0]!;
    expect(utf8.text).toBe('Jürgen');
  });

  it('cuts a hostile endless line, flags it and keeps counting lines after it', () => {
    const big = Buffer.alloc(5000, 0x61);
    const { lines, oversized } = split([big, Buffer.from('\nnext\n')], 1000);
    expect(oversized).toEqual([1]);
    expect(lines[0]!.raw.length).toBeLessThanOrEqual(5000);
    expect(lines[1]).toMatchObject({ line: 2, offset: 5001, text: 'next' });
  });

  it('cuts a long line that ends inside a single chunk too', () => {
    const { lines, oversized } = split([Buffer.concat([Buffer.alloc(3000, 0x62), Buffer.from('\nshort\n')])], 1000);
    expect(oversized).toEqual([1]);
    expect(lines[0]!.raw.length).toBe(1000);
    expect(lines[1]).toMatchObject({ line: 2, offset: 3001, text: 'short' });
  });
});
