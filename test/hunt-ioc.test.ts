import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './support/cli-harness.js';
import { useEngineWorkspace } from './support/engine-workspace.js';
import { engines, postgresSkipReason } from './support/engines.js';

/** `weerbaar hunt --ioc`: IOC files matched as joins against the event store; `--since`; our own scanners left out. */

if (postgresSkipReason) describe.skip(postgresSkipReason, () => undefined);

interface Report {
  detections: number;
  summary: { ruleId: string; title: string; verdict: string; confidence: string; hits: number; first: string | null }[];
  iocs: { files: { file: string; loaded: number; rejected: number; unsupported: number; issues: string[] }[]; matching: { matchable: number; fileOnly: number; detections: number; indicatorsHit: number } | null };
  since: { text: string; limited: boolean } | null;
}

const line = (ip: string, time: string, target: string, agent = 'Mozilla/5.0') => `${ip} - - [${time} +0000] "GET ${target} HTTP/1.1" 200 512 "-" "${agent}"`;

const ACCESS = [
  line('203.0.113.7', '15/Jul/2025:06:00:00', '/vpn/index.html'),
  line('198.51.100.23', '15/Jul/2025:06:01:00', '/logon/LogonPoint/index.html'),
  line('198.51.101.5', '15/Jul/2025:06:02:00', '/logon/LogonPoint/index.html'),
  line('192.0.2.10', '15/Jul/2025:06:03:00', 'http://Evil.Example/x', 'python-requests/2.31'),
  line('192.0.2.11', '20/Jul/2025:06:04:00', '/vpn/index.html'),
  line('192.0.2.11', '01/Aug/2025:06:05:00', '/vpn/index.html'),
  line('10.1.2.30', '15/Jul/2025:06:06:00', '/vpn/index.html'),
  line('2001:db8:abcd:12::5', '15/Jul/2025:06:07:00', '/vpn/index.html'),
  '',
].join('\n');

const CSV = [
  'type,value,confidence,source,valid_until',
  'ipv4,203.0.113.7,90,ncsc,',
  'cidr4,198.51.100.0/24,50,feed,',
  'domain,evil.example,80,feed,',
  'user-agent,python-requests/2.31,30,feed,',
  'ipv4,192.0.2.11,80,feed,2025-07-31',
  'ipv4,10.1.2.3,80,feed,',
  'cidr6,2001:db8:abcd::/48,80,feed,',
  'sha256,' + 'ab'.repeat(32) + ',90,feed,',
  'ipv4,999.1.1.1,90,feed,',
  '',
].join('\n');

const STIX = JSON.stringify({
  type: 'bundle',
  id: 'bundle--6d5c4f40-7f6e-4c55-9f59-7d0f2c2f1a01',
  objects: [
    {
      type: 'indicator',
      spec_version: '2.1',
      id: 'indicator--0c3c7c50-0e38-4b9d-9d0f-7d1f1b3a7a01',
      created: '2025-07-20T00:00:00Z',
      modified: '2025-07-20T00:00:00Z',
      pattern_type: 'stix',
      pattern: "[ipv4-addr:value = '203.0.113.7'] AND [url:value = 'http://Evil.Example/x']",
      valid_from: '2025-07-01T00:00:00Z',
      confidence: 85,
    },
    {
      type: 'indicator',
      spec_version: '2.1',
      id: 'indicator--0c3c7c50-0e38-4b9d-9d0f-7d1f1b3a7a02',
      created: '2025-07-20T00:00:00Z',
      modified: '2025-07-20T00:00:00Z',
      pattern_type: 'stix',
      pattern: "[ipv4-addr:value = '203.0.113.99'] AND [url:value = 'http://Evil.Example/x']",
      valid_from: '2025-07-01T00:00:00Z',
    },
  ],
});

const hitsByTitle = (report: Report) => Object.fromEntries(report.summary.filter((r) => r.ruleId === 'IOC').map((r) => [r.title.replace(/ \(.*\)$/, ''), `${r.verdict} ${r.confidence} ${r.hits}`]));

describe.each(engines)('hunt --ioc on $name', (engine) => {
  const t = useEngineWorkspace(engine);

  async function addAccessLog(name: string, text: string): Promise<void> {
    const dir = join(t.root, name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'access.log'), text);
    const added = await cli(['-w', t.ws, 'evidence', 'add', '--host', 'web-01', dir], { env: t.env });
    expect(added.code, added.stderr).toBe(0);
  }

  async function huntJson(...args: string[]): Promise<Report> {
    const run = await cli(['-w', t.ws, 'hunt', '--json', ...args], { env: t.env });
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout) as Report;
  }

  it('matches addresses, networks, domains, user agents and conjunctions exactly, within each IOC validity', async () => {
    await addAccessLog('logs', ACCESS);
    await writeFile(join(t.root, 'iocs.csv'), CSV);
    await writeFile(join(t.root, 'bundle.json'), STIX);
    const report = await huntJson('--ioc', join(t.root, 'iocs.csv'), '--ioc', join(t.root, 'bundle.json'));
    expect(hitsByTitle(report)).toEqual({
      'IOC ipv4 203.0.113.7': 'COMPROMISE high 1',
      'IOC cidr4 198.51.100.0/24': 'REVIEW medium 1',
      'IOC domain evil.example': 'COMPROMISE high 1',
      'IOC user-agent python-requests/2.31': 'REVIEW low 1',
      // valid until 31 July: the 20 July request counts, the 1 August one does not.
      'IOC ipv4 192.0.2.11': 'COMPROMISE high 1',
      'IOC ipv6 2001:db8:abcd::/48': 'COMPROMISE high 1',
      "IOC conjunction ipv4 203.0.113.7 AND url http://evil.example/x": 'COMPROMISE high 2',
    });
    const csv = report.iocs.files.find((f) => f.file.endsWith('iocs.csv'))!;
    expect(csv).toMatchObject({ loaded: 8, rejected: 1 });
    expect(csv.issues.join('\n')).toMatch(/999\.1\.1\.1/);
    expect(report.iocs.matching).toMatchObject({ fileOnly: 1, indicatorsHit: 7 });
    expect(report.iocs.matching?.detections).toBe(8);
    // The parsed log is not swept byte by byte again (NS-R17): its events were matched above.
    expect(report.summary.filter((r) => r.ruleId === 'NS-R17').map((r) => r.verdict)).toEqual(['INFO']);
  });

  it('runs incrementally with --since and leaves our own scanners out', async () => {
    await addAccessLog('logs', ACCESS);
    await writeFile(join(t.root, 'iocs.csv'), CSV);
    const ioc = ['--ioc', join(t.root, 'iocs.csv')];
    const first = await huntJson('--since', 'last', ...ioc);
    expect(first.since).toEqual({ text: 'last', limited: false });
    expect(first.iocs.matching?.detections).toBe(6);
    // Nothing new: no events, no new collection for the triage rules.
    expect((await huntJson('--since', 'last', ...ioc)).detections).toBe(0);
    await addAccessLog('more', line('203.0.113.7', '02/Aug/2025:07:00:00', '/vpn/again.html') + '\n');
    const next = await huntJson('--since', 'last', ...ioc);
    expect(next.since).toEqual({ text: 'last', limited: true });
    expect(hitsByTitle(next)).toEqual({ 'IOC ipv4 203.0.113.7': 'COMPROMISE high 1' });
    expect(next.summary.find((r) => r.ruleId === 'IOC')?.first).toBe('2025-08-02T07:00:00.000Z');
    expect(Object.keys(hitsByTitle(await huntJson('--since', '2025-07-20', ...ioc)))).toEqual(['IOC ipv4 203.0.113.7', 'IOC ipv4 192.0.2.11']);

    await appendFile(join(t.ws, 'weerbaar.yaml'), 'hunt:\n  own_activity:\n    source_ips: [192.0.2.10]\n');
    expect(Object.keys(hitsByTitle(await huntJson(...ioc)))).not.toContain('IOC domain evil.example');

    const bad = await cli(['-w', t.ws, 'hunt', '--since', 'yesterday'], { env: t.env });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--since "yesterday"/);
  });
});

describe('hunt with 100,000 IOCs', () => {
  const t = useEngineWorkspace(engines[0]!);

  it('finds the same hits among 100,000 indicators, CIDR networks included', async () => {
    const dir = join(t.root, 'logs');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'access.log'), ACCESS);
    expect((await cli(['-w', t.ws, 'evidence', 'add', '--host', 'web-01', dir], { env: t.env })).code).toBe(0);
    const rows = [CSV.trimEnd()];
    // Addresses and networks in 100.64.0.0/10, which no event comes from.
    for (let i = 0; i < 100_000; i++) rows.push(i % 10 === 0 ? `cidr4,100.${64 + (i % 64)}.${(i >> 8) & 255}.0/24,60,bulk,` : `ipv4,100.${64 + (i % 64)}.${(i >> 8) & 255}.${i & 255},60,bulk,`);
    await writeFile(join(t.root, 'big.csv'), rows.join('\n') + '\n');
    const run = await cli(['-w', t.ws, 'hunt', '--json', '--ioc', join(t.root, 'big.csv')], { env: t.env });
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.iocs.files[0]!.loaded + report.iocs.files[0]!.rejected).toBe(100_009);
    expect(report.iocs.matching?.detections).toBe(6);
  });
});
