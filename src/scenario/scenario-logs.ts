import { once } from 'node:events';
import { type WriteStream, createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, stat, unlink, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { GATEWAY_CHANGES, type Scenario } from './example-prosecution-service.js';
import { WorkPeriod, categoryUse } from './scenario-app-logs.js';
import { type AttackGroundTruth, type AttackPlan, attackEvents, attackPlan, hijackTotals, inGap, truthOf } from './scenario-attack.js';
import { AdminSession, VpnSession, changeEvents, newsyslogLine, systemHour } from './scenario-gateway-logs.js';
import {
  type AttackLineKind,
  type Activity, DAY_MS, type EventSink, GATEWAY_NET, HOUR_MS, LOG_DAYS, LOG_END_MS, LOG_START_MS, type LineEvent, type NsEvent,
  PROXY_HEADER, PROXY_PATH, SERVER_ADDRESS, type StaffMember, VPN_POOL_PREFIX, auditPath, auditedSystems, bsdLocal, gatewayLog,
  generateStaff, localClock, logSeed, nsTime, staffHome,
} from './scenario-log-common.js';
import { SeededRandom } from './seeded-random.js';

/**
 * Writes the demo scenario's evidence: four weeks (Mon 23 June – Sun 20 July 2025, Europe/Amsterdam)
 * of logs from both NetScaler Gateways, the four audited business applications and the web proxy,
 * for a few hundred staff, with the attack of scenario-attack.ts planted in them.
 *
 * Tree under `dir`:
 *   gateway-ns-gw-01/var/log/ns.log, ns.log.0.gz (newest rotation) …, bash.log, notice.log, cron,
 *                            httpaccess.log, httperror.log            (the triage collection)
 *   gateway-ns-gw-02/var/log/ns.log                                   (offline from 16 July)
 *   apps/<asset id>/audit.jsonl                                       (cms-app, hr-app, shelter-registry, witness-register)
 *   network/proxy-flows.csv
 *
 * Memory stays bounded: time advances in five-minute slices; each activity (a VPN session, a
 * stretch of work) emits its events up to the end of the slice, the slice's events are ordered and
 * copied into ~1 MB buffers handed to fs streams (waiting for 'drain' once per slice), and
 * finished rotations are gzipped by a stream pipeline. Only events that lie ahead (a connection
 * logged when it ends, a time-out LOGOUT) wait in later slices' buckets. Short slices keep event
 * objects short-lived, which is what keeps the garbage collector (and so the throughput) in check.
 *
 * Volume (measured, seed 20250716, 300 staff per scale unit): see SCENARIO_BYTES_PER_SCALE.
 */

export interface ScenarioLogsOptions {
  /** Multiplies the staff (and so every volume); 1 ≈ a few tens of MB, 40 ≈ 1 GB of ns.log. */
  readonly scale?: number;
  /** Staff per scale unit (default 300); tests use a small number. */
  readonly staff?: number;
  /** Rotate ns.log of ns-gw-01 past this many bytes (default: about five rotations over the period). */
  readonly rotateBytes?: number;
  readonly onProgress?: (progress: { hour: number; hours: number; bytes: number }) => void;
}

export interface ScenarioLogFile {
  /** Relative to the output directory, `/`-separated. */
  readonly path: string;
  /** On disk (compressed for `.gz`). */
  readonly bytes: number;
  readonly uncompressedBytes: number;
  /** Physical lines (a multi-line shell command counts each line; the CSV header counts). */
  readonly lines: number;
}

export interface ScenarioLogsTruth extends AttackGroundTruth {
  readonly files: Readonly<Record<string, { readonly lines: number; readonly bytes: number }>>;
  /** Every line the attack wrote: file (relative, as in `files`), 1-based line, which part of the attack. */
  readonly attackLines: readonly { readonly path: string; readonly line: number; readonly kind: AttackLineKind }[];
}

export interface ScenarioLogsResult {
  readonly dir: string;
  readonly staff: number;
  readonly files: readonly ScenarioLogFile[];
  readonly totalBytes: number;
  readonly uncompressedBytes: number;
  /** ns.log of ns-gw-01, all rotations, uncompressed. */
  readonly nsLogBytes: number;
  readonly elapsedMs: number;
  readonly truth: ScenarioLogsTruth;
}

/**
 * Uncompressed bytes per scale unit (300 staff), measured with seed 20250716: scale 1 wrote 63.1 MB
 * in all (25.3 MB of it ns.log of ns-gw-01, 42.7 MB on disk with the gzipped rotations); scale 40
 * wrote 2.50 GB (1.02 GB of ns.log) in 43 s, about 59 MB/s, with a peak RSS under 300 MB.
 */
export const SCENARIO_BYTES_PER_SCALE = { total: 63_000_000, nsLog: 25_300_000 } as const;

const STAFF_PER_SCALE = 300;
const CHUNK_BYTES = 1 << 20;
const HOURS = LOG_DAYS * 24;
const SLICE_MS = 5 * 60_000;
const SLICES_PER_HOUR = HOUR_MS / SLICE_MS;
const SLICES = HOURS * SLICES_PER_HOUR;
const COLLECTED = 'ns-gw-01';

/**
 * Writes lines into a 1 MB buffer and hands full buffers to an fs stream. Each line is copied in
 * as soon as it is formatted, so line strings die young (no long string ropes for the collector).
 */
class ChunkWriter {
  private buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private offset = 0;
  private blocked = false;
  private readonly stream: WriteStream;
  lines = 0;
  bytes = 0;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path);
  }

  /** latin1: every character is one byte, so the CitrixBleed-2 lines keep their raw 0x80–0xFF bytes. */
  write(text: string): void {
    if (text.length > CHUNK_BYTES - this.offset) {
      this.spill();
      if (text.length > CHUNK_BYTES) {
        this.push(Buffer.from(text, 'latin1'));
        return;
      }
    }
    this.offset += this.buffer.write(text, this.offset, 'latin1');
  }

  private spill(): void {
    if (this.offset === 0) return;
    const full = this.buffer.subarray(0, this.offset);
    this.buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    this.offset = 0;
    this.push(full);
  }

  private push(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (!this.stream.write(chunk)) this.blocked = true;
  }

  async drain(): Promise<void> {
    if (!this.blocked) return;
    this.blocked = false;
    await once(this.stream, 'drain');
  }

  /** Bytes handed over or waiting in the buffer. */
  get size(): number {
    return this.bytes + this.offset;
  }

  async close(): Promise<void> {
    this.spill();
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(resolve);
    });
  }
}

/** ns.log with NetScaler-style rotations: the newest rotation is `ns.log.0.gz`. */
class RotatingLog {
  current: ChunkWriter;
  rotatedBytes = 0;
  private readonly segments: { writer: ChunkWriter; gz: string; lines: number; bytes: number; done: Promise<void> }[] = [];
  /** Where each writer's lines ended up (`ns.log`, `ns.log.N.gz`), known after `finish`. */
  readonly finalPath = new Map<ChunkWriter, string>();

  constructor(private readonly path: string) {
    this.current = new ChunkWriter(path);
  }

  async rotate(): Promise<void> {
    const old = this.current;
    await old.close();
    const plain = `${this.path}.segment-${this.segments.length}`;
    await rename(this.path, plain);
    const gz = `${plain}.gz`;
    const done = pipeline(createReadStream(plain), createGzip({ level: 4 }), createWriteStream(gz)).then(() => unlink(plain));
    done.catch(() => undefined);
    this.segments.push({ writer: old, gz, lines: old.lines, bytes: old.bytes, done });
    this.rotatedBytes += old.bytes;
    this.current = new ChunkWriter(this.path);
  }

  async finish(): Promise<{ path: string; lines: number; bytes: number }[]> {
    await this.current.close();
    await Promise.all(this.segments.map((s) => s.done));
    const out = [{ path: this.path, lines: this.current.lines, bytes: this.current.bytes }];
    this.finalPath.set(this.current, this.path);
    const n = this.segments.length;
    for (const [k, segment] of this.segments.entries()) {
      const target = `${this.path}.${n - 1 - k}.gz`;
      this.finalPath.set(segment.writer, target);
      await rename(segment.gz, target);
      out.push({ path: target, lines: segment.lines, bytes: segment.bytes });
    }
    return out;
  }
}

interface Context {
  readonly scenario: Scenario;
  readonly staff: readonly StaffMember[];
  readonly plan: AttackPlan;
  readonly random: SeededRandom;
  readonly disconnect: number;
  sessionCounter: number;
  natCounter: number;
}

export async function writeScenarioLogs(scenario: Scenario, dir: string, options: ScenarioLogsOptions = {}): Promise<ScenarioLogsResult> {
  const started = performance.now();
  const scale = options.scale ?? 1;
  if (!(scale > 0)) throw new RangeError('scale must be positive');
  const staffCount = Math.max(10, Math.round((options.staff ?? STAFF_PER_SCALE) * scale));
  const staff = generateStaff(scenario, staffCount);
  const plan = attackPlan(scenario);
  const random = new SeededRandom(logSeed(scenario, 2));
  const envelope = new SeededRandom(logSeed(scenario, 3));
  const disconnect = Date.parse(GATEWAY_CHANGES.find((c) => c.event === 'disconnect')?.time ?? '2100-01-01T00:00:00Z');
  const ctx: Context = { scenario, staff, plan, random, disconnect, sessionCounter: 1, natCounter: 0 };
  const homes = staff.slice(0, 200).map(staffHome);

  // Files and writers.
  const gateways = Object.keys(GATEWAY_NET);
  const lineFiles = [
    ...['bash.log', 'notice.log', 'cron', 'httpaccess.log', 'httperror.log'].map((name) => gatewayLog(COLLECTED, name)),
    ...auditedSystems(scenario).map(auditPath),
    PROXY_PATH,
  ];
  const nsFiles = new Map(gateways.map((g) => [g, gatewayLog(g, 'ns.log')]));
  for (const file of [...lineFiles, ...nsFiles.values()]) await mkdir(dirname(join(dir, file)), { recursive: true });
  const writers = new Map(lineFiles.map((file) => [file, new ChunkWriter(join(dir, file))]));
  const rotating = new RotatingLog(join(dir, nsFiles.get(COLLECTED)!));
  const nsWriters = new Map(gateways.map((g) => [g, g === COLLECTED ? null : new ChunkWriter(join(dir, nsFiles.get(g)!))]));
  const nsWriter = (g: string) => nsWriters.get(g) ?? rotating.current;
  writers.get(PROXY_PATH)!.write(`${PROXY_HEADER}\n`);
  writers.get(PROXY_PATH)!.lines = 1;
  const rotateBytes = options.rotateBytes ?? Math.max(64 * 1024, staffCount * 15_000);

  // The attack's own lines as written: the truth for judging the hunt line by line.
  const planted: { writer: ChunkWriter; line: number; kind: AttackLineKind }[] = [];

  // Hour buckets.
  let slice = 0;
  const nsBuckets = new Map<string, Map<number, NsEvent[]>>(gateways.map((g) => [g, new Map()]));
  const lineBuckets = new Map<string, Map<number, LineEvent[]>>(lineFiles.map((f) => [f, new Map()]));
  const place = <T extends { t: number }>(buckets: Map<number, T[]> | undefined, event: T, what: string) => {
    if (!buckets) throw new Error(`no log file for ${what}`);
    if (event.t < LOG_START_MS || event.t >= LOG_END_MS) return;
    const h = Math.floor((event.t - LOG_START_MS) / SLICE_MS);
    if (h < slice) throw new Error(`event for ${what} at ${new Date(event.t).toISOString()} arrives after its time was written`);
    let list = buckets.get(h);
    if (!list) buckets.set(h, (list = []));
    list.push(event);
  };
  const sink: EventSink = {
    ns: (gateway, event) => place(nsBuckets.get(gateway), event, gateway),
    line: (file, event) => place(lineBuckets.get(file), event, file),
  };
  const attack = attackEvents(plan);
  for (const event of attack.ns) sink.ns(plan.gateway, event);
  for (const [file, events] of attack.lines) for (const event of events) sink.line(file, event);
  const changes = changeEvents(COLLECTED, random);
  for (const [gateway, events] of changes.ns) for (const event of events) sink.ns(gateway, event);
  for (const [file, events] of changes.lines) for (const event of events) sink.line(file, event);

  const logIds = new Map(gateways.map((g) => [g, random.int(10_000_000, 90_000_000)]));
  let active: Activity[] = [];
  let pending: Activity[] = [];
  let next = 0;
  for (slice = 0; slice < SLICES; slice++) {
    const sliceStart = LOG_START_MS + slice * SLICE_MS;
    const sliceEnd = sliceStart + SLICE_MS;
    const hour = Math.floor(slice / SLICES_PER_HOUR);
    if (slice % SLICES_PER_HOUR === 0) {
      if (hour % 24 === 0) {
        pending = [...pending.slice(next), ...planDay(ctx, sliceStart)].sort((a, b) => a.activation - b.activation);
        next = 0;
      }
      for (const gateway of gateways) {
        const online = !GATEWAY_CHANGES.some((c) => c.asset === gateway && c.event === 'disconnect' && Date.parse(c.time) <= sliceStart);
        systemHour(gateway, sliceStart, gateway === COLLECTED, online, homes, random, sink);
      }
    }
    while (next < pending.length && pending[next]!.activation < sliceEnd) active.push(pending[next++]!);
    active = active.filter((activity) => !activity.advance(sliceEnd, sink));

    for (const gateway of gateways) {
      const events = nsBuckets.get(gateway)!.get(slice);
      nsBuckets.get(gateway)!.delete(slice);
      if (!events) continue;
      events.sort((a, b) => a.t - b.t);
      const writer = nsWriter(gateway);
      const { nsip } = GATEWAY_NET[gateway]!;
      let logId = logIds.get(gateway)!;
      for (const [i, e] of events.entries()) {
        if (e.attack) planted.push({ writer, line: writer.lines + i + 1, kind: e.attack });
        logId += 1 + (envelope.next() < 0.2 ? 1 : 0);
        const roll = envelope.next();
        const stamp = nsTime(e.t);
        const tail = `0-PPE-${e.ppe} : default ${e.fm} ${logId} 0 :${e.body}\n`;
        writer.write(roll < 0.06
          ? `${bsdLocal(e.t)} <local0.info> ${nsip}  ${stamp} GMT ${gateway} ${tail}`
          : roll < 0.1 ? `<${e.pri}> ${stamp} GMT  ${tail}` : `<${e.pri}> ${stamp} GMT ${gateway} ${tail}`);
      }
      writer.lines += events.length;
      logIds.set(gateway, logId);
    }
    for (const [file, buckets] of lineBuckets) {
      const events = buckets.get(slice);
      buckets.delete(slice);
      if (!events) continue;
      events.sort((a, b) => a.t - b.t);
      const writer = writers.get(file)!;
      const gap = file === plan.gap.file;
      for (const e of events) {
        if (gap && inGap(plan, e.t)) continue;
        if (e.attack) planted.push({ writer, line: writer.lines + 1, kind: e.attack });
        writer.write(e.s);
        writer.lines += e.lines ?? 1;
      }
    }
    const all = [...writers.values(), ...[...nsWriters.values()].filter((w) => w !== null), rotating.current];
    await Promise.all(all.map((w) => w.drain()));
    if ((slice + 1) % SLICES_PER_HOUR !== 0) continue;
    // newsyslog runs hourly from cron: rotate at the hour when ns.log has grown past the limit.
    if (rotating.current.size >= rotateBytes && hour + 1 < HOURS) {
      await rotating.rotate();
      sink.line(gatewayLog(COLLECTED, 'cron'), { t: sliceEnd, s: newsyslogLine(sliceEnd, COLLECTED, random.int(10_000, 99_999)) });
    }
    options.onProgress?.({ hour: hour + 1, hours: HOURS, bytes: all.reduce((n, w) => n + w.size, rotating.rotatedBytes) });
  }

  // Close and describe.
  const described: { path: string; lines: number; bytes: number }[] = [];
  for (const writer of [...writers.values(), ...nsWriters.values()]) {
    if (!writer) continue;
    await writer.close();
    described.push({ path: writer.path, lines: writer.lines, bytes: writer.bytes });
  }
  const rotations = await rotating.finish();
  described.push(...rotations);
  const files: ScenarioLogFile[] = [];
  // Files carry the collection time as their mtime, as a real triage copy does: the parsers anchor
  // the year of BSD syslog lines (no year in them) on it.
  const collected = new Date(LOG_END_MS);
  for (const d of described) {
    await utimes(d.path, collected, collected);
    const path = d.path.slice(dir.length + 1).split('\\').join('/');
    files.push({ path, bytes: (await stat(d.path)).size, uncompressedBytes: d.bytes, lines: d.lines });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const relative = (path: string) => path.slice(dir.length + 1).split('\\').join('/');
  const attackLines = planted.map((p) => ({ path: relative(rotating.finalPath.get(p.writer) ?? p.writer.path), line: p.line, kind: p.kind }));
  const truth: ScenarioLogsTruth = { ...truthOf(plan), files: Object.fromEntries(files.map((f) => [f.path, { lines: f.lines, bytes: f.bytes }])), attackLines };
  return {
    dir,
    staff: staffCount,
    files,
    totalBytes: files.reduce((n, f) => n + f.bytes, 0),
    uncompressedBytes: files.reduce((n, f) => n + f.uncompressedBytes, 0),
    nsLogBytes: rotations.reduce((n, r) => n + r.bytes, 0),
    elapsedMs: performance.now() - started,
    truth,
  };
}

function destinationsFor(ctx: Context, member: StaffMember): string[] {
  const systems = categoryUse(ctx.scenario, member).map((u) => SERVER_ADDRESS[u.system]!);
  const shares = member.role === 'hr' ? [SERVER_ADDRESS['fs-02']!] : [SERVER_ADDRESS['fs-01']!, SERVER_ADDRESS['fs-03']!];
  return [...systems, ...systems, SERVER_ADDRESS['mail-01']!, SERVER_ADDRESS.docstore!, ...shares];
}

function nextSessionId(ctx: Context): number {
  return 10_000_000 + (Math.imul(ctx.sessionCounter++, 0x9e3779b1) & 0xffffff);
}

function nextNatIp(ctx: Context): string {
  for (;;) {
    const k = ctx.natCounter++ % 63_500;
    const ip = `${VPN_POOL_PREFIX}.${1 + Math.floor(k / 254)}.${1 + (k % 254)}`;
    if (ip !== ctx.plan.session.vpnIp) return ip;
  }
}

/** The activities of one local day for every staff member. */
function planDay(ctx: Context, dayStart: number): Activity[] {
  const { random, plan, scenario } = ctx;
  const { weekday } = localClock(dayStart);
  const weekend = weekday === 0 || weekday === 6;
  const activities: Activity[] = [];
  const minute = (m: number) => dayStart + m * 60_000 + random.int(0, 59_999);
  const remoteStretch = (member: StaffMember, start: number, end: number, loginIp: string) => {
    const gw1 = start >= ctx.disconnect || random.next() < member.gw1Share;
    const gateway = gw1 ? 'ns-gw-01' : 'ns-gw-02';
    const cut = !gw1 && end > ctx.disconnect;
    const natIp = nextNatIp(ctx);
    activities.push(new VpnSession({
      member, gateway, start, end: cut ? ctx.disconnect : end, sessionId: nextSessionId(ctx), natIp, loginIp, ppe: random.int(0, 3),
      destinations: destinationsFor(ctx, member), web: gateway === COLLECTED, forceTimeout: cut,
    }, random));
    activities.push(new WorkPeriod({ member, start: start + 30_000, end: cut ? ctx.disconnect : end, ip: natIp, use: categoryUse(scenario, member), flowsPerHour: 0.6, device: 'proxy-01' }, random));
  };
  const attackDay = plan.session.login >= dayStart && plan.session.login < dayStart + DAY_MS;

  for (const member of ctx.staff) {
    if (attackDay && member.index === plan.victim.index) {
      const { session } = plan;
      activities.push(new VpnSession({
        member, gateway: plan.gateway, start: session.login, end: session.victimUntil, sessionId: session.id, natIp: session.vpnIp,
        loginIp: session.loginIp, ppe: session.ppe, destinations: destinationsFor(ctx, member), web: plan.gateway === COLLECTED,
        logout: { t: session.logout, clientIp: plan.ips.hijack, method: 'TimedOut', extra: hijackTotals(plan) },
      }, random));
      activities.push(new WorkPeriod({
        member, start: session.login + 60_000, end: session.victimUntil, ip: session.vpnIp, use: categoryUse(scenario, member, ['case-files']), flowsPerHour: 0.6, device: 'proxy-01',
      }, random));
      continue;
    }
    if (member.role === 'it-admin' && !weekend && random.next() < 0.3) {
      const gateway = random.next() < 0.7 ? 'ns-gw-01' : 'ns-gw-02';
      activities.push(new AdminSession(member, gateway, minute(random.int(10 * 60, 16 * 60)), gateway === COLLECTED, random));
    }
    if (!(weekend ? random.next() < 0.06 : random.next() < 0.92)) continue;
    const homeIp = staffHome(member);
    const loginIp = () => (random.next() < 0.9 ? homeIp : `${member.mobileNet}.${random.int(2, 253)}`);
    if (weekend) {
      const start = minute(random.int(10 * 60, 15 * 60));
      remoteStretch(member, start, start + random.int(40, 180) * 60_000, loginIp());
      continue;
    }
    const start = minute(member.startMinute + random.int(-30, 30));
    const end = start + random.int(450, 570) * 60_000;
    if (random.next() < member.remoteShare) {
      if (random.next() < 0.35) {
        const lunch = minute(random.int(12 * 60, 12 * 60 + 45));
        remoteStretch(member, start, lunch, loginIp());
        remoteStretch(member, lunch + random.int(30, 60) * 60_000, end, loginIp());
      } else remoteStretch(member, start, end, loginIp());
    } else {
      activities.push(new WorkPeriod({ member, start, end, ip: member.workstation, use: categoryUse(scenario, member), flowsPerHour: 0.6, device: member.office % 2 === 0 ? 'proxy-01' : 'proxy-02' }, random));
    }
    if (member.remoteShare > 0.2 && random.next() < 0.08) {
      const evening = minute(random.int(20 * 60, 22 * 60));
      remoteStretch(member, evening, evening + random.int(20, 90) * 60_000, loginIp());
    } else if (random.next() < 0.003) {
      const night = minute(random.int(60, 4 * 60));
      remoteStretch(member, night, night + random.int(15, 60) * 60_000, loginIp());
    }
  }
  return activities;
}
