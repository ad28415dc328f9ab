import { isIP, isIPv6 } from 'node:net';
import { type FieldCondition, type PatternPart, type SigmaModifier, type SigmaValue, isSigmaModifier } from './sigma-rule.js';

/**
 * Turns one detection item (`field|mod1|mod2: value or list`) into a typed {@link FieldCondition}:
 * modifiers are checked against the spec appendix and against each other, and every value is
 * parsed into what its modifiers make of it (wildcard pattern, regex, CIDR, number…).
 *
 * The spec says what each modifier means but little about which combinations are legal; the
 * choices made here (commented at each rule) reject combinations whose meaning would be a guess.
 */

/** A problem in one item; `index` names the list element at fault, for its line number. */
export interface ItemProblem {
  readonly reason: string;
  readonly index?: number;
  /** The fault is in the key (modifier chain), not in a value. */
  readonly inKey?: boolean;
}

export type ItemResult = { ok: true; condition: FieldCondition } | { ok: false; problems: ItemProblem[] };

const COMPARISONS = new Set<SigmaModifier>(['gt', 'gte', 'lt', 'lte']);
const TIME_PARTS = new Set<SigmaModifier>(['minute', 'hour', 'day', 'week', 'month', 'year']);
const POSITIONS = new Set<SigmaModifier>(['contains', 'startswith', 'endswith']);
const ENCODINGS = new Set<SigmaModifier>(['base64', 'base64offset']);
const UTF16 = new Set<SigmaModifier>(['utf16', 'utf16le', 'utf16be', 'wide']);
const REGEX_FLAGS = new Set<SigmaModifier>(['i', 'm', 's']);
/** Modifiers that give a value a type other than "string pattern"; at most one per item. */
const TYPE_MODIFIERS = new Set<SigmaModifier>(['re', 'cidr', 'exists', 'fieldref', 'gt', 'gte', 'lt', 'lte']);

/** Which other modifiers each type modifier tolerates. */
const COMPANIONS: Partial<Record<SigmaModifier, ReadonlySet<SigmaModifier>>> = {
  re: new Set(['i', 'm', 's', 'all', 'neq']),
  cidr: new Set(['all', 'neq']),
  exists: new Set(),
  fieldref: new Set(['contains', 'startswith', 'endswith', 'neq', 'all', 'cased']),
};

/** Parses `key` (e.g. `Image|endswith`, or `|all` for keywords) and checks the modifier chain. */
export function parseKey(key: string): { field: string | undefined; modifiers: SigmaModifier[]; problems: string[] } {
  const [field = '', ...names] = key.split('|');
  const problems: string[] = [];
  const modifiers: SigmaModifier[] = [];
  for (const name of names) {
    if (!isSigmaModifier(name)) {
      problems.push(name === '' ? `empty modifier in "${key}"` : `unknown modifier "${name}" in "${key}"`);
    } else if (modifiers.includes(name)) {
      problems.push(`modifier "${name}" appears twice in "${key}"`);
    } else {
      modifiers.push(name);
    }
  }
  if (problems.length === 0) problems.push(...checkCombination(key, field === '' ? undefined : field, modifiers));
  return { field: field === '' ? undefined : field, modifiers, problems };
}

function checkCombination(key: string, field: string | undefined, modifiers: readonly SigmaModifier[]): string[] {
  const problems: string[] = [];
  const count = (set: ReadonlySet<SigmaModifier>) => modifiers.filter((m) => set.has(m)).length;
  const types = modifiers.filter((m) => TYPE_MODIFIERS.has(m));
  if (count(COMPARISONS) > 1) problems.push(`"${key}" combines several of gt/gte/lt/lte; use two selections for a range`);
  else if (types.length > 1) problems.push(`"${key}" combines ${types.map((t) => `"${t}"`).join(' and ')}, which give the value different types`);
  if (count(POSITIONS) > 1) problems.push(`"${key}" combines several of contains/startswith/endswith`);
  if (count(ENCODINGS) > 1) problems.push(`"${key}" combines base64 and base64offset`);
  if (count(UTF16) > 1) problems.push(`"${key}" combines several UTF-16 encodings`);
  if (count(TIME_PARTS) > 1) problems.push(`"${key}" extracts several time parts at once`);
  for (const flag of modifiers.filter((m) => REGEX_FLAGS.has(m))) {
    if (!modifiers.includes('re') || modifiers.indexOf(flag) < modifiers.indexOf('re')) {
      problems.push(`"${flag}" is a sub-modifier of "re" and must follow it`);
    }
  }
  // Encoding chains transform bytes; a UTF-16 step after base64 would encode the base64 text, a mistake.
  const utf16At = modifiers.findIndex((m) => UTF16.has(m));
  const encodingAt = modifiers.findIndex((m) => ENCODINGS.has(m));
  if (utf16At >= 0 && encodingAt >= 0 && utf16At > encodingAt) problems.push(`"${modifiers[utf16At]}" must come before "${modifiers[encodingAt]}"`);
  // contains before base64 would base64-encode the added wildcards.
  const positionAt = modifiers.findIndex((m) => POSITIONS.has(m));
  if (positionAt >= 0 && encodingAt >= 0 && positionAt < encodingAt) problems.push(`"${modifiers[positionAt]}" before "${modifiers[encodingAt]}" would encode the wildcards; write "${modifiers[encodingAt]}|${modifiers[positionAt]}"`);
  for (const type of types) {
    const allowed = COMPANIONS[type];
    const others = modifiers.filter((m) => m !== type);
    const comparison = COMPARISONS.has(type);
    for (const other of others) {
      // Comparisons may follow a time-part extraction (`hour|gte: 8`); other companions are listed above.
      const ok = comparison ? TIME_PARTS.has(other) : allowed?.has(other) ?? true;
      if (!ok) problems.push(`"${other}" cannot be combined with "${type}" in "${key}"`);
    }
  }
  if (TIME_PARTS.size > 0 && count(TIME_PARTS) === 1) {
    const extra = modifiers.filter((m) => !TIME_PARTS.has(m) && !COMPARISONS.has(m) && m !== 'neq' && m !== 'all');
    if (extra.length > 0) problems.push(`time-part modifiers compare numbers; "${extra[0]}" cannot follow in "${key}"`);
  }
  if (field === undefined) {
    const needsField = modifiers.filter((m) => m === 'exists' || m === 'fieldref' || m === 'cidr' || COMPARISONS.has(m) || TIME_PARTS.has(m));
    if (needsField.length > 0) problems.push(`"${needsField[0]}" needs a field name; a keyword search has none`);
  }
  return problems;
}

/** Builds the condition of one detection item; `raw` is the YAML value (scalar or list). */
export function buildFieldCondition(key: string | undefined, raw: unknown, line?: number): ItemResult {
  const parsed = key === undefined ? { field: undefined, modifiers: [] as SigmaModifier[], problems: [] } : parseKey(key);
  if (parsed.problems.length > 0) return { ok: false, problems: parsed.problems.map((reason) => ({ reason, inKey: true })) };
  const { field, modifiers } = parsed;
  const isList = Array.isArray(raw);
  const items: unknown[] = isList ? (raw as unknown[]) : [raw];
  const problems: ItemProblem[] = [];
  if (isList && items.length === 0) problems.push({ reason: 'empty value list; use `null` for "field is empty or absent"' });
  // Spec: "Single item values are not allowed to have an `all` modifier".
  if (modifiers.includes('all') && items.length < 2) problems.push({ reason: '"all" needs a list of at least two values; a single value does not need it' });
  if (modifiers.includes('exists') && (isList || typeof raw !== 'boolean')) problems.push({ reason: '"exists" takes exactly one value: true or false' });
  // Spec: "null cannot be part of a list of field values as it is its own type".
  if (items.length > 1 && items.some((item) => item === null)) problems.push({ reason: 'null cannot be part of a value list; put `field: null` in its own selection' });
  const values: SigmaValue[] = [];
  items.forEach((item, i) => {
    const index = isList ? i : undefined;
    const result = parseValue(item, modifiers);
    if (typeof result === 'string') problems.push(index === undefined ? { reason: result } : { reason: result, index });
    else values.push(result);
  });
  if (problems.length > 0) return { ok: false, problems };
  const condition: FieldCondition = { ...(field === undefined ? {} : { field }), modifiers, values, ...(line === undefined ? {} : { line }) };
  return { ok: true, condition };
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'a map' : `a ${typeof value}`;
}

/** Parses one value under the item's modifiers; a string result is the reason it is rejected. */
export function parseValue(value: unknown, modifiers: readonly SigmaModifier[]): SigmaValue | string {
  if (value !== null && typeof value === 'object') return `a value must be a string, number, boolean or null, not ${typeName(value)}`;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean' && value !== null) return `unsupported value type ${typeof value}`;
  if (typeof value === 'number' && !Number.isFinite(value)) return `number ${value} is not finite`;
  const has = (m: SigmaModifier) => modifiers.includes(m);
  if (has('exists')) return typeof value === 'boolean' ? { kind: 'boolean', value } : '"exists" needs true or false';
  if (value === null) {
    return modifiers.length === 0 ? { kind: 'null' } : `null cannot take modifiers (${modifiers.join('|')}); write \`field: null\``;
  }
  const comparison = modifiers.find((m) => COMPARISONS.has(m) || TIME_PARTS.has(m));
  if (comparison !== undefined) {
    return typeof value === 'number' ? { kind: 'number', value } : `"${comparison}" needs a number, got ${typeName(value)} ${JSON.stringify(value)}`;
  }
  if (has('re')) return typeof value === 'string' ? parseRegex(value, has('i'), has('m'), has('s')) : `"re" needs a regular expression string, got ${typeName(value)}`;
  if (has('cidr')) return typeof value === 'string' ? parseCidr(value) : `"cidr" needs a network such as 10.0.0.0/8, got ${typeName(value)}`;
  if (has('fieldref')) {
    return typeof value === 'string' && value !== '' ? { kind: 'fieldref', field: value } : '"fieldref" needs the name of another field';
  }
  if (modifiers.length === 0 || modifiers.every((m) => m === 'all' || m === 'neq')) {
    // Plain numbers/booleans keep their type so a backend can compare numerically (EventID: 4688).
    if (typeof value === 'number') return { kind: 'number', value };
    if (typeof value === 'boolean') return { kind: 'boolean', value };
  }
  // String modifiers: the spec treats all values as strings, so 200 under `contains` is the text "200".
  const raw = String(value);
  const pattern = parseWildcards(raw, has('expand'));
  const encoded = modifiers.find((m) => ENCODINGS.has(m));
  if (encoded !== undefined && pattern.some((part) => part.kind !== 'text')) {
    return `"${encoded}" cannot encode wildcards in ${JSON.stringify(raw)}; escape them (\\* \\?) or drop them`;
  }
  if (has('expand') && !pattern.some((part) => part.kind === 'placeholder')) return `"expand" but ${JSON.stringify(raw)} holds no %placeholder%`;
  return { kind: 'string', raw, pattern };
}

/**
 * Spec "Escape Character": `\` escapes `*`, `?` and `\` only; before any other character (and at
 * the end) it is a literal backslash. Under `expand`, `%name%` is a placeholder and `\%` a literal `%`.
 */
export function parseWildcards(raw: string, expand = false): PatternPart[] {
  const parts: PatternPart[] = [];
  let text = '';
  const flush = () => {
    if (text !== '') parts.push({ kind: 'text', text });
    text = '';
  };
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    const nextCh = raw[i + 1];
    if (ch === '\\') {
      if (nextCh === '*' || nextCh === '?' || nextCh === '\\' || (expand && nextCh === '%')) {
        text += nextCh;
        i++;
      } else {
        text += '\\';
      }
    } else if (ch === '*') {
      flush();
      // `**` means the same as `*`; one part keeps later matching simple.
      if (parts[parts.length - 1]?.kind !== 'anyRun') parts.push({ kind: 'anyRun' });
    } else if (ch === '?') {
      flush();
      parts.push({ kind: 'anyChar' });
    } else if (ch === '%' && expand) {
      const close = raw.indexOf('%', i + 1);
      const name = close > i + 1 ? raw.slice(i + 1, close) : '';
      if (/^[A-Za-z0-9_.-]+$/.test(name)) {
        flush();
        parts.push({ kind: 'placeholder', name });
        i = close;
      } else {
        text += '%';
      }
    } else {
      text += ch;
    }
  }
  flush();
  return parts;
}

/**
 * Validates a `re` value by compiling it with JS RegExp (never executing it). Semantics stay the spec's
 * PCRE subset; JS is only the syntax check. A leading inline group such as `(?i)` — JS rejects it —
 * is lifted into the flags.
 */
export function parseRegex(source: string, i: boolean, m: boolean, s: boolean): SigmaValue | string {
  const flags = { i, m, s };
  let body = source;
  const inline = /^\(\?([a-zA-Z]+)\)/.exec(source);
  if (inline) {
    for (const flag of inline[1]!) {
      if (flag !== 'i' && flag !== 'm' && flag !== 's') return `"re" inline flag "${flag}" in ${JSON.stringify(source)} is not supported (only i, m, s)`;
      flags[flag] = true;
    }
    body = source.slice(inline[0].length);
  }
  try {
    new RegExp(body, `${flags.i ? 'i' : ''}${flags.m ? 'm' : ''}${flags.s ? 's' : ''}`);
  } catch (error) {
    const detail = error instanceof Error ? error.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '') : String(error);
    return `"re" pattern ${JSON.stringify(source)} does not compile: ${detail}`;
  }
  return { kind: 'regex', source: body, flags };
}

/** Parses `a.b.c.d/n` or an IPv6 network; a bare address is a single host (/32, /128). */
export function parseCidr(raw: string): SigmaValue | string {
  const bad = (why: string) => `value of "cidr" ${JSON.stringify(raw)} is not a CIDR network: ${why}`;
  const [address = '', prefixText, extra] = raw.trim().split('/');
  if (extra !== undefined) return bad('more than one "/"');
  const version = isIP(address);
  if (version === 0) return bad(`"${address}" is not an IPv4 or IPv6 address`);
  const max = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return bad(`prefix "${prefixText}" is not a number`);
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return bad(`prefix /${prefix} is longer than ${max} bits`);
  const bits = version === 4 ? ipv4Bits(address) : isIPv6(address) ? ipv6Bits(address) : undefined;
  // Host bits set (10.0.0.1/8) usually means a typo in the prefix; name the intended network.
  if (bits !== undefined && bits.slice(prefix).includes('1')) return bad(`host bits are set after /${prefix}`);
  return { kind: 'cidr', raw, version: version === 4 ? 4 : 6, address, prefix };
}

function ipv4Bits(address: string): string {
  return address.split('.').map((octet) => Number(octet).toString(2).padStart(8, '0')).join('');
}

/** Expands `::`; addresses with an embedded IPv4 tail are not checked for host bits. */
function ipv6Bits(address: string): string | undefined {
  if (address.includes('.') || address.includes('%')) return undefined;
  const [head = '', tail] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.map((group) => parseInt(group, 16).toString(2).padStart(16, '0')).join('');
}
