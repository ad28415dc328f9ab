import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpus } from '../../test/support/corpora.js';
import { memoryTree } from './artefact-model.js';
import { SCAN_LIMIT } from './artefact-content.js';
import { WEBSHELL_RULE, findWebshells } from './webshell-rule.js';

const LOGON = '/var/netscaler/logon/LogonPoint';

async function run(entries: Parameters<typeof memoryTree>[1]) {
  return findWebshells(memoryTree('ns1', entries));
}

describe('findWebshells', () => {
  it('flags a script in a web root as REVIEW and leaves stock admin_ui and websocketd alone', async () => {
    const findings = await run([
      { path: `${LOGON}/tmindex.php`, content: '<?php echo "hi"; ?>', mode: 0o444 },
      { path: '/var/netscaler/gui/admin_ui/php/index.php', content: '<?php system($cmd); ?>', mode: 0o644, owner: 'nobody' },
      { path: '/var/netscaler/websocketd/x.php', content: '<?php eval($_POST["x"]); ?>' },
      { path: `${LOGON}/index.html`, content: '<html></html>' },
    ]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'NS-R12', title: WEBSHELL_RULE.title, verdict: 'REVIEW', path: `${LOGON}/tmindex.php`, offset: null, line: null });
  });

  it.each(['.php5', '.phtml', '.pht', '.inc', '.shtml', '.xhtml'])('treats %s as a script extension', async (ext) => {
    const findings = await run([{ path: `/var/vpn/themes/x${ext}`, content: 'plain' }]);
    expect(findings.map((f) => f.verdict)).toEqual(['REVIEW']);
  });

  it('reports content hits as COMPROMISE with the first hit offset, line and excerpt', async () => {
    const content = '<?php\n// harmless\n$a = 1;\n@eval($_POST["c"]);\nsystem("id");\n';
    const findings = await run([{ path: `${LOGON}/LogonUI.php`, content, mode: 0o444 }]);
    const hit = findings.find((f) => f.verdict === 'COMPROMISE');
    expect(hit).toMatchObject({ confidence: 'high', offset: content.indexOf('eval('), line: 4 });
    expect(hit?.rationale).toContain('eval($_');
    expect(hit?.rationale).toContain('system(');
    expect(hit?.excerpt).toContain('\\x0a@eval($_POST["c"]);\\x0a');
  });

  it('does not apply PHP-function patterns to plain JS, but does apply IOC markers', async () => {
    const findings = await run([
      { path: '/var/vpn/themes/app.js', content: 'assert(x); system(y); base64_decode(z);' },
      { path: '/var/vpn/themes/b.html', content: '<p>NSC_TASS</p>' },
    ]);
    expect(findings.filter((f) => f.verdict === 'COMPROMISE').map((f) => f.path)).toEqual(['/var/vpn/themes/b.html']);
  });

  it('finds preg_replace with /e only on the same line', async () => {
    const yes = await run([{ path: '/var/vpn/a.php', content: 'x\npreg_replace("/a/e", $_GET["x"], "a");' }]);
    expect(yes.find((f) => f.verdict === 'COMPROMISE')).toMatchObject({ line: 2, offset: 2 });
    const no = await run([{ path: '/var/vpn/b.php', content: 'preg_replace("/a/", "b", "a");\n/e' }]);
    expect(no.some((f) => f.verdict === 'COMPROMISE')).toBe(false);
  });

  it('flags a script whose mode is not 0444 and any file owned by nobody', async () => {
    const findings = await run([
      { path: '/var/vpn/a.php', content: 'x', mode: 0o644 },
      { path: '/var/vpn/ok.php', content: 'x', mode: 0o100444 },
      { path: '/var/vpn/nomode.php', content: 'x' },
      { path: '/var/vpn/theme/logo.png', content: 'x', owner: 'nobody' },
    ]);
    const reasons = findings.map((f) => `${f.path}: ${f.rationale}`);
    expect(reasons.filter((r) => r.includes('has mode'))).toEqual(['/var/vpn/a.php: script in a web root has mode 0644, firmware files are 0444']);
    expect(findings.filter((f) => f.rationale.includes('nobody')).map((f) => f.path)).toEqual(['/var/vpn/theme/logo.png']);
  });

  it('flags hidden files in web roots as REVIEW and known implant names as COMPROMISE', async () => {
    const findings = await run([
      { path: '/var/netscaler/logon/.hidden/x.png', content: 'x' },
      { path: '/var/netscaler/logon/themes/.local_journal', content: 'x' },
      { path: '/var/tmp/.ctxs.receiver', size: 10 },
      { path: '/var/log/.hidden', content: 'x' },
    ]);
    expect(findings.map((f) => [f.path, f.verdict])).toEqual([
      ['/var/netscaler/logon/.hidden/x.png', 'REVIEW'],
      ['/var/netscaler/logon/themes/.local_journal', 'COMPROMISE'],
      ['/var/tmp/.ctxs.receiver', 'COMPROMISE'],
    ]);
  });

  it('flags PHP inside static-file extensions, in web roots and temp, but not an ordinary .js', async () => {
    const ico = Buffer.concat([Buffer.from([0, 0, 1, 0, 0xff, 0xfe]), Buffer.from('<?php @eval($_POST[1]); ?>')]);
    const findings = await run([
      { path: '/var/netscaler/logon/themes/favicon.ico', content: ico },
      { path: '/var/tmp/x.deb', content: 'junk<?=`id`?>' },
      { path: '/var/vpn/a.js', content: 'var s = "<?= not php";' },
      { path: '/var/vpn/b.css', content: 'body{}' },
    ]);
    const disguised = findings.filter((f) => f.rationale.startsWith('PHP code'));
    expect(disguised.map((f) => [f.path, f.offset, f.verdict])).toEqual([
      ['/var/netscaler/logon/themes/favicon.ico', 6, 'COMPROMISE'],
      ['/var/tmp/x.deb', 4, 'COMPROMISE'],
    ]);
    expect(disguised[0]?.excerpt.startsWith('\\x00\\x00\\x01\\x00\\xff\\xfe<?php')).toBe(true);
    expect(findings.some((f) => f.path === '/var/vpn/a.js' || f.path === '/var/vpn/b.css')).toBe(false);
  });

  it('handles metadata-only entries without reading', async () => {
    const findings = await run([{ path: '/var/vpn/theme/x.php', size: 2000, mode: 0o755, owner: 'nobody' }]);
    expect(findings.map((f) => f.rationale.split(' ')[0])).toEqual(['script', 'script', 'owned']);
    expect(findings.every((f) => f.evidenceSha256 === null && f.offset === null)).toBe(true);
  });

  it('survives binary garbage and reports, not skips, a file beyond the scan limit', async () => {
    const garbage = Buffer.alloc(64 * 1024);
    for (let i = 0; i < garbage.length; i += 1) garbage[i] = (i * 7919) & 0xff;
    const big = Buffer.alloc(20 * 1024 * 1024, 'a');
    const findings = await run([
      { path: '/var/vpn/g.php', content: garbage },
      { path: '/var/vpn/big.php', content: big },
    ]);
    const large = findings.filter((f) => f.rationale.startsWith('too large'));
    expect(large.map((f) => f.path)).toEqual(['/var/vpn/big.php']);
    expect(large[0]?.rationale).toContain(String(SCAN_LIMIT));
  });

  it('over the Mandiant corpus: the random-name theme PHP is REVIEW', async () => {
    const root = corpus('netscaler', 'mandiant-ioc-scanner', 'tests', 'file-system', 'notrobin-var-vpn-theme-random');
    const path = '/var/vpn/theme/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.php';
    const findings = await run([{ path, content: readFileSync(`${root}${path}`) }]);
    expect(findings.map((f) => [f.path, f.verdict])).toEqual([[path, 'REVIEW']]);
  });
});
