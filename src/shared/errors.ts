/**
 * One error base class for the whole platform. Every error a user can cause carries a `code`
 * from a closed set; the code decides the exit status (CLI) and, later, the HTTP status — in one
 * place each (`exit-codes.ts`). Parsed input adds a `location` so that a message always names the
 * file and the line or JSON path.
 */

export type ErrorCode =
  | 'USAGE'
  | 'NOT_A_WORKSPACE'
  | 'WORKSPACE_EXISTS'
  | 'CONFIG_INVALID'
  | 'INVALID_INPUT'
  | 'NOT_FOUND'
  | 'VERIFICATION_FAILED'
  | 'STORE_UNAVAILABLE'
  | 'STORE_ERROR'
  | 'INTERNAL';

/** Where in an input a problem sits. `path` is a JSON-path-like string such as `assets[3].depends_on[1]`. */
export interface SourceLocation {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly path?: string;
}

export function formatLocation(location: SourceLocation): string {
  let text = location.file;
  if (location.line !== undefined) {
    text += `:${location.line}`;
    if (location.column !== undefined) text += `:${location.column}`;
  }
  if (location.path) text += ` (${location.path})`;
  return text;
}

export interface WeerbaarErrorOptions {
  readonly cause?: unknown;
  readonly location?: SourceLocation;
  /** Extra lines shown under the message, e.g. every problem found in an input. */
  readonly details?: readonly string[];
}

export class WeerbaarError extends Error {
  readonly code: ErrorCode;
  readonly location: SourceLocation | undefined;
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, options: WeerbaarErrorOptions = {}) {
    super(options.location ? `${formatLocation(options.location)}: ${message}` : message, {
      cause: options.cause,
    });
    this.name = new.target.name;
    this.code = code;
    this.location = options.location;
    this.details = options.details ?? [];
  }
}

export class UsageError extends WeerbaarError {
  constructor(message: string, options?: WeerbaarErrorOptions) {
    super('USAGE', message, options);
  }
}

/** One problem in an input file; many of them are gathered into an {@link InvalidInputError}. */
export interface InputProblem {
  readonly location: SourceLocation;
  readonly reason: string;
}

export function formatProblem(problem: InputProblem): string {
  return `${formatLocation(problem.location)}: ${problem.reason}`;
}

/** Input that was read but rejected. Carries every problem found, not only the first. */
export class InvalidInputError extends WeerbaarError {
  readonly problems: readonly InputProblem[];

  constructor(message: string, problems: readonly InputProblem[], options: WeerbaarErrorOptions = {}) {
    super('INVALID_INPUT', message, { ...options, details: problems.map(formatProblem) });
    this.problems = problems;
  }

  static single(location: SourceLocation, reason: string, cause?: unknown): InvalidInputError {
    return new InvalidInputError(`${formatLocation(location)}: ${reason}`, [{ location, reason }], { cause });
  }
}

export class VerificationError extends WeerbaarError {
  constructor(message: string, options?: WeerbaarErrorOptions) {
    super('VERIFICATION_FAILED', message, options);
  }
}

/** Wraps a failure of a database engine with what was being done, never with credentials. */
export class StoreError extends WeerbaarError {
  constructor(message: string, options?: WeerbaarErrorOptions) {
    super('STORE_ERROR', message, options);
  }
}

export function isWeerbaarError(value: unknown): value is WeerbaarError {
  return value instanceof WeerbaarError;
}
