import { describe, expect, it } from 'vitest';
import { readIocCsv, resolveCsvType } from './ioc-csv.js';

const HEADER = 'type,value,confidence,source,valid_until';

describe('readIocCsv', () => {
  it('reads valid rows with types and aliases', () => {
    const text = [
      HEADER,
      'ipv4,198.51.100.1,80,abuse feed,2027-01-01',
      'ip,2001:DB8::1,,,',
      'ip-dst,10.1.0.0/16,,,',
      'domain,Evil.Example,,,',
      'hostname,www.evil.example,,,',
      'url,http://evil.example/a?b=c,,,',
      'md5,CEAD3F77F6CDA6EC00F57D76C9A6879F,,,',
      'sha-256,' + 'A'.repeat(64) + ',,,',
      'hash,' + 'b'.repeat(40) + ',,,',
      '"user-agent","Mozilla/5.0 (compatible, evil)",,,',
      'email,x@evil.example,,,',
      'filename,evil.exe,100,,2027-01-01T12:00:00Z',
      'cidr6,2001:db8::/32,0,,',
    ].join('\n');
    const set = readIocCsv('iocs.csv', text);
    expect(set.problems).toEqual([]);
    expect(set.rejected).toEqual([]);
    expect(set.items.map((i) => [i.type, i.value])).toEqual([
      ['ipv4', '198.51.100.1'],
      ['ipv6', '2001:db8::1'],
      ['cidr4', '10.1.0.0/16'],
      ['domain', 'evil.example'],
      ['domain', 'www.evil.example'],
      ['url', 'http://evil.example/a?b=c'],
      ['md5', 'cead3f77f6cda6ec00f57d76c9a6879f'],
      ['sha256', 'a'.repeat(64)],
      ['sha1', 'b'.repeat(40)],
      ['user-agent', 'Mozilla/5.0 (compatible, evil)'],
      ['email', 'x@evil.example'],
      ['filename', 'evil.exe'],
      ['cidr6', '2001:db8::/32'],
    ]);
    expect(set.items[0]).toMatchObject({
      confidence: 80,
      validUntil: '2027-01-01T00:00:00.000Z',
      description: 'source: abuse feed',
      source: { file: 'iocs.csv', id: 'line 2', line: 2 },
      tlp: null,
    });
    expect(set.items[2]!.role).toBe('dst');
  });

  it('rejects each bad row with its line and reason, keeps the good ones', () => {
    const text = [
      HEADER,
      'ipv4,999.1.1.1,,,',
      'md5,abcd,,,',
      'sha256,' + 'z'.repeat(64) + ',,,',
      'domain,evil.example,101,,',
      'domain,evil.example,high,,',
      'domain,evil.example,,,2027-02-30',
      'domain,evil.example,,,2027-01-01T10:00:00',
      'weird,value,,,',
      ',value,,,',
      '',
      'url,not a url,,,',
      'hash,abc,,,',
      'ip,,,,',
      'domain,ok.example,,,',
    ].join('\n');
    const set = readIocCsv('iocs.csv', text);
    expect(set.rejected.map((r) => [r.location.line, r.reason])).toEqual([
      [2, '"999.1.1.1" is not an IPv4 or IPv6 address'],
      [3, 'md5 has 32 hex digits, "abcd" has 4'],
      [4, `sha256 "${'z'.repeat(64)}" is not hexadecimal`],
      [5, 'confidence "101" is not a whole number from 0 to 100'],
      [6, 'confidence "high" is not a whole number from 0 to 100'],
      [7, 'valid_until "2027-02-30" is not an ISO 8601 date or timestamp with a time zone'],
      [8, 'valid_until "2027-01-01T10:00:00" is not an ISO 8601 date or timestamp with a time zone'],
      [9, expect.stringContaining('unknown type "weird"')],
      [10, 'empty type'],
      [12, '"not a url" is not a URL: it contains white space'],
      [13, 'hash "abc" has 3 characters; MD5/SHA-1/SHA-256/SHA-512 have 32/40/64/128'],
      [14, 'empty ip value'],
    ]);
    expect(set.items.map((i) => [i.value, i.source.line])).toEqual([['ok.example', 15]]);
    expect(set.counts).toMatchObject({ loaded: 1, rejected: 12 });
  });

  it('reads optional tlp and description columns in any order', () => {
    const set = readIocCsv('i.csv', 'value,type,tlp,description\nevil.example,domain,TLP:AMBER+STRICT,C2\nx.example,domain,purple,');
    expect(set.items[0]).toMatchObject({ tlp: 'amber+strict', description: 'C2' });
    expect(set.rejected[0]!.reason).toContain('tlp "purple"');
  });

  it.each([
    ['value,confidence\n1.2.3.4,5', 'lacks "type"'],
    ['type;value\nip;1.2.3.4', 'lacks "type" and "value"'],
    [HEADER, 'no data rows'],
    [`${HEADER}\nip,"1.2.3.4,,,`, 'CSV syntax'],
  ])('reports the malformed file %j', (text, reason) => {
    expect(readIocCsv('i.csv', text).problems[0]!.reason).toContain(reason);
  });

  it('refuses bytes that are not UTF-8 and reads a BOM', () => {
    const bad = Buffer.concat([Buffer.from(`${HEADER}\nip,1.2.3.4,,,\nfilename,`), Buffer.from([0xe9]), Buffer.from('t\u00e9.exe,,,\n')]);
    expect(readIocCsv('i.csv', bad).problems[0]).toMatchObject({ location: { line: 3 } });
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${HEADER}\nip,1.2.3.4,,,\n`)]);
    expect(readIocCsv('i.csv', bom).counts.loaded).toBe(1);
  });

  it('rejects a hostile huge cell without storing it', () => {
    const set = readIocCsv('i.csv', `${HEADER}\nuser-agent,${'A'.repeat(1_000_000)},,,\n`);
    expect(set.rejected[0]!.reason).toContain('at most');
  });

  it('parses 100,000 rows', () => {
    const rows = [HEADER];
    for (let i = 0; i < 100_000; i++) rows.push(`ipv4,10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255},50,feed,2027-01-01T00:00:00Z`);
    rows[50_001] = 'ipv4,10.0.0.256,50,feed,';
    const set = readIocCsv('big.csv', rows.join('\n'));
    expect(set.counts.loaded).toBe(99_999);
    expect(set.rejected).toEqual([expect.objectContaining({ location: { file: 'big.csv', line: 50_002 } })]);
    expect(set.items[99_998]!.source.line).toBe(100_001);
  });

  it('resolves type names case-insensitively', () => {
    expect(resolveCsvType(' SHA-256 ')).toBe('sha256');
    expect(resolveCsvType('IPV4')).toBe('ipv4');
    expect(resolveCsvType('ssdeep')).toBeUndefined();
  });
});
