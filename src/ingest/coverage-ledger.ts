import { basename, dirname } from 'node:path';
import type { EventStore } from '../store/event-store.js';
import { and, coalesce, col, count, epochMs, eq, hour, isNull, max, min, not, select, val } from '../store/query-node.js';
import { datasetFor } from './parser-registry.js';
import type { TimeQuality } from './log-event.js';

/**
 * The coverage ledger: per source (host × log type), what the logs can and cannot show. It is the
 * basis of every "ruled out within coverage" — an answer is only as good as the hours it covers.
 *
 * A *gap* is a run of empty hours inside the source's span in which the source would have logged
 * many events. The rhythm is learnt from the source itself: for each hour of the day, separately
 * for weekdays and weekends (in the workspace's zone, because office rhythm follows local time),
 * the mean number of events in that slot. A silence is a gap when the slots it spans predict at
 * least MIN_EXPECTED_EVENTS events. Under a Poisson model 20 expected events make a silence by
 * luck a one-in-500-million event; real logs are burstier than Poisson (sessions, batch jobs), which
 * is why the bar is that high. So a quiet night is not a gap, a sparse log's quiet hours are not
 * gaps, but a silent Tuesday morning of a busy audit log is.
 */

export interface CoverageGap {
  readonly from: string;
  readonly to: string;
  readonly hours: number;
  /** How many events the source's rhythm predicts for these hours (none were logged). */
  readonly expectedEvents: number;
}

export interface CoverageFile {
  readonly sha256: string;
  readonly path: string;
  readonly events: number;
  readonly failures: number;
  readonly readError: string | null;
}

export interface SourceCoverage {
  readonly host: string;
  readonly dataset: string;
  readonly firstEvent: string | null;
  readonly lastEvent: string | null;
  readonly events: number;
  /** Hours from the first to the last event, and how many of them have events. */
  readonly spanHours: number;
  readonly hoursWithEvents: number;
  readonly eventsPerHour: { readonly median: number; readonly max: number };
  readonly gaps: readonly CoverageGap[];
  readonly failures: number;
  /** failures / (events + failures), 0 when nothing was read. */
  readonly failureRate: number;
  readonly timeQuality: Partial<Record<TimeQuality, number>>;
  readonly files: readonly CoverageFile[];
  /** Rotation numbers missing between the newest and oldest rotation present (`ns.log.2.gz` without `.1`). */
  readonly missingRotations: readonly string[];
  /** Times of rotation markers (newsyslog "logfile turned over") seen on this host. */
  readonly rotationMarkers: readonly string[];
  readonly warnings: readonly string[];
}

export interface EvidenceFileFacts {
  readonly sha256: string;
  readonly originalPath: string;
  readonly host: string | null;
  readonly format: string;
  readonly failures: number | null;
  readonly events: number | null;
  readonly readError: string | null;
}

const HOUR = 3_600_000;
const UNKNOWN_HOST = '(unknown host)';

export async function coverageLedger(store: EventStore, files: readonly EvidenceFileFacts[], timeZone: string): Promise<SourceCoverage[]> {
  // Application audit logs name their system, not a host: the system is their source.
  const host = coalesce(col('host.name'), col('service.name'));
  const dataset = col('event.dataset');
  const timed = not(isNull(col('@timestamp')));
  const hourly = await store.query(
    select({
      from: 'events',
      columns: [{ expr: host, as: 'host' }, { expr: dataset, as: 'dataset' }, { expr: epochMs(hour(col('@timestamp'))), as: 'hour' }, { expr: count(), as: 'n' }],
      where: timed,
      groupBy: [host, dataset, hour(col('@timestamp'))],
    }),
  );
  const qualities = await store.query(
    select({
      from: 'events',
      columns: [
        { expr: host, as: 'host' },
        { expr: dataset, as: 'dataset' },
        { expr: col('weerbaar.time_quality'), as: 'quality' },
        { expr: count(), as: 'n' },
        { expr: epochMs(min(col('@timestamp'))), as: 'first' },
        { expr: epochMs(max(col('@timestamp'))), as: 'last' },
      ],
      groupBy: [host, dataset, col('weerbaar.time_quality')],
    }),
  );
  const perFile = await store.query(
    select({
      from: 'events',
      columns: [{ expr: col('weerbaar.evidence_sha256'), as: 'sha' }, { expr: host, as: 'host' }, { expr: dataset, as: 'dataset' }, { expr: count(), as: 'n' }],
      groupBy: [col('weerbaar.evidence_sha256'), host, dataset],
    }),
  );
  const markers = await store.query(
    select({
      from: 'events',
      columns: [{ expr: host, as: 'host' }, { expr: epochMs(col('@timestamp')), as: 'at' }],
      where: and(eq(col('event.action'), val('log_rotation')), timed),
      orderBy: [{ expr: col('@timestamp') }],
    }),
  );

  const key = (h: unknown, d: unknown) => `${typeof h === 'string' && h !== '' ? h : UNKNOWN_HOST}\u0000${String(d)}`;
  interface Tally {
    host: string;
    dataset: string;
    hours: Map<number, number>;
    quality: Partial<Record<TimeQuality, number>>;
    files: CoverageFile[];
    events: number;
    first: number | null;
    last: number | null;
  }
  const sources = new Map<string, Tally>();
  const source = (h: unknown, d: unknown) => {
    const k = key(h, d);
    let s = sources.get(k);
    if (!s) {
      s = { host: k.split('\u0000')[0]!, dataset: String(d), hours: new Map(), quality: {}, files: [], events: 0, first: null, last: null };
      sources.set(k, s);
    }
    return s;
  };
  for (const row of hourly) source(row['host'], row['dataset']).hours.set(Number(row['hour']), Number(row['n']));
  for (const row of qualities) {
    const s = source(row['host'], row['dataset']);
    s.quality[row['quality'] as TimeQuality] = Number(row['n']);
    s.events += Number(row['n']);
    if (row['first'] !== null) s.first = Math.min(s.first ?? Infinity, Number(row['first']));
    if (row['last'] !== null) s.last = Math.max(s.last ?? -Infinity, Number(row['last']));
  }
  // Each file belongs to the source that holds most of its events (a syslog file may mix hosts).
  const byFile = new Map<string, { host: unknown; dataset: unknown; n: number }>();
  for (const row of perFile) {
    const current = byFile.get(String(row['sha']));
    if (!current || Number(row['n']) > current.n) byFile.set(String(row['sha']), { host: row['host'], dataset: row['dataset'], n: Number(row['n']) });
  }
  for (const file of files) {
    const owner = byFile.get(file.sha256);
    if (!owner && file.events === null) continue;
    const s = owner ? source(owner.host, owner.dataset) : source(file.host, datasetFor(file.format));
    s.files.push({ sha256: file.sha256, path: file.originalPath, events: file.events ?? 0, failures: file.failures ?? 0, readError: file.readError });
  }

  const result: SourceCoverage[] = [];
  for (const s of sources.values()) {
    const hours = [...s.hours.keys()].sort((a, b) => a - b);
    const first = hours[0];
    const last = hours[hours.length - 1];
    const counts = [...s.hours.values()].sort((a, b) => a - b);
    const failures = s.files.reduce((n, f) => n + f.failures, 0);
    const gaps = first === undefined || last === undefined ? [] : findGaps(s.hours, first, last, timeZone);
    const warnings: string[] = [];
    for (const f of s.files) if (f.readError) warnings.push(`${f.path}: ${f.readError}`);
    if (gaps.length) warnings.push(`${gaps.length} gap(s) in hours where this source normally logs`);
    result.push({
      host: s.host,
      dataset: s.dataset,
      firstEvent: s.first === null ? null : new Date(s.first).toISOString(),
      lastEvent: s.last === null ? null : new Date(s.last).toISOString(),
      events: s.events,
      spanHours: first === undefined || last === undefined ? 0 : (last - first) / HOUR + 1,
      hoursWithEvents: hours.length,
      eventsPerHour: { median: counts.length ? counts[Math.floor(counts.length / 2)]! : 0, max: counts.length ? counts[counts.length - 1]! : 0 },
      gaps,
      failures,
      failureRate: s.events + failures === 0 ? 0 : failures / (s.events + failures),
      timeQuality: s.quality,
      files: s.files.sort((a, b) => a.path.localeCompare(b.path)),
      missingRotations: missingRotations(s.files.map((f) => f.path)),
      rotationMarkers: markers.filter((m) => key(m['host'], s.dataset) === key(s.host === UNKNOWN_HOST ? '' : s.host, s.dataset)).map((m) => new Date(Number(m['at'])).toISOString()),
      warnings,
    });
  }
  hostWarnings(result);
  return result.sort((a, b) => a.host.localeCompare(b.host) || a.dataset.localeCompare(b.dataset));
}

const slotFormatter = new Map<string, Intl.DateTimeFormat>();

/** Weekday/weekend × hour of day in `zone`: the slot whose rhythm an hour should follow. */
function slotOf(hourStart: number, zone: string): string {
  let f = slotFormatter.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: 'numeric', hourCycle: 'h23' });
    slotFormatter.set(zone, f);
  }
  const parts = f.formatToParts(hourStart);
  const weekday = parts.find((p) => p.type === 'weekday')?.value ?? '';
  const h = parts.find((p) => p.type === 'hour')?.value ?? '0';
  return `${weekday === 'Sat' || weekday === 'Sun' ? 'weekend' : 'weekday'}-${h}`;
}

/** Events per hour (epoch ms of the hour's start) of one source: a host's (or system's) log type. */
export async function sourceHours(store: EventStore, host: string, dataset: string): Promise<Map<number, number>> {
  const hours = new Map<number, number>();
  // The ledger's source is coalesce(host.name, service.name). Asked as two plain conjunctions, each
  // lets DuckDB skip other sources' blocks by their min/max, which a function of the column (or an
  // OR) hides: about 3× faster on 100 M events (bench/exposure.bench.ts).
  for (const who of [eq(col('host.name'), val(host)), and(isNull(col('host.name')), eq(col('service.name'), val(host)))]) {
    const rows = await store.query(
      select({
        from: 'events',
        columns: [{ expr: epochMs(hour(col('@timestamp'))), as: 'hour' }, { expr: count(), as: 'n' }],
        where: and(who, eq(col('event.dataset'), val(dataset)), not(isNull(col('@timestamp')))),
        groupBy: [hour(col('@timestamp'))],
      }),
    );
    for (const r of rows) hours.set(Number(r['hour']), (hours.get(Number(r['hour'])) ?? 0) + Number(r['n']));
  }
  return hours;
}

/** A silence is a gap when the source's own rhythm predicts at least this many events in it. */
export const MIN_EXPECTED_EVENTS = 20;

/**
 * The gaps of one source. The rhythm is learnt over the source's own span (first..last hour with
 * events); `within` (hour starts) evaluates silences over another range, such as an exposure
 * window that starts before the first event: the silence before the logs begin is then a gap too.
 */
export function findGaps(hours: ReadonlyMap<number, number>, first: number, last: number, zone: string, within?: { from: number; to: number }): CoverageGap[] {
  const slots = new Map<string, { total: number; events: number }>();
  for (let t = first; t <= last; t += HOUR) {
    const slot = slotOf(t, zone);
    const s = slots.get(slot) ?? { total: 0, events: 0 };
    s.total += 1;
    s.events += hours.get(t) ?? 0;
    slots.set(slot, s);
  }
  // A slot needs at least three observed days before its rhythm means anything.
  const expectedIn = (t: number) => {
    const s = slots.get(slotOf(t, zone));
    return s !== undefined && s.total >= 3 ? s.events / s.total : 0;
  };
  const gaps: CoverageGap[] = [];
  let runStart: number | null = null;
  let expected = 0;
  const from = within?.from ?? first;
  const to = within?.to ?? last;
  for (let t = from; t <= to + HOUR; t += HOUR) {
    const empty = t <= to && !hours.has(t);
    if (empty) {
      runStart ??= t;
      expected += expectedIn(t);
    } else if (runStart !== null) {
      if (expected >= MIN_EXPECTED_EVENTS) gaps.push({ from: new Date(runStart).toISOString(), to: new Date(t).toISOString(), hours: (t - runStart) / HOUR, expectedEvents: Math.round(expected) });
      runStart = null;
      expected = 0;
    }
  }
  return gaps;
}

/** `ns.log.0.gz`, `ns.log.2.gz` present → `ns.log.1` missing (per folder and base name). */
export function missingRotations(paths: readonly string[]): string[] {
  const groups = new Map<string, Set<number>>();
  for (const path of paths) {
    const match = /^(.*?)\.(\d+)(\.gz)?$/.exec(basename(path));
    if (!match) continue;
    const group = `${dirname(path)}/${match[1]}`;
    const numbers = groups.get(group) ?? new Set<number>();
    numbers.add(Number(match[2]));
    groups.set(group, numbers);
  }
  const missing: string[] = [];
  for (const [group, numbers] of groups) {
    const highest = Math.max(...numbers);
    for (let n = 0; n < highest; n++) if (!numbers.has(n)) missing.push(`${basename(group)}.${n}`);
  }
  return missing.sort();
}

/** C1 of the NetScaler reference: a gateway with other logs but no ns.log events may have been wiped. */
function hostWarnings(sources: SourceCoverage[]): void {
  const byHost = new Map<string, SourceCoverage[]>();
  for (const s of sources) byHost.set(s.host, [...(byHost.get(s.host) ?? []), s]);
  for (const list of byHost.values()) {
    const netscaler = list.filter((s) => s.dataset.startsWith('netscaler.'));
    const syslog = netscaler.find((s) => s.dataset === 'netscaler.syslog');
    if (netscaler.length > 0 && (!syslog || syslog.events === 0)) {
      const first = netscaler[0]!;
      (first.warnings as string[]).push('no ns.log events for this NetScaler host although other logs exist: possible wiping (REVIEW)');
    }
  }
}
