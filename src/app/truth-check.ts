/** One comparison of a demo result with the scenario's ground truth. */
export interface TruthCheck {
  readonly what: string;
  readonly expected: unknown;
  readonly found: unknown;
  readonly ok: boolean;
}

export function truthCheck(what: string, expected: unknown, found: unknown): TruthCheck {
  return { what, expected, found, ok: JSON.stringify(expected) === JSON.stringify(found) };
}
