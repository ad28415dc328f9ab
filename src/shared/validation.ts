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
  const result = schema.safeParse(value, { error: (issue) => (issue.input === undefined ? 'is required' : undefined) });
  if (result.success) return { ok: true, value: result.data };
  const problems: InputProblem[] = [];
  for (const issue of result.error.issues) {
    const path = [...basePath, ...issue.path.filter((p): p is PathSegment => typeof p !== 'symbol')];
    // An unknown key is reported at the key itself, one problem per key, so the line is the typo's.
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    for (const key of keys) {
      const at = key === undefined ? path : [...path, key];
      problems.push({
        location: { file: source.file, line: source.lineOf(at), path: formatPath(at) },
        reason: key === undefined ? issue.message : `unknown field "${key}"`,
      });
    }
  }
  return { ok: false, problems };
}

export function validateOrThrow<S extends z.ZodType>(schema: S, source: StructuredSource, what: string): z.output<S> {
  const result = validateAt(schema, source, [], source.value);
  if (!result.ok) throw new InvalidInputError(`${source.file}: not a valid ${what}`, result.problems);
  return result.value;
}
