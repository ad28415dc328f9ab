/**
 * A hand-written parser for the STIX 2.1 patterning language (STIX 2.1 part 9 and the ANTLR grammar
 * `STIXPattern.g4`). What a parsed pattern means as IOCs is stix-indicators.ts.
 *
 * Precedence, weakest first: FOLLOWEDBY < OR < AND between observation expressions, qualifiers bind
 * to the observation expression before them; inside brackets OR < AND. Keywords are upper case,
 * `true`/`false` lower case, as in the grammar. Errors name the 1-based column in the pattern.
 */

// ------------------------------------------------------------------------------------------------
// AST

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'timestamp'; value: string }
  | { kind: 'hex'; value: string }
  | { kind: 'binary'; value: string };

export type PathStep = { kind: 'key'; name: string } | { kind: 'index'; index: number | '*' };

export interface ObjectPath {
  objectType: string;
  steps: PathStep[];
  column: number;
}

export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'IN' | 'LIKE' | 'MATCHES' | 'ISSUBSET' | 'ISSUPERSET';

export type ComparisonExpression =
  | { kind: 'compare'; path: ObjectPath; operator: ComparisonOperator; negated: boolean; value: Literal | Literal[]; column: number }
  | { kind: 'exists'; path: ObjectPath; negated: boolean; column: number }
  | { kind: 'and' | 'or'; operands: ComparisonExpression[]; column: number };

export type Qualifier =
  | { kind: 'within'; seconds: number }
  | { kind: 'repeats'; times: number }
  | { kind: 'startStop'; start: string; stop: string };

export type ObservationExpression =
  | { kind: 'observation'; comparison: ComparisonExpression; column: number }
  | { kind: 'and' | 'or' | 'followedby'; operands: ObservationExpression[]; column: number }
  | { kind: 'qualified'; expression: ObservationExpression; qualifier: Qualifier; column: number };

export class StixPatternError extends Error {
  readonly column: number;
  constructor(column: number, message: string) {
    super(`column ${column}: ${message}`);
    this.name = 'StixPatternError';
    this.column = column;
  }
}

/** Nesting of parentheses/brackets beyond this is refused (a pattern is not a stack-overflow vector). */
export const MAX_PATTERN_NESTING = 64;

// ------------------------------------------------------------------------------------------------
// Lexer

type TokenKind =
  | 'ident'
  | 'string'
  | 'int'
  | 'float'
  | 'timestamp'
  | 'hex'
  | 'binary'
  | 'bool'
  | 'keyword'
  | 'op'
  | 'punct'
  | 'eof';

interface Token {
  kind: TokenKind;
  text: string;
  column: number;
  value?: string | number | boolean;
}

const KEYWORDS = new Set([
  'AND',
  'OR',
  'NOT',
  'FOLLOWEDBY',
  'LIKE',
  'MATCHES',
  'ISSUPERSET',
  'ISSUBSET',
  'EXISTS',
  'LAST',
  'IN',
  'START',
  'STOP',
  'SECONDS',
  'WITHIN',
  'REPEATS',
  'TIMES',
]);

const TIMESTAMP = /^\d{4}-(0[1-9]|1[012])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?Z$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function isWhitespace(c: string): boolean {
  return /[\s\u0085]/.test(c);
}

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = input.length;
  const readQuoted = (start: number): { value: string; end: number } => {
    // input[start] is the opening quote
    let value = '';
    let j = start + 1;
    while (j < n) {
      const c = input[j]!;
      if (c === "'") return { value, end: j + 1 };
      if (c === '\\') {
        const next = input[j + 1];
        if (next === "'" || next === '\\') {
          value += next;
          j += 2;
          continue;
        }
        throw new StixPatternError(j + 1, next === undefined ? 'unterminated string' : `invalid escape "\\${next}" (only \\' and \\\\ are allowed)`);
      }
      value += c;
      j++;
    }
    throw new StixPatternError(start + 1, 'unterminated string');
  };
  while (i < n) {
    const c = input[i]!;
    const column = i + 1;
    if (isWhitespace(c)) {
      i++;
      continue;
    }
    if (c === "'") {
      const { value, end } = readQuoted(i);
      tokens.push({ kind: 'string', text: input.slice(i, end), column, value });
      i = end;
      continue;
    }
    if ((c === 't' || c === 'h' || c === 'b') && input[i + 1] === "'") {
      const { value, end } = readQuoted(i + 1);
      const text = input.slice(i, end);
      if (c === 't') {
        if (!TIMESTAMP.test(value) || Number.isNaN(Date.parse(value.replace(':60', ':59')))) {
          throw new StixPatternError(column, `invalid timestamp literal ${text} (expected t'YYYY-MM-DDTHH:MM:SS[.s]Z')`);
        }
        tokens.push({ kind: 'timestamp', text, column, value });
      } else if (c === 'h') {
        if (!/^(?:[0-9a-fA-F]{2})*$/.test(value)) throw new StixPatternError(column, `invalid hex literal ${text} (expected pairs of hex digits)`);
        tokens.push({ kind: 'hex', text, column, value: value.toLowerCase() });
      } else {
        if (!BASE64.test(value)) throw new StixPatternError(column, `invalid binary literal ${text} (expected base64)`);
        tokens.push({ kind: 'binary', text, column, value });
      }
      i = end;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_-]/.test(input[j]!)) j++;
      const text = input.slice(i, j);
      if (KEYWORDS.has(text)) tokens.push({ kind: 'keyword', text, column });
      else if (text === 'true' || text === 'false') tokens.push({ kind: 'bool', text, column, value: text === 'true' });
      else tokens.push({ kind: 'ident', text, column });
      i = j;
      continue;
    }
    if (/[0-9+\-.]/.test(c)) {
      const match = /^[+-]?(\d*\.\d+|\d+)/.exec(input.slice(i, i + 400));
      if (match) {
        const text = match[0];
        const digits = text.replace(/^[+-]/, '');
        if (digits.includes('.')) {
          tokens.push({ kind: 'float', text, column, value: Number(text) });
        } else {
          if (digits.length > 1 && digits.startsWith('0')) throw new StixPatternError(column, `invalid integer "${text}" (leading zero)`);
          tokens.push({ kind: 'int', text, column, value: Number(text) });
        }
        i += text.length;
        if (i < n && /[A-Za-z_.]/.test(input[i]!)) throw new StixPatternError(i + 1, `unexpected "${input[i]}" after number "${text}"`);
        continue;
      }
    }
    const two = input.slice(i, i + 2);
    if (two === '==' || two === '!=' || two === '<>' || two === '<=' || two === '>=') {
      tokens.push({ kind: 'op', text: two === '==' ? '=' : two === '<>' ? '!=' : two, column });
      i += 2;
      continue;
    }
    if (c === '=' || c === '<' || c === '>') {
      tokens.push({ kind: 'op', text: c, column });
      i++;
      continue;
    }
    if ('[]():.,*'.includes(c)) {
      tokens.push({ kind: 'punct', text: c, column });
      i++;
      continue;
    }
    throw new StixPatternError(column, `unexpected character "${c}"`);
  }
  tokens.push({ kind: 'eof', text: 'end of pattern', column: n + 1 });
  return tokens;
}

// ------------------------------------------------------------------------------------------------
// Parser

/** Parses a STIX 2.1 pattern; throws {@link StixPatternError} naming the column. */
export function parseStixPattern(input: string): ObservationExpression {
  const tokens = tokenize(input);
  let pos = 0;
  let depth = 0;
  const peek = (): Token => tokens[pos]!;
  const next = (): Token => tokens[pos++]!;
  const describe = (t: Token) => (t.kind === 'eof' ? 'end of pattern' : `"${t.text.length > 40 ? `${t.text.slice(0, 40)}…` : t.text}"`);
  const fail = (t: Token, expected: string): never => {
    throw new StixPatternError(t.column, `expected ${expected}, found ${describe(t)}`);
  };
  const isKw = (t: Token, kw: string) => t.kind === 'keyword' && t.text === kw;
  const isPunct = (t: Token, p: string) => t.kind === 'punct' && t.text === p;
  const expectPunct = (p: string, what = `"${p}"`) => {
    const t = next();
    if (!isPunct(t, p)) fail(t, what);
    return t;
  };
  const enter = (t: Token) => {
    if (++depth > MAX_PATTERN_NESTING) throw new StixPatternError(t.column, `nested more than ${MAX_PATTERN_NESTING} levels deep`);
  };

  // observationExpressions: FOLLOWEDBY < OR < AND
  const binaryLevel = <T extends { column: number }>(
    keyword: string,
    operand: () => T,
    make: (operands: T[], column: number) => T,
  ): T => {
    const first = operand();
    const operands = [first];
    while (isKw(peek(), keyword)) {
      next();
      operands.push(operand());
    }
    return operands.length === 1 ? first : make(operands, first.column);
  };

  const observationExpressions = (): ObservationExpression =>
    binaryLevel('FOLLOWEDBY', observationOr, (operands, column) => ({ kind: 'followedby', operands, column }));
  const observationOr = (): ObservationExpression =>
    binaryLevel('OR', observationAnd, (operands, column) => ({ kind: 'or', operands, column }));
  const observationAnd = (): ObservationExpression =>
    binaryLevel('AND', observationQualified, (operands, column) => ({ kind: 'and', operands, column }));

  const observationQualified = (): ObservationExpression => {
    // The same qualifier twice on a [...] observation is an error (as in the OASIS validator); a
    // parenthesised expression may be qualified again.
    const simple = isPunct(peek(), '[');
    let expression = observationPrimary();
    const seen = new Set<string>();
    for (;;) {
      const t = peek();
      if (simple && t.kind === 'keyword' && (t.text === 'WITHIN' || t.text === 'REPEATS' || t.text === 'START')) {
        if (seen.has(t.text)) throw new StixPatternError(t.column, `duplicate ${t.text === 'START' ? 'START/STOP' : t.text} qualifier (parenthesise to qualify again)`);
        seen.add(t.text);
      }
      if (isKw(t, 'WITHIN')) {
        next();
        const amount = next();
        if (!((amount.kind === 'int' || amount.kind === 'float') && !amount.text.startsWith('-') && Number(amount.value) > 0)) {
          fail(amount, 'a positive number of seconds');
        }
        if (!isKw(next(), 'SECONDS')) fail(tokens[pos - 1]!, '"SECONDS"');
        expression = { kind: 'qualified', expression, qualifier: { kind: 'within', seconds: Number(amount.value) }, column: t.column };
      } else if (isKw(t, 'REPEATS')) {
        next();
        const amount = next();
        if (!(amount.kind === 'int' && !amount.text.startsWith('-') && Number(amount.value) > 0)) fail(amount, 'a positive whole number');
        if (!isKw(next(), 'TIMES')) fail(tokens[pos - 1]!, '"TIMES"');
        expression = { kind: 'qualified', expression, qualifier: { kind: 'repeats', times: Number(amount.value) }, column: t.column };
      } else if (isKw(t, 'START')) {
        next();
        const start = next();
        if (start.kind !== 'timestamp') fail(start, "a timestamp t'…'");
        if (!isKw(next(), 'STOP')) fail(tokens[pos - 1]!, '"STOP"');
        const stop = next();
        if (stop.kind !== 'timestamp') fail(stop, "a timestamp t'…'");
        if (Date.parse(String(stop.value)) <= Date.parse(String(start.value))) throw new StixPatternError(stop.column, 'STOP must be later than START');
        expression = {
          kind: 'qualified',
          expression,
          qualifier: { kind: 'startStop', start: String(start.value), stop: String(stop.value) },
          column: t.column,
        };
      } else {
        return expression;
      }
    }
  };

  const observationPrimary = (): ObservationExpression => {
    const t = next();
    if (isPunct(t, '[')) {
      enter(t);
      const comparison = comparisonOr();
      expectPunct(']', '"]" or AND/OR');
      depth--;
      return { kind: 'observation', comparison, column: t.column };
    }
    if (isPunct(t, '(')) {
      enter(t);
      const inner = observationExpressions();
      expectPunct(')', '")" or AND/OR/FOLLOWEDBY');
      depth--;
      return inner;
    }
    return fail(t, '"[" or "("');
  };

  const comparisonOr = (): ComparisonExpression =>
    binaryLevel('OR', comparisonAnd, (operands, column) => ({ kind: 'or', operands, column }));
  const comparisonAnd = (): ComparisonExpression =>
    binaryLevel('AND', propTest, (operands, column) => ({ kind: 'and', operands, column }));

  const propTest = (): ComparisonExpression => {
    const t = peek();
    if (isPunct(t, '(')) {
      next();
      enter(t);
      const inner = comparisonOr();
      expectPunct(')', '")" or AND/OR');
      depth--;
      return inner;
    }
    if (isKw(t, 'EXISTS')) {
      next();
      return { kind: 'exists', path: objectPath(), negated: false, column: t.column };
    }
    const path = objectPath();
    let negated = false;
    let opToken = next();
    if (isKw(opToken, 'NOT')) {
      negated = true;
      opToken = next();
    }
    if (opToken.kind === 'op') {
      const operator = opToken.text as ComparisonOperator;
      const lit = literal();
      if ((operator !== '=' && operator !== '!=') && lit.kind === 'bool') {
        throw new StixPatternError(tokens[pos - 1]!.column, `"${operator}" needs an orderable value, not a boolean`);
      }
      return { kind: 'compare', path, operator, negated, value: lit, column: path.column };
    }
    if (isKw(opToken, 'IN')) {
      expectPunct('(', '"(" starting a set');
      const values: Literal[] = [];
      if (!isPunct(peek(), ')')) {
        values.push(literal());
        while (isPunct(peek(), ',')) {
          next();
          values.push(literal());
        }
      }
      expectPunct(')', '"," or ")"');
      return { kind: 'compare', path, operator: 'IN', negated, value: values, column: path.column };
    }
    if (opToken.kind === 'keyword' && ['LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET'].includes(opToken.text)) {
      const s = next();
      if (s.kind !== 'string') fail(s, `a string after ${opToken.text}`);
      return { kind: 'compare', path, operator: opToken.text as ComparisonOperator, negated, value: { kind: 'string', value: String(s.value) }, column: path.column };
    }
    return fail(opToken, 'a comparison operator (= != < <= > >= IN LIKE MATCHES ISSUBSET ISSUPERSET)');
  };

  const literal = (): Literal => {
    const t = next();
    switch (t.kind) {
      case 'string':
        return { kind: 'string', value: String(t.value) };
      case 'int':
        return { kind: 'int', value: Number(t.value) };
      case 'float':
        return { kind: 'float', value: Number(t.value) };
      case 'bool':
        return { kind: 'bool', value: t.value === true };
      case 'timestamp':
        return { kind: 'timestamp', value: String(t.value) };
      case 'hex':
        return { kind: 'hex', value: String(t.value) };
      case 'binary':
        return { kind: 'binary', value: String(t.value) };
      default:
        return fail(t, 'a literal value');
    }
  };

  const objectPath = (): ObjectPath => {
    const typeToken = next();
    if (typeToken.kind !== 'ident') fail(typeToken, 'an object type such as ipv4-addr');
    expectPunct(':', '":" after the object type');
    const steps: PathStep[] = [];
    const first = next();
    if ((first.kind === 'ident' && !first.text.includes('-')) || first.kind === 'string') steps.push({ kind: 'key', name: first.kind === 'string' ? String(first.value) : first.text });
    else if (first.kind === 'keyword' || first.kind === 'bool') steps.push({ kind: 'key', name: first.text });
    else fail(first, 'a property name');
    for (;;) {
      const t = peek();
      if (isPunct(t, '.')) {
        next();
        const key = next();
        if ((key.kind === 'ident' && !key.text.includes('-')) || key.kind === 'string') steps.push({ kind: 'key', name: key.kind === 'string' ? String(key.value) : key.text });
        else if (key.kind === 'keyword' || key.kind === 'bool') steps.push({ kind: 'key', name: key.text });
        else fail(key, "a property name (quote names with hyphens: .'SHA-256')");
      } else if (isPunct(t, '[')) {
        next();
        const index = next();
        if (isPunct(index, '*')) steps.push({ kind: 'index', index: '*' });
        else if (index.kind === 'int') steps.push({ kind: 'index', index: Number(index.value) });
        else fail(index, 'a list index or *');
        expectPunct(']', '"]" closing the list index');
      } else {
        return { objectType: typeToken.text, steps, column: typeToken.column };
      }
    }
  };
  const result = observationExpressions();
  const end = peek();
  if (end.kind !== 'eof') fail(end, 'AND, OR, FOLLOWEDBY, a qualifier or the end of the pattern');
  return result;
}

/** The object path as text, e.g. `file:hashes.'SHA-256'` or `email-message:body_multipart[*].body_raw_ref.name`. */
export function formatObjectPath(path: ObjectPath): string {
  let text = `${path.objectType}:`;
  path.steps.forEach((step, index) => {
    if (step.kind === 'index') text += `[${step.index}]`;
    else {
      const name = /^[A-Za-z_][A-Za-z0-9_]*$/.test(step.name) ? step.name : `'${step.name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
      text += index === 0 ? name : `.${name}`;
    }
  });
  return text;
}
