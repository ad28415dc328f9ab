import { isIP } from 'node:net';

/**
 * P2 of the NetScaler reference: the body after `<logid> <pad> :` in an ns.log line. The common
 * layout is `Key value - Key value - …`, but keys contain spaces and punctuation, values may be
 * quoted (`"…"` or, from some exporters, `\"…\"`), some items have no value at all, 14.1 adds
 * bracketed tags, and HTTPREQUEST / APPFW use layouts of their own. Everything here is written by
 * hand (no per-line regex construction) because this runs once per log line at ingest speed.
 * Field text is never transformed beyond removing the quotes around a value: the raw bytes of a
 * username are evidence (CitrixBleed 2 leaks memory into it).
 */

export type BodyFields = Record<string, string>;

/**
 * A fresh field record. Null-prototype objects start in V8's dictionary mode and share one map, so
 * the mapper's many reads of differently-shaped records stay fast (plain `{}` records with ~25
 * keys in varying orders made property reads megamorphic and halved throughput). No prototype also
 * means a key such as `constructor` or `__proto__` from a log line is just a field.
 */
export function newFields(): BodyFields {
  return Object.create(null) as BodyFields;
}

/**
 * Keys of more than one word that are followed by a value. Most keys are one word (`Client_ip`,
 * `Group(s)`), so the first word is the key unless it starts one of these. Keyed by first word so
 * the check is one map lookup per item.
 */
const MULTI_WORD_KEYS: ReadonlyMap<string, readonly string[]> = new Map([
  ['Delink', ['Delink Time']],
  ['Start', ['Start Time']],
  ['End', ['End Time']],
  ['Client', ['Client IP']],
  ['Time', ['Time Stamp']],
  ['Hit', ['Hit Rule']],
  ['Days', ['Days To Expire']],
  ['Certificate', ['Certificate Key Pair']],
  ['Issuer', ['Issuer Name']],
  ['Subject', ['Subject Name']],
  ['Backend', ['Backend SPCBId']],
  ['PCRE', ['PCRE error code']],
]);

/**
 * Splits `text` at top-level ` - ` separators. A `"` opens or closes a quoted run whether or not a
 * backslash precedes it, so both `"…"` and `\"…\"` protect a ` - ` inside them. When the quotes do
 * not balance (a truncated line, `CipherSuite "NA"Session New`), the split is redone ignoring quotes
 * so that one stray quote does not swallow the rest of the body.
 */
export function splitTopLevel(text: string): string[] {
  const parts = splitOnce(text, true);
  return parts ?? (splitOnce(text, false) as string[]);
}

function splitOnce(text: string, respectQuotes: boolean): string[] | null {
  const parts: string[] = [];
  let inQuote = false;
  let start = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */ && respectQuotes) inQuote = !inQuote;
    else if (c === 0x2d /* - */ && !inQuote && i > 0 && text.charCodeAt(i - 1) === 0x20 && i + 1 < n && text.charCodeAt(i + 1) === 0x20) {
      parts.push(text.slice(start, i - 1));
      start = i + 2;
    }
  }
  if (inQuote) return null;
  parts.push(text.slice(start));
  return parts;
}

/** Removes one pair of surrounding `"…"` or `\"…\"`; the text inside is kept byte for byte. */
export function unquote(value: string): string {
  const n = value.length;
  if (n >= 4 && value.startsWith('\\"') && value.endsWith('\\"')) return value.slice(2, n - 2);
  if (n >= 2 && value.charCodeAt(0) === 0x22 && value.charCodeAt(n - 1) === 0x22) return value.slice(1, n - 1);
  return value;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** Adds a field without losing an earlier one of the same name (`Destination` twice in NAT_CONN_DELINK). */
function put(fields: BodyFields, key: string, value: string): void {
  if (!(key in fields)) {
    fields[key] = value;
    return;
  }
  let i = 2;
  while (`${key}_${i}` in fields) i++;
  fields[`${key}_${i}`] = value;
}

/**
 * Leading bracketed tags of an item: `[TECHSUPPORT]`, `[TCP] [CGP][ICAUUID=…]`. Plain tags are
 * collected (joined with `,` into `tags`); `NAME=value` tags become fields. Returns where the item
 * continues.
 */
function takeTags(item: string, pos: number, tags: string[], fields: BodyFields): number {
  while (pos < item.length && item.charCodeAt(pos) === 0x5b /* [ */) {
    const close = item.indexOf(']', pos);
    if (close < 0) break;
    const tag = item.slice(pos + 1, close);
    const eq = tag.indexOf('=');
    if (eq > 0) put(fields, tag.slice(0, eq), tag.slice(eq + 1));
    else tags.push(tag);
    pos = close + 1;
    while (pos < item.length && isSpace(item.charCodeAt(pos))) pos++;
  }
  return pos;
}

/** Whether a word can be part of a multi-word key ending in `:` (`Failure Reason:`, `User Name:`). */
function isTitleWord(word: string): boolean {
  const c = word.charCodeAt(0);
  if (!(c >= 0x41 && c <= 0x5a)) return false;
  for (let i = 1; i < word.length; i++) {
    const d = word.charCodeAt(i);
    if (!((d >= 0x41 && d <= 0x5a) || (d >= 0x61 && d <= 0x7a))) return false;
  }
  return true;
}

/** One `Key value` item (tags already removed) into `fields`. */
function takeItem(item: string, fields: BodyFields): void {
  if (item.length === 0) return;
  if (item.charCodeAt(0) === 0x22 || item.startsWith('\\"')) {
    put(fields, 'Message', unquote(item));
    return;
  }
  const space = item.indexOf(' ');
  if (space < 0) {
    // A key whose value is empty (`Client_ip  - Nat_ip`, `customername  - username…`).
    put(fields, item.endsWith(':') && item.length > 1 ? item.slice(0, -1) : item, '');
    return;
  }
  const first = item.slice(0, space);
  if (first.endsWith(':') && first.length > 1) {
    put(fields, first.slice(0, -1), unquote(item.slice(space + 1).trim()));
    return;
  }
  // `Failure Reason: x`, `APPFW RFC Profile: x`: up to three capitalised words ending in a colon.
  if (isTitleWord(first)) {
    let end = space;
    for (let words = 1; words < 3; words++) {
      const next = item.indexOf(' ', end + 1);
      const word = item.slice(end + 1, next < 0 ? item.length : next);
      if (word.length > 1 && word.endsWith(':') && isTitleWord(word.slice(0, -1))) {
        put(fields, item.slice(0, end + word.length), next < 0 ? '' : unquote(item.slice(next + 1).trim()));
        return;
      }
      if (next < 0 || !isTitleWord(word)) break;
      end = next;
    }
  }
  const multi = MULTI_WORD_KEYS.get(first);
  if (multi) {
    for (const key of multi) {
      if (item.startsWith(key) && (item.length === key.length || item.charCodeAt(key.length) === 0x20)) {
        put(fields, key, unquote(item.slice(key.length).trim()));
        return;
      }
    }
  }
  put(fields, first, unquote(item.slice(space + 1).trim()));
}

/**
 * Tokenizes a default-layout body into ordered fields. Free text (no ` - ` separator, more than
 * three words, no `Key:` start, e.g. `Adding pitboss watch on (1024)`) is kept whole as `Message`
 * instead of being cut into a meaningless first-word key. A body that is one quoted string (the
 * `Message` types) becomes `Message` without its quotes.
 */
export function tokenizeBody(body: string, fields: BodyFields = newFields()): BodyFields {
  let text = body.trim();
  // `… - MinL7Latency 60 -` and `- Denied_by_policy "…"`: a dangling separator at either end.
  if (text.endsWith(' -')) text = text.slice(0, -2).trimEnd();
  if (text.startsWith('- ')) text = text.slice(2).trimStart();
  if (text.length === 0) return fields;
  if (text.length >= 2 && isWholeQuoted(text)) {
    fields.Message = unquote(text);
    return fields;
  }
  const tags: string[] = [];
  const items = splitTopLevel(text);
  if (items.length === 1 && looksLikeFreeText(text)) {
    const pos = takeTags(text, 0, tags, fields);
    if (tags.length > 0) fields.tags = tags.join(',');
    fields.Message = text.slice(pos);
    return fields;
  }
  for (const raw of items) {
    const item = raw.trim();
    const pos = takeTags(item, 0, tags, fields);
    takeItem(pos === 0 ? item : item.slice(pos), fields);
  }
  if (tags.length > 0) fields.tags = tags.join(',');
  return fields;
}

function isWholeQuoted(text: string): boolean {
  const open = text.startsWith('\\"') ? 2 : text.charCodeAt(0) === 0x22 ? 1 : 0;
  if (open === 0 || !text.endsWith('"')) return false;
  // Only one quoted run: no other quote inside (ignoring escaped quotes of the `\"` style).
  const inner = text.slice(open, text.length - open);
  return open === 2 ? !inner.includes('\\"') : !inner.includes('"');
}

function looksLikeFreeText(text: string): boolean {
  // More than three words and no `Key:` among the first three words (`Failure Reason: x`,
  // `APPFW RFC Profile: x` are keyed; `Adding pitboss watch on (1024)` is prose).
  let words = 1;
  let thirdEnd = -1;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) !== 0x20) continue;
    words++;
    if (words === 4) {
      thirdEnd = i;
      break;
    }
  }
  if (thirdEnd < 0 || text.charCodeAt(0) === 0x5b) return false;
  const head = text.slice(0, thirdEnd + 1);
  return !head.includes(': ');
}

/** `Context user@dom@ip`: the IP is the last `@` segment (may be IPv6); null when it is not an IP. */
export function splitContext(value: string): { user: string; ip: string } | null {
  const at = value.lastIndexOf('@');
  if (at <= 0) return null;
  const ip = value.slice(at + 1);
  if (isIP(ip) === 0) return null;
  return { user: value.slice(0, at), ip };
}

/** `ip:port`, `[v6]:port`, bare IPv4 or IPv6; only the first whitespace-separated token counts. */
export function parseEndpoint(value: string): { ip: string; port?: number } | null {
  const space = value.indexOf(' ');
  const token = space < 0 ? value : value.slice(0, space);
  if (token.length === 0) return null;
  if (token.charCodeAt(0) === 0x5b /* [ */) {
    const close = token.indexOf(']');
    if (close < 0) return null;
    const ip = token.slice(1, close);
    if (isIP(ip) !== 6) return null;
    const port = token.charCodeAt(close + 1) === 0x3a ? toPort(token.slice(close + 2)) : undefined;
    return port === undefined ? { ip } : { ip, port };
  }
  const kind = isIP(token);
  if (kind !== 0) return { ip: token };
  const colon = token.lastIndexOf(':');
  if (colon <= 0) return null;
  const ip = token.slice(0, colon);
  const port = toPort(token.slice(colon + 1));
  if (port === undefined || isIP(ip) === 0) return null;
  return { ip, port };
}

function toPort(text: string): number | undefined {
  if (text.length === 0 || text.length > 5) return undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
  }
  const n = Number(text);
  return n <= 65535 ? n : undefined;
}

/**
 * Splits a user as NetScaler writes it: `alice@corp.example` (UPN: name before the last `@`),
 * `CORP\alice` (down-level), or a plain name. The input is not altered otherwise.
 */
export function splitUser(value: string): { name: string; domain?: string } {
  const at = value.lastIndexOf('@');
  if (at > 0 && at < value.length - 1) return { name: value.slice(0, at), domain: value.slice(at + 1) };
  const slash = value.indexOf('\\');
  if (slash > 0 && slash < value.length - 1) return { name: value.slice(slash + 1), domain: value.slice(0, slash) };
  return { name: value };
}

// HTTPREQUEST: `[Context c - SessionId: n - ][tags] host User u : Group(s) g : Vserver ip:port -
// time [GMT] [: [Message = ]SSO is ON] : METHOD target - -`. Variants in the wild drop the space
// before ` -` or `:` and the SSO part; the expression is compiled once at load. The lazy groups are
// bounded so crafted input cannot drive backtracking far.
const HTTPREQUEST =
  /^\s*(?:Context (\S+?) ?- ?SessionId: ?(\d+) ?- ?)?((?:\[[^\]]*\]\s*)*)(\S+) User (.{0,256}?) ?: Group\(s\) (.{0,2048}?) : Vserver (\S+) - (\d[\d/-]*:\d\d:\d\d:\d\d(?: ?GMT)?)\s*(?:: (?:Message = )?(.{0,256}?) : )?(\S+) (.*?)(?: - -)?\s*$/;

/** The HTTPREQUEST layout (§1.4); null when the body is not in that shape. */
export function parseHttpRequestBody(body: string, fields: BodyFields = newFields()): BodyFields | null {
  const m = HTTPREQUEST.exec(body);
  if (!m) return null;
  if (m[1] !== undefined) fields.Context = m[1];
  if (m[2] !== undefined) fields.SessionId = m[2];
  const tags: string[] = [];
  if (m[3]) takeTags(m[3], 0, tags, fields);
  if (tags.length > 0) fields.tags = tags.join(',');
  fields.Host = m[4]!;
  fields.User = m[5]!;
  fields['Group(s)'] = m[6]!;
  fields.Vserver = m[7]!;
  fields.Request_time = m[8]!;
  if (m[9] !== undefined) {
    const sso = m[9];
    if (sso.startsWith('SSO is ')) fields.SSO = sso.slice(7);
    else fields.Message = sso;
  }
  fields.Method = m[10]!;
  fields.URL = m[11]!;
  return fields;
}

// Native APPFW layout: `<client ip> <transaction>-PPE<n> <session|-> <profile> <text> [<action>]`.
const APPFW_NATIVE = /^\s*(\S+) (\S+-PPE\d+) (\S+) (\S+) (.*?)\s*(?:<([^<>]+)>)?\s*$/;

/** APPFW violation bodies; null when the first token is not a client IP. */
export function parseAppFwBody(body: string, fields: BodyFields = newFields()): BodyFields | null {
  const m = APPFW_NATIVE.exec(body);
  if (!m || isIP(m[1]!) === 0) return null;
  fields.Client_ip = m[1]!;
  fields.Transaction = m[2]!;
  if (m[3] !== '-') fields.Session = m[3]!;
  fields.Profile = m[4]!;
  fields.Message = m[5]!;
  if (m[6] !== undefined) fields.Action = m[6];
  return fields;
}
