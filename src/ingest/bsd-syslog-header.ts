import type { EcsValues } from '../store/event-schema.js';
import type { ParseOptions, TimeQuality } from './log-event.js';
import { type CivilTime, civilToUtc, MONTHS, SyslogYearInference } from './log-time.js';

/**
 * The BSD syslog header NetScaler's FreeBSD syslogd writes into bash.log, sh.log, notice.log and
 * cron (reference §2): `Jan 19 23:40:14 <local7.notice> ns bash[1297]: body`. The `<facility.level>`
 * part is optional (newsyslog lines have none), the day may be space-padded (`Jan  5`), and the time
 * has neither year nor zone. Shared by the shell-audit and cron parsers so both read time the same way.
 */

export interface BsdSyslogHeader {
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** The time as written (`Jan 19 24:26:52`), kept because year and hour 24 are interpreted. */
  readonly timeText: string;
  /** `local7.notice`, `cron.info`; absent when the line has no `<…>` part. */
  readonly facility: string | undefined;
  readonly host: string | undefined;
  /** As written: `bash`, `/usr/sbin/cron`. */
  readonly program: string | undefined;
  readonly pid: number | undefined;
  /** Everything after `program[pid]: ` (or after the host when there is no program tag). */
  readonly body: string;
}

// Anchored and compiled once; `[\s\S]` rather than `.` so a multi-line shell record (joined with \n)
// is read by the same expressions as a single line.
const TIME_RE = /^(([A-Za-z]{3}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})) (?:<([^<>\s]{1,64})> ?)?/;
const HOST_PROGRAM_RE = /^(\S+) ([^\s[\]:]+)(?:\[(\d{1,10})\])?: ?([\s\S]*)$/;
// No host (syslogd forwarding without one, or hand-made excerpts): `newsyslog[14448]: …`.
const PROGRAM_ONLY_RE = /^([^\s[\]:]+)(?:\[(\d{1,10})\])?: ([\s\S]*)$/;
// Host but no program tag: `ns last message repeated 3 times`.
const HOST_ONLY_RE = /^(\S+) ([\s\S]*)$/;

/** The header of a BSD syslog line, or null when the line does not start with `Mon DD HH:MM:SS `. */
export function parseBsdSyslog(text: string): BsdSyslogHeader | null {
  const time = TIME_RE.exec(text);
  if (!time) return null;
  const month = MONTHS[time[2]!.toLowerCase()];
  if (month === undefined) return null;
  const rest = text.slice(time[0].length);
  let host: string | undefined;
  let program: string | undefined;
  let pid: string | undefined;
  let body: string;
  let m = HOST_PROGRAM_RE.exec(rest);
  if (m) [, host, program, pid, body] = m as unknown as [string, string, string, string | undefined, string];
  else if ((m = PROGRAM_ONLY_RE.exec(rest))) [, program, pid, body] = m as unknown as [string, string, string | undefined, string];
  else if ((m = HOST_ONLY_RE.exec(rest))) [, host, body] = m as unknown as [string, string, string];
  else body = rest;
  // One object literal with every property present: a single hidden class keeps this hot path fast.
  return {
    month,
    day: Number(time[3]),
    hour: Number(time[4]),
    minute: Number(time[5]),
    second: Number(time[6]),
    timeText: time[1]!,
    facility: time[7],
    host,
    program,
    pid: pid === undefined ? undefined : Number(pid),
    body,
  };
}

/** Whether a line starts like a BSD syslog record (used to stop a runaway multi-line record). */
export function startsWithBsdTime(text: string): boolean {
  const time = TIME_RE.exec(text);
  return time !== null && MONTHS[time[2]!.toLowerCase()] !== undefined;
}

/** `/usr/sbin/cron` → `cron`: ECS process.name is the program's name, the path stays in fields. */
export function programName(program: string): string {
  const slash = program.lastIndexOf('/');
  return slash >= 0 ? program.slice(slash + 1) : program;
}

export interface ResolvedTime {
  readonly timestamp: number | null;
  readonly timeQuality: TimeQuality;
}

/**
 * Turns header times into UTC for one file, read oldest line first (P4 of the reference).
 * - Year: `SyslogYearInference` anchored on `options.referenceTime` (file mtime or collection time;
 *   `Date.now()` only as a last resort), rolling forward at December → January. Quality `year-inferred`.
 * - Hour 24 (seen in the Mandiant shell logs): read as 00:00 of the next day, as the reference
 *   suggests, and flagged `hour-24`; that quality wins over `year-inferred` because it is the
 *   stronger warning (the year of such a line is inferred as well, like every line here).
 * - Zone: `options.timeZone`, else UTC. Impossible dates (31 Feb, 29 Feb of an inferred non-leap
 *   year) give timestamp null and quality `missing`; the line is still an event.
 */
export class BsdClock {
  private readonly years: SyslogYearInference;
  private readonly zone: ZoneConverter;

  constructor(options: ParseOptions) {
    this.years = new SyslogYearInference(options.referenceTime ?? Date.now());
    this.zone = new ZoneConverter(options.timeZone);
  }

  resolve(header: BsdSyslogHeader): ResolvedTime {
    // Called for every header line, in file order, so the December → January roll-over is seen.
    const year = this.years.yearFor(header.month);
    const { month, day, hour, minute, second } = header;
    const timestamp = this.zone.toUtc({ year, month, day, hour, minute, second });
    if (Number.isNaN(timestamp)) return { timestamp: null, timeQuality: 'missing' };
    return { timestamp, timeQuality: hour === 24 ? 'hour-24' : 'year-inferred' };
  }
}

/**
 * `civilToUtc` with the zone offset remembered for the last civil hour. civilToUtc asks Intl twice
 * per call, which halves throughput for a named zone; log lines come in time order, so consecutive
 * lines nearly always share the hour. The remembered value is civilToUtc's own result minus the naive
 * UTC reading, which is the same for every second of an hour as long as zone transitions fall on
 * whole hours (true of every current IANA zone), so the result equals civilToUtc's.
 */
export class ZoneConverter {
  private key = NaN;
  private delta = 0;

  constructor(private readonly zone: string | undefined) {}

  toUtc(civil: CivilTime): number {
    if (this.zone === undefined) return civilToUtc(civil);
    const { year, month, day, hour } = civil;
    const key = ((year * 16 + month) * 32 + day) * 32 + hour;
    const naive = Date.UTC(year, month - 1, day, hour, civil.minute, civil.second, civil.millisecond ?? 0);
    if (key === this.key && civil.minute <= 59 && civil.second <= 60) return naive + this.delta;
    const utc = civilToUtc(civil, this.zone);
    if (Number.isNaN(utc)) return NaN;
    this.key = key;
    this.delta = utc - naive;
    return utc;
  }
}

// FreeBSD newsyslog writes this line at the top of every freshly rotated file (bash.log, cron, …):
// `newsyslog[14448]: logfile turned over due to size>100K`. The coverage ledger (C1) keys on it.
const ROTATION_RE = /^logfile turned over(?: due to ([\s\S]*\S))?\s*$/;

/** The rotation cause (`size>100K`, or '' when none is given) when this is a newsyslog line, else null. */
export function rotationReason(header: BsdSyslogHeader): string | null {
  if (header.program === undefined || programName(header.program) !== 'newsyslog') return null;
  const m = ROTATION_RE.exec(header.body);
  return m ? (m[1] ?? '') : null;
}

/** ECS and source fields every BSD syslog event carries: host, program, pid, facility, time as written. */
export function headerValues(header: BsdSyslogHeader, options: ParseOptions): { ecs: EcsValues; fields: Record<string, string> } {
  const ecs: EcsValues = {};
  const fields: Record<string, string> = { syslog_time: header.timeText };
  const host = header.host ?? options.host;
  if (host !== undefined) ecs['host.name'] = host;
  if (header.host !== undefined) fields.host = header.host;
  if (header.facility !== undefined) fields.facility = header.facility;
  if (header.program !== undefined) {
    fields.program = header.program;
    ecs['process.name'] = programName(header.program);
  }
  if (header.pid !== undefined) {
    fields.pid = String(header.pid);
    ecs['process.pid'] = header.pid;
  }
  return { ecs, fields };
}
