import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WeerbaarError } from '../shared/errors.js';
import {
  CANARY_KINDS,
  type CanaryKind,
  MAX_CANDIDATES,
  MAX_TEXT_CHARS,
  NORMALISATION_VERSION,
  canaryCandidates,
  canaryFingerprint,
  matchCanaries,
  normaliseCanary,
} from './canary-fingerprint.js';

const key = randomBytes(32);
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const SHELTER = 'Lindenlaan 12, 3512 AB Utrecht';
const mb = 1 << 20;

function thrown(fn: () => unknown): WeerbaarError {
  try {
    fn();
  } catch (error) {
    if (error instanceof WeerbaarError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('normaliseCanary: one canonical form per value', () => {
  it('treats an address with or without diacritics, case, punctuation, postcode spacing or field order as equal', () => {
    const forms = [SHELTER, 'LINDENLAAN 12 3512ab UTRECHT', '  Líndenlaan 12,3512 ab   Utrécht ', '3512AB; Utrecht; Lindenlaan 12'];
    expect(new Set(forms.map((f) => normaliseCanary('address', f)))).toEqual(new Set(['12 3512ab lindenlaan utrecht']));
    expect(normaliseCanary('address', 'Lindenlaan 13, 3512 AB Utrecht')).not.toBe(normaliseCanary('address', SHELTER));
  });

  it('treats Dutch phone numbers in national, +31, 0031, (0) and bare E.164 form as equal, and keeps other countries apart', () => {
    for (const form of ['+31 6 12345678', '0031612345678', '06-12345678', '+31 (0)6 1234 5678', '31612345678', '06.123.456.78']) {
      expect(normaliseCanary('phone', form)).toBe('0612345678');
    }
    expect(normaliseCanary('phone', '+32 2 123 45 67')).toBe('003221234567');
  });

  it('lower-cases scheme and host of a URL, drops the default port and fragment, and keeps path and query as given', () => {
    expect(normaliseCanary('url', 'HTTPS://Files.EXAMPLE.org:443/t/Qx7Ka9?id=42#top')).toBe('https://files.example.org/t/Qx7Ka9?id=42');
    expect(normaliseCanary('url', 'https://files.example.org/t/qx7ka9?id=42')).not.toBe(normaliseCanary('url', 'https://files.example.org/t/Qx7Ka9?id=42'));
    expect(normaliseCanary('url', 'http://files.example.org:8080/x')).toBe('http://files.example.org:8080/x');
  });

  it('treats DNS names with upper case or a trailing dot as equal and stores IDN labels as punycode', () => {
    expect(normaliseCanary('dns', 'ABC123.Canary.Example.ORG.')).toBe('abc123.canary.example.org');
    expect(normaliseCanary('dns', 'kanarie.Bücher.example')).toBe('kanarie.xn--bcher-kva.example');
  });

  it('lower-cases e-mail addresses but keeps credentials exact apart from NFKC and trimming', () => {
    expect(normaliseCanary('email', ' Honey.Pot@OM-Canary.Example.NL ')).toBe('honey.pot@om-canary.example.nl');
    expect(normaliseCanary('credential', '  Ｓｅｃｒｅｔ-Key_42 ')).toBe('Secret-Key_42');
    expect(normaliseCanary('credential', 'secret-key_42')).not.toBe(normaliseCanary('credential', 'Secret-Key_42'));
  });

  it('treats names in either order and without diacritics as equal, and text as ordered words without punctuation', () => {
    expect(normaliseCanary('name', 'Jansen, Zoë')).toBe(normaliseCanary('name', 'zoe JANSEN'));
    expect(normaliseCanary('text', 'Honey-Token  7F3A!')).toBe('honey token 7f3a');
  });

  it('refuses empty or impossible values with a clear INVALID_INPUT error that does not repeat the value', () => {
    const cases: [CanaryKind, string, RegExp][] = [
      ['url', 'canary.example.org/t/x', /url value does not parse as a URL/],
      ['url', 'ftp://canary.example.org/x', /only http and https/],
      ['dns', 'https://canary.example.org/', /is not a host name/],
      ['dns', 'localhost', /at least two dot-separated labels/],
      ['dns', '10.0.0.1', /is an IP address/],
      ['email', 'honey.pot.example.org', /has no @/],
      ['email', 'a@b@example.org', /more than one @/],
      ['credential', 'hunter 2 secret', /contains whitespace.*register a pass phrase as kind text/],
      ['address', 'Utrecht', /at least 2 are needed/],
      ['address', '!!! ???', /has no letters or digits/],
      ['phone', '12-345', /has 5 digits; a phone number needs 6 to 15/],
      ['phone', '06-CALLME', /may contain only digits/],
      ['name', 'Zoë', /at least 2 are needed/],
      ['text', 'one two three four five six seven eight nine', /at most 8 can be matched/],
    ];
    for (const [kind, value, message] of cases) {
      const error = thrown(() => normaliseCanary(kind, value));
      expect(error.code, `${kind} ${value}`).toBe('INVALID_INPUT');
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain(value);
    }
    for (const kind of CANARY_KINDS) expect(thrown(() => normaliseCanary(kind, '  \t ')).message).toBe(`canary ${kind} value is empty`);
    expect(thrown(() => normaliseCanary('ssn' as CanaryKind, '123')).message).toMatch(/unknown canary kind "ssn"/);
  });
});

describe('canaryFingerprint: keyed', () => {
  it('gives the same fingerprint for equal spellings, a different one per key and per kind, and is the documented HMAC', () => {
    const fingerprint = canaryFingerprint(key, 'address', SHELTER);
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(canaryFingerprint(key, 'address', 'lindenlaan 12 3512ab utrecht')).toBe(fingerprint);
    expect(canaryFingerprint(randomBytes(32), 'address', SHELTER)).not.toBe(fingerprint);
    expect(canaryFingerprint(key, 'name', 'Aa Bb')).not.toBe(canaryFingerprint(key, 'text', 'Aa Bb'));
    const expected = createHmac('sha256', key).update(`${NORMALISATION_VERSION}\0address\x0012 3512ab lindenlaan utrecht`).digest('hex');
    expect(fingerprint).toBe(expected);
  });

  it('refuses a key shorter than 32 bytes', () => {
    for (const short of [new Uint8Array(0), randomBytes(16), randomBytes(31)]) {
      const error = thrown(() => canaryFingerprint(short, 'dns', 'abc123.canary.example.org'));
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toMatch(/at least 32 random bytes/);
    }
    expect(() => matchCanaries(randomBytes(8), new Map(), ['dns'], 'x')).toThrow(/at least 32/);
  });

  it('ACCEPTANCE: the plain address cannot be recovered from the stored fingerprint by hashing candidate values without the key', () => {
    const stored = canaryFingerprint(key, 'address', SHELTER); // all the case store holds
    const streets = ['Lindenlaan', 'Kerkstraat', 'Dorpsstraat', 'Stationsweg', 'Molenweg', 'Schoolstraat', 'Julianastraat', 'Beatrixlaan', 'Wilhelminastraat', 'Nieuwstraat',
      'Kastanjelaan', 'Eikenlaan', 'Beukenlaan', 'Berkenlaan', 'Parallelweg', 'Marktstraat', 'Prins Bernhardlaan', 'Oranjestraat', 'Emmalaan', 'Zandweg',
      'Burgemeester de Withstraat', 'Vondellaan', 'Rembrandtlaan', 'Merelstraat', 'Spoorlaan', 'Havenstraat', 'Industrieweg', 'Sportlaan', 'Tulpstraat', 'Rozenlaan',
      'Hoofdstraat', 'Achterweg', 'Noordweg', 'Zuidsingel', 'Oudegracht', 'Nieuwegracht', 'Maliebaan', 'Biltstraat', 'Amsterdamsestraatweg', 'Vleutenseweg'];
    const dictionary = streets.flatMap((street) => Array.from({ length: 500 }, (_, i) => `${street} ${i + 1}, 3512 AB Utrecht`));
    expect(dictionary).toHaveLength(20_000);
    expect(dictionary).toContain(SHELTER);
    const normalised = dictionary.map((candidate) => normaliseCanary('address', candidate));
    expect(new Set(normalised).size).toBe(20_000);

    // An attacker with the store but not the key: plain and normalised SHA-256, the exact hashed
    // message without key, and HMAC under keys that are not the real one.
    const otherKeys = [randomBytes(32), randomBytes(32), randomBytes(32)];
    const unkeyedHits = dictionary.filter((candidate, i) => {
      const message = `${NORMALISATION_VERSION}\0address\0${normalised[i]}`;
      return [sha256(candidate), sha256(normalised[i]!), sha256(message), ...otherKeys.map((k) => canaryFingerprint(k, 'address', candidate))].includes(stored);
    });
    expect(unkeyedHits).toEqual([]);

    // The key holder finds exactly the real address.
    expect(dictionary.filter((candidate) => canaryFingerprint(key, 'address', candidate) === stored)).toEqual([SHELTER]);
  });
});

describe('matchCanaries: canaries in hostile evidence', () => {
  const canaries: [CanaryKind, string, string][] = [
    ['dns', 'abc123.canary.example.org', 'canary-dns'],
    ['url', 'https://files.example.org/t/Qx7Ka9?id=42', 'canary-url'],
    ['email', 'honey.pot@om-canary.example.nl', 'canary-mail'],
    ['address', SHELTER, 'shelter-address'],
    ['phone', '06-12345678', 'honey-phone'],
    ['credential', 'wJalrXUtnFEMI/K7MDENG+Honey9Key', 'honey-aws-key'],
    ['name', 'Zoë de Vries', 'honey-witness'],
  ];
  const wanted = new Map(canaries.map(([kind, value, id]) => [canaryFingerprint(key, kind, value), id]));
  const ids = (text: string) => matchCanaries(key, wanted, CANARY_KINDS, text).map((hit) => hit.value).sort();

  it('finds a canary DNS name in a log line of a query for a subdomain, also in Windows DNS debug format', () => {
    const hits = matchCanaries(key, wanted, ['dns'], 'Aug  1 10:00:01 dnsmasq[812]: query[A] x7.ABC123.canary.example.org. from 10.1.2.3');
    expect(hits).toEqual([{ kind: 'dns', fingerprint: canaryFingerprint(key, 'dns', 'abc123.canary.example.org'), value: 'canary-dns' }]);
    expect(ids('8/1/2025 10:00:01 AM 0F7C PACKET UDP Rcv 10.1.2.3 4a2b Q [0001 D NOERROR] A (2)x7(6)abc123(6)canary(7)example(3)org(0)')).toEqual(['canary-dns']);
  });

  it('finds a canary URL inside a proxy CSV row, in prose and in JSON with escaped slashes', () => {
    expect(ids('2025-08-01T10:00:01Z,10.1.2.3,GET,HTTPS://Files.Example.org:443/t/Qx7Ka9?id=42,200,1532,"Mozilla/5.0"')).toEqual(['canary-url']);
    expect(ids('see (https://files.example.org/t/Qx7Ka9?id=42).')).toEqual(['canary-url']);
    expect(ids('{"url":"https:\\/\\/files.example.org\\/t\\/Qx7Ka9?id=42"}')).toEqual(['canary-url']);
  });

  it('finds a canary e-mail address in a JSON line, also percent-encoded in a query string', () => {
    expect(ids('{"ts":"2025-08-01T10:00:01Z","from":"Mallory <m@evil.test>","to":["Honey.Pot@OM-Canary.example.nl"]}')).toEqual(['canary-mail']);
    expect(ids('GET /reset?email=honey.pot%40om-canary.example.nl&x=1')).toEqual(['canary-mail']);
  });

  it('finds a canary address in a leak-site CSV row with different case, diacritics, postcode spacing and column order', () => {
    expect(ids('4711;"LÍNDENLAAN 12";"3512ab";"UTRECHT";"2025-07-30"')).toEqual(['shelter-address']);
    expect(ids('4712,3512 ab,Utrécht,Lindenlaan,12,"opvang"')).toEqual(['shelter-address']);
  });

  it('finds a phone number, a honey credential and a name written differently', () => {
    expect(ids('2025-08-01 10:00:01 call caller=+31 (0)6 1234 5678 duration=42s')).toEqual(['honey-phone']);
    expect(ids('export AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG+Honey9Key"')).toEqual(['honey-aws-key']);
    expect(ids('export AWS_SECRET_ACCESS_KEY="wjalrxutnfemi/k7mdeng+honey9key"')).toEqual([]);
    expect(ids('getuige: "de Vries, Zoe"')).toEqual(['honey-witness']);
  });

  it('finds nothing in text without canaries, including near misses', () => {
    const text = 'query[A] abc123.canary.example.com https://files.example.org/t/Qx7Ka9?id=43 honey.pot@om-canary.example.org Lindenlaan 13, 3512 AB Utrecht 06-12345679 Zoë van Vries';
    expect(ids(text)).toEqual([]);
    expect(matchCanaries(key, new Map(), CANARY_KINDS, 'abc123.canary.example.org')).toEqual([]);
  });

  it('does not throw on hostile input and stays bounded in candidates and time', () => {
    const hostile = [
      'a'.repeat(mb),
      'a.'.repeat(mb / 2),
      '1 '.repeat(mb / 2),
      '+1-'.repeat(mb / 3),
      `https://x.example.org/${','.repeat(mb)}`,
      '@'.repeat(mb),
      'w '.repeat(mb / 2),
      '\u0000\u0007\u001b[31m\uD800x\uDC00\uDFFF\uD83D'.repeat(mb / 16),
      'Lindenlaan 12 3512 AB Utrecht '.repeat(mb / 30),
    ];
    const started = performance.now();
    for (const text of hostile) {
      for (const kind of CANARY_KINDS) expect(canaryCandidates(kind, text).length).toBeLessThanOrEqual(MAX_CANDIDATES);
      expect(() => matchCanaries(key, wanted, CANARY_KINDS, text)).not.toThrow();
    }
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  it('searches the first 64 KiB of a line: a canary at the start of a 1 MB line is found, one beyond is not', () => {
    const filler = ' x'.repeat(mb / 2);
    expect(ids(`q abc123.canary.example.org ${filler}`)).toEqual(['canary-dns']);
    expect(ids(`${' '.repeat(MAX_TEXT_CHARS)} abc123.canary.example.org`)).toEqual([]);
  });
});
