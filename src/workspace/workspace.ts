import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { WeerbaarError } from '../shared/errors.js';
import { describeFsError } from '../shared/text-input.js';
import { isValidTimeZone } from '../shared/time.js';
import { CONFIG_FILE, type WorkspaceConfig, parseWorkspaceConfig, serialiseWorkspaceConfig } from './workspace-config.js';
import { createSigningKey } from './signing-key.js';

/**
 * A workspace is a folder: `weerbaar.yaml`, the case database (SQLite by default), the evidence
 * vault, the audit signing key and the exported audit checkpoints. This module creates and opens
 * the folder; opening the databases is the application layer's job.
 */

export interface Workspace {
  readonly dir: string;
  readonly config: WorkspaceConfig;
  /** Resolves a path from the configuration relative to the workspace folder. */
  path(relative: string): string;
}

export interface InitOptions {
  readonly organisation?: string;
  readonly timezone?: string;
  readonly caseStore?: WorkspaceConfig['case_store'];
  readonly scenario?: string;
}

export async function initWorkspace(dir: string, options: InitOptions = {}): Promise<Workspace> {
  const absolute = resolve(dir);
  await ensureEmptyOrAbsent(absolute);
  const timezone = options.timezone ?? systemTimeZone();
  if (!isValidTimeZone(timezone)) {
    throw new WeerbaarError('USAGE', `time zone "${timezone}" is not an IANA time-zone name (such as Europe/Amsterdam)`);
  }
  const config: WorkspaceConfig = {
    weerbaar: 1,
    workspace_id: randomUUID(),
    organisation: options.organisation?.trim() || basename(absolute),
    timezone,
    case_store: options.caseStore ?? { engine: 'sqlite', path: 'case.sqlite' },
    event_store: { engine: 'duckdb', path: 'events.duckdb' },
    vault: 'vault',
    audit: { signing_key: 'keys/audit-ed25519.pem', public_key: 'keys/audit-ed25519.pub.pem', checkpoints: 'audit/checkpoints' },
    ...(options.scenario ? { scenario: options.scenario } : {}),
  };
  // The folder will hold the most sensitive data an organisation has: owner-only from the start.
  await mkdir(absolute, { recursive: true, mode: 0o700 });
  const workspace = workspaceAt(absolute, config);
  await mkdir(workspace.path(config.vault), { recursive: true, mode: 0o700 });
  await mkdir(workspace.path('keys'), { recursive: true, mode: 0o700 });
  await mkdir(workspace.path(config.audit.checkpoints), { recursive: true, mode: 0o700 });
  await createSigningKey({ privateKeyFile: workspace.path(config.audit.signing_key), publicKeyFile: workspace.path(config.audit.public_key) });
  await writeFile(join(absolute, CONFIG_FILE), serialiseWorkspaceConfig(config), { mode: 0o600, flag: 'wx' });
  return workspace;
}

export async function openWorkspace(dir: string): Promise<Workspace> {
  const absolute = resolve(dir);
  const file = join(absolute, CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new WeerbaarError(
        'NOT_A_WORKSPACE',
        `${absolute} is not a Weerbaar workspace (it has no ${CONFIG_FILE}). ` +
          'Create one with `weerbaar init DIR`, or point to one with --workspace DIR or WEERBAAR_WORKSPACE.',
      );
    }
    throw new WeerbaarError('CONFIG_INVALID', `${file} cannot be read: ${describeFsError(error)}`, { cause: error });
  }
  return workspaceAt(absolute, parseWorkspaceConfig(file, text));
}

/** Where a command looks for its workspace: the option, then WEERBAAR_WORKSPACE, then the current folder. */
export function resolveWorkspaceDir(option: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string {
  return resolve(cwd, option ?? env['WEERBAAR_WORKSPACE'] ?? '.');
}

function workspaceAt(dir: string, config: WorkspaceConfig): Workspace {
  return {
    dir,
    config,
    path: (relative) => (isAbsolute(relative) ? relative : join(dir, relative)),
  };
}

async function ensureEmptyOrAbsent(dir: string): Promise<void> {
  let entries: string[];
  try {
    if (!(await stat(dir)).isDirectory()) throw new WeerbaarError('WORKSPACE_EXISTS', `${dir} exists and is not a folder`);
    entries = await readdir(dir);
  } catch (error) {
    if (error instanceof WeerbaarError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new WeerbaarError('USAGE', `${dir} cannot be used: ${describeFsError(error)}`, { cause: error });
  }
  if (entries.includes(CONFIG_FILE)) throw new WeerbaarError('WORKSPACE_EXISTS', `${dir} is already a Weerbaar workspace`);
  if (entries.length > 0) throw new WeerbaarError('WORKSPACE_EXISTS', `${dir} is not empty; choose a new or empty folder for the workspace`);
}

function systemTimeZone(): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return zone && isValidTimeZone(zone) ? zone : 'UTC';
}
