import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { cli } from './support/cli-harness.js';
import { useEngineWorkspace } from './support/engine-workspace.js';
import { engines, postgresSkipReason } from './support/engines.js';

/** Evidence custody: hashing, content addressing, read-only storage, triage tarballs, repeats. */

if (postgresSkipReason) describe.skip(postgresSkipReason, () => undefined);

const NETSCALER = join(import.meta.dirname, '..', '..', 'shared', 'corpora', 'netscaler');

interface Added {
  sha256: string;
  originalPath: string;
  size: number;
  format: string;
  status: string;
  firstSeenAs?: string;
}

describe.each(engines)('evidence custody on $name', (engine) => {
  const t = useEngineWorkspace(engine);

  it('stores files, rotations and triage tarballs under their hash, read-only, and says when content is already there', async () => {
    const logs = join(t.root, 'logs');
    await mkdir(logs);
    await copyFile(join(NETSCALER, 'elastic-citrix_adc', 'pipeline', 'test-citrix-sslvpn-message.log'), join(logs, 'ns.log'));
    await writeFile(join(logs, 'ns.log.1.gz'), gzipSync(await readFile(join(NETSCALER, 'elastic-citrix_adc', 'pipeline', 'test-citrix-native.log'))));
    const triage = join(t.root, 'triage.tgz');
    execFileSync('tar', ['czf', triage, '-C', join(NETSCALER, 'mandiant-ioc-scanner', 'tests', 'shell-history'), '.']);

    const first = await cli(['-w', t.ws, 'evidence', 'add', '--json', '--host', 'ns-gw-01', '--tz', 'Europe/Amsterdam', logs, triage], { env: t.env });
    expect(first.code).toBe(0);
    const added = JSON.parse(first.stdout) as Added[];
    expect(added.find((e) => e.originalPath.endsWith('/ns.log'))).toMatchObject({ status: 'added', format: 'netscaler-syslog' });
    expect(added.find((e) => e.originalPath.endsWith('/ns.log.1.gz'))).toMatchObject({ status: 'added', format: 'netscaler-syslog' });
    expect(added.find((e) => e.originalPath === triage)).toMatchObject({ format: 'tar' });
    const entries = added.filter((e) => e.originalPath.startsWith(`${triage}!/`));
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.some((e) => e.format === 'shell-audit')).toBe(true);

    // Each stored file is byte-identical to its hash and read-only.
    const ns = added.find((e) => e.originalPath.endsWith('/ns.log')) as Added;
    const storedPath = join(t.ws, 'vault', 'sha256', ns.sha256.slice(0, 2), ns.sha256.slice(2, 4), ns.sha256);
    expect(createHash('sha256').update(await readFile(storedPath)).digest('hex')).toBe(ns.sha256);
    expect((await stat(storedPath)).mode & 0o777).toBe(0o444);

    const again = await cli(['-w', t.ws, 'evidence', 'add', logs, triage], { env: t.env });
    expect(again.stdout).toContain(`0 added, ${added.length} already present`);
    expect(again.stdout).toContain(`is identical to ${join(logs, 'ns.log')}: not stored again`);

    const list = JSON.parse((await cli(['-w', t.ws, 'evidence', 'list', '--json'], { env: t.env })).stdout) as { sha256: string; size: number; format: string; host: string; events: number | null }[];
    const distinct = new Set(added.map((e) => e.sha256));
    expect(list).toHaveLength(distinct.size);
    expect(list.find((e) => e.sha256 === ns.sha256)).toMatchObject({ size: ns.size, format: 'netscaler-syslog', host: 'ns-gw-01', events: null });
    expect((await cli(['-w', t.ws, 'audit', 'verify'], { env: t.env })).code).toBe(0);
  });

  it('refuses missing paths and unknown options clearly', async () => {
    const missing = await cli(['-w', t.ws, 'evidence', 'add', join(t.root, 'nope.log')], { env: t.env });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('nope.log cannot be read: no such file or folder');
    expect((await cli(['-w', t.ws, 'evidence', 'add', '--tz', 'Mars/Base', t.root], { env: t.env })).code).toBe(2);
    expect((await cli(['-w', t.ws, 'evidence', 'add', '--format', 'evtx', t.root], { env: t.env })).code).toBe(2);
  });
});
