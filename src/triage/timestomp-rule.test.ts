import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { corpus, filesUnder } from '../../test/support/corpora.js';
import { memoryTree } from './artefact-model.js';
import { detectTimestomp } from './timestomp-rule.js';

const t = (iso: string): Date => new Date(iso);

describe('detectTimestomp (R18)', () => {
  it('flags birthtime after mtime by more than a second, not within the slack', async () => {
    const tree = memoryTree('ns', [
      { path: '/var/tmp/a', mtime: t('2024-01-01T00:00:00Z'), birthtime: t('2025-07-01T10:00:00Z') },
      { path: '/var/tmp/b', mtime: t('2025-07-01T10:00:00Z'), birthtime: t('2025-07-01T10:00:01Z') },
      { path: '/var/tmp/c', mtime: t('2025-07-02T10:00:00Z'), birthtime: t('2025-07-01T10:00:00Z') },
      { path: '/var/tmp/d', mtime: t('2025-07-02T10:00:00Z'), birthtime: null },
    ]);
    const found = await detectTimestomp(tree);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ ruleId: 'NS-R18', verdict: 'REVIEW', confidence: 'medium', path: '/var/tmp/a', time: t('2025-07-01T10:00:00Z') });
    expect(found[0]?.rationale).toMatch(/birth time is \d+ s after/);
  });

  it('flags web-root files older than the install, medium when born after it, and skips stock and non-web paths', async () => {
    const installedAt = t('2025-06-20T00:00:00Z');
    const tree = memoryTree('ns', [
      { path: '/var/netscaler/logon/LogonPoint/x.js', mtime: t('2023-01-01T00:00:00Z') },
      { path: '/var/vpn/theme/y.js', mtime: t('2023-01-01T00:00:00Z'), birthtime: t('2025-06-21T00:00:00Z') },
      { path: '/var/netscaler/logon/new.js', mtime: t('2025-06-25T00:00:00Z') },
      { path: '/var/netscaler/gui/admin_ui/stock.js', mtime: t('2023-01-01T00:00:00Z') },
      { path: '/var/log/ns.log', mtime: t('2023-01-01T00:00:00Z') },
    ]);
    const found = await detectTimestomp(tree, { installedAt });
    const byPath = Object.fromEntries(found.map((f) => [f.path + (f.rationale.includes('install') ? '#install' : ''), f.confidence]));
    expect(byPath).toEqual({
      '/var/netscaler/logon/LogonPoint/x.js#install': 'low',
      '/var/vpn/theme/y.js': 'medium',
      '/var/vpn/theme/y.js#install': 'medium',
    });
    expect(await detectTimestomp(tree, { installedAt: null })).toHaveLength(1);
  });

  it('reports touch -t and friends in shell history with the line, also in gz rotations', async () => {
    const log = [
      'Jan 19 23:40:14 <local7.notice> ns bash[1297]: root on /dev/pts/0 shell_command="ls /var/tmp"',
      'Jan 19 23:40:15 <local7.notice> ns bash[1297]: root on /dev/pts/0 shell_command="touch -t 202001011200 /var/netscaler/logon/x.php"',
      'Jan 19 23:40:16 <local7.notice> ns bash[1297]: root on /dev/pts/0 shell_command="touch /var/tmp/marker"',
      'Jan 19 23:40:17 <local7.notice> ns bash[1297]: root on /dev/pts/0 shell_command="cd /tmp; touch -mr /etc/rc x"',
    ].join('\n');
    const tree = memoryTree('ns', [
      { path: '/var/log/bash.log', content: log },
      { path: '/var/log/notice.log.0.gz', content: gzipSync(Buffer.from(`x\n${log}`)) },
      { path: '/var/log/ns.log', content: log },
    ]);
    const found = await detectTimestomp(tree);
    expect(found.map((f) => [f.path, f.line])).toEqual([
      ['/var/log/bash.log', 2],
      ['/var/log/bash.log', 4],
      ['/var/log/notice.log.0.gz', 3],
      ['/var/log/notice.log.0.gz', 5],
    ]);
    expect(found[0]?.rationale).toContain('touch -t 202001011200');
    expect(found[0]?.excerpt).toContain('shell_command="touch -t');
  });

  it('finds nothing in the Mandiant shell-history fixtures, which have no touch (corpus)', async () => {
    const root = corpus('netscaler', 'mandiant-ioc-scanner', 'tests', 'shell-history');
    const files = filesUnder(root, /\.log(\.\d+\.gz)?$/).map((file) => ({ path: file.slice(file.indexOf('/var/log/')), content: readFileSync(file) }));
    expect(files.length).toBeGreaterThanOrEqual(5);
    expect(await detectTimestomp(memoryTree('ns', files))).toEqual([]);
  });
});
