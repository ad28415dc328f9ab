import { WeerbaarError } from '../shared/errors.js';
import { ExitCode, type ExitCodeValue, exitCodeFor } from '../shared/exit-codes.js';
import type { CliIo } from './cli-io.js';

/**
 * Turns any failure into a message and an exit status. A user error prints its message and
 * details only; a stack trace appears only for internal errors or with --debug.
 */
export function renderError(io: CliIo, error: unknown, debug: boolean): ExitCodeValue {
  if (error instanceof WeerbaarError) {
    io.stderr(`weerbaar: ${error.message}\n`);
    for (const detail of error.details) io.stderr(`  ${detail}\n`);
    if (debug && error.stack) io.stderr(`${error.stack}\n`);
    if (debug && error.cause instanceof Error && error.cause.stack) io.stderr(`caused by: ${error.cause.stack}\n`);
    return exitCodeFor(error.code);
  }
  io.stderr(`weerbaar: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
  if (error instanceof Error && error.stack) io.stderr(`${debug ? error.stack : 'run again with --debug for the stack trace'}\n`);
  return ExitCode.INTERNAL;
}
