import type { z } from 'zod';
import { type InputProblem, InvalidInputError } from './errors.js';
import { type PathSegment, type StructuredSource, formatPath } from './structured-source.js';

/**
 * Validates a parsed document (or a part of it at `basePath`) against a zod schema and turns every
 * issue into a problem that names the file, the line and the JSON path.
 */
export function validateAt<S extends z.ZodType>(
  schema: S,
  source: StructuredSource,
  basePath: readonly PathSegment[],
  value: unknown,
): { ok: true; value: z.output<S> } | { ok: false; problems: InputProblem[] } {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  const problems = result.error.issues.map((issue) => {
    const path = [...basePath, ...issue.path.filter((p): p is PathSegment => typeof p !== 'symbol')];
    return {
      location: { file: source.file, line: source.lineOf(path), path: formatPath(path) },
      reason: issue.message,
    };
  });
  return { ok: false, problems };
}

export function validateOrThrow<S extends z.ZodType>(schema: S, source: StructuredSource, what: string): z.output<S> {
  const result = validateAt(schema, source, [], source.value);
  if (!result.ok) throw new InvalidInputError(`${source.file}: not a valid ${what}`, result.problems);
  return result.value;
}
