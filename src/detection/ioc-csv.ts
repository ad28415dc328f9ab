import { readCsvRecords } from '../shared/csv-records.js';
import {
  type IocSet,
  type IocType,
  type NormaliseResult,
  IOC_TYPES,
  addIoc,
  clip,
  emptyIocSet,
  inputText,
  normaliseAddress,
  normaliseIoc,
  normaliseTimestamp,
  parseTlpLabel,
  reject,
} from './ioc-model.js';

/**
 * Reads an IOC CSV file with the header `type,value,confidence,source,valid_until` (columns in any
 * order; `type` and `value` required; optional `description` and `tlp`). Types are the names of
 * {@link IOC_TYPES} or a common alias (`ip`, `ip-dst`, `hostname`, `sha-256`, `hash` …; see
 * {@link CSV_TYPE_ALIASES}). Each row is validated on its own; a bad row is rejected with its line.
 */

/** `ip`/`cidr` mean "whichever family the value is"; `hash` means "by its length". */
export const CSV_TYPE_ALIASES: Readonly<Record<string, IocType | 'ip' | 'hash'>> = {
  ip: 'ip',
  'ip-src': 'ip',
  'ip-dst': 'ip',
  ip_address: 'ip',
  'ip-address': 'ip',
  address: 'ip',
  cidr: 'ip',
  network: 'ip',
  'ipv4-addr': 'ipv4',
  ip4: 'ipv4',
  'ipv6-addr': 'ipv6',
  ip6: 'ipv6',
  'domain-name': 'domain',
  hostname: 'domain',
  host: 'domain',
  fqdn: 'domain',
  uri: 'url',
  link: 'url',
  'sha-1': 'sha1',
  'sha-256': 'sha256',
  'sha-512': 'sha512',
  hash: 'hash',
  useragent: 'user-agent',
  user_agent: 'user-agent',
  ua: 'user-agent',
  'email-addr': 'email',
  'email-src': 'email',
  'email-dst': 'email',
  'e-mail': 'email',
  'file-name': 'filename',
  file_name: 'filename',
  file: 'filename',
};

const HASH_BY_LENGTH: Readonly<Record<number, IocType>> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };

export function resolveCsvType(name: string): IocType | 'ip' | 'hash' | undefined {
  const key = name.trim().toLowerCase();
  if ((IOC_TYPES as readonly string[]).includes(key)) return key as IocType;
  return CSV_TYPE_ALIASES[key];
}

export function readIocCsv(file: string, input: string | Uint8Array): IocSet {
  const set = emptyIocSet(file);
  const text = inputText(set, input);
  if (text === undefined) return set;
  const headerLine = text.slice(0, text.search(/\r?\n|$/));
  const header = headerLine.split(',').map((h) => h.trim().replace(/^"|"$/g, '').toLowerCase().replace(/[\s-]+/g, '_'));
  const missing = ['type', 'value'].filter((column) => !header.includes(column));
  if (missing.length > 0) {
    set.problems.push({
      location: { file, line: 1 },
      reason: `the header lacks ${missing.map((m) => `"${m}"`).join(' and ')} (expected type,value,confidence,source,valid_until)`,
    });
    return set;
  }
  const records = readCsvRecords(file, text, set.problems);
  for (const { record, line } of records) {
    const id = `line ${line}`;
    const issue = (reason: string) => ({ location: { file, line }, id, reason });
    const typeName = record.type ?? '';
    const value = record.value ?? '';
    const type = resolveCsvType(typeName);
    if (type === undefined) {
      reject(set, issue(typeName === '' ? 'empty type' : `unknown type "${clip(typeName)}" (expected one of ${IOC_TYPES.join(', ')} or an alias)`));
      continue;
    }
    let result: NormaliseResult;
    if (type === 'ip') result = value.trim() === '' ? { ok: false, reason: 'empty ip value' } : normaliseAddress(value.trim());
    else if (type === 'hash') {
      const hashType = HASH_BY_LENGTH[value.trim().length];
      result = hashType ? normaliseIoc(hashType, value) : { ok: false, reason: `hash "${clip(value)}" has ${value.trim().length} characters; MD5/SHA-1/SHA-256/SHA-512 have 32/40/64/128` };
    } else result = normaliseIoc(type, value);
    if (!result.ok) {
      reject(set, issue(result.reason));
      continue;
    }
    let confidence: number | null = null;
    const confidenceText = (record.confidence ?? '').trim();
    if (confidenceText !== '') {
      if (!/^\d{1,3}$/.test(confidenceText) || Number(confidenceText) > 100) {
        reject(set, issue(`confidence "${clip(confidenceText)}" is not a whole number from 0 to 100`));
        continue;
      }
      confidence = Number(confidenceText);
    }
    let validUntil: string | null = null;
    const validText = (record.valid_until ?? '').trim();
    if (validText !== '') {
      const normalised = normaliseTimestamp(validText);
      if (normalised === undefined) {
        reject(set, issue(`valid_until "${clip(validText)}" is not an ISO 8601 date or timestamp with a time zone`));
        continue;
      }
      validUntil = normalised;
    }
    const tlpText = (record.tlp ?? '').trim();
    const tlp = tlpText === '' ? null : parseTlpLabel(tlpText);
    if (tlp === undefined) {
      reject(set, issue(`tlp "${clip(tlpText)}" is not a TLP label (clear, green, amber, amber+strict, red)`));
      continue;
    }
    const sourceText = (record.source ?? '').trim();
    const description = (record.description ?? '').trim() || (sourceText ? `source: ${sourceText}` : null);
    addIoc(set, {
      type: result.type,
      value: result.value,
      role: typeName.trim().toLowerCase() === 'ip-src' ? 'src' : typeName.trim().toLowerCase() === 'ip-dst' ? 'dst' : null,
      confidence,
      source: { file, id, line },
      validUntil,
      tlp,
      description,
    });
  }
  return set;
}
