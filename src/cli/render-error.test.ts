import { describe, expect, it } from 'vitest';
import { InvalidInputError, WeerbaarError } from '../shared/errors.js';
import { renderError } from './render-error.js';

function rendered(error: unknown, debug = false) {
  let stderr = '';
  const code = renderError({ stdout: () => undefined, stderr: (t) => (stderr += t), env: {}, cwd: '/' }, error, debug);
  return { code, stderr };
}

describe('renderError', () => {
  it('prints a user error with its details and no stack trace', () => {
    const { code, stderr } = rendered(new InvalidInputError('import rejected', [{ location: { file: 'a.csv', line: 3, path: 'kind' }, reason: 'bad kind' }]));
    expect(code).toBe(3);
    expect(stderr).toBe('weerbaar: import rejected\n  a.csv:3 (kind): bad kind\n');
  });

  it('adds the stack trace with --debug', () => {
    expect(rendered(new WeerbaarError('VERIFICATION_FAILED', 'bad'), true).stderr).toMatch(/\n\s+at /);
  });

  it('exits 1 for an internal error and points to --debug', () => {
    const { code, stderr } = rendered(new TypeError('x is undefined'));
    expect(code).toBe(1);
    expect(stderr).toContain('weerbaar: internal error: x is undefined');
    expect(stderr).toContain('--debug');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
