import { join } from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import { cli, tempDir } from './cli-harness.js';
import type { EngineUnderTest } from './engines.js';

/**
 * Per test: a temporary folder, the engine's environment (a fresh PostgreSQL schema, or nothing for
 * SQLite) and, unless `init: false`, a workspace at `<root>/ws` — all removed afterwards.
 */
export interface EngineWorkspace {
  root: string;
  ws: string;
  env: NodeJS.ProcessEnv;
}

export function useEngineWorkspace(engine: EngineUnderTest, options: { init?: boolean; timezone?: string } = {}): EngineWorkspace {
  const state: EngineWorkspace = { root: '', ws: '', env: {} };
  let cleanup: () => Promise<void> = () => Promise.resolve();
  beforeEach(async () => {
    const temp = await tempDir();
    const prepared = await engine.prepare();
    state.root = temp.dir;
    state.ws = join(temp.dir, 'ws');
    state.env = prepared.env;
    cleanup = async () => {
      await prepared.cleanup();
      await temp.remove();
    };
    if (options.init !== false) {
      expect((await cli(['init', state.ws, '--timezone', options.timezone ?? 'UTC'], { env: state.env })).code).toBe(0);
    }
  });
  afterEach(() => cleanup());
  return state;
}
