import { describe, expect, it } from 'vitest';
import { readMispEvents } from './misp-event.js';

const attribute = (type: string, value: string, extra: Record<string, unknown> = {}) => ({
  uuid: `5f0f${type.replace(/[^a-z]/g, '').slice(0, 4).padEnd(4, 'x')}-${value.length}`,
  category: 'Network activity',
  type,
  value,
  to_ids: true,
  ...extra,
});

function event(attributes: unknown[], extra: Record<string, unknown> = {}) {
  return JSON.stringify(
    {
      Event: {
        uuid: '5e3b2c8f-6b7c-4d2e-9a0b-1c2d3e4f5a6b',
        info: 'Phishing campaign',
        published: true,
        Tag: [{ name: 'tlp:green' }],
        Attribute: attributes,
        ...extra,
      },
    },
    null,
    2,
  );
}

describe('readMispEvents', () => {
  it('maps the supported types', () => {
    const set = readMispEvents(
      'e.json',
      event([
        attribute('ip-src', '198.51.100.1'),
        attribute('ip-dst', '2001:DB8::1'),
        attribute('ip-dst', '10.0.0.0/8'),
        attribute('ip-src|port', '198.51.100.2|443'),
        attribute('ip-dst|port', '198.51.100.3|8080'),
        attribute('domain', 'Evil.Example'),
        attribute('hostname', 'www.evil.example'),
        attribute('hostname|port', 'c2.evil.example|8443'),
        attribute('domain|ip', 'evil.example|198.51.100.4'),
        attribute('url', 'http://evil.example/x'),
        attribute('md5', 'CEAD3F77F6CDA6EC00F57D76C9A6879F'),
        attribute('sha1', 'da39a3ee5e6b4b0d3255bfef95601890afd80709'),
        attribute('sha256', 'a'.repeat(64)),
        attribute('sha512', 'b'.repeat(128)),
        attribute('filename|sha256', 'invoice.exe|' + 'c'.repeat(64)),
        attribute('filename|md5', 'invoice.exe|' + 'd'.repeat(32)),
        attribute('user-agent', 'EvilBot/1.0'),
        attribute('email-src', 'phish@evil.example'),
        attribute('email-dst', 'victim@corp.example'),
        attribute('filename', 'invoice.pdf.exe'),
      ]),
    );
    expect(set.problems).toEqual([]);
    expect(set.rejected).toEqual([]);
    expect(set.items.map((i) => [i.type, i.value, i.role])).toEqual([
      ['ipv4', '198.51.100.1', 'src'],
      ['ipv6', '2001:db8::1', 'dst'],
      ['cidr4', '10.0.0.0/8', 'dst'],
      ['ipv4', '198.51.100.2', 'src'],
      ['ipv4', '198.51.100.3', 'dst'],
      ['domain', 'evil.example', null],
      ['domain', 'www.evil.example', null],
      ['domain', 'c2.evil.example', null],
      ['domain', 'evil.example', null],
      ['ipv4', '198.51.100.4', null],
      ['url', 'http://evil.example/x', null],
      ['md5', 'cead3f77f6cda6ec00f57d76c9a6879f', null],
      ['sha1', 'da39a3ee5e6b4b0d3255bfef95601890afd80709', null],
      ['sha256', 'a'.repeat(64), null],
      ['sha512', 'b'.repeat(128), null],
      ['sha256', 'c'.repeat(64), null],
      ['md5', 'd'.repeat(32), null],
      ['user-agent', 'EvilBot/1.0', null],
      ['email', 'phish@evil.example', 'src'],
      ['email', 'victim@corp.example', 'dst'],
      ['filename', 'invoice.pdf.exe', null],
    ]);
    expect(set.items[0]).toMatchObject({ tlp: 'green', confidence: null, validUntil: null, description: 'Phishing campaign' });
    expect(set.items[0]!.source).toMatchObject({ file: 'e.json', path: 'Event.Attribute[0].value' });
  });

  it('counts attributes without to_ids and deleted ones, lists unsupported types', () => {
    const set = readMispEvents(
      'e.json',
      event([
        attribute('ip-dst', '198.51.100.1', { to_ids: false }),
        attribute('comment', 'hello', { to_ids: false }),
        attribute('ip-dst', '198.51.100.2', { deleted: true }),
        attribute('ssdeep', '3:abc:def'),
        attribute('regkey', 'HKLM\\Software\\Evil'),
        attribute('ip-dst', '198.51.100.3', { to_ids: '1' }),
      ]),
    );
    expect(set.counts).toMatchObject({ loaded: 1, notForDetection: 2, revoked: 1, unsupported: 2, rejected: 0 });
    expect(set.unsupported.map((u) => u.reason)).toEqual([
      'MISP type "ssdeep" is not supported for IOC matching',
      'MISP type "regkey" is not supported for IOC matching',
    ]);
    expect(set.unsupported[0]!.location).toMatchObject({ path: 'Event.Attribute[3].type' });
  });

  it('flattens objects and lets attribute tags override the event TLP', () => {
    const set = readMispEvents(
      'e.json',
      event([], {
        Object: [
          {
            name: 'file',
            'meta-category': 'file',
            Attribute: [
              attribute('sha256', 'e'.repeat(64), { Tag: [{ name: 'tlp:red' }], comment: 'dropper' }),
              attribute('filename', 'x.exe', { to_ids: false }),
            ],
          },
          { name: 'gone', deleted: true, Attribute: [attribute('md5', 'f'.repeat(32))] },
        ],
      }),
    );
    expect(set.items).toHaveLength(1);
    expect(set.items[0]).toMatchObject({ type: 'sha256', tlp: 'red', description: 'dropper' });
    expect(set.items[0]!.source.path).toBe('Event.Object[0].Attribute[0].value');
    expect(set.counts).toMatchObject({ notForDetection: 1, revoked: 1 });
  });

  it('reads a list of events and a REST search response', () => {
    const one = JSON.parse(event([attribute('domain', 'a.example')])) as unknown;
    expect(readMispEvents('l.json', JSON.stringify([one, one])).counts.loaded).toBe(2);
    expect(readMispEvents('r.json', JSON.stringify({ response: [one] })).counts.loaded).toBe(1);
  });

  it('rejects bad values with line and reason', () => {
    const text = event([
      attribute('ip-src', '999.1.1.1'),
      attribute('md5', 'abc'),
      attribute('ip-src|port', '198.51.100.1'),
      attribute('domain', 'not a domain'),
      { type: 'domain', to_ids: true },
      { value: 'x', to_ids: true },
    ]);
    const set = readMispEvents('e.json', text);
    expect(set.counts.loaded).toBe(0);
    expect(set.rejected.map((r) => r.reason)).toEqual([
      'ip-src: "999.1.1.1" is not an IPv4 or IPv6 address',
      'md5: md5 has 32 hex digits, "abc" has 3',
      '"ip-src|port" expects 2 parts separated by "|", got 1',
      'domain: "not a domain" is not a domain name: it contains spaces or URL characters',
      'attribute of type "domain" without a string "value"',
      'attribute without a "type"',
    ]);
    const lines = text.split('\n');
    expect(lines[set.rejected[0]!.location.line! - 1]).toContain('999.1.1.1');
  });

  it.each([
    ['{}', 'expected a MISP event'],
    ['{"Event": []}', 'expected a MISP event'],
    ['{"Event": {"Attribute": {}}}', '"Attribute" must be a list'],
    ['{"Event": {"Object": 3}}', '"Object" must be a list'],
    ['{"Event": {"Attribute": [3]}}', 'must be a JSON object'],
    ['{"Event": {', 'JSON syntax'],
  ])('reports the malformed %s', (text, reason) => {
    expect(readMispEvents('e.json', text).problems[0]!.reason).toContain(reason);
  });

  it('refuses deep nesting and bad encodings', () => {
    expect(readMispEvents('e.json', `{"Event": ${'['.repeat(50_000)}${']'.repeat(50_000)}}`).problems[0]!.reason).toContain('nested too deeply');
    const bytes = Buffer.from([0x7b, 0x0a, 0xc3, 0x28, 0x7d]);
    expect(readMispEvents('e.json', bytes).problems[0]).toMatchObject({ location: { line: 2 } });
  });

  it('reads a large event', () => {
    const attributes = Array.from({ length: 50_000 }, (_, i) => ({ type: 'ip-dst', value: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, to_ids: true }));
    expect(readMispEvents('big.json', JSON.stringify({ Event: { info: 'big', Attribute: attributes } })).counts.loaded).toBe(50_000);
  });
});
