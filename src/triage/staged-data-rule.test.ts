import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpus } from '../../test/support/corpora.js';
import { memoryTree, type ArtefactFile } from './artefact-model.js';
import { STAGED_DATA_RULE, findStagedData } from './staged-data-rule.js';

const bytes = (hex: string, pad = 64): Buffer => Buffer.concat([Buffer.from(hex, 'hex'), Buffer.alloc(pad)]);

function tar(): Buffer {
  const block = Buffer.alloc(1024);
  block.write('nsconfig/ns.conf', 0, 'latin1');
  block.write('ustar\x0000', 257, 'latin1');
  return block;
}

async function run(entries: Parameters<typeof memoryTree>[1]) {
  return findStagedData(memoryTree('ns1', entries));
}

const summary = (findings: { path: string; verdict: string; offset: number | null }[]) => findings.map((f) => [f.path, f.verdict, f.offset]);

describe('findStagedData', () => {
  it('flags pcap and pcapng captures: REVIEW anywhere, COMPROMISE in temp and web roots', async () => {
    const findings = await run([
      { path: '/var/nstrace/28Jan2025/nstrace1.cap', content: bytes('d4c3b2a1') },
      { path: '/var/tmp/a', content: bytes('a1b2c3d4') },
      { path: '/var/netscaler/logon/x.gif', content: bytes('4d3cb2a1') },
      { path: '/root/b', content: bytes('a1b23c4d') },
      { path: '/tmp/c.pcapng', content: bytes('0a0d0d0a1c0000004d3c2b1a') },
      { path: '/var/log/notes.txt', content: bytes('0a0d0d0a414243440a0a0a0a') },
      { path: '/var/log/x', content: bytes('00c3b2a1') },
    ]);
    expect(summary(findings)).toEqual([
      ['/var/nstrace/28Jan2025/nstrace1.cap', 'REVIEW', 0],
      ['/var/tmp/a', 'COMPROMISE', 0],
      ['/var/netscaler/logon/x.gif', 'COMPROMISE', 0],
      ['/root/b', 'REVIEW', 0],
      ['/tmp/c.pcapng', 'COMPROMISE', 0],
    ]);
    expect(findings[0]).toMatchObject({ ruleId: STAGED_DATA_RULE.id, line: null, confidence: 'medium' });
    expect(findings[0]?.excerpt.startsWith('\\xd4\\xc3\\xb2\\xa1')).toBe(true);
  });

  it('flags archives with web extensions or none in temp and web roots, not elsewhere or with archive names', async () => {
    const findings = await run([
      { path: '/var/netscaler/logon/themes/a.css', content: bytes('1f8b08') },
      { path: '/var/vpn/bookmark/b.png', content: bytes('504b0304') },
      { path: '/var/tmp/conf', content: tar() },
      { path: '/var/tmp/.x', content: bytes('1f8b08') },
      { path: '/var/tmp/build.tgz', content: bytes('1f8b08') },
      { path: '/var/netscaler/logon/c.json', content: bytes('1f8b08') },
      { path: '/var/core/NSPPE-00.gz', content: bytes('1f8b08') },
      { path: '/var/log/ns.log', content: bytes('1f8b08') },
    ]);
    expect(summary(findings)).toEqual([
      ['/var/netscaler/logon/themes/a.css', 'COMPROMISE', 0],
      ['/var/vpn/bookmark/b.png', 'COMPROMISE', 0],
      ['/var/tmp/conf', 'COMPROMISE', 257],
      ['/var/tmp/.x', 'COMPROMISE', 0],
    ]);
    expect(findings[2]?.rationale).toMatch(/^tar archive without an extension in a temp folder/);
  });

  it('flags ns.conf copies: REVIEW in temp, COMPROMISE in a web root, not the real config', async () => {
    const conf = '#NS13.1 Build 58.32\n# Last modified by `save config`\nset ns config -IPAddress 10.0.0.1 -netmask 255.255.255.0\n';
    const headerless = `${'x'.repeat(600)}\nadd ns ip 10.0.0.2 255.255.255.0\n`;
    const findings = await run([
      { path: '/var/tmp/ns.conf.bak', content: conf },
      { path: '/tmp/out', content: headerless },
      { path: '/var/vpn/x.txt', content: conf },
      { path: '/nsconfig/ns.conf', content: conf },
      { path: '/var/tmp/notes', content: 'we should add ns ip later' },
    ]);
    expect(summary(findings)).toEqual([
      ['/var/tmp/ns.conf.bak', 'REVIEW', 0],
      ['/tmp/out', 'REVIEW', 601],
      ['/var/vpn/x.txt', 'COMPROMISE', 0],
    ]);
    expect(findings[1]?.line).toBe(2);
  });

  it('flags JS under /var/vpn/themes and c<N>.txt dumps in temp, by name alone', async () => {
    const findings = await run([
      { path: '/var/vpn/themes/a.js', size: 10 },
      { path: '/var/vpn/theme/b.js', size: 10 },
      { path: '/var/tmp/c1.txt', size: 10 },
      { path: '/var/log/c1.txt', size: 10 },
    ]);
    expect(summary(findings)).toEqual([
      ['/var/vpn/themes/a.js', 'REVIEW', null],
      ['/var/tmp/c1.txt', 'REVIEW', null],
    ]);
  });

  it('reads only the head of a huge file and survives garbage', async () => {
    let served = 0;
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    const huge: ArtefactFile = {
      path: '/var/tmp/huge',
      evidenceSha256: 'x',
      size: 4 * 1024 ** 3,
      mode: null,
      owner: null,
      mtime: null,
      birthtime: null,
      read: () => Promise.reject(new Error('must not read a 4 GiB file whole')),
      stream: () =>
        (async function* () {
          for (let i = 0; i < 4096; i += 1) {
            served += 1;
            yield chunk;
          }
        })(),
    };
    expect(await findStagedData({ host: null, files: [huge] })).toEqual([]);
    expect(served).toBeLessThanOrEqual(2);
    const garbage = Buffer.from(Array.from({ length: 10_000 }, (_, i) => (i * 151 + 7) & 0xff));
    expect(await run([{ path: '/var/tmp/g', content: garbage }, { path: '/tmp/big', content: Buffer.alloc(20 * 1024 * 1024, 'a') }])).toEqual([]);
  });

  it('over the Mandiant corpus: the ns.conf copied into the portal templates is staged exfiltration', async () => {
    const root = corpus('netscaler', 'mandiant-ioc-scanner', 'tests', 'ns-content');
    const copied = '/netscaler/portal/templates/copied.conf';
    const bookmark = '/var/tmp/netscaler/portal/templates/bflxohnzbv.xml';
    const findings = await run([
      { path: copied, content: readFileSync(`${root}/copied-ns-conf${copied}`) },
      { path: bookmark, content: readFileSync(`${root}/var-tmp-netscaler-portal-templates${bookmark}`) },
    ]);
    expect(summary(findings)).toEqual([[copied, 'COMPROMISE', 0]]);
  });
});
