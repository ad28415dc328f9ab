import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { LogEvent, ParseFailure } from '../../src/ingest/log-event.js';

/**
 * The public test corpora live beside the repository (`../shared/corpora`, as in CI). A missing
 * corpus fails the test that needs it — a skipped corpus test would pass without testing anything.
 */
export const CORPORA = join(import.meta.dirname, '..', '..', '..', 'shared', 'corpora');

export function corpus(...parts: string[]): string {
  const path = join(CORPORA, ...parts);
  if (!existsSync(path)) throw new Error(`test corpus missing: ${path} (../shared/corpora must sit beside the repository)`);
  return path;
}

/** Files below `root` whose names match `pattern`, sorted (corpus folders nest rules by theme). */
export function filesUnder(root: string, pattern: RegExp): string[] {
  return readdirSync(root)
    .flatMap((name) => {
      const path = join(root, name);
      return statSync(path).isDirectory() ? filesUnder(path, pattern) : pattern.test(name) ? [path] : [];
    })
    .sort();
}

/** Physical lines as the line splitter counts them: a final line without newline still counts. */
export function lineCount(input: Buffer): number {
  let n = 0;
  for (const byte of input) if (byte === 0x0a) n += 1;
  return input.length > 0 && input[input.length - 1] !== 0x0a ? n + 1 : n;
}

/** Every physical line is in exactly one event (multi-line events span several), one failure or one skip, and failures say why. */
export function expectAllAccounted(input: Buffer, result: { events: LogEvent[]; failures: ParseFailure[]; skipped: number[] }): void {
  const seen = new Set<number>();
  for (const e of result.events) {
    const span = e.raw.toString('latin1').split('\n').length;
    for (let i = 0; i < span; i += 1) {
      expect(seen.has(e.line + i)).toBe(false);
      seen.add(e.line + i);
    }
  }
  for (const f of result.failures) {
    expect(f.reason).not.toBe('');
    expect(seen.has(f.line)).toBe(false);
    seen.add(f.line);
  }
  for (const line of result.skipped) {
    expect(seen.has(line)).toBe(false);
    seen.add(line);
  }
  expect(seen.size).toBe(lineCount(input));
}
