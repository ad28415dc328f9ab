import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { corpus } from '../../test/support/corpora.js';
import type { Ioc, IocType } from '../detection/ioc-model.js';
import { memoryTree } from './artefact-model.js';
import { confidenceOf, sweepIocs } from './ioc-sweep-rule.js';

const ioc = (type: IocType, value: string, confidence: number | null = 80, id = `i-${value}`): Ioc => ({
  type,
  value,
  confidence,
  source: { file: 'iocs.csv', id },
  validUntil: null,
  tlp: null,
  description: null,
  role: null,
});

const hitsOf = async (content: string | Buffer, iocs: Ioc[], options = {}) =>
  (await sweepIocs(memoryTree('ns', [{ path: '/var/log/ns.log', content }]), iocs, options)).filter((f) => f.verdict === 'COMPROMISE');

describe('sweepIocs (R17)', () => {
  it('reports exact offsets and lines for matches that straddle chunk borders', async () => {
    const text = 'line one\nconnect to 91.107.190.236 now\nthen evil.example.org\n';
    for (const chunkSize of [1, 2, 3, 5, 7, 1000]) {
      const found = await hitsOf(text, [ioc('ipv4', '91.107.190.236'), ioc('domain', 'evil.example.org')], { chunkSize, contextBytes: 4 });
      expect(found.map((f) => [f.offset, f.line])).toEqual([
        [text.indexOf('91.107'), 2],
        [text.indexOf('evil.'), 3],
      ]);
      expect(found[0]?.excerpt).toBe(' to «91.107.190.236» now');
    }
  });

  it('matches IPv4 literals only on boundaries', async () => {
    const ip = [ioc('ipv4', '198.51.100.2')];
    expect(await hitsOf('x 198.51.100.23 y', ip)).toHaveLength(0);
    expect(await hitsOf('x 10.198.51.100.2 y', ip)).toHaveLength(0);
    expect(await hitsOf('x 198.51.100.2.5 y', ip)).toHaveLength(0);
    expect(await hitsOf('x 2198.51.100.2 y', ip)).toHaveLength(0);
    expect((await hitsOf('from 198.51.100.2.', ip)).map((f) => f.offset)).toEqual([5]);
    expect((await hitsOf('ip=198.51.100.2:443', ip)).map((f) => f.offset)).toEqual([3]);
    expect((await hitsOf('198.51.100.2', ip)).map((f) => f.offset)).toEqual([0]);
    expect((await hitsOf(Buffer.from([0, 0x31, 0x39, 0x38, 0x2e, 0x35, 0x31, 0x2e, 0x31, 0x30, 0x30, 0x2e, 0x32, 0xff]), ip)).map((f) => f.offset)).toEqual([1]);
  });

  it('matches IPv6, hashes and domains case-insensitively and on boundaries', async () => {
    const v6 = [ioc('ipv6', '2001:db8::1')];
    expect(await hitsOf('a 2001:DB8::1 b', v6)).toHaveLength(1);
    expect(await hitsOf('a 2001:db8::12 b', v6)).toHaveLength(0);
    expect(await hitsOf('a 2001:db8::1:5 b', v6)).toHaveLength(0);
    const md5 = 'd41d8cd98f00b204e9800998ecf8427e';
    expect(await hitsOf(`hash ${md5.toUpperCase()}\n`, [ioc('md5', md5)])).toHaveLength(1);
    expect(await hitsOf(`sha ${md5}00aa00aa00aa00aa00aa00aa00aa00aa\n`, [ioc('md5', md5)])).toHaveLength(0);
    const domain = [ioc('domain', 'evil.example')];
    expect(await hitsOf('GET http://EVIL.Example/x', domain)).toHaveLength(1);
    expect(await hitsOf('see sub.evil.example', domain)).toHaveLength(1);
    expect(await hitsOf('notevil.example and evil.example.org', domain)).toHaveLength(0);
    expect(await hitsOf('a.b.evil.example', [ioc('domain', '*.evil.example')])).toHaveLength(1);
    expect(await hitsOf('x evil.example', [ioc('domain', '*.evil.example')])).toHaveLength(0);
    expect(await hitsOf('mail Bad@Evil.Example.', [ioc('email', 'bad@evil.example')])).toHaveLength(1);
    expect(await hitsOf('mail notbad@evil.example', [ioc('email', 'bad@evil.example')])).toHaveLength(0);
  });

  it('matches URLs and user agents exactly', async () => {
    const ua = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.6261.112 Safari/537.36';
    expect(await hitsOf(`"GET / HTTP/1.1" 200 "${ua}"`, [ioc('user-agent', ua)])).toHaveLength(1);
    expect(await hitsOf(`"${ua.toLowerCase()}"`, [ioc('user-agent', ua)])).toHaveLength(0);
    expect(await hitsOf('curl http://evil.example/Stage2', [ioc('url', 'http://evil.example/Stage2')])).toHaveLength(1);
    expect(await hitsOf('curl http://evil.example/stage2', [ioc('url', 'http://evil.example/Stage2')])).toHaveLength(0);
  });

  it('sweeps binary content: no line, escaped context, offset into the bytes', async () => {
    const core = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0xff]), Buffer.from('hs/pmt/rav/'), Buffer.from([0, 1])]);
    const [f] = await hitsOf(core, [ioc('url', 'x://unused.example'), { ...ioc('user-agent', 'hs/pmt/rav/') }]);
    expect(f).toMatchObject({ offset: 7, line: null, verdict: 'COMPROMISE', confidence: 'high' });
    expect(f?.excerpt).toBe('\\x7fELF\\x00\\x00\\xff«hs/pmt/rav/»\\x00\\x01');
  });

  it('sweeps gzip content after decompression', async () => {
    const gz = gzipSync(Buffer.from('aaaa\nbeacon 38.60.245.99\n'));
    const [f] = await hitsOf(gz, [ioc('ipv4', '38.60.245.99')], { chunkSize: 5 });
    expect(f).toMatchObject({ offset: 12, line: 2 });
    expect(f?.rationale).toMatch(/gunzipped/);
  });

  it('reports a corrupt gzip stream as an incomplete sweep, not as clean', async () => {
    const gz = gzipSync(Buffer.from('x'.repeat(1000)));
    const broken = Buffer.concat([gz.subarray(0, 10), Buffer.from('garbage-not-deflate-data')]);
    const all = await sweepIocs(memoryTree('ns', [{ path: '/var/core/NSPPE-00.gz', content: broken }]), [ioc('ipv4', '38.60.245.99')]);
    expect(all.find((f) => f.title === 'IOC sweep incomplete')?.rationale).toMatch(/could not be read to the end/);
  });

  it("flags a file whose own SHA-256 is an IOC, with offset null", async () => {
    const sha = 'ab'.repeat(32);
    const tree = memoryTree('ns', [{ path: '/var/tmp/x', content: 'clean', evidenceSha256: sha }]);
    const [f] = await sweepIocs(tree, [ioc('sha256', sha, 30)]);
    expect(f).toMatchObject({ offset: null, line: null, confidence: 'low', path: '/var/tmp/x' });
    expect(f?.rationale).toContain('SHA-256');
  });

  it('limits findings per file and IOC and says how many were left out', async () => {
    const text = '5.6.7.8\n'.repeat(250);
    const found = await hitsOf(text, [ioc('ipv4', '5.6.7.8')], { maxFindingsPerIoc: 100, chunkSize: 64 });
    expect(found).toHaveLength(100);
    expect(found[99]?.line).toBe(100);
    expect(found[0]?.rationale).toMatch(/250 occurrences .* 150 more are not listed/);
  });

  it('caps each excerpt: context either side within the character budget', async () => {
    const binary = Buffer.alloc(20000, 0x01);
    Buffer.from('evil.example').copy(binary, 10000);
    const [f] = await hitsOf(binary, [ioc('domain', 'evil.example')], { chunkSize: 333 });
    // 4096 characters per side at 4 characters per escaped byte: 1024 bytes of context each side.
    expect(f?.excerpt).toBe(`${'\\x01'.repeat(1024)}«evil.example»${'\\x01'.repeat(1024)}`);
    expect(f?.offset).toBe(10000);
  });

  it('maps IOC confidence to finding confidence', () => {
    expect([90, 75, 74, 40, 39, null].map((c) => confidenceOf(ioc('ipv4', '1.2.3.4', c)))).toEqual(['high', 'high', 'medium', 'medium', 'low', 'medium']);
  });

  it('names IOC types it cannot sweep and files without content', async () => {
    const tree = memoryTree('ns', [{ path: '/var/a', content: 'x' }, { path: '/var/b' }]);
    const [info] = await sweepIocs(tree, [ioc('cidr4', '10.0.0.0/8'), ioc('filename', 'x.php')]);
    expect(info).toMatchObject({ verdict: 'INFO' });
    expect(info?.rationale).toMatch(/1 cidr4, 1 filename.*1 listed files have no collected content/);
  });

  it('sweeps a few MB with 100,000 IOC patterns and finds exactly the planted ones', async () => {
    const iocs: Ioc[] = [];
    for (let i = 0; i < 100_000; i += 1) {
      if (i % 4 === 0) iocs.push(ioc('ipv4', `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`));
      else if (i % 4 === 1) iocs.push(ioc('domain', `host${i}.bad.example`));
      else if (i % 4 === 2) iocs.push(ioc('sha1', (i.toString(16).padStart(8, '0') + 'f').repeat(5).slice(0, 40)));
      else iocs.push(ioc('url', `http://c2.example/${i}/x`));
    }
    const filler = Buffer.alloc(3 * 1024 * 1024, 'abcdefgh 0123456789 ');
    const planted = [
      { at: 100, text: ' 10.0.0.4 ' },
      { at: 1_048_570, text: ' host99997.bad.example ' },
      { at: 2_000_000, text: ` ${iocs[99_998]?.value} ` },
      { at: 3_000_000, text: ' http://c2.example/99999/x ' },
    ];
    for (const p of planted) Buffer.from(p.text).copy(filler, p.at);
    const found = await sweepIocs(memoryTree('ns', [{ path: '/var/core/big', content: filler }]), iocs, { chunkSize: 65536 });
    expect(found.map((f) => [f.offset, f.rationale.match(/"([^"]+)"/)?.[1]])).toEqual(planted.map((p) => [p.at + 1, p.text.trim()]));
  });

  it('finds the IPs of the Mandiant shell-history fixtures (corpus)', async () => {
    const notice = readFileSync(corpus('netscaler', 'mandiant-ioc-scanner', 'tests', 'shell-history', 'notice_log', 'var', 'log', 'notice.log'));
    const bsd = readFileSync(corpus('netscaler', 'mandiant-ioc-scanner', 'tests', 'shell-history', 'bsd', 'var', 'log', 'bash.log'));
    const tree = memoryTree('ns', [
      { path: '/var/log/notice.log', content: notice },
      { path: '/var/log/bash.log', content: bsd },
    ]);
    const found = await sweepIocs(tree, [ioc('ipv4', '95.179.163.186'), ioc('ipv4', '66.42.98.220'), ioc('ipv4', '95.179.163.18')], { chunkSize: 100 });
    expect(found.map((f) => [f.path, f.line, f.rationale.match(/"([^"]+)"/)?.[1]])).toEqual([
      ['/var/log/notice.log', 5, '95.179.163.186'],
      ['/var/log/bash.log', 1, '66.42.98.220'],
    ]);
    expect(found[0]?.offset).toBe(notice.indexOf('95.179.163.186'));
  });
});
