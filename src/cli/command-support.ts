import { UsageError } from '../shared/errors.js';
import type { ExitCodeValue } from '../shared/exit-codes.js';

/** Types and small helpers shared by the command modules. */

/** A command's outcome: most succeed with 0; verification commands may report a failed check. */
export type CommandOutcome = ExitCodeValue | void;

export type ActionRunner = (action: () => Promise<CommandOutcome>) => () => Promise<void>;

export interface GlobalOptions {
  workspace?: string;
  actor?: string;
  debug?: boolean;
}

/** For options that take one of a list of values. */
export function choice<T extends string>(value: string, allowed: readonly T[], what: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${what} must be one of: ${allowed.join(', ')}`);
}
