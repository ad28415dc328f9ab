import { describe, expect, it } from 'vitest';
import { COMMAND_MODULES, buildProgram, commandOf, registrarsFor } from './run-cli.js';
import type { CliIo } from './cli-io.js';

const io: CliIo = { stdout: () => undefined, stderr: () => undefined, env: {}, cwd: '/', interactive: false };

describe('loading only the command being run', () => {
  it('knows the module of every top-level command, and nothing else', async () => {
    const program = buildProgram(io, () => undefined, await registrarsFor([]));
    const registered = program.commands.map((c) => c.name()).sort();
    expect(Object.keys(COMMAND_MODULES).sort()).toEqual(registered);
  });

  it('loads exactly the module that registers the named command', async () => {
    for (const name of Object.keys(COMMAND_MODULES)) {
      const program = buildProgram(io, () => undefined, await registrarsFor(['-w', 'ws', name]));
      expect(program.commands.map((c) => c.name())).toContain(name);
      expect(program.commands.length).toBeLessThanOrEqual(3);
    }
  });

  it('finds the command past global options and their values', () => {
    expect(commandOf(['-w', 'integrity', '--actor', 'x', 'exposure', '--json'])).toBe('exposure');
    expect(commandOf(['--debug', 'hunt'])).toBe('hunt');
    expect(commandOf(['--version'])).toBeUndefined();
  });

  it('loads every module for help and for unknown commands', async () => {
    const all = new Set(await registrarsFor([])).size;
    expect((await registrarsFor(['integrity', '--help'])).length).toBe(all);
    expect((await registrarsFor(['nonsense'])).length).toBe(all);
  });
});
