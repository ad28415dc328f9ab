import type { ErrorCode } from './errors.js';

/**
 * The documented exit statuses of the `weerbaar` command (docs/cli.md). This table is the only
 * place that maps error codes to them.
 */
export const ExitCode = {
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  INVALID_INPUT: 3,
  VERIFICATION_FAILED: 4,
  STORE_UNAVAILABLE: 5,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

const byCode: Record<ErrorCode, ExitCodeValue> = {
  USAGE: ExitCode.USAGE,
  NOT_A_WORKSPACE: ExitCode.USAGE,
  WORKSPACE_EXISTS: ExitCode.USAGE,
  NOT_FOUND: ExitCode.USAGE,
  CONFIG_INVALID: ExitCode.INVALID_INPUT,
  INVALID_INPUT: ExitCode.INVALID_INPUT,
  VERIFICATION_FAILED: ExitCode.VERIFICATION_FAILED,
  STORE_UNAVAILABLE: ExitCode.STORE_UNAVAILABLE,
  STORE_ERROR: ExitCode.INTERNAL,
  INTERNAL: ExitCode.INTERNAL,
};

export function exitCodeFor(code: ErrorCode): ExitCodeValue {
  return byCode[code];
}
