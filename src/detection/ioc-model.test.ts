import { describe, expect, it } from 'vitest';
import {
  type IocType,
  assertReadable,
  emptyIocSet,
  jsonTooDeep,
  normaliseIoc,
  normaliseTimestamp,
  parseTlpLabel,
  strictestTlp,
} from './ioc-model.js';

describe('normaliseIoc', () => {
  it.each<[IocType, string, IocType, string]>([
    ['ipv4', ' 10.0.0.1 ', 'ipv4', '10.0.0.1'],
    ['ipv4', '10.0.0.1/32', 'ipv4', '10.0.0.1'],
    ['ipv4', '10.1.2.3/8', 'cidr4', '10.0.0.0/8'],
    ['cidr4', '192.168.1.77/24', 'cidr4', '192.168.1.0/24'],
    ['cidr4', '0.0.0.0/0', 'cidr4', '0.0.0.0/0'],
    ['ipv6', '2001:0DB8:0000:0000:0000:0000:0000:0001', 'ipv6', '2001:db8::1'],
    ['ipv6', '2001:db8:0:1:0:0:1:1', 'ipv6', '2001:db8:0:1::1:1'],
    ['ipv6', '::ffff:192.0.2.1', 'ipv6', '::ffff:c000:201'],
    ['ipv6', '::', 'ipv6', '::'],
    ['cidr6', '2001:db8::1/128', 'ipv6', '2001:db8::1'],
    ['cidr6', '2001:db8:dead:beef::1/64', 'cidr6', '2001:db8:dead:beef::/64'],
    ['domain', 'WWW.Example.COM.', 'domain', 'www.example.com'],
    ['domain', 'bücher.example', 'domain', 'xn--bcher-kva.example'],
    ['domain', '_dmarc.example.com', 'domain', '_dmarc.example.com'],
    ['url', 'HTTPS://Evil.Example:8443/Path?Q=A', 'url', 'https://evil.example:8443/Path?Q=A'],
    ['md5', 'CEAD3F77F6CDA6EC00F57D76C9A6879F', 'md5', 'cead3f77f6cda6ec00f57d76c9a6879f'],
    ['sha1', 'DA39A3EE5E6B4B0D3255BFEF95601890AFD80709', 'sha1', 'da39a3ee5e6b4b0d3255bfef95601890afd80709'],
    ['email', 'John.Doe@Example.COM', 'email', 'John.Doe@example.com'],
    ['user-agent', '  Mozilla/5.0 (evil)  ', 'user-agent', 'Mozilla/5.0 (evil)'],
    ['filename', 'Invoice.PDF.exe', 'filename', 'Invoice.PDF.exe'],
  ])('%s %j → %s %j', (type, raw, expectedType, expected) => {
    expect(normaliseIoc(type, raw)).toEqual({ ok: true, type: expectedType, value: expected });
  });

  it.each<[IocType, string, string]>([
    ['ipv4', '256.1.1.1', 'not an IPv4'],
    ['ipv4', '1.2.3', 'not an IPv4'],
    ['ipv4', '2001:db8::1', 'expected IPv4'],
    ['ipv6', '10.0.0.1', 'expected IPv6'],
    ['ipv6', 'fe80::1%eth0', 'zone id'],
    ['cidr4', '10.0.0.0/33', 'prefix'],
    ['cidr4', '10.0.0.0/x', 'prefix'],
    ['cidr6', '2001:db8::/129', 'prefix'],
    ['domain', 'localhost', 'single label'],
    ['domain', '10.0.0.1', 'IP address'],
    ['domain', 'a..example', 'empty label'],
    ['domain', '-bad.example', 'invalid label'],
    ['domain', `${'a'.repeat(64)}.example`, '63'],
    ['domain', 'evil.example/path', 'URL characters'],
    ['url', 'evil.example/x', 'scheme'],
    ['url', 'http:///x', 'no host'],
    ['url', 'http://evil example/', 'white space'],
    ['md5', 'abc', 'md5 has 32'],
    ['sha256', 'g'.repeat(64), 'not hexadecimal'],
    ['sha512', 'a'.repeat(127), 'sha512 has 128'],
    ['email', 'no-at-sign', 'not an e-mail'],
    ['email', 'x@localhost', 'not an e-mail'],
    ['filename', 'C:\\Windows\\', 'path separator'],
    ['user-agent', '', 'empty'],
    ['user-agent', 'a\u0000b', 'control characters'],
    ['user-agent', 'x'.repeat(9000), 'at most'],
  ])('%s %j is rejected', (type, raw, reason) => {
    const result = normaliseIoc(type, raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });
});

describe('normaliseTimestamp', () => {
  it.each([
    ['2026-01-31', '2026-01-31T00:00:00.000Z'],
    ['2026-01-31T10:00:00Z', '2026-01-31T10:00:00.000Z'],
    ['2026-01-31T10:00:00.123456Z', '2026-01-31T10:00:00.123Z'],
    ['2026-01-31T10:00:00+02:00', '2026-01-31T08:00:00.000Z'],
    ['2026-01-31 10:00+0100', '2026-01-31T09:00:00.000Z'],
  ])('%s → %s', (text, iso) => {
    expect(normaliseTimestamp(text)).toBe(iso);
  });

  it.each(['2026-02-30', '2026-13-01', '2026-01-31T10:00:00', '31-01-2026', 'tomorrow', '2026-01-31T25:00:00Z', ''])('rejects %j', (text) => {
    expect(normaliseTimestamp(text)).toBeUndefined();
  });
});

describe('TLP', () => {
  it('reads labels and picks the strictest', () => {
    expect(parseTlpLabel('TLP:WHITE')).toBe('clear');
    expect(parseTlpLabel('tlp:amber+strict')).toBe('amber+strict');
    expect(parseTlpLabel('tlp:ex:chr')).toBeUndefined();
    expect(strictestTlp(['green', 'amber', 'clear'])).toBe('amber');
    expect(strictestTlp([])).toBeNull();
  });
});

describe('helpers', () => {
  it('finds JSON that is nested too deeply, ignoring brackets in strings', () => {
    expect(jsonTooDeep('{"a": "[[[[[[[["}', 3)).toBeUndefined();
    expect(jsonTooDeep('{\n"a": [[[1]]]}', 3)).toBe(2);
  });

  it('throws for a set whose file could not be read', () => {
    const set = emptyIocSet('x.json');
    expect(assertReadable(set)).toBe(set);
    set.problems.push({ location: { file: 'x.json', line: 1 }, reason: 'broken' });
    expect(() => assertReadable(set)).toThrow('cannot be read');
  });
});
