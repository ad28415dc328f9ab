import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from './support/cli-harness.js';
import { corpus } from './support/corpora.js';

/**
 * The installed command parses evidence in worker threads; the in-process tests run the
 * TypeScript sources, where parsing runs inline. This suite runs the compiled `bin/weerbaar.js`
 * (built by `npm test` and by `npm ci`) on the corpus and checks that the worker path stores
 * exactly what the inline path stores, file by file.
 */

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', 'bin', 'weerbaar.js');

interface Listed {
  sha256: string;
  format: string;
  events: number | null;
  failures: number | null;
}

describe('the compiled command (worker threads)', () => {
  let root: { dir: string; remove: () => Promise<void> };
  beforeAll(async () => {
    root = await tempDir();
  });
  afterAll(() => root.remove());

  it('parses a folder of mixed logs exactly as the in-process path does', async () => {
    const inputs = [corpus('netscaler', 'mandiant-ioc-scanner', 'tests'), corpus('netscaler', 'elastic-citrix_adc', 'pipeline')];
    const env = { ...process.env, WEERBAAR_ACTOR: 'test-runner' };
    const workers = join(root.dir, 'workers');
    const inline = join(root.dir, 'inline');
    for (const ws of [workers, inline]) expect((await cli(['init', ws, '--timezone', 'Europe/Amsterdam'])).code).toBe(0);

    const compiled = await run('node', [BIN, '-w', workers, 'evidence', 'add', ...inputs], { env });
    expect(compiled.stdout).toMatch(/\d+ files parsed: \d+ events/);
    expect((await cli(['-w', inline, 'evidence', 'add', ...inputs])).code).toBe(0);

    const list = async (ws: string) => (JSON.parse((await cli(['-w', ws, 'evidence', 'list', '--json'])).stdout) as Listed[]).map((e) => ({ sha256: e.sha256, format: e.format, events: e.events, failures: e.failures })).sort((a, b) => a.sha256.localeCompare(b.sha256));
    const fromWorkers = await list(workers);
    expect(fromWorkers.filter((e) => (e.events ?? 0) > 0).length).toBeGreaterThan(10);
    expect(fromWorkers).toEqual(await list(inline));
    const coverage = async (ws: string) => JSON.parse((await cli(['-w', ws, 'evidence', 'coverage', '--json'])).stdout) as unknown;
    expect(await coverage(workers)).toEqual(await coverage(inline));
  });
});
