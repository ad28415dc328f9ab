/**
 * Sigma condition grammar (spec "Condition"): a hand-written recursive-descent parser and a resolver
 * that expands `1 of` / `all of` selectors against the rule's search identifiers.
 *
 * Precedence, weakest to strongest: or < and < not < `x of` < ( ). Binary operators are left-associative
 * and flattened (a or b or c → one `or` node). Errors carry the 1-based column of the offending token
 * so that a message can point into the condition string.
 */

export type ConditionNode =
  | { readonly kind: 'or'; readonly operands: readonly ConditionNode[] }
  | { readonly kind: 'and'; readonly operands: readonly ConditionNode[] }
  | { readonly kind: 'not'; readonly operand: ConditionNode }
  | { readonly kind: 'identifier'; readonly name: string; readonly column: number }
  /** `1 of x*` / `all of them`; `pattern` is `them` or a name with `*` wildcards. Gone after resolving. */
  | { readonly kind: 'selector'; readonly quantifier: 'any' | 'all'; readonly pattern: string; readonly column: number };

export class ConditionError extends Error {
  constructor(readonly reason: string, readonly column: number) {
    super(`column ${column}: ${reason}`);
    this.name = 'ConditionError';
  }
}

/** Nesting deeper than this is hostile or generated; refusing it keeps the recursion off the stack limit. */
const MAX_DEPTH = 64;
/** Identifiers may hold letters, digits, `_`, `-` and `.`; `*` only in selector patterns. */
const WORD = /[A-Za-z0-9_.*-]/;
const KEYWORDS = new Set(['and', 'or', 'not', 'of', 'them', 'all', 'any']);

interface Token {
  readonly text: string;
  /** 1-based column. */
  readonly column: number;
  readonly kind: 'word' | '(' | ')' | 'end';
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] ?? '';
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '(' || ch === ')') {
      tokens.push({ text: ch, column: i + 1, kind: ch });
      i++;
    } else if (WORD.test(ch)) {
      const start = i;
      while (i < text.length && WORD.test(text[i] ?? '')) i++;
      tokens.push({ text: text.slice(start, i), column: start + 1, kind: 'word' });
    } else if (ch === '|') {
      // Sigma v1 aggregations (`| count() by x > 5`) were replaced by correlation rules.
      throw new ConditionError('"|" aggregations are obsolete in Sigma v2; write a correlation rule instead', i + 1);
    } else {
      throw new ConditionError(`unexpected character "${ch}"`, i + 1);
    }
  }
  tokens.push({ text: '', column: text.length + 1, kind: 'end' });
  return tokens;
}

function keyword(token: Token): string | undefined {
  if (token.kind !== 'word') return undefined;
  const lower = token.text.toLowerCase();
  return KEYWORDS.has(lower) ? lower : undefined;
}

function describe(token: Token): string {
  return token.kind === 'end' ? 'end of condition' : `"${token.text}"`;
}

/** Parses one condition string; throws {@link ConditionError} naming the column of the bad token. */
export function parseCondition(text: string): ConditionNode {
  const tokens = tokenize(text);
  let position = 0;
  const peek = (): Token => tokens[position] ?? tokens[tokens.length - 1]!;
  const next = (): Token => {
    const token = peek();
    if (position < tokens.length - 1) position++;
    return token;
  };

  const parseOr = (depth: number): ConditionNode => {
    const operands = [parseAnd(depth)];
    while (keyword(peek()) === 'or') {
      next();
      operands.push(parseAnd(depth));
    }
    return operands.length === 1 ? operands[0]! : { kind: 'or', operands };
  };

  const parseAnd = (depth: number): ConditionNode => {
    const operands = [parseNot(depth)];
    while (keyword(peek()) === 'and') {
      next();
      operands.push(parseNot(depth));
    }
    return operands.length === 1 ? operands[0]! : { kind: 'and', operands };
  };

  const parseNot = (depth: number): ConditionNode => {
    if (depth > MAX_DEPTH) throw new ConditionError(`nested more than ${MAX_DEPTH} levels deep`, peek().column);
    if (keyword(peek()) === 'not') {
      next();
      return { kind: 'not', operand: parseNot(depth + 1) };
    }
    return parsePrimary(depth);
  };

  const parsePrimary = (depth: number): ConditionNode => {
    const token = next();
    if (token.kind === '(') {
      const inner = parseOr(depth + 1);
      const close = next();
      if (close.kind !== ')') throw new ConditionError(`expected ")" to close "(" at column ${token.column}, found ${describe(close)}`, close.column);
      return inner;
    }
    if (token.kind !== 'word') throw new ConditionError(`expected an identifier, "not", "(" or "1/all of", found ${describe(token)}`, token.column);
    const word = keyword(token);
    const following = peek();
    if ((token.text === '1' || word === 'any' || word === 'all') && keyword(following) === 'of') {
      next();
      const target = next();
      if (target.kind !== 'word' || (keyword(target) !== undefined && keyword(target) !== 'them')) {
        throw new ConditionError(`expected "them" or an identifier pattern after "of", found ${describe(target)}`, target.column);
      }
      const pattern = keyword(target) === 'them' ? 'them' : target.text;
      return { kind: 'selector', quantifier: word === 'all' ? 'all' : 'any', pattern, column: token.column };
    }
    if (/^\d+$/.test(token.text) && keyword(following) === 'of') {
      throw new ConditionError(`"${token.text} of" is not Sigma: only "1 of", "any of" and "all of" exist`, token.column);
    }
    if (word !== undefined) throw new ConditionError(`expected an identifier, found keyword "${token.text}"`, token.column);
    if (token.text.includes('*')) {
      throw new ConditionError(`wildcard "${token.text}" is only allowed after "1 of" or "all of"`, token.column);
    }
    return { kind: 'identifier', name: token.text, column: token.column };
  };

  const root = parseOr(0);
  const rest = peek();
  if (rest.kind !== 'end') {
    const hint = rest.kind === ')' ? 'unbalanced ")"' : `expected "and" or "or" before ${describe(rest)}`;
    throw new ConditionError(hint, rest.column);
  }
  return root;
}

/** Whether `name` matches a selector pattern: `*` is any run, everything else literal, whole name. */
export function matchesPattern(pattern: string, name: string): boolean {
  const pieces = pattern.split('*');
  if (pieces.length === 1) return pattern === name;
  const first = pieces[0] ?? '';
  const last = pieces[pieces.length - 1] ?? '';
  if (!name.startsWith(first) || name.length < first.length + last.length || !name.endsWith(last)) return false;
  let at = first.length;
  const end = name.length - last.length;
  for (const piece of pieces.slice(1, -1)) {
    const found = name.indexOf(piece, at);
    if (found < 0 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}

/**
 * Identifiers a selector stands for. `them` and patterns not starting with `_` skip identifiers
 * starting with `_` (the spec's "excluded by convention"; a pattern is "the same as them, restricted").
 */
export function selectIdentifiers(pattern: string, identifiers: readonly string[]): string[] {
  if (pattern === 'them') return identifiers.filter((name) => !name.startsWith('_'));
  const hidden = !pattern.startsWith('_');
  return identifiers.filter((name) => !(hidden && name.startsWith('_')) && matchesPattern(pattern, name));
}

/**
 * Replaces selectors by `or`/`and` over the identifiers they match and checks every identifier
 * exists. Throws {@link ConditionError} for an undefined identifier or a selector matching nothing —
 * silently dropping it would change the rule's logic.
 */
export function resolveCondition(node: ConditionNode, identifiers: readonly string[]): ConditionNode {
  switch (node.kind) {
    case 'or':
    case 'and':
      return { kind: node.kind, operands: node.operands.map((operand) => resolveCondition(operand, identifiers)) };
    case 'not':
      return { kind: 'not', operand: resolveCondition(node.operand, identifiers) };
    case 'identifier':
      if (!identifiers.includes(node.name)) {
        throw new ConditionError(`references undefined search identifier "${node.name}"${suggest(node.name, identifiers)}`, node.column);
      }
      return node;
    case 'selector': {
      const names = selectIdentifiers(node.pattern, identifiers);
      const written = `${node.quantifier === 'all' ? 'all' : '1'} of ${node.pattern}`;
      if (names.length === 0) throw new ConditionError(`"${written}" matches no search identifier`, node.column);
      const operands: ConditionNode[] = names.map((name) => ({ kind: 'identifier', name, column: node.column }));
      if (operands.length === 1) return operands[0]!;
      return { kind: node.quantifier === 'all' ? 'and' : 'or', operands };
    }
  }
}

/** Lists the identifiers a condition uses (after resolving, so selectors are already expanded). */
export function identifiersOf(node: ConditionNode, into: Set<string> = new Set()): Set<string> {
  if (node.kind === 'identifier') into.add(node.name);
  else if (node.kind === 'not') identifiersOf(node.operand, into);
  else if (node.kind === 'and' || node.kind === 'or') for (const operand of node.operands) identifiersOf(operand, into);
  return into;
}

/** "did you mean" for one-or-two-letter typos such as `selction`. */
function suggest(name: string, identifiers: readonly string[]): string {
  const close = identifiers.find((candidate) => editDistance(name, candidate) <= 2);
  return close === undefined ? '' : ` (did you mean "${close}"?)`;
}

/** Levenshtein distance, capped: anything over 2 reads as 3 (only near misses matter). */
export function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
