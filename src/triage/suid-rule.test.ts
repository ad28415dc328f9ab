import { describe, expect, it } from 'vitest';
import { memoryTree } from './artefact-model.js';
import { KNOWN_SETGID, KNOWN_SETUID, SUID_RULE, findSuidFiles } from './suid-rule.js';

describe('findSuidFiles', () => {
  it('flags setuid shells as COMPROMISE, metadata-only entries included', async () => {
    const findings = await findSuidFiles(
      memoryTree('ns1', [
        { path: '/var/tmp/sh', mode: 0o104775, owner: 'root', size: 100 },
        { path: '/var/tmp/bash', mode: 0o4755, owner: '0', content: Buffer.from([0x7f, 0x45, 0x4c, 0x46]) },
        { path: '/bin/sh', mode: 0o4555 },
        { path: '/tmp/python/zsh', mode: 0o4711, owner: 'root' },
      ]),
    );
    expect(findings.map((f) => [f.path, f.verdict, f.confidence])).toEqual([
      ['/var/tmp/sh', 'COMPROMISE', 'high'],
      ['/var/tmp/bash', 'COMPROMISE', 'high'],
      ['/bin/sh', 'COMPROMISE', 'high'],
      ['/tmp/python/zsh', 'COMPROMISE', 'high'],
    ]);
    expect(findings[0]).toMatchObject({ ruleId: SUID_RULE.id, excerpt: '/var/tmp/sh mode 4775 owner root', offset: null, line: null, evidenceSha256: null });
    expect(findings[2]?.rationale).toContain('unknown owner');
  });

  it('leaves allowlisted and plain files alone, per bit', async () => {
    const findings = await findSuidFiles(
      memoryTree('ns1', [
        { path: '/usr/bin/passwd', mode: 0o4555 },
        { path: '/var/usr/bin/su', mode: 0o4555 },
        { path: '/var/configd_devno', mode: 0o2644 },
        { path: '/usr/bin/netstat', mode: 0o2555 },
        { path: '/bin/sh', mode: 0o555 },
        { path: '/var/tmp/sh', mode: 0o2755 },
        { path: '/usr/bin/netstat2', mode: null },
        { path: '/var/run/nsmap.pid', mode: 0o4644 },
      ]),
    );
    // A setgid-only shell is not the setuid backdoor: REVIEW. A setgid-listed file with setuid is out of list.
    expect(findings.map((f) => [f.path, f.verdict])).toEqual([
      ['/var/tmp/sh', 'REVIEW'],
      ['/var/run/nsmap.pid', 'REVIEW'],
    ]);
    expect(findings[1]?.rationale).toMatch(/^setuid file not on the firmware allowlist/);
  });

  it('flags other setuid/setgid files as REVIEW, with more confidence in temp and web roots', async () => {
    const findings = await findSuidFiles(
      memoryTree('ns1', [
        { path: '/usr/local/bin/helper', mode: 0o6755, owner: 'root' },
        { path: '/var/tmp/x', mode: 0o4755 },
        { path: '/var/vpn/themes/y', mode: 0o2755 },
      ]),
    );
    expect(findings.map((f) => [f.verdict, f.confidence, f.rationale.split(' not on')[0]])).toEqual([
      ['REVIEW', 'medium', 'setuid+setgid file'],
      ['REVIEW', 'high', 'setuid file in a temp folder'],
      ['REVIEW', 'high', 'setgid file in a web root'],
    ]);
  });

  it('keeps the allowlists to NCSC-NL data plus the files the reference names', () => {
    expect(KNOWN_SETUID.has('/bin/sh')).toBe(false);
    for (const p of ['/var/run/nsprofmgmt.pid', '/var/run/nsmap.pid', '/var/configd_devno']) expect(KNOWN_SETGID.has(p)).toBe(true);
  });
});
