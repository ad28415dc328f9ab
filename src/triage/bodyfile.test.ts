import { describe, expect, it } from 'vitest';
import { memoryTree } from './artefact-model.js';
import { looksLikeBodyfile, overlayBodyfile, parseBodyfile, parseModeString } from './bodyfile.js';

const md5 = 'd41d8cd98f00b204e9800998ecf8427e';

describe('parseModeString', () => {
  it('reads setuid, setgid and sticky bits from ls- and fls-style strings', () => {
    expect(parseModeString('r-sr-xr-x')).toEqual({ mode: 0o4555, fileType: null });
    expect(parseModeString('-rwsr-xr-x')).toEqual({ mode: 0o4755, fileType: '-' });
    expect(parseModeString('-rwSr--r--')).toEqual({ mode: 0o4644, fileType: '-' });
    expect(parseModeString('-rwxr-sr-x')).toEqual({ mode: 0o2755, fileType: '-' });
    expect(parseModeString('drwxrwxrwt')).toEqual({ mode: 0o1777, fileType: 'd' });
    expect(parseModeString('r/rrwsr-x---')).toEqual({ mode: 0o4750, fileType: '-' });
    expect(parseModeString('l/lrwxrwxrwx')).toEqual({ mode: 0o777, fileType: 'l' });
    expect(parseModeString('-r--r--r--')).toEqual({ mode: 0o444, fileType: '-' });
    expect(parseModeString('104755')).toEqual({ mode: 0o4755, fileType: null });
    expect(parseModeString('-rwzr-xr-x')).toBeNull();
    expect(parseModeString('rwx')).toBeNull();
  });
});

describe('parseBodyfile', () => {
  it('parses records, times (0 = unknown) and setuid modes', () => {
    const text = [`0|/var/tmp/sh|1234|-rwsr-xr-x|0|0|131072|1751000000|1750000000|1751000001|1751500000`, `${md5.toUpperCase()}|/var/netscaler/logon/a.js|9|r/rrw-r--r--|65534|65533|10|0|0|0|0`, ''].join('\n');
    const { entries, failures } = parseBodyfile(text);
    expect(failures).toEqual([]);
    expect(entries[0]).toMatchObject({ line: 1, path: '/var/tmp/sh', mode: 0o4755, uid: 0, size: 131072, md5: null, deleted: false });
    expect(entries[0]?.mtime?.toISOString()).toBe(new Date(1750000000_000).toISOString());
    expect(entries[0]?.birthtime?.getTime()).toBe(1751500000_000);
    expect(entries[1]).toMatchObject({ path: '/var/netscaler/logon/a.js', mode: 0o644, uid: 65534, md5, atime: null, mtime: null, ctime: null, birthtime: null });
  });

  it('keeps | inside names by counting fields from both ends', () => {
    const { entries } = parseBodyfile(`0|/var/tmp/a|b||c|77|-rw-r--r--|0|0|1|2|3|4|5`);
    expect(entries[0]).toMatchObject({ path: '/var/tmp/a|b||c', inode: '77', size: 1 });
  });

  it('splits symlink targets and marks deleted entries', () => {
    const { entries } = parseBodyfile([`0|/nsconfig -> /flash/nsconfig|5|l/lrwxrwxrwx|0|0|15|1|1|1|1`, `0|/var/tmp/x.php (deleted)|6|r/rrw-r--r--|0|0|15|1|1|1|1`].join('\n'));
    expect(entries[0]).toMatchObject({ path: '/nsconfig', linkTarget: '/flash/nsconfig', fileType: 'l' });
    expect(entries[1]).toMatchObject({ path: '/var/tmp/x.php', deleted: true });
  });

  it('reports each malformed line with its number and reason, and keeps the good ones', () => {
    const text = [
      `0|/ok|1|-rw-r--r--|0|0|1|1|1|1|1`,
      `0|/short|1|-rw-r--r--|0|0|1|1|1`,
      `xyz|/badmd5|1|-rw-r--r--|0|0|1|1|1|1|1`,
      `0|/badmode|1|-rwqr--r--|0|0|1|1|1|1|1`,
      `0|/baduid|1|-rw-r--r--|root|0|1|1|1|1|1`,
      `0|/badtime|1|-rw-r--r--|0|0|1|1|yesterday|1|1`,
      ``,
      `0||1|-rw-r--r--|0|0|1|1|1|1|1`,
    ].join('\r\n');
    const { entries, failures } = parseBodyfile(text);
    expect(entries.map((e) => e.path)).toEqual(['/ok']);
    expect(failures.map((f) => f.line)).toEqual([2, 3, 4, 5, 6, 8]);
    expect(failures[0]?.reason).toMatch(/9 fields/);
    expect(failures[1]?.reason).toMatch(/MD5/);
    expect(failures[2]?.reason).toMatch(/mode/);
    expect(failures[3]?.reason).toMatch(/UID/);
    expect(failures[4]?.reason).toMatch(/mtime/);
    expect(failures[5]?.reason).toMatch(/empty name/);
  });
});

describe('looksLikeBodyfile', () => {
  it('accepts bodyfile heads, also cut mid-line, and rejects other text', () => {
    const body = `0|/a|1|-rw-r--r--|0|0|1|1|1|1|1\n${md5}|/b|2|drwxr-xr-x|0|0|512|1|1|1|1\n0|/c|3|-rw`;
    expect(looksLikeBodyfile(body)).toBe(true);
    expect(looksLikeBodyfile('Jan 19 23:40:14 <local7.notice> ns bash[1297]: root on /dev/pts/0\n')).toBe(false);
    expect(looksLikeBodyfile('a|b|c\n')).toBe(false);
    expect(looksLikeBodyfile('')).toBe(false);
  });
});

describe('overlayBodyfile', () => {
  it('fills missing metadata of collected files and adds metadata-only entries', async () => {
    const tree = memoryTree('ns', [
      { path: '/var/netscaler/logon/a.js', content: 'js', mode: 0o444, mtime: new Date('2025-06-01T00:00:00Z') },
      { path: '/var/tmp/keep', content: 'x' },
    ]);
    const { entries } = parseBodyfile(
      [
        `0|/var/netscaler/logon/a.js|9|-rwxrwxrwx|65534|0|2|0|1700000000|0|1751500000`,
        `0|/var/tmp/sh|10|-rwsr-xr-x|0|0|131072|0|1750000000|0|1751500000`,
        `0|/var/tmp|11|drwxrwxrwt|0|0|512|0|1|0|1`,
        `0|/var/tmp/gone.php (deleted)|12|-rw-r--r--|0|0|5|0|1|0|1`,
      ].join('\n'),
    );
    const merged = overlayBodyfile(tree, entries);
    expect(merged.files.map((f) => f.path)).toEqual(['/var/netscaler/logon/a.js', '/var/tmp/keep', '/var/tmp/sh']);
    const [a, , sh] = merged.files;
    expect(a).toMatchObject({ mode: 0o444, owner: '65534', mtime: new Date('2025-06-01T00:00:00Z'), birthtime: new Date(1751500000_000), evidenceSha256: 'sha-/var/netscaler/logon/a.js' });
    expect((await a?.read())?.toString()).toBe('js');
    expect(sh).toMatchObject({ mode: 0o4755, owner: '0', evidenceSha256: null, size: 131072 });
    expect(sh?.read()).toBeNull();
    expect(sh?.stream()).toBeNull();
  });
});
