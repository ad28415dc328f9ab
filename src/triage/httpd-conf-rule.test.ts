import { describe, expect, it } from 'vitest';
import { memoryTree } from './artefact-model.js';
import { HTTPD_CONF_RULE, findHttpdConfTampering, parseApacheConfig, tokens } from './httpd-conf-rule.js';

async function run(conf: string, extra: Parameters<typeof memoryTree>[1] = []) {
  return findHttpdConfTampering(memoryTree('ns1', [{ path: '/etc/httpd.conf', content: conf }, ...extra]));
}

const STOCK_LIKE = [
  'ServerRoot "/usr/local"',
  'php_flag engine off',
  'AddType application/x-httpd-php .php .php5',
  'AddType application/x-httpd-php-source .phps',
  'AddType text/css .css',
  '<Directory "/netscaler/ns_gui/admin_ui/php">',
  '    php_flag engine on',
  '    Require all denied',
  '</Directory>',
  '<FilesMatch "\\.(php|phtml)$">',
  '    SetHandler application/x-httpd-php',
  '</FilesMatch>',
  'Alias /vpn/ "/netscaler/ns_gui/vpn/"',
  'Alias /vpn/scripts/ "/netscaler/ns_gui/vpn/scripts/"',
  '# Comments that are not directives stay quiet',
  '',
].join('\n');

describe('parseApacheConfig', () => {
  it('joins continuation lines, keeps comments apart and tracks sections', () => {
    const lines = parseApacheConfig('# c\r\n<Location /x>\nphp_flag \\\n  engine on\n</Location>\nphp_flag engine on\n');
    expect(lines.map((l) => [l.line, l.comment, l.text, l.scope.map((s) => s.name)])).toEqual([
      [1, true, 'c', []],
      [3, false, 'php_flag    engine on', ['location']],
      [6, false, 'php_flag engine on', []],
    ]);
  });
});

describe('tokens', () => {
  it('splits on whitespace, groups quotes, unescapes inside them and stops at max', () => {
    expect(tokens('Alias  "/a b/" \'/c d\'\t"x\\"y" plain')).toEqual(['Alias', '/a b/', '/c d', 'x"y', 'plain']);
    expect(tokens('"unterminated \\')).toEqual(['unterminated \\']);
    expect(tokens('a b c d', 2)).toEqual(['a', 'b']);
  });
});

describe('findHttpdConfTampering', () => {
  it('is quiet on a stock-like config', async () => {
    expect(await run(STOCK_LIKE)).toEqual([]);
  });

  it('flags php_flag engine on at global scope, not inside a path section', async () => {
    const conf = '<IfModule mod_php.c>\n  php_flag engine on\n</IfModule>\n<Directory "/">\nphp_admin_flag engine 1\n</Directory>\n<Location /x>\nphp_flag engine on\n</Location>\n';
    const findings = await run(conf);
    expect(findings.map((f) => f.line)).toEqual([2, 5]);
    expect(findings[0]).toMatchObject({ ruleId: HTTPD_CONF_RULE.id, verdict: 'COMPROMISE', confidence: 'high', offset: conf.indexOf('  php_flag'), path: '/etc/httpd.conf' });
  });

  it('reads a continued directive as one and reports its first line', async () => {
    const findings = await run('ServerName x\nphp_flag engine \\\n on\n');
    expect(findings.map((f) => [f.line, f.offset])).toEqual([[2, 13]]);
  });

  it('flags commented-out Require all denied and php_flag engine off', async () => {
    const findings = await run('<Directory /var/netscaler/logon>\n#   Require all denied\n</Directory>\n#php_flag engine off\n# Require all granted\n');
    expect(findings.map((f) => f.line)).toEqual([2, 4]);
    expect(findings[0]?.excerpt).toContain('#   Require all denied');
  });

  it('flags PHP handlers for non-PHP extensions', async () => {
    const conf = [
      'AddType application/x-httpd-php .php .deb',
      'AddHandler php-script .sig',
      '<FilesMatch "\\.(ico|css)$">',
      'SetHandler application/x-httpd-php',
      '</FilesMatch>',
      '<Location /logon/themes>',
      'ForceType application/x-httpd-php',
      '</Location>',
    ].join('\n');
    const findings = await run(conf);
    expect(findings.map((f) => f.line)).toEqual([1, 2, 4, 7]);
    expect(findings[0]?.rationale).toContain('.deb');
    expect(findings[2]?.rationale).toContain('(ico|css)');
  });

  it('flags Alias/AliasMatch/RewriteRule onto hidden, .sig/.deb files or /vpn/scripts/', async () => {
    const conf = [
      'Alias /logon/themes/logo.png /var/netscaler/logon/.cache/x',
      'AliasMatch ^/vpn/media/(.*)\\.ico$ /var/vpn/media/$1.sig',
      'Alias /vpn/js/a.js /netscaler/ns_gui/vpn/scripts/a.pl',
      'RewriteRule ^/logon/(.*)\\.gif$ /vpn/scripts/$1 [PT]',
      'RewriteRule ^/vpn/scripts/(.*)$ /vpn/scripts/$1 [PT]',
      'Alias /img/ /var/netscaler/logon/img/',
    ].join('\n');
    expect((await run(conf)).map((f) => f.line)).toEqual([1, 2, 3, 4]);
  });

  it('follows Include targets present in the tree, absolute, glob and relative', async () => {
    const bad = { content: 'php_flag engine on\n' };
    const findings = await findHttpdConfTampering(
      memoryTree('ns1', [
        { path: '/nsconfig/httpd.conf', content: 'ServerRoot /usr/local\nInclude /etc/extra/*.conf\nIncludeOptional conf/x.conf\n' },
        { path: '/etc/extra/a.conf', content: 'Include /etc/httpd.conf\n' },
        { path: '/etc/extra/b.txt', ...bad },
        { path: '/usr/local/conf/x.conf', ...bad },
        { path: '/etc/httpd.conf', ...bad },
        { path: '/other/httpd.conf', ...bad },
      ]),
    );
    expect(findings.map((f) => f.path).sort()).toEqual(['/etc/httpd.conf', '/usr/local/conf/x.conf']);
  });

  it('handles metadata-only configs and hostile content', async () => {
    expect(await findHttpdConfTampering(memoryTree(null, [{ path: '/etc/httpd.conf', size: 100 }]))).toEqual([]);
    const garbage = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 131) & 0xff));
    expect(await findHttpdConfTampering(memoryTree(null, [{ path: '/etc/httpd.conf', content: garbage }]))).toEqual([]);
    const unterminated = `Alias "${'\\a'.repeat(200_000)}\n<${'x'.repeat(100_000)}\n`;
    expect(await run(unterminated)).toEqual([]);
  });

  it('reports a config beyond the scan limit instead of skipping it', async () => {
    const findings = await run('a'.repeat(20 * 1024 * 1024));
    expect(findings.map((f) => f.verdict)).toEqual(['REVIEW']);
    expect(findings[0]?.rationale).toMatch(/^too large to scan fully/);
  });
});
