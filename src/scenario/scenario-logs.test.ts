import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_CHANGES, generateScenario } from './example-prosecution-service.js';
import { attackGroundTruth } from './scenario-attack.js';
import { type ScenarioLogsResult, writeScenarioLogs } from './scenario-logs.js';

// A small population keeps the suite fast: 24 staff over the full four weeks (~4 MB).
const STAFF = 24;
const dirs: string[] = [];
async function generate(seed: number, staff = STAFF, scale = 1): Promise<ScenarioLogsResult> {
  const dir = await mkdtemp(join(tmpdir(), 'weerbaar-scenario-logs-'));
  dirs.push(dir);
  return writeScenarioLogs(generateScenario(seed), dir, { staff, scale });
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function treeHash(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const entries = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  const paths = entries.map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
  for (const path of paths) hash.update(`${path}\0`).update(await readFile(join(dir, path))).update('\0');
  return hash.digest('hex');
}

/** Every physical line of a file (gunzipped when `.gz`), bytes kept as latin1 characters. */
async function lines(dir: string, path: string): Promise<string[]> {
  const raw = await readFile(join(dir, path));
  const text = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('latin1');
  return text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
}

async function nsLog(result: ScenarioLogsResult, gateway = 'ns-gw-01'): Promise<string[]> {
  const prefix = `gateway-${gateway}/var/log/ns.log`;
  const files = result.files.map((f) => f.path).filter((p) => p.startsWith(prefix));
  // Oldest first: the highest rotation number, then … .0.gz, then the live file.
  const order = (p: string) => (p === prefix ? -1 : Number(p.slice(prefix.length + 1).split('.')[0]));
  files.sort((a, b) => order(b) - order(a));
  return (await Promise.all(files.map((f) => lines(result.dir, f)))).flat();
}

const NS_TIME = /(\d\d)\/(\d\d)\/(\d{4}):(\d\d):(\d\d):(\d\d) GMT/;
function nsEpoch(line: string): number {
  const m = NS_TIME.exec(line);
  if (!m) return NaN;
  const [, mo, d, y, h, mi, s] = m.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
}

describe('the scenario logs', () => {
  let result: ScenarioLogsResult;
  beforeAll(async () => {
    result = await generate(20250716);
  });

  it('lists every line the attack wrote, at the right place in the right file', async () => {
    const { attackLines } = result.truth;
    const expected: Record<string, RegExp> = {
      'exploit-attempt': /AAA Message .*Authentication is rejected for /,
      'exploit-handshake': new RegExp(`SSL_HANDSHAKE_SUCCESS .*${result.truth.attackerIps.exploit.replaceAll('.', '\\.')}`),
      'exploit-request': new RegExp(`^${result.truth.attackerIps.exploit.replaceAll('.', '\\.')} `),
      'hijack-connection': new RegExp(`TCPCONNSTAT .*Source ${result.truth.attackerIps.hijack.replaceAll('.', '\\.')}:`),
      'hijack-handshake': new RegExp(`SSL_HANDSHAKE_SUCCESS .*${result.truth.attackerIps.hijack.replaceAll('.', '\\.')}`),
      'hijack-logout': new RegExp(`LOGOUT .*SessionId: ${result.truth.hijackedSession.sessionId} .*Client_ip ${result.truth.attackerIps.hijack.replaceAll('.', '\\.')} `),
      'hijack-request': new RegExp(`HTTPREQUEST .*SessionId: ${result.truth.hijackedSession.sessionId}\\b`),
      shell: /bash\[\d+\]: root on \/dev\/pts\/3 (shell_command=|return_code=)/,
      'command-output': /^(sh|cat): /,
      'data-access': /^\{/,
      exfiltration: new RegExp(result.truth.transfer.dst.replaceAll('.', '\\.')),
    };
    const files = new Map<string, string[]>();
    for (const a of attackLines) {
      if (!files.has(a.path)) files.set(a.path, await lines(result.dir, a.path));
      expect(files.get(a.path)![a.line - 1], `${a.kind} at ${a.path}:${a.line}`).toMatch(expected[a.kind]!);
    }
    const kinds = (kind: string) => attackLines.filter((a) => a.kind === kind).length;
    expect(kinds('exploit-attempt')).toBe(result.truth.aaaAttempts.count);
    expect(kinds('hijack-connection')).toBe(result.truth.hijackedSession.tcpConnections);
    // Each shell command and its return code, in bash.log and notice.log alike.
    expect(kinds('shell')).toBe(result.truth.shellCommands.length * 4);
    expect(new Set(attackLines.map((a) => `${a.path}:${a.line}`)).size).toBe(attackLines.length);
  });

  it('writes the same tree for the same seed and a different one for another seed', async () => {
    const again = await generate(20250716);
    const other = await generate(7);
    expect(await treeHash(again.dir)).toBe(await treeHash(result.dir));
    expect(await treeHash(other.dir)).not.toBe(await treeHash(result.dir));
    expect(again.truth).toEqual(result.truth);
  });

  it('writes the triage collection, the application audits and the proxy flows', () => {
    const paths = result.files.map((f) => f.path);
    for (const name of ['ns.log', 'ns.log.0.gz', 'bash.log', 'notice.log', 'cron', 'httpaccess.log', 'httperror.log']) expect(paths).toContain(`gateway-ns-gw-01/var/log/${name}`);
    expect(paths).toContain('gateway-ns-gw-02/var/log/ns.log');
    for (const system of ['cms-app', 'hr-app', 'shelter-registry', 'witness-register']) expect(paths).toContain(`apps/${system}/audit.jsonl`);
    expect(paths).toContain('network/proxy-flows.csv');
    for (const file of result.files) expect(file.lines, file.path).toBeGreaterThan(0);
  });

  it('counts every file\'s lines in the ground truth', async () => {
    for (const file of result.files) {
      expect((await lines(result.dir, file.path)).length, file.path).toBe(result.truth.files[file.path]?.lines);
    }
  });

  it('gunzips the rotations, newest first as .0, in time order with the live ns.log', async () => {
    const all = await nsLog(result);
    const times = all.map(nsEpoch);
    expect(times.every((t) => Number.isFinite(t))).toBe(true);
    for (let i = 1; i < times.length; i++) if (times[i]! < times[i - 1]!) throw new Error(`ns.log out of order at line ${i}`);
    const cron = await lines(result.dir, 'gateway-ns-gw-01/var/log/cron');
    const rotations = result.files.filter((f) => f.path.endsWith('.gz')).length;
    expect(cron.filter((l) => /newsyslog\[\d+\]: logfile turned over due to size>100K$/.test(l))).toHaveLength(rotations);
  });

  it('plants the CitrixBleed-2 lines exactly as the ground truth lists them', async () => {
    const truth = result.truth;
    const all = await nsLog(result);
    const attempts = all.filter((l) => l.includes(' AAA Message ') && l.includes('Authentication is rejected for') && /[\x80-\xff]/.test(l));
    expect(attempts).toHaveLength(truth.aaaAttempts.count);
    expect(truth.aaaAttempts.count).toBeGreaterThanOrEqual(40);
    attempts.forEach((line, i) => {
      const planned = truth.aaaAttempts.lines[i]!;
      expect(line.endsWith(` 0 :${planned.body}`)).toBe(true);
      const username = line.slice(line.indexOf('rejected for ') + 13, -1);
      expect(Buffer.from(username, 'latin1').toString('hex')).toBe(planned.usernameHex);
      expect(new Date(nsEpoch(line)).toISOString().slice(0, 19)).toBe(planned.time.slice(0, 19));
    });
    // The raw bytes are written as such: the ns.log file holding them is not valid UTF-8.
    const raw = await Promise.all(result.files.filter((f) => f.path.includes('/ns.log')).map(async (f) => {
      const bytes = await readFile(join(result.dir, f.path));
      return f.path.endsWith('.gz') ? gunzipSync(bytes) : bytes;
    }));
    expect(raw.filter((b) => !isUtf8(b))).toHaveLength(1);
  });

  it('shows the hijacked session used from the attacker address without a new LOGIN', async () => {
    const { hijackedSession: s, attackerIps } = result.truth;
    const all = await nsLog(result);
    const session = all.filter((l) => l.includes(`SessionId: ${s.sessionId} `));
    const logins = session.filter((l) => l.includes(' SSLVPN LOGIN '));
    expect(logins).toHaveLength(1);
    expect(logins[0]).toContain(`Client_ip ${s.loginIp} `);
    const fromAttacker = session.filter((l) => l.includes(' SSLVPN TCPCONNSTAT ') && l.includes(`Source ${attackerIps.hijack}:`));
    expect(fromAttacker).toHaveLength(s.tcpConnections);
    expect(session.some((l) => l.includes(' SSLVPN TCPCONNSTAT ') && l.includes(`Source ${s.loginIp}:`))).toBe(true);
    // No LOGIN by anyone from the attacker's /24 (a roam there cannot be cleared).
    const net = attackerIps.hijack.split('.').slice(0, 3).join('.');
    expect(all.filter((l) => l.includes(' SSLVPN LOGIN ') && l.includes(`Client_ip ${net}.`))).toHaveLength(0);
    expect(session.find((l) => l.includes(' SSLVPN LOGOUT '))).toContain(`Client_ip ${attackerIps.hijack} `);
  });

  it('writes the shell commands, the multi-line one included', async () => {
    const text = (await readFile(join(result.dir, 'gateway-ns-gw-01/var/log/bash.log'))).toString('latin1');
    for (const { command } of result.truth.shellCommands) expect(text).toContain(`shell_command="${command.replace(/"/g, '\\"')}"`);
    expect(result.truth.shellCommands.some((c) => c.physicalLines > 1)).toBe(true);
    expect(text).toMatch(/shell_command="echo <\?php .*> \/var\/netscaler\/logon\/LogonPoint\/uiareas\/x\.php"/);
    expect(text).toContain('touch -t ');
  });

  it('writes application audit lines as JSON with exactly the documented keys', async () => {
    const keys = ['timestamp', 'system', 'user', 'session', 'source_ip', 'user_agent', 'action', 'record_type', 'record_id', 'bytes', 'outcome'];
    const actions = new Set(['view', 'search', 'export', 'download', 'modify', 'delete', 'login', 'logout']);
    for (const system of ['cms-app', 'hr-app', 'shelter-registry', 'witness-register', 'informant-register']) {
      for (const line of await lines(result.dir, `apps/${system}/audit.jsonl`)) {
        const record = JSON.parse(line) as Record<string, unknown>;
        expect(Object.keys(record)).toEqual(keys);
        expect(record.system).toBe(system);
        expect(actions.has(record.action as string), line).toBe(true);
        expect(record.timestamp).toMatch(/^2025-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+02:00$/);
      }
    }
  });

  it('shows the attacker\'s reads from the session\'s VPN address, except those inside the gap', async () => {
    const truth = result.truth;
    const byId = new Map<string, Record<string, unknown>[]>();
    for (const system of ['cms-app', 'hr-app', 'shelter-registry', 'witness-register', 'informant-register']) {
      for (const line of await lines(result.dir, `apps/${system}/audit.jsonl`)) {
        const r = JSON.parse(line) as Record<string, unknown>;
        if (r.user === truth.hijackedSession.user && r.source_ip === truth.hijackedSession.vpnIp) (byId.get(String(r.record_id)) ?? byId.set(String(r.record_id), []).get(String(r.record_id))!).push(r);
      }
    }
    for (const category of ['shelter-addresses', 'crown-witnesses', 'oc-terrorism-files', 'hr-files']) {
      expect(truth.recordsRead[category]?.length, category).toBeGreaterThan(0);
      for (const id of truth.recordsRead[category]!) expect(byId.has(id), id).toBe(true);
    }
    expect(Object.keys(truth.recordsReadInGap)).toEqual([truth.gap.category]);
    expect(truth.recordsReadInGap[truth.gap.category]!.length).toBeGreaterThan(0);
    for (const id of truth.recordsReadInGap[truth.gap.category]!) expect(byId.has(id), id).toBe(false);
  });

  it('leaves the gap\'s hours empty in the affected log only, while other days log at those hours', async () => {
    const { gap } = result.truth;
    const from = Date.parse(gap.from);
    const to = Date.parse(gap.to);
    expect(to - from).toBeGreaterThanOrEqual(3 * 3_600_000);
    const times = (await lines(result.dir, gap.file)).map((l) => Date.parse((JSON.parse(l) as { timestamp: string }).timestamp));
    expect(times.filter((t) => t >= from && t < to)).toHaveLength(0);
    const otherDays = [-7, -6, -1, 1, 2].filter((d) => times.some((t) => t >= from + d * 86_400_000 && t < to + d * 86_400_000));
    expect(otherDays.length).toBeGreaterThanOrEqual(3);
    // The other applications and the gateway did log during the gap.
    const cms = (await lines(result.dir, 'apps/cms-app/audit.jsonl')).map((l) => Date.parse((JSON.parse(l) as { timestamp: string }).timestamp));
    expect(cms.some((t) => t >= from && t < to)).toBe(true);
    expect((await nsLog(result)).map(nsEpoch).some((t) => t >= from && t < to)).toBe(true);
  });

  it('writes the proxy flows with the exact header and the large upload', async () => {
    const csv = await lines(result.dir, 'network/proxy-flows.csv');
    expect(csv[0]).toBe('timestamp,device,src_ip,src_port,dst_ip,dst_port,protocol,bytes_out,bytes_in,action,user,url');
    const rows = csv.slice(1).map((l) => l.split(','));
    expect(rows.every((r) => r.length === 12)).toBe(true);
    const { transfer } = result.truth;
    const biggest = rows.reduce((a, b) => (Number(b[7]) > Number(a[7]) ? b : a));
    expect(biggest).toEqual([transfer.time, 'proxy-01', transfer.src, String(transfer.srcPort), transfer.dst, String(transfer.dstPort), 'https', String(transfer.bytesOut), String(transfer.bytesIn), 'allowed', transfer.user, transfer.url]);
    expect(rows.filter((r) => r[4] === transfer.dst)).toHaveLength(1);
  });

  it('derives the same attack truth without writing anything', () => {
    const { files: _files, attackLines: _lines, ...truth } = result.truth;
    expect(attackGroundTruth(generateScenario(20250716))).toEqual(truth);
  });

  it('takes ns-gw-02 off the internet at the planned change: no LOGIN after it', async () => {
    const disconnect = Date.parse(GATEWAY_CHANGES.find((c) => c.event === 'disconnect')!.time);
    const lines = await nsLog(result, 'ns-gw-02');
    const logins = lines.filter((l) => l.includes(' SSLVPN LOGIN ')).map(nsEpoch);
    expect(logins.length).toBeGreaterThan(0);
    expect(Math.max(...logins)).toBeLessThan(disconnect);
    expect(lines.filter((l) => l.includes(' AAA LOGIN_FAILED ')).map(nsEpoch).every((t) => t < disconnect + 3_600_000)).toBe(true);
  });

  it('doubles the volume at scale 2', async () => {
    const one = await generate(3, 60, 1);
    const two = await generate(3, 60, 2);
    const ratio = two.uncompressedBytes / one.uncompressedBytes;
    expect(ratio).toBeGreaterThan(1.75);
    expect(ratio).toBeLessThan(2.25);
  });
});

describe.each([1, 2, 99])('the planted attack with seed %i', (seed) => {
  it('is present as its ground truth says, with the gap in its log only', async () => {
    const result = await generate(seed);
    const { truth } = result;
    const all = await nsLog(result);
    expect(all.filter((l) => l.includes(' AAA Message ') && l.includes('Authentication is rejected for') && /[\x80-\xff]/.test(l))).toHaveLength(truth.aaaAttempts.count);
    const hijacked = all.filter((l) => l.includes(`SessionId: ${truth.hijackedSession.sessionId} `) && l.includes(`Source ${truth.attackerIps.hijack}:`));
    expect(hijacked).toHaveLength(truth.hijackedSession.tcpConnections);
    const from = Date.parse(truth.gap.from);
    const to = Date.parse(truth.gap.to);
    const times = (await lines(result.dir, truth.gap.file)).map((l) => Date.parse((JSON.parse(l) as { timestamp: string }).timestamp));
    expect(times.filter((t) => t >= from && t < to)).toHaveLength(0);
    expect([-7, -6, -1, 1, 2].filter((d) => times.some((t) => t >= from + d * 86_400_000 && t < to + d * 86_400_000)).length).toBeGreaterThanOrEqual(3);
  });
});
