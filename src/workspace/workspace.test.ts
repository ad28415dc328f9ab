import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WeerbaarError } from '../shared/errors.js';
import { loadSigningKey } from './signing-key.js';
import { initWorkspace, openWorkspace, resolveWorkspaceDir } from './workspace.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'weerbaar-ws-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function failure(promise: Promise<unknown>): Promise<WeerbaarError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof WeerbaarError)) throw new Error(`expected a WeerbaarError, got ${String(error)}`);
  return error;
}

describe('init', () => {
  it('creates the configuration, vault, checkpoint folder and an owner-only Ed25519 key', async () => {
    const ws = await initWorkspace(join(root, 'case'), { organisation: 'Example Prosecution Service', timezone: 'Europe/Amsterdam' });
    expect(ws.config).toMatchObject({ weerbaar: 1, organisation: 'Example Prosecution Service', timezone: 'Europe/Amsterdam', case_store: { engine: 'sqlite' } });
    expect((await stat(ws.dir)).mode & 0o777).toBe(0o700);
    expect((await stat(ws.path('vault'))).isDirectory()).toBe(true);
    expect((await stat(ws.path('audit/checkpoints'))).isDirectory()).toBe(true);
    expect((await stat(ws.path('keys/audit-ed25519.pem'))).mode & 0o777).toBe(0o600);
    expect((await loadSigningKey(ws.path('keys/audit-ed25519.pem'))).asymmetricKeyType).toBe('ed25519');
    const reopened = await openWorkspace(ws.dir);
    expect(reopened.config).toEqual(ws.config);
  });

  it('defaults the organisation to the folder name and refuses unknown time zones', async () => {
    expect((await initWorkspace(join(root, 'om-den-haag'), { timezone: 'UTC' })).config.organisation).toBe('om-den-haag');
    expect((await failure(initWorkspace(join(root, 'x'), { timezone: 'Europe/Atlantis' }))).message).toContain('not an IANA time-zone name');
  });

  it('refuses an existing workspace and a non-empty folder', async () => {
    await initWorkspace(join(root, 'a'), { timezone: 'UTC' });
    expect((await failure(initWorkspace(join(root, 'a')))).code).toBe('WORKSPACE_EXISTS');
    await writeFile(join(root, 'b'), 'a file');
    expect((await failure(initWorkspace(join(root, 'b')))).code).toBe('WORKSPACE_EXISTS');
  });
});

describe('open', () => {
  it('says clearly when a folder is not a workspace', async () => {
    const error = await failure(openWorkspace(root));
    expect(error.code).toBe('NOT_A_WORKSPACE');
    expect(error.message).toContain('--workspace DIR or WEERBAAR_WORKSPACE');
  });

  it('rejects unknown keys and bad values with their line', async () => {
    const ws = await initWorkspace(join(root, 'w'), { timezone: 'UTC' });
    const text = await readFile(join(ws.dir, 'weerbaar.yaml'), 'utf8');
    await writeFile(join(ws.dir, 'weerbaar.yaml'), `${text}case_sotre: {}\n`);
    const error = await failure(openWorkspace(ws.dir));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.details.join('\n')).toMatch(/weerbaar\.yaml:\d+ \(case_sotre\): unknown field "case_sotre"/);
  });

  it('reads the event store settings and names a bad memory limit', async () => {
    const ws = await initWorkspace(join(root, 'e'), { timezone: 'UTC' });
    expect(ws.config.event_store).toEqual({ engine: 'duckdb', path: 'events.duckdb' });
    const text = await readFile(join(ws.dir, 'weerbaar.yaml'), 'utf8');
    await writeFile(join(ws.dir, 'weerbaar.yaml'), text.replace('path: events.duckdb', 'path: events.duckdb\n  memory_limit: 2GB'));
    expect((await openWorkspace(ws.dir)).config.event_store).toEqual({ engine: 'duckdb', path: 'events.duckdb', memory_limit: '2GB' });
    await writeFile(join(ws.dir, 'weerbaar.yaml'), text.replace('path: events.duckdb', 'path: events.duckdb\n  memory_limit: lots'));
    const error = await failure(openWorkspace(ws.dir));
    expect(error.details.join('\n')).toMatch(/memory_limit.*must be a size such as 512MB/);
  });

  it('resolves the folder from the option, then the environment, then the current folder', () => {
    expect(resolveWorkspaceDir('a', { WEERBAAR_WORKSPACE: '/b' }, '/c')).toBe('/c/a');
    expect(resolveWorkspaceDir(undefined, { WEERBAAR_WORKSPACE: '/b' }, '/c')).toBe('/b');
    expect(resolveWorkspaceDir(undefined, {}, '/c')).toBe('/c');
  });
});

describe('signing key', () => {
  it('is refused when group or others can read it', async () => {
    const ws = await initWorkspace(join(root, 'w'), { timezone: 'UTC' });
    const key = ws.path('keys/audit-ed25519.pem');
    await chmod(key, 0o644);
    expect((await failure(loadSigningKey(key))).message).toContain('chmod 600');
  });

  it('is refused when it is not an Ed25519 key', async () => {
    const file = join(root, 'k.pem');
    await writeFile(file, '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', { mode: 0o600 });
    expect((await failure(loadSigningKey(file))).message).toContain('not an Ed25519 private key');
  });
});
