import { execFile } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli, tempDir } from './support/cli-harness.js';
import { engines, postgresSkipReason } from './support/engines.js';

/** The command line as a user meets it: workspaces, inventory, audit, exit statuses, on every engine. */

if (postgresSkipReason) describe.skip(postgresSkipReason, () => undefined);

let root: string;
let removeRoot: () => Promise<void>;
beforeEach(async () => {
  ({ dir: root, remove: removeRoot } = await tempDir());
});
afterEach(() => removeRoot());

describe('exit statuses', () => {
  it('0 for help and version, 2 for usage errors', async () => {
    expect((await cli(['--help'])).code).toBe(0);
    expect((await cli(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    expect((await cli(['inventory', 'show'])).code).toBe(2);
    expect((await cli([])).code).toBe(2);
    expect((await cli(['inventory'])).code).toBe(2);
    expect((await cli(['inventory', '--help'])).code).toBe(0);
  });

  it('2 outside a workspace, with a message that says what to do and no stack trace', async () => {
    const run = await cli(['inventory', 'list'], { cwd: root });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${root} is not a Weerbaar workspace`);
    expect(run.stderr).toContain('weerbaar init');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('finds the workspace through --workspace, WEERBAAR_WORKSPACE and the current folder', async () => {
    const ws = join(root, 'ws');
    expect((await cli(['init', ws, '--timezone', 'UTC'])).code).toBe(0);
    expect((await cli(['-w', ws, 'inventory', 'list'])).code).toBe(0);
    expect((await cli(['inventory', 'list'], { env: { WEERBAAR_WORKSPACE: ws } })).code).toBe(0);
    expect((await cli(['inventory', 'list'], { cwd: ws })).code).toBe(0);
  });

  it('3 for invalid input, listing every problem with file and line', async () => {
    const ws = join(root, 'ws');
    await cli(['init', ws, '--timezone', 'UTC']);
    const bad = join(root, 'assets.csv');
    await writeFile(bad, 'id,name,kind\na,A,server\nb,B,spaceship\nc,,server\n');
    const run = await cli(['-w', ws, 'inventory', 'import', bad]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('2 problems; nothing was imported');
    expect(run.stderr).toContain(`${bad}:3 (kind): must be one of`);
    expect(run.stderr).toContain(`${bad}:4 (name): is required`);
  });

  it('3 for an invalid weerbaar.yaml, naming the key and line', async () => {
    const ws = join(root, 'ws');
    await cli(['init', ws, '--timezone', 'UTC']);
    await writeFile(join(ws, 'weerbaar.yaml'), 'weerbaar: 1\nworkspace_id: 00000000-0000-4000-8000-000000000000\norganisation: X\ntimezone: Mars/Olympus\n');
    const run = await cli(['-w', ws, 'inventory', 'list']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/weerbaar\.yaml:4 \(timezone\): is not an IANA time-zone name/);
  });

  it('5 when PostgreSQL cannot be reached, without printing the password', async () => {
    const ws = join(root, 'ws');
    await cli(['init', ws, '--timezone', 'UTC']);
    const run = await cli(['-w', ws, 'inventory', 'list'], { env: { WEERBAAR_DATABASE_URL: 'postgres://u:s3cret@127.0.0.1:1/db' } });
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('connection refused');
    expect(run.stderr).not.toContain('s3cret');
  });

  it('refuses to create a workspace over an existing one or a non-empty folder', async () => {
    const ws = join(root, 'ws');
    await cli(['init', ws]);
    expect((await cli(['init', ws])).stderr).toContain('already a Weerbaar workspace');
    await writeFile(join(root, 'x'), '');
    expect((await cli(['init', root])).code).toBe(2);
  });

  it('exits with the status through the real binary', async () => {
    const run = promisify(execFile);
    const main = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');
    const repo = join(import.meta.dirname, '..');
    const failure = await run(process.execPath, ['--import', 'tsx', main, '-w', root, 'audit', 'verify'], { cwd: repo }).catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toContain('is not a Weerbaar workspace');
  });
});

describe.each(engines)('workspace, inventory and audit on $name', (engine) => {
  let env: NodeJS.ProcessEnv;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ env, cleanup } = await engine.prepare());
  });
  afterEach(() => cleanup());

  it('creates a workspace with its key readable by the owner only', async () => {
    const ws = join(root, 'ws');
    const run = await cli(['init', ws, '--organisation', 'Example Prosecution Service', '--timezone', 'Europe/Amsterdam'], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(engine.name === 'sqlite' ? 'SQLite' : 'PostgreSQL');
    expect((await stat(join(ws, 'keys', 'audit-ed25519.pem'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(ws, 'vault'))).isDirectory()).toBe(true);
    const log = JSON.parse((await cli(['-w', ws, 'audit', 'log', '--json'], { env })).stdout) as { action: string; actor: string }[];
    expect(log).toEqual([expect.objectContaining({ action: 'workspace.init', actor: 'test-runner' })]);
  });

  it('imports, lists, shows and re-imports the inventory, auditing what changed', async () => {
    const ws = join(root, 'ws');
    await cli(['init', ws, '--timezone', 'UTC'], { env });
    const file = join(root, 'inventory.yaml');
    const inventory = (version: string) => `
data_categories:
  - { id: hr-files, name: HR files, sensitivity: confidential, personal_data: true }
assets:
  - { id: gw-1, name: Gateway 1, kind: gateway, vendor: Citrix, product: NetScaler ADC, version: "${version}", internet_facing: true, criticality: critical, depends_on: [idp] }
  - { id: idp, name: Identity provider, kind: identity }
  - { id: hr, name: HR system, kind: application, data_categories: [hr-files] }
partners:
  - { id: csirt, name: National CSIRT, kind: csirt, tlp_max: AMBER }
interfaces:
  - { id: if-siem-csirt, asset: hr, partner: csirt, direction: outbound, load_order: 1 }
`;
    await writeFile(file, inventory('14.1-43.50'));
    const first = await cli(['-w', ws, 'inventory', 'import', file], { env });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('imported: 6 created, 0 updated, 0 unchanged');

    const list = JSON.parse((await cli(['-w', ws, 'inventory', 'list', '--json'], { env })).stdout) as Record<string, unknown>[];
    expect(list.map((a) => a['id'])).toEqual(['gw-1', 'hr', 'idp']);
    expect(Object.keys(list[0] ?? {}).sort()).toEqual(
      ['addresses', 'audit_logging', 'cpe', 'criticality', 'data_categories', 'depends_on', 'hashes', 'id', 'internet_facing', 'kind', 'location', 'model_numbers', 'name', 'notes', 'owner', 'product', 'purl', 'skus', 'vendor', 'version'].sort(),
    );
    expect(list[0]).toMatchObject({ internet_facing: true, depends_on: ['idp'], version: '14.1-43.50' });

    const show = await cli(['-w', ws, 'inventory', 'show', 'idp'], { env });
    expect(show.stdout).toMatch(/needed by\s+gw-1/);
    expect((await cli(['-w', ws, 'inventory', 'show', 'nope'], { env })).code).toBe(2);

    await writeFile(file, inventory('14.1-47.46'));
    const second = await cli(['-w', ws, 'inventory', 'import', file], { env });
    expect(second.stdout).toContain('imported: 0 created, 1 updated, 5 unchanged');
    expect(second.stdout).toContain('updated asset gw-1: version: 14.1-43.50 → 14.1-47.46');

    const log = JSON.parse((await cli(['-w', ws, 'audit', 'log', '--json'], { env })).stdout) as { action: string; subject: string; details: unknown }[];
    expect(log.filter((e) => e.action === 'inventory.asset.update')).toEqual([
      expect.objectContaining({ subject: 'asset:gw-1', details: { changes: { version: { from: '14.1-43.50', to: '14.1-47.46' } } } }),
    ]);
    expect((await cli(['-w', ws, 'audit', 'checkpoint'], { env })).code).toBe(0);
    const verified = await cli(['-w', ws, 'audit', 'verify'], { env });
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain(`signed up to #${log.length}`);
  });
});

describe('init with an unreachable PostgreSQL', () => {
  it('fails with status 5 and leaves no half-made workspace behind', async () => {
    const { dir, remove } = await tempDir();
    try {
      const ws = join(dir, 'team');
      const run = await cli(['init', ws, '--case-store', 'postgres', '--timezone', 'UTC'], { env: { WEERBAAR_DATABASE_URL: 'postgres://u:pw@127.0.0.1:1/x' } });
      expect(run.code).toBe(5);
      await expect(stat(ws)).rejects.toThrow(/ENOENT/);
    } finally {
      await remove();
    }
  });
});

describe.each(engines.filter((e) => e.name === 'postgres'))('a shared case store on $name', (engine) => {
  it('belongs to one workspace: a second workspace on the same schema is refused', async () => {
    const { env, cleanup } = await engine.prepare();
    const { dir, remove } = await tempDir();
    try {
      expect((await cli(['init', join(dir, 'a'), '--timezone', 'UTC'], { env })).code).toBe(0);
      const second = await cli(['init', join(dir, 'b'), '--timezone', 'UTC'], { env });
      expect(second.code).toBe(2);
      expect(second.stderr).toContain('already holds the case store of another workspace');
      await expect(stat(join(dir, 'b'))).rejects.toThrow(/ENOENT/);
      // A workspace made on SQLite and later pointed at that schema is refused too.
      expect((await cli(['init', join(dir, 'c'), '--timezone', 'UTC'])).code).toBe(0);
      const pointed = await cli(['-w', join(dir, 'c'), 'inventory', 'list'], { env });
      expect(pointed.code).toBe(3);
      expect(pointed.stderr).toContain('belongs to workspace');
    } finally {
      await remove();
      await cleanup();
    }
  });
});

describe('advisories validate', () => {
  const suite = join(import.meta.dirname, '..', '..', 'shared', 'corpora', 'csaf', 'oasis-2.0');
  it('accepts valid advisories with status 0', async () => {
    const run = await cli(['advisories', 'validate', join(suite, 'examples', 'csaf', 'bsi-2022-0001.json')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('1 documents: 1 valid, 0 invalid');
  });

  it('reports each invalid document with test id, path and line, counts both, and exits 3', async () => {
    const bad = join(suite, 'validator-data', 'mandatory', 'oasis_csaf_tc-csaf_2_0-2021-6-1-21-01.json');
    const good = join(suite, 'examples', 'csaf', 'bsi-2022-0001.json');
    const { dir, remove } = await tempDir();
    try {
      const notJson = join(dir, 'broken.json');
      await writeFile(notJson, '{"document": ');
      const run = await cli(['advisories', 'validate', bad, good, notJson]);
      expect(run.code).toBe(3);
      expect(run.stdout).toMatch(/INVALID {2}.*6-1-21-01\.json \(CSAF 2\.0\)\n {2}6\.1\.21 +document\.tracking\.revision_history \(line \d+\): /);
      expect(run.stdout).toMatch(/INVALID {2}.*broken\.json \(not CSAF\)\n {2}parse .*JSON syntax/);
      expect(run.stdout).toContain('3 documents: 1 valid, 2 invalid');
      const json = JSON.parse((await cli(['advisories', 'validate', '--json', bad])).stdout) as { valid: boolean; failures: { test: string }[] }[];
      expect(json[0]).toMatchObject({ valid: false, failures: [expect.objectContaining({ test: '6.1.21' })] });
    } finally {
      await remove();
    }
  });
});
