import { isIPv4, isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';
import { type InputProblem, InvalidInputError, type SourceLocation } from '../shared/errors.js';
import { decodeText } from '../shared/text-input.js';
import { type StructuredSource, parseJsonSource } from '../shared/structured-source.js';

/**
 * The normalised indicator of compromise that every reader (STIX bundle, MISP event, CSV) produces.
 * Values are normalised so that a later matcher can compare them as plain strings: domains, hashes
 * and IPv6 addresses in lower case, CIDR networks with their host bits cleared, a /32 (/128) network
 * as a single address.
 */

export const IOC_TYPES = [
  'ipv4',
  'ipv6',
  'cidr4',
  'cidr6',
  'domain',
  'url',
  'md5',
  'sha1',
  'sha256',
  'sha512',
  'user-agent',
  'email',
  'filename',
] as const;
export type IocType = (typeof IOC_TYPES)[number];

export type Tlp = 'clear' | 'green' | 'amber' | 'amber+strict' | 'red';

/** STIX marking-definition ids: TLP 2.0 (cti-stix-common-objects) and the TLP 1.0 ids of the STIX 2.1 core. */
export const TLP_MARKING_IDS: Readonly<Record<string, Tlp>> = {
  'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487': 'clear',
  'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb': 'green',
  'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421': 'amber',
  'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003': 'amber+strict',
  'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1': 'red',
  // TLP 1.0: WHITE is read as CLEAR.
  'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9': 'clear',
  'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da': 'green',
  'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82': 'amber',
  'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed': 'red',
};

const TLP_ORDER: readonly Tlp[] = ['clear', 'green', 'amber', 'amber+strict', 'red'];

/** The most restrictive of several markings (an object marked GREEN and AMBER is AMBER). */
export function strictestTlp(levels: readonly Tlp[]): Tlp | null {
  let best: Tlp | null = null;
  for (const level of levels) if (best === null || TLP_ORDER.indexOf(level) > TLP_ORDER.indexOf(best)) best = level;
  return best;
}

/** Reads `tlp:amber+strict`, `TLP:WHITE`, `amber` …; undefined when the text is not a TLP label. */
export function parseTlpLabel(text: string): Tlp | undefined {
  const label = text.trim().toLowerCase().replace(/^tlp\s*:\s*/, '');
  if (label === 'white') return 'clear';
  return (TLP_ORDER as readonly string[]).includes(label) ? (label as Tlp) : undefined;
}

/** Where an IOC came from: the file and the id of the indicator/attribute/row in it. */
export interface IocSource {
  readonly file: string;
  readonly id: string;
  readonly line?: number;
  readonly path?: string;
}

export interface Ioc {
  readonly type: IocType;
  readonly value: string;
  /** 0–100, or null when the source gives none. */
  readonly confidence: number | null;
  readonly source: IocSource;
  /** ISO 8601 UTC, or null when the IOC does not expire. */
  readonly validUntil: string | null;
  readonly tlp: Tlp | null;
  readonly description: string | null;
  /** Direction when the source says it (STIX `src_ref`/`dst_ref`, MISP `ip-src`/`ip-dst`). */
  readonly role: 'src' | 'dst' | null;
}

/**
 * IOCs that only count together (STIX `AND`). Every entry of `observations` must be observed; the
 * IOCs inside one entry must all hold for the same observed object (one STIX observation expression).
 */
export interface IocConjunction {
  readonly source: IocSource;
  readonly observations: readonly (readonly Ioc[])[];
}

/** An indicator (or part of one) that was not loaded, with the reason. */
export interface IocIssue {
  readonly location: SourceLocation;
  readonly id: string | null;
  readonly reason: string;
}

export interface IocSet {
  readonly file: string;
  /** IOCs that match on their own. */
  readonly items: Ioc[];
  readonly conjunctions: IocConjunction[];
  /** Problems with the file itself (encoding, syntax, shape); when present, the file was not (fully) read. */
  readonly problems: InputProblem[];
  /** Invalid values (a malformed address, a hash of the wrong length, a bad date …). */
  readonly rejected: IocIssue[];
  /** Valid input that this engine cannot match (other pattern types, operators, object types …). */
  readonly unsupported: IocIssue[];
  readonly counts: {
    /** items + conjunctions */
    loaded: number;
    rejected: number;
    unsupported: number;
    /** STIX `revoked: true`, MISP `deleted: true`. */
    revoked: number;
    /** MISP attributes without `to_ids`. */
    notForDetection: number;
  };
}

export function emptyIocSet(file: string): IocSet {
  return {
    file,
    items: [],
    conjunctions: [],
    problems: [],
    rejected: [],
    unsupported: [],
    counts: { loaded: 0, rejected: 0, unsupported: 0, revoked: 0, notForDetection: 0 },
  };
}

export function addIoc(set: IocSet, ioc: Ioc): void {
  set.items.push(ioc);
  set.counts.loaded++;
}

export function addConjunction(set: IocSet, conjunction: IocConjunction): void {
  set.conjunctions.push(conjunction);
  set.counts.loaded++;
}

export function reject(set: IocSet, issue: IocIssue): void {
  set.rejected.push(issue);
  set.counts.rejected++;
}

export function unsupported(set: IocSet, issue: IocIssue): void {
  set.unsupported.push(issue);
  set.counts.unsupported++;
}

/** Throws when the file itself could not be read; rejected and unsupported IOCs are left to the caller. */
export function assertReadable(set: IocSet): IocSet {
  if (set.problems.length > 0) throw new InvalidInputError(`${set.file}: cannot be read as an IOC file`, set.problems);
  return set;
}

// ------------------------------------------------------------------------------------------------
// Input helpers shared by the readers

/** Longest value accepted for one IOC; longer values are rejected rather than stored. */
export const MAX_IOC_VALUE_LENGTH = 8192;
/** JSON deeper than this is rejected before it is parsed (STIX and MISP documents are shallow). */
export const MAX_JSON_DEPTH = 64;

/** Decodes bytes (UTF-8 with or without BOM, UTF-16 with BOM); an encoding problem goes to `set.problems`. */
export function inputText(set: IocSet, input: string | Uint8Array): string | undefined {
  if (typeof input === 'string') return input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  try {
    return decodeText(input, set.file);
  } catch (error) {
    if (error instanceof InvalidInputError) set.problems.push(...error.problems);
    else throw error;
    return undefined;
  }
}

/** The line on which JSON first nests deeper than `max`, or undefined. Strings are skipped. */
export function jsonTooDeep(text: string, max = MAX_JSON_DEPTH): number | undefined {
  let depth = 0;
  let line = 1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > max) return line;
    } else if (c === 93 || c === 125) depth--;
  }
  return undefined;
}

/** ISO 8601 date or date-time (with `Z` or an offset when a time is given) → ISO UTC; undefined if invalid. */
export function normaliseTimestamp(text: string): string | undefined {
  const trimmed = text.trim();
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(trimmed);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, , zone] = match;
  if (h !== undefined && zone === undefined) return undefined;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(Number(y), month, 0)).getUTCDate()) return undefined;
  if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 60)) return undefined;
  const iso = h === undefined ? `${y}-${mo}-${d}T00:00:00Z` : trimmed.replace(' ', 'T').replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const time = Date.parse(iso);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

// ------------------------------------------------------------------------------------------------
// Value normalisation

export type NormaliseResult = { ok: true; type: IocType; value: string } | { ok: false; reason: string };

const HASH_LENGTHS: Readonly<Record<'md5' | 'sha1' | 'sha256' | 'sha512', number>> = { md5: 32, sha1: 40, sha256: 64, sha512: 128 };

/**
 * Validates and normalises a value of the given type. The type may change to the more precise one:
 * `10.0.0.1/32` given as cidr4 becomes ipv4, `10.0.0.0/8` given as ipv4 becomes cidr4.
 */
export function normaliseIoc(type: IocType, raw: string): NormaliseResult {
  const bad = (reason: string): NormaliseResult => ({ ok: false, reason });
  if (raw.length > MAX_IOC_VALUE_LENGTH) return bad(`value is ${raw.length} characters long; at most ${MAX_IOC_VALUE_LENGTH} are accepted`);
  const text = raw.trim();
  if (text === '') return bad(`empty ${type} value`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) return bad(`${type} value contains control characters`);
  switch (type) {
    case 'ipv4':
    case 'ipv6':
    case 'cidr4':
    case 'cidr6': {
      const result = normaliseAddress(text);
      if (!result.ok) return result;
      const family = type === 'ipv4' || type === 'cidr4' ? 4 : 6;
      const got = result.type === 'ipv4' || result.type === 'cidr4' ? 4 : 6;
      if (family !== got) return bad(`"${text}" is an IPv${got} value, expected IPv${family}`);
      return result;
    }
    case 'domain':
      return normaliseDomain(text);
    case 'url':
      return normaliseUrl(text);
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512': {
      const length = HASH_LENGTHS[type];
      if (!/^[0-9a-fA-F]+$/.test(text)) return bad(`${type} "${clip(text)}" is not hexadecimal`);
      if (text.length !== length) return bad(`${type} has ${length} hex digits, "${clip(text)}" has ${text.length}`);
      return { ok: true, type, value: text.toLowerCase() };
    }
    case 'email': {
      const at = text.lastIndexOf('@');
      if (at <= 0 || /\s/.test(text)) return bad(`"${clip(text)}" is not an e-mail address`);
      const domain = normaliseDomain(text.slice(at + 1));
      if (!domain.ok) return bad(`"${clip(text)}" is not an e-mail address: ${domain.reason}`);
      return { ok: true, type, value: `${text.slice(0, at)}@${domain.value}` };
    }
    case 'user-agent':
      return { ok: true, type, value: text };
    case 'filename':
      if (/[/\\]$/.test(text)) return bad(`"${clip(text)}" ends in a path separator, not a file name`);
      return { ok: true, type, value: text };
  }
}

/** An IPv4/IPv6 address or CIDR network; infers the type. */
export function normaliseAddress(text: string): NormaliseResult {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? undefined : text.slice(slash + 1);
  let family: 4 | 6;
  let bits: bigint;
  if (isIPv4(address)) {
    if (address.split('.').some((octet) => octet.length > 1 && octet.startsWith('0'))) {
      return { ok: false, reason: `"${address}" has an octet with a leading zero (octal or decimal?)` };
    }
    family = 4;
    bits = address.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(octet), 0n);
  } else if (isIPv6(address)) {
    if (address.includes('%')) return { ok: false, reason: `"${address}" carries a zone id; IOCs are global addresses` };
    family = 6;
    bits = ipv6Bits(address);
  } else {
    return { ok: false, reason: `"${clip(text)}" is not an IPv4 or IPv6 address${slash >= 0 ? ' or network' : ''}` };
  }
  const max = family === 4 ? 32 : 128;
  let prefix = max;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return { ok: false, reason: `"${clip(text)}": prefix must be 0–${max}` };
    prefix = Number(prefixText);
  }
  const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(max - prefix);
  const network = bits & mask;
  const shown = family === 4 ? formatIpv4(network) : formatIpv6(network);
  if (prefix === max) return { ok: true, type: family === 4 ? 'ipv4' : 'ipv6', value: shown };
  return { ok: true, type: family === 4 ? 'cidr4' : 'cidr6', value: `${shown}/${prefix}` };
}

/**
 * An IPv4 address or network (`a.b.c.d` or `a.b.c.d/p`, dotted quad already valid) as the unsigned
 * 32-bit numbers of its first and last address, and its prefix length.
 */
export function ipv4Bounds(value: string): { readonly low: number; readonly high: number; readonly prefix: number } {
  const [address = '', prefixText] = value.split('/');
  const prefix = prefixText === undefined ? 32 : Number(prefixText);
  const size = 2 ** (32 - prefix);
  const low = Math.floor(address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0) / size) * size;
  return { low, high: low + size - 1, prefix };
}

export function ipv6Bits(address: string): bigint {
  let text = address;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups = rest === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}

function formatIpv4(bits: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((bits >> shift) & 255n)).join('.');
}

/** RFC 5952: lower case, no leading zeros, the longest run (≥ 2) of zero groups as `::`. */
function formatIpv6(bits: bigint): string {
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((bits >> shift) & 0xffffn));
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength && j - i >= 2) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

export function normaliseDomain(text: string): NormaliseResult {
  const bad = (why: string): NormaliseResult => ({ ok: false, reason: `"${clip(text)}" is not a domain name: ${why}` });
  let name = text.trim().replace(/\.$/, '');
  if (isIPv4(name) || isIPv6(name)) return bad('it is an IP address');
  if (/[\s/:@?#]/.test(name)) return bad('it contains spaces or URL characters');
  // eslint-disable-next-line no-control-regex
  if (/[^\u0000-\u007f]/.test(name)) {
    const ascii = domainToASCII(name);
    if (ascii === '') return bad('invalid internationalised name');
    name = ascii;
  }
  name = name.toLowerCase();
  if (name.length > 253) return bad('longer than 253 characters');
  const labels = name.split('.');
  if (labels.length < 2) return bad('a single label, expected at least one dot');
  for (const label of labels) {
    if (label === '') return bad('empty label');
    if (label.length > 63) return bad('a label is longer than 63 characters');
    if (!/^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$/.test(label) && label !== '*') return bad(`invalid label "${clip(label)}"`);
  }
  if (labels.slice(1).includes('*')) return bad('a wildcard is only allowed as the first label');
  return { ok: true, type: 'domain', value: name };
}

export function normaliseUrl(text: string): NormaliseResult {
  const bad = (why: string): NormaliseResult => ({ ok: false, reason: `"${clip(text)}" is not a URL: ${why}` });
  if (/\s/.test(text)) return bad('it contains white space');
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)(.*)$/s.exec(text);
  if (!match) return bad('no scheme:// (as in http://example.com/path)');
  const [, scheme = '', authority = '', rest = ''] = match;
  if (authority === '') return bad('no host');
  try {
    new URL(text);
  } catch {
    return bad('cannot be parsed');
  }
  // Scheme and host are case-insensitive; the path and query are kept as they are.
  return { ok: true, type: 'url', value: `${scheme.toLowerCase()}://${authority.toLowerCase()}${rest}` };
}

export function clip(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * The JSON document of an IOC file (a STIX bundle, a MISP event), or undefined with the reason
 * recorded in `set.problems`: bytes that are not text, nesting deeper than we read, bad syntax.
 */
export function readIocJson(set: IocSet, input: string | Uint8Array, what: string): StructuredSource | undefined {
  const text = inputText(set, input);
  if (text === undefined) return undefined;
  const deep = jsonTooDeep(text);
  if (deep !== undefined) {
    set.problems.push({ location: { file: set.file, line: deep }, reason: `JSON nested too deeply for ${what}` });
    return undefined;
  }
  try {
    return parseJsonSource(set.file, text);
  } catch (error) {
    if (error instanceof InvalidInputError) {
      set.problems.push(...error.problems);
      return undefined;
    }
    throw error;
  }
}
