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
    const result = JSON.parse(first.stdout) as { added: Added[]; parsed: { sha256: string; dataset: string; events: number; failures: number; lines: number }[] };
    const added = result.added;
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

    type Listed = { sha256: string; size: number; format: string; host: string; events: number | null; failures: number | null; originalPath: string };
    const list = JSON.parse((await cli(['-w', t.ws, 'evidence', 'list', '--json'], { env: t.env })).stdout) as Listed[];
    const distinct = new Set(added.map((e) => e.sha256));
    expect(list).toHaveLength(distinct.size);
    // Every file with a parser was parsed once; the tarball itself is a container, not a log.
    const nsParsed = result.parsed.find((p) => p.sha256 === ns.sha256)!;
    expect(nsParsed.dataset).toBe('netscaler.syslog');
    expect(nsParsed.events).toBeGreaterThan(0);
    expect(list.find((e) => e.sha256 === ns.sha256)).toMatchObject({ size: ns.size, format: 'netscaler-syslog', host: 'ns-gw-01', events: nsParsed.events, failures: nsParsed.failures });
    expect(list.find((e) => e.originalPath === triage)).toMatchObject({ format: 'tar', events: null, failures: null });
    const shell = list.filter((e) => e.format === 'shell-audit');
    expect(shell.length).toBeGreaterThan(0);
    for (const file of shell) expect(file.events).toBeGreaterThan(0);
    // Re-adding parsed nothing again.
    expect(again.stdout).toContain('0 files parsed');

    // What did not parse is listed with file, line and reason, and counted.
    const failures = JSON.parse((await cli(['-w', t.ws, 'evidence', 'failures', '--json', '--limit', '1000'], { env: t.env })).stdout) as { total: number; failures: { path: string; line: number; reason: string }[] };
    expect(failures.total).toBe(list.reduce((n, e) => n + (e.failures ?? 0), 0));
    for (const f of failures.failures) {
      expect(f.line).toBeGreaterThan(0);
      expect(f.reason.length).toBeGreaterThan(3);
    }

    // The coverage ledger has a source per host and log type.
    const coverage = JSON.parse((await cli(['-w', t.ws, 'evidence', 'coverage', '--json'], { env: t.env })).stdout) as { host: string; dataset: string; events: number; files: unknown[] }[];
    expect(coverage.map((c) => c.dataset)).toEqual(expect.arrayContaining(['netscaler.syslog', 'netscaler.shell']));
    expect(coverage.reduce((n, c) => n + c.events, 0)).toBe(list.reduce((n, e) => n + (e.events ?? 0), 0));
    const table = await cli(['-w', t.ws, 'evidence', 'coverage'], { env: t.env });
    expect(table.stdout).toMatch(/HOST\s+LOG\s+FIRST/);
    expect((await cli(['-w', t.ws, 'audit', 'verify'], { env: t.env })).code).toBe(0);
  });

  it('refuses missing paths and unknown options clearly', async () => {
    const missing = await cli(['-w', t.ws, 'evidence', 'add', join(t.root, 'nope.log')], { env: t.env });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('nope.log cannot be read: no such file or folder');
    expect((await cli(['-w', t.ws, 'evidence', 'add', '--tz', 'Mars/Base', t.root], { env: t.env })).code).toBe(2);
    expect((await cli(['-w', t.ws, 'evidence', 'add', '--format', 'evtx', t.root], { env: t.env })).code).toBe(2);
  });

  it('reads a generic CSV log through a field-mapping file, and names the line of a bad mapping', async () => {
    const dir = join(t.root, 'crm');
    await mkdir(dir);
    await writeFile(
      join(dir, 'crm-export.csv'),
      ['when;who;ip;what;bytes', '03/07/2025 09:14:22;a.devries;10.20.3.44;export;1834', '03/07/2025 09:15:01;b.jansen;10.20.3.45;view;not-a-number', ''].join('\n'),
    );
    await writeFile(
      join(dir, 'mapping.yaml'),
      ['dataset: crm.audit', 'time: { field: when, format: "%d/%m/%Y %H:%M:%S", zone: Europe/Amsterdam }', 'fields:', '  user.name: who', '  source.ip: ip', '  event.action: what', '  network.bytes: bytes', 'csv: { delimiter: ";" }', ''].join('\n'),
    );
    const run = await cli(['-w', t.ws, 'evidence', 'add', '--json', '--mapping', join(dir, 'mapping.yaml'), join(dir, 'crm-export.csv')], { env: t.env });
    expect(run.code).toBe(0);
    const parsed = (JSON.parse(run.stdout) as { parsed: { dataset: string; events: number; failures: number }[] }).parsed;
    // The row with a bad byte count is kept as a failure naming the field, not dropped.
    expect(parsed).toEqual([expect.objectContaining({ dataset: 'custom', events: 1, failures: 1 })]);
    const failures = JSON.parse((await cli(['-w', t.ws, 'evidence', 'failures', '--json'], { env: t.env })).stdout) as { failures: { line: number; reason: string }[] };
    expect(failures.failures).toEqual([expect.objectContaining({ line: 3, reason: expect.stringContaining('bytes') })]);
    const coverage = JSON.parse((await cli(['-w', t.ws, 'evidence', 'coverage', '--json'], { env: t.env })).stdout) as { dataset: string; firstEvent: string; timeQuality: Record<string, number> }[];
    // 09:14:22 in Amsterdam (summer time) is 07:14:22 UTC; the zone came from the mapping.
    expect(coverage).toEqual([expect.objectContaining({ dataset: 'crm.audit', firstEvent: '2025-07-03T07:14:22.000Z', timeQuality: { 'zone-assumed': 1 } })]);

    await writeFile(join(dir, 'bad.yaml'), ['dataset: x', 'fields:', '  user.nickname: who', ''].join('\n'));
    const bad = await cli(['-w', t.ws, 'evidence', 'add', '--mapping', join(dir, 'bad.yaml'), join(dir, 'crm-export.csv')], { env: t.env });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/bad\.yaml:3/);
    expect(bad.stderr).toContain('user.nickname');
  });

  it('gives a file stored without a parser a format later, once, and parses it then', async () => {
    const file = join(t.root, 'history.txt');
    await writeFile(file, 'Jan 19 23:40:14 <local7.notice> ns bash[1297]: root on /dev/pts/0 shell_command="id"\nJan 19 23:40:15 <local7.notice> ns bash[1297]: root on /dev/pts/0 return_code="0"\n');
    const first = JSON.parse((await cli(['-w', t.ws, 'evidence', 'add', '--json', file], { env: t.env })).stdout) as { added: Added[]; parsed: unknown[] };
    expect(first.added).toEqual([expect.objectContaining({ status: 'added', format: 'unknown' })]);
    expect(first.parsed).toEqual([]);

    const named = await cli(['-w', t.ws, 'evidence', 'add', '--format', 'shell-audit', file], { env: t.env });
    expect(named.stdout).toContain('was stored without a parser; now read as shell-audit');
    expect(named.stdout).toContain('1 files parsed: 2 events, 0 lines not parsed');

    // A parsed file keeps its reading: a second --format changes nothing.
    const again = await cli(['-w', t.ws, 'evidence', 'add', '--format', 'cron', file], { env: t.env });
    expect(again.stdout).toContain('0 files parsed');
    const list = JSON.parse((await cli(['-w', t.ws, 'evidence', 'list', '--json'], { env: t.env })).stdout) as { originalPath: string; format: string; events: number }[];
    expect(list.find((e) => e.originalPath === file)).toMatchObject({ format: 'shell-audit', events: 2 });
    const log = JSON.parse((await cli(['-w', t.ws, 'audit', 'log', '--json'], { env: t.env })).stdout) as { action: string }[];
    expect(log.filter((e) => e.action === 'evidence.format')).toHaveLength(1);
  });
});
