import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LogEvent } from './log-event.js';
import { parseBuffer } from './parse-text.js';
import { combinedLogParser, netscalerHttpaccessParser } from './web-access-parser.js';
import { corpus, expectAllAccounted } from '../../test/support/corpora.js';

const CORPUS = corpus('netscaler');

function filesNamed(dir: string, pattern: RegExp): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesNamed(path, pattern));
    else if (pattern.test(name)) out.push(path);
  }
  return out.sort();
}

const parse = (input: Buffer | string, options = {}) => parseBuffer(netscalerHttpaccessParser, input, options);
const one = (line: string | Buffer): LogEvent => {
  const { events, failures } = parse(line);
  expect(failures).toEqual([]);
  expect(events).toHaveLength(1);
  return events[0]!;
};

describe('NetScaler httpaccess: corpus', () => {
  const files = [
    ...filesNamed(join(CORPUS, 'mandiant-ioc-scanner/tests'), /^httpaccess\.log/),
    ...filesNamed(join(CORPUS, 'dissect-target/tests'), /^httpaccess\.log/),
  ];

  it('finds the corpus files', () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
  });

  it.each(files.map((f) => [f.slice(CORPUS.length + 1), f]))('accounts for every line of %s', (_name, path) => {
    const input = readFileSync(path);
    const result = parse(input);
    expectAllAccounted(input, result);
    // The only non-record line in the corpus is the `# provided by @buffaloverflow` comment.
    for (const f of result.failures) expect(f.reason).toMatch(/^comment line/);
    for (const e of result.events) {
      expect(e.dataset).toBe('netscaler.httpaccess');
      expect(e.timeQuality).toBe('exact');
      expect(e.ecs['weerbaar.source_ip_quality']).toMatch(/^(real|proxy)$/);
    }
  });

  it('reads the Mandiant CVE-2019-19781 picktheme.pl request', () => {
    const input = readFileSync(join(CORPUS, 'mandiant-ioc-scanner/tests/access-logs/buffaloverflow/var/log/httpaccess.log'));
    const { events, failures } = parse(input);
    expect(failures.map((f) => f.line)).toEqual([1]);
    const pick = events[0]!;
    expect(pick.line).toBe(2);
    expect(pick.timestamp).toBe(Date.parse('2020-01-23T22:30:19Z'));
    expect(pick.ecs).toMatchObject({
      'source.ip': '127.0.0.1',
      'weerbaar.source_ip_quality': 'proxy',
      'http.request.method': 'PUT',
      'url.original': '/vpn/../vpns/portal/scripts/picktheme.pl',
      'url.path': '/vpn/../vpns/portal/scripts/picktheme.pl',
      'http.version': '1.1',
      'http.response.status_code': 200,
      'http.response.body.bytes': 27758,
    });
    expect(pick.ecs['http.request.referrer']).toBeUndefined();
    expect(pick.ecs['user_agent.original']).toBeUndefined();
    expect(pick.fields.source_ip_note).toMatch(/packet engine/);
    // The file's last line is cut inside the user agent: still the template-injection request.
    const cut = events[1]!;
    expect(cut.fields.truncated).toBe('true');
    expect(cut.ecs['url.original']).toContain("template.new({'BLOCK'%3d'print`id`'})");
    expect(cut.ecs['http.response.status_code']).toBe(200);
  });

  it('reads the citrix_hdrs and resptime formats from dissect.target', () => {
    const input = readFileSync(join(CORPUS, 'dissect-target/tests/_data/plugins/apps/webserver/citrix/httpaccess.log'));
    const [hdrs, resp] = parse(input).events;
    expect(hdrs!.timestamp).toBe(Date.parse('2022-12-19T16:25:48Z'));
    expect(hdrs!.ecs).toMatchObject({
      'source.ip': '1.2.3.4',
      'destination.ip': '5.6.7.8',
      'weerbaar.source_ip_quality': 'real',
      'process.pid': 69420,
      'event.duration': 58_774_000,
      'http.response.body.bytes': 1436,
    });
    expect(hdrs!.ecs['user_agent.original']).toMatch(/^Mozilla\/5\.0 \(Windows NT 10\.0; Win64; x64\);/);
    expect(resp!.ecs).toMatchObject({ 'source.ip': '127.0.0.1', 'weerbaar.source_ip_quality': 'proxy', 'process.pid': 82775, 'event.duration': 39_770_000 });
    expect(resp!.timestamp).toBe(Date.parse('2023-08-11T08:30:00Z'));
  });

  it('keeps the grep -H prefix of the Mandiant scanning sample and reads `-` sizes as absent', () => {
    const input = readFileSync(join(CORPUS, 'mandiant-ioc-scanner/tests/successful-scanning/var/log/httpaccess.log'));
    const { events } = parse(input);
    expect(events).toHaveLength(17);
    expect(events[0]!.fields.source_file).toBe('/var/log/httpaccess.log.4');
    expect(events[16]!.fields.source_file).toBe('/var/log/httpaccess.log.5');
    const notModified = events.find((e) => e.ecs['http.response.status_code'] === 304)!;
    expect(notModified.ecs['http.response.body.bytes']).toBeUndefined();
    expect(notModified.fields.bytes).toBe('-');
    expect(events[0]!.ecs['source.ip']).toBe('127.0.0.2');
  });

  it('splits the query string', () => {
    const input = readFileSync(join(CORPUS, 'mandiant-ioc-scanner/tests/access-logs/query-params/var/log/httpaccess.log'));
    const e = parse(input).events[0]!;
    expect(e.ecs['url.path']).toBe('/vpn/../vpns/portal/12345678.xml');
    expect(e.ecs['url.query']).toBe('foo=bar');
    expect(e.ecs['user_agent.original']).toBe('python-requests/2.18.4');
  });
});

describe('NetScaler httpaccess: formats and source-IP quality', () => {
  const tail = '"GET /vpn/index.html HTTP/1.1" 200 512 "-" "UA" "Time: 1000 microsecs"';

  it('combined_resptime from a loopback peer is `proxy`, 127.0.0.2 and ::1 too', () => {
    for (const ip of ['127.0.0.1', '127.0.0.2', '::1']) {
      const e = one(`${ip} - - [11/Aug/2023:08:30:00 +0000] [1] ${tail}`);
      expect(e.ecs['weerbaar.source_ip_quality']).toBe('proxy');
      expect(e.ecs['source.ip']).toBe(ip);
      expect(e.ecs['event.duration']).toBe(1_000_000);
    }
  });

  it('a non-loopback %a is `real`, IPv4 and IPv6', () => {
    for (const ip of ['198.51.100.7', '2001:db8::7']) {
      const e = one(`${ip} - - [11/Aug/2023:08:30:00 +0000] [1] ${tail}`);
      expect(e.ecs['weerbaar.source_ip_quality']).toBe('real');
      expect(e.fields.source_ip_note).toBeUndefined();
    }
  });

  it('the `->` source is `real` even when it is private, destination from the header', () => {
    const e = one(`10.0.0.5 -> 203.0.113.8 - alice [19/Dec/2022:17:25:48 +0100] [69420] ${tail}`);
    expect(e.ecs).toMatchObject({ 'source.ip': '10.0.0.5', 'destination.ip': '203.0.113.8', 'user.name': 'alice', 'weerbaar.source_ip_quality': 'real' });
  });

  it('plain combined without [pid] or response time', () => {
    const e = one('203.0.113.9 - - [23/Jan/2020:22:30:19 -0500] "POST /vpns/portal/scripts/newbm.pl HTTP/1.1" 200 135 "https://x/" "curl/7.67.0"');
    expect(e.timestamp).toBe(Date.parse('2020-01-24T03:30:19Z'));
    expect(e.ecs['process.pid']).toBeUndefined();
    expect(e.ecs['event.duration']).toBeUndefined();
    expect(e.ecs['http.request.referrer']).toBe('https://x/');
    expect(e.ecs['weerbaar.source_ip_quality']).toBe('real');
  });

  it('a host name instead of an address fills no source.ip and no quality', () => {
    const e = one('gw.example.org - - [23/Jan/2020:22:30:19 +0000] "GET / HTTP/1.1" 200 1');
    expect(e.ecs['source.ip']).toBeUndefined();
    expect(e.ecs['weerbaar.source_ip_quality']).toBeUndefined();
    expect(e.fields.remote_addr).toBe('gw.example.org');
  });
});

describe('Apache/Nginx combined', () => {
  const run = (input: string) => parseBuffer(combinedLogParser, input, { host: 'web01' });

  it('reads common log format (no referrer, no user agent)', () => {
    const { events } = run('192.0.2.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326\n');
    expect(events[0]!.dataset).toBe('web.access');
    expect(events[0]!.timestamp).toBe(Date.parse('2000-10-10T20:55:36Z'));
    expect(events[0]!.ecs).toMatchObject({ 'user.name': 'frank', 'http.version': '1.0', 'host.name': 'web01', 'source.ip': '192.0.2.1' });
    expect(events[0]!.ecs['weerbaar.source_ip_quality']).toBeUndefined();
  });

  it('keeps Nginx trailing fields and the vhost prefix', () => {
    const { events } = run(
      'shop.example:443 192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET /a?b=c HTTP/2.0" 404 0 "-" "Mozilla" "198.51.100.3" 0.004\n',
    );
    expect(events[0]!.fields).toMatchObject({ vhost: 'shop.example', vhost_port: '443', trailing_1: '198.51.100.3', trailing_2: '0.004' });
    expect(events[0]!.ecs).toMatchObject({ 'url.query': 'b=c', 'http.version': '2.0', 'http.response.body.bytes': 0 });
  });

  it('absolute-form targets give url.domain', () => {
    const { events } = run('192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET http://evil.example:8080/x?y HTTP/1.1" 200 1\n');
    expect(events[0]!.ecs).toMatchObject({ 'url.domain': 'evil.example:8080', 'url.path': '/x', 'url.query': 'y' });
  });
});

describe('hostile and malformed input', () => {
  const prefix = '198.51.100.1 - - [11/Aug/2023:08:30:00 +0000] ';

  it('garbage, binary and `-` request lines are events with the raw request kept', () => {
    const tls = one(`${prefix}"\\x16\\x03\\x01\\x02\\x00\\x01" 400 226 "-" "-"`);
    expect(tls.ecs['url.original']).toBe('\\x16\\x03\\x01\\x02\\x00\\x01');
    expect(tls.ecs['http.request.method']).toBeUndefined();
    expect(tls.fields.request_malformed).toBe('true');
    const none = one(`${prefix}"-" 408 - "-" "-"`);
    expect(none.ecs['url.original']).toBeUndefined();
    expect(none.fields.request).toBe('-');
    expect(none.ecs['http.response.status_code']).toBe(408);
    const http09 = one(`${prefix}"GET /x" 200 1`);
    expect(http09.ecs).toMatchObject({ 'http.request.method': 'GET', 'url.path': '/x' });
    expect(http09.ecs['http.version']).toBeUndefined();
  });

  it('escaped quotes stay inside their field; unescaped ones in the request are tolerated', () => {
    const escaped = one(`${prefix}"GET /a\\"b HTTP/1.1" 200 1 "-" "Mozilla \\"quoted\\" agent"`);
    expect(escaped.ecs['url.original']).toBe('/a\\"b');
    expect(escaped.ecs['user_agent.original']).toBe('Mozilla \\"quoted\\" agent');
    const raw = one(`${prefix}"GET /a"b" HTTP/1.1" 200 1 "-" "UA"`);
    expect(raw.fields.request).toBe('GET /a"b" HTTP/1.1');
    expect(raw.ecs['user_agent.original']).toBe('UA');
  });

  it('reads a 500 kB URL whole', () => {
    const url = '/vpn/' + 'A'.repeat(500_000);
    const e = one(`${prefix}"GET ${url} HTTP/1.1" 414 0 "-" "-"`);
    expect(e.ecs['url.original']).toBe(url);
  });

  it('non-UTF-8 bytes survive in raw and message, never as U+FFFD', () => {
    const line = Buffer.concat([Buffer.from(`${prefix}"GET /\xe9`, 'latin1'), Buffer.from([0xff, 0x80]), Buffer.from(' HTTP/1.1" 200 1 "-" "-"')]);
    const e = one(line);
    expect(e.raw.equals(line)).toBe(true);
    expect(e.message).not.toContain('\ufffd');
    expect(e.ecs['url.original']).toBe('/\u00e9\u00ff\u0080');
  });

  it('a file mixing UTF-8 and Latin-1 lines decodes each line on its own', () => {
    const utf8 = Buffer.from(`${prefix}"GET /caf\u00e9 HTTP/1.1" 200 1 "-" "-"`, 'utf8');
    const latin1 = Buffer.from(`${prefix}"GET /caf\u00e9 HTTP/1.1" 200 1 "-" "-"`, 'latin1');
    const { events } = parse(Buffer.concat([utf8, Buffer.from('\n'), latin1, Buffer.from('\n')]));
    expect(events.map((e) => e.ecs['url.original'])).toEqual(['/caf\u00e9', '/caf\u00e9']);
    expect(events[0]!.raw.equals(utf8)).toBe(true);
    expect(events[1]!.raw.equals(latin1)).toBe(true);
  });

  it('lines of the wrong shape are failures with a reason; cut lines are truncated events', () => {
    const input = [
      'hello world',
      `${prefix}GET / HTTP/1.1 200 1`,
      `${prefix}"GET / HTTP/1.1" OK`,
      '198.51.100.1 - - [99/Foo/2023:08:30:00 +0000] "GET / HTTP/1.1" 200 1',
      `${prefix}"GET /half-a-requ`,
      '',
    ].join('\n');
    const { events, failures, skipped } = parse(input + '\n');
    expect(failures.map((f) => [f.line, f.reason])).toEqual([
      [1, expect.stringMatching(/^not an access-log line/)],
      [2, expect.stringMatching(/^not an access-log line/)],
      [3, 'no status code and size after the quoted request'],
    ]);
    expect(skipped).toEqual([6]);
    // An impossible date keeps the event, without a time.
    expect(events[0]!.timestamp).toBeNull();
    expect(events[0]!.timeQuality).toBe('missing');
    expect(events[1]!.fields.truncated).toBe('true');
    expect(events[1]!.ecs).toMatchObject({ 'http.request.method': 'GET', 'url.original': '/half-a-requ' });
  });

  it('never throws on random bytes and accounts for every line', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const pieces = ['"', '\\', ' ', '[', ']', '-', '->', '127.0.0.1', '[11/Aug/2023:08:30:00 +0000]', 'GET', '200', '\n', '\xff'];
    const parts: string[] = [];
    for (let i = 0; i < 20_000; i += 1) parts.push(random() < 0.7 ? pieces[Math.floor(random() * pieces.length)]! : String.fromCharCode(Math.floor(random() * 256)));
    const input = Buffer.from(parts.join(''), 'latin1');
    for (const factory of [netscalerHttpaccessParser, combinedLogParser]) expectAllAccounted(input, parseBuffer(factory, input));
  });

  // Speed is measured in bench/ingest.bench.ts, never asserted here.
  it('parses 100,000 repeated lines into 100,000 events', () => {
    const line = '127.0.0.2 - - [13/Jan/2020:07:35:02 +0000] [123] "POST /vpn/../vpns/portal/scripts/newbm.pl?x=1 HTTP/1.1" 200 231 "-" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.14; rv:71.0) Gecko/20100101 Firefox/71.0" "Time: 123 microsecs"\n';
    const input = Buffer.from(line.repeat(100_000));
    const { events } = parse(input);
    expect(events).toHaveLength(100_000);
  });
});
