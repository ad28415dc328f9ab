import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { WeerbaarError } from '../shared/errors.js';

/**
 * Canary and honey-record fingerprints (issue 6 §5; reference exposure-integrity.md §8.4).
 *
 * Canary values are stored only as HMAC-SHA-256 fingerprints under a key that is not in the case
 * store: shelter addresses, names and phone numbers are low-entropy, so a plain hash could be
 * reversed by hashing a public address list. Values are normalised deterministically before
 * hashing, so that a leak-site export spelling a value differently still matches, and the
 * normalisation is versioned. Evidence text is hostile: candidate extraction is linear (no
 * backtracking regular expressions), reads at most MAX_TEXT_CHARS and yields at most
 * MAX_CANDIDATES per kind. Pure: node:crypto only, no I/O.
 */

export const CANARY_KINDS = ['url', 'dns', 'email', 'credential', 'address', 'phone', 'name', 'text'] as const;
export type CanaryKind = (typeof CANARY_KINDS)[number];
/** Bumped whenever normalise() changes: stored fingerprints carry it, so old ones are never compared with new ones. */
export const NORMALISATION_VERSION: number = 1;
/** Evidence text beyond this many UTF-16 code units is not searched (callers pass lines or rows). */
export const MAX_TEXT_CHARS = 64 * 1024;
/** At most this many candidates per kind and text; on a long line the first ones win. */
export const MAX_CANDIDATES = 2000;
/** Longer canary values are refused and longer candidates skipped: no real canary is that long. */
export const MAX_VALUE_CHARS = 4096;
const MIN_KEY_BYTES = 32;

// Word kinds are matched as windows of consecutive words. Addresses and names are compared as a
// bag of words: leak exports reorder fields ("3512AB;Lindenlaan 12") and names ("Jansen, Piet").
// Names allow 6 words for Dutch infixes and double surnames ("Maria Johanna van den Berg").
const WINDOWS = { address: [2, 8], name: [2, 6], text: [1, 8] } as const;
type WordKind = keyof typeof WINDOWS;
const ORDERLESS: ReadonlySet<CanaryKind> = new Set(['address', 'name']);

// Characters that end a token in evidence. A canary containing one could never be found as a
// token, so registering it is refused rather than silently never detected.
const CREDENTIAL_SEPARATORS = /[\s"',;=:&?<>(){}[\]|`]+/u;
const EMAIL_SEPARATORS = /[\s"'<>(){}[\],;:=/\\|`?&]+/u;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// Letters that carry no combining mark to strip but have a usual ASCII spelling in exports.
const FOLD: Readonly<Record<string, string>> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i' };

function invalid(kind: string, reason: string): never {
  // Never echo the value: it may be a shelter address or a secret, and messages end up in logs.
  throw new WeerbaarError('INVALID_INPUT', `canary ${kind} value ${reason}`);
}

/** Well-formed UTF-16, NFKC (full-width and ligature forms), control characters as spaces. */
function prepare(s: string, keepFormatChars = false): string {
  const t = s.replace(LONE_SURROGATE, '\uFFFD').normalize('NFKC').replace(/\p{Cc}/gu, ' ');
  // Zero-width spaces, soft hyphens, BOMs and bidi controls are invisible noise, except in secrets.
  return keepFormatChars ? t : t.replace(/\p{Cf}/gu, '');
}

/** Lower case without diacritics: exports often drop accents ("Zoë" vs "Zoe"). */
function fold(s: string): string {
  return s.toLowerCase().normalize('NFD').replace(/\p{M}+/gu, '').normalize('NFC').replace(/[ßæœøłđðþı]/g, (c) => FOLD[c] ?? c);
}

/** Words after folding; punctuation separates words ("'s-Hertogenbosch" = "s hertogenbosch"). */
function wordList(kind: WordKind, s: string): string[] {
  const words = fold(prepare(s)).match(/[\p{L}\p{N}]+/gu) ?? [];
  if (kind !== 'address') return words;
  // Dutch postcodes "3512 AB" and "3512AB" become one word "3512ab". Decided per adjacent pair, so
  // evidence text around an address cannot change how the address itself is split.
  const merged: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const next = words[i + 1];
    if (next !== undefined && /^[1-9]\d{3}$/.test(word) && /^[a-z]{2}$/.test(next)) {
      merged.push(word + next);
      i++;
    } else merged.push(word);
  }
  return merged;
}

function joinWords(kind: WordKind, words: readonly string[]): string {
  return (ORDERLESS.has(kind) ? [...words].sort() : words).join(' ');
}

/** A DNS host name: lower case, no trailing dot, IDN as punycode (WHATWG host parsing). */
function hostName(kind: CanaryKind, value: string): string {
  let v = value.trim().toLowerCase();
  if (v.endsWith('.')) v = v.slice(0, -1);
  if (v === '') invalid(kind, 'has no host name');
  if (v.length > 1024 || !/^[\p{L}\p{N}\p{M}_.-]+$/u.test(v)) invalid(kind, 'is not a host name: only letters, digits, hyphens, underscores and dots are allowed (e.g. abc123.canary.example.org)');
  let host: string;
  try {
    host = new URL(`http://${v}`).hostname;
  } catch {
    invalid(kind, 'is not a valid host name (bad internationalised label?)');
  }
  const labels = host.split('.');
  if (labels.length < 2 || host.length > 253 || labels.some((l) => l.length === 0 || l.length > 63)) {
    invalid(kind, 'needs a host name of at least two dot-separated labels of 1 to 63 characters (e.g. canary.example.org)');
  }
  // WHATWG turns a numeric last label into an IPv4 address; an IP address is no DNS canary.
  if (/^(\d+|0x[0-9a-f]*)$/.test(labels.at(-1)!)) invalid(kind, 'is an IP address, not a DNS name');
  return host;
}

function normaliseUrl(value: string): string {
  const v = prepare(value).trim();
  if (/\s/.test(v)) invalid('url', 'contains whitespace, so it could never be found in evidence');
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    invalid('url', 'does not parse as a URL (expected e.g. https://canary.example.org/t/abc123)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') invalid('url', `has scheme ${url.protocol} but only http and https URLs are searched for in evidence`);
  // The parser already lower-cases scheme and host, encodes IDN hosts and drops a default port;
  // path and query stay as given (they are case-sensitive). The fragment never reaches a server.
  url.hash = '';
  return url.href;
}

function normaliseEmail(value: string): string {
  const v = prepare(value).trim().toLowerCase().replace(/^\.+/, '');
  const at = v.indexOf('@');
  if (at < 0) invalid('email', 'has no @ (expected name@domain)');
  if (v.indexOf('@', at + 1) >= 0) invalid('email', 'has more than one @');
  const local = v.slice(0, at);
  if (local === '') invalid('email', 'has nothing before the @');
  if (EMAIL_SEPARATORS.test(local)) invalid('email', 'has whitespace or one of "\'<>(){}[],;:=/\\|`?& before the @, so it could never be found in evidence');
  return `${local}@${hostName('email', v.slice(at + 1))}`;
}

/**
 * Digits only, Dutch numbers in national form: "+31 6 12345678", "0031 (0)6 1234 5678",
 * "31612345678" and "06-12345678" are all "0612345678". Other countries keep "00" + country code.
 * Null when there are not 6 to 15 significant digits.
 */
function phoneDigits(plus: boolean, allDigits: string): string | null {
  let digits = allDigits;
  let international: string | null = null;
  if (plus) international = digits;
  else if (digits.startsWith('00')) international = digits.slice(2);
  // A Dutch national number has 10 digits, so 11 digits starting with 31 is E.164 without "+".
  else if (digits.length === 11 && digits.startsWith('31')) international = digits;
  if (international !== null) {
    // "+31 (0)6 …": the national trunk 0 written after the country code is dropped.
    if (international.startsWith('31')) digits = `0${international.slice(2).replace(/^0/, '')}`;
    else digits = `00${international}`;
  }
  const significant = digits.startsWith('00') ? digits.length - 2 : digits.length;
  return significant >= 6 && significant <= 15 ? digits : null;
}

function normalisePhone(value: string): string {
  const v = prepare(value).trim();
  if (!/^\+?[\d\s\-./()]+$/.test(v)) invalid('phone', 'may contain only digits, spaces, - . / ( ) and a leading +');
  const digits = phoneDigits(v.startsWith('+'), v.replace(/\D/g, ''));
  if (digits === null) invalid('phone', `has ${v.replace(/\D/g, '').length} digits; a phone number needs 6 to 15`);
  return digits;
}

function normaliseCredential(value: string): string {
  // A secret is case-sensitive and exact: only NFKC and trimming.
  const v = value.replace(LONE_SURROGATE, '\uFFFD').normalize('NFKC').trim();
  if (/\p{Cc}/u.test(v) || CREDENTIAL_SEPARATORS.test(v)) {
    invalid('credential', 'contains whitespace, a control character or one of "\',;=:&?<>(){}[]|` that split evidence into tokens, so it could never be found; register a pass phrase as kind text');
  }
  return v;
}

function normaliseWords(kind: WordKind, value: string): string {
  const words = wordList(kind, value);
  const [min, max] = WINDOWS[kind];
  if (words.length === 0) invalid(kind, 'has no letters or digits');
  if (words.length < min) invalid(kind, `has ${words.length} word; at least ${min} are needed to tell it apart in evidence`);
  if (words.length > max) invalid(kind, `has ${words.length} words; at most ${max} can be matched in evidence`);
  return joinWords(kind, words);
}

function checkKind(kind: CanaryKind): void {
  if (!(CANARY_KINDS as readonly string[]).includes(kind)) {
    throw new WeerbaarError('INVALID_INPUT', `unknown canary kind ${JSON.stringify(kind)}; expected one of ${CANARY_KINDS.join(', ')}`);
  }
}

/** The canonical form that is hashed; throws a WeerbaarError('INVALID_INPUT', ...) when the value is empty or impossible for the kind. */
export function normaliseCanary(kind: CanaryKind, value: string): string {
  checkKind(kind);
  if (typeof value !== 'string' || value.trim() === '') invalid(kind, 'is empty');
  let normalised: string;
  switch (kind) {
    case 'url': normalised = normaliseUrl(value); break;
    case 'dns': normalised = hostName('dns', prepare(value)); break;
    case 'email': normalised = normaliseEmail(value); break;
    case 'credential': normalised = normaliseCredential(value); break;
    case 'phone': normalised = normalisePhone(value); break;
    default: normalised = normaliseWords(kind, value);
  }
  if (normalised.length > MAX_VALUE_CHARS) invalid(kind, `is longer than ${MAX_VALUE_CHARS} characters`);
  return normalised;
}

function secretKey(key: Uint8Array): KeyObject {
  if (!(key instanceof Uint8Array) || key.byteLength < MIN_KEY_BYTES) {
    throw new WeerbaarError('CONFIG_INVALID', `the canary fingerprint key must be at least ${MIN_KEY_BYTES} random bytes (got ${key instanceof Uint8Array ? key.byteLength : 'no key'})`);
  }
  return createSecretKey(key);
}

function hmac(key: KeyObject, kind: CanaryKind, normalised: string): string {
  return createHmac('sha256', key).update(`${NORMALISATION_VERSION}\0${kind}\0${normalised}`, 'utf8').digest('hex');
}

/** hex HMAC-SHA-256(key, `${NORMALISATION_VERSION}\0${kind}\0${normalised}`); key must be at least 32 bytes. */
export function canaryFingerprint(key: Uint8Array, kind: CanaryKind, value: string): string {
  const keyObject = secretKey(key);
  return hmac(keyObject, kind, normaliseCanary(kind, value));
}

/** Deduplicating, bounded candidate set. `add` returns false once full. */
class Candidates {
  readonly seen = new Set<string>();
  add(candidate: string | null): boolean {
    if (candidate && candidate.length <= MAX_VALUE_CHARS) this.seen.add(candidate);
    return this.seen.size < MAX_CANDIDATES;
  }
}

function attempt<R>(normalise: () => R): R | null {
  try {
    return normalise();
  } catch {
    return null;
  }
}

function urlCandidates(text: string, out: Candidates): void {
  // JSON writers such as PHP escape "/" as "\/".
  for (const match of text.replaceAll('\\/', '/').matchAll(/https?:\/\/[^\s"'<>`]+/gi)) {
    const token = match[0].slice(0, MAX_VALUE_CHARS);
    // In a CSV row the URL runs into the next field ("…/abc123,200"): also try it cut at the
    // first separators, each without trailing sentence punctuation ("(see https://…/x).").
    const variants = [token];
    for (const cut of token.matchAll(/[,;|]/g)) if (variants.push(token.slice(0, cut.index)) > 8) break;
    for (const variant of variants) {
      for (const form of new Set([variant, variant.replace(/[.,;:!?'")\]}]+$/, '')])) {
        const href = attempt(() => normaliseUrl(form));
        if (href === null) continue;
        const url = new URL(href);
        url.search = ''; // a canary registered without query string is still hit when one is added
        if (!out.add(href) || !out.add(url.href)) return;
      }
    }
  }
}

function dnsCandidates(text: string, out: Candidates): void {
  // Windows DNS debug logs write names as "(3)foo(7)example(3)org(0)".
  const t = text.replace(/\(\d{1,2}\)/g, '.');
  for (const run of t.matchAll(/[\p{L}\p{N}\p{M}_.-]+/gu)) {
    for (const piece of run[0].split(/\.{2,}/)) {
      const host = piece.includes('.') ? attempt(() => hostName('dns', piece.replace(/^[.-]+/, ''))) : null;
      if (host === null) continue;
      // A query for a subdomain of a canary name (foo.abc123.canary.example.org) is a hit too.
      const labels = host.split('.');
      for (let i = 0; i + 2 <= labels.length; i++) if (!out.add(labels.slice(i).join('.'))) return;
    }
  }
}

function phoneCandidates(text: string, out: Candidates): void {
  // Digit groups joined by at most three separators form a number; every run of consecutive
  // groups is tried, so "2025-08-01 06-12345678" still yields "0612345678".
  const groups = [...text.matchAll(/(\+?)(\d+)/g)].map((m) => ({ plus: m[1] === '+', digits: m[2]!, start: m.index, end: m.index + m[0].length }));
  for (let i = 0; i < groups.length; i++) {
    let digits = '';
    for (let j = i; j < groups.length && digits.length <= 17; j++) {
      const group = groups[j]!;
      if (j > i && (group.plus || !/^[ \t\-./()]{1,3}$/.test(text.slice(groups[j - 1]!.end, group.start)))) break;
      digits += group.digits;
      if (digits.length <= 17 && !out.add(phoneDigits(groups[i]!.plus, digits))) return;
    }
  }
}

function wordCandidates(kind: WordKind, text: string, out: Candidates): void {
  const words = wordList(kind, text);
  const [min, max] = WINDOWS[kind];
  for (let i = 0; i < words.length; i++) {
    for (let n = min; n <= max && i + n <= words.length; n++) if (!out.add(joinWords(kind, words.slice(i, i + n)))) return;
  }
}

/** Every candidate of a kind in a piece of hostile evidence text, already normalised, deduplicated; bounded work. */
export function canaryCandidates(kind: CanaryKind, text: string): string[] {
  checkKind(kind);
  const out = new Candidates();
  const head = String(text).slice(0, MAX_TEXT_CHARS);
  switch (kind) {
    case 'url': urlCandidates(prepare(head), out); break;
    case 'dns': dnsCandidates(prepare(head), out); break;
    case 'email':
      // "alice%40example.org" in a logged query string is an address too.
      for (const token of prepare(head).replace(/%40/gi, '@').split(EMAIL_SEPARATORS)) {
        if (token.includes('@') && !out.add(attempt(() => normaliseEmail(token)))) break;
      }
      break;
    case 'credential':
      for (const token of prepare(head, true).split(CREDENTIAL_SEPARATORS)) if (!out.add(token)) break;
      break;
    case 'phone': phoneCandidates(prepare(head), out); break;
    default: wordCandidates(kind, head, out);
  }
  return [...out.seen];
}

/** Fingerprints the candidates of the wanted kinds in `text` and returns the hits. `wanted` maps fingerprint hex (lower case) -> any caller value. */
export function matchCanaries<T>(key: Uint8Array, wanted: ReadonlyMap<string, T>, kinds: readonly CanaryKind[], text: string): { kind: CanaryKind; fingerprint: string; value: T }[] {
  const keyObject = secretKey(key);
  const hits: { kind: CanaryKind; fingerprint: string; value: T }[] = [];
  if (wanted.size === 0) return hits;
  for (const kind of new Set(kinds)) {
    for (const candidate of canaryCandidates(kind, text)) {
      const fingerprint = hmac(keyObject, kind, candidate);
      if (wanted.has(fingerprint)) hits.push({ kind, fingerprint, value: wanted.get(fingerprint) as T });
    }
  }
  return hits;
}
