import type { EcsValues } from '../store/event-schema.js';
import { ZoneConverter } from './bsd-syslog-header.js';
import type { EventSink, LineParser, ParseOptions, ParserFactory, SourceLine, TimeQuality } from './log-event.js';
import { MONTHS, qualityOf } from './log-time.js';
import { isIpAddress } from './web-access-parser.js';

/**
 * NetScaler httperror.log / httperror-vpn.log (reference §3). Two kinds of line live here:
 *
 * 1. Apache error-log records, 2.2 and 2.4 style:
 *      [Wed Jan 15 15:09:05 2020] [debug] mod_headers.c(756): headers: ap_headers_output_filter()
 *      [Wed Nov 11 17:28:07.127785 2020] [:info] [pid 993] [client 1.2.3.4:5] message
 *    event.action `error_log`; log.level, process.pid, source.ip/port, the text after the header
 *    in fields.message (AHnnnnn code and `, referer:` suffix picked out when present). The time has
 *    no zone: options.timeZone (else UTC) is applied and the quality is `zone-assumed`.
 *
 * 2. Raw stderr of commands run through webshells or portal templates, which Apache's children
 *    write straight into the error log: `curl: (7) Failed to connect to …`, curl progress meters,
 *    `cat: /proc/version: No such file or directory` (basis of rule R7). They are evidence, so they
 *    become events with event.action `stderr`, not failures. They carry no time, and we do NOT lend
 *    them the time of the previous timed line: stderr is written whenever the command runs, while
 *    Apache writes its own records only at its log level's events (the Mandiant sample has one timed
 *    line among a hundred stderr lines); the gap can be days. So timestamp is null, quality
 *    `missing`, and the previous timed line's time goes to fields.after_time (ISO) as a lower bound
 *    for the timeline: the line was written after that moment (if the file was only appended to).
 *
 * Empty lines carry nothing and are reported as skipped, so the line count still adds up.
 */

const DATASET = 'netscaler.httperror';
const HEADER_RE =
  /^\[[A-Za-z]{3} ([A-Za-z]{3}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? (\d{4})\] \[([^\]\s]*)\] ?([\s\S]*)$/;
const PID_RE = /^\[pid (\d{1,10})(?::tid (\d{1,20}))?\] ?/;
// 2.4 puts `file(line): (errno)text: ` before the client tag; allow those, then `[client a:p]`.
const CLIENT_RE = /^((?:[\w.-]+\(\d+\): )?(?:\(\d+\)[^[\]]*?: )?)\[(client|remote) ([^\]\s]+)\] ?/;
const IPV4_PORT_RE = /^(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}):(\d{1,5})$/;
// At the start, or after the `(errno)text: ` part: `(13)Permission denied: AH00035: …`.
const CODE_RE = /(?:^|: )(AH\d{5}): /;
const REFERER_RE = /, referer: (\S*)$/;
const PORT_RE = /^\d{1,5}$/;

class HttperrorParser implements LineParser {
  private lastTime: number | null = null;
  private lastIso = '';
  private readonly zone: ZoneConverter;

  constructor(
    private readonly options: ParseOptions,
    private readonly sink: EventSink,
  ) {
    this.zone = new ZoneConverter(options.timeZone);
  }

  push(line: SourceLine): void {
    const text = line.text;
    if (text.trim() === '') {
      this.sink.skipped(line.line, 'blank');
      return;
    }
    const ecs: EcsValues = {};
    const fields: Record<string, string> = {};
    if (this.options.host !== undefined) ecs['host.name'] = this.options.host;
    const header = HEADER_RE.exec(text);
    if (!header) {
      ecs['event.action'] = 'stderr';
      fields.message = text;
      const code = CODE_RE.exec(text);
      if (code) fields.error_code = code[1]!;
      if (this.lastTime !== null) fields.after_time = this.lastIso;
      this.emit(line, null, 'missing', ecs, fields);
      return;
    }

    const [, mon, day, hh, mm, ss, frac, year, levelTag, rest0] = header;
    const month = MONTHS[mon!.toLowerCase()];
    let timestamp: number | null = null;
    if (month !== undefined) {
      const millisecond = frac === undefined ? 0 : Number(frac.padEnd(3, '0').slice(0, 3));
      const t = this.zone.toUtc({ year: Number(year), month, day: Number(day), hour: Number(hh), minute: Number(mm), second: Number(ss), millisecond });
      if (!Number.isNaN(t)) timestamp = t;
    }
    fields.time = text.slice(1, text.indexOf(']'));

    // `[core:info]`, `[:info]` (2.4, module:level) or `[debug]` (2.2).
    const colon = levelTag!.indexOf(':');
    const level = colon >= 0 ? levelTag!.slice(colon + 1) : levelTag!;
    fields.level = level;
    if (colon > 0) fields.module = levelTag!.slice(0, colon);
    if (level !== '') ecs['log.level'] = level;

    let rest = rest0!;
    const pid = PID_RE.exec(rest);
    if (pid) {
      fields.pid = pid[1]!;
      ecs['process.pid'] = Number(pid[1]);
      if (pid[2] !== undefined) fields.tid = pid[2];
      rest = rest.slice(pid[0].length);
    }
    const client = CLIENT_RE.exec(rest);
    if (client) {
      fields[client[2]!] = client[3]!;
      this.clientAddress(client[3]!, colon >= 0, ecs);
      // Keep the `file(line): (errno)text:` part with the message, drop only the client tag.
      rest = client[1]! + rest.slice(client[0].length);
    }
    fields.message = rest;
    const code = CODE_RE.exec(rest);
    if (code) fields.error_code = code[1]!;
    const referer = REFERER_RE.exec(rest);
    if (referer) {
      fields.referer = referer[1]!;
      if (referer[1] !== '' && referer[1] !== '-') ecs['http.request.referrer'] = referer[1]!;
    }
    ecs['event.action'] = 'error_log';

    if (timestamp !== null) {
      if (timestamp !== this.lastTime) this.lastIso = new Date(timestamp).toISOString();
      this.lastTime = timestamp;
    }
    this.emit(line, timestamp, timestamp === null ? 'missing' : qualityOf(false, Number(hh)), ecs, fields);
  }

  end(): void {
    // One record per line: nothing is held back.
  }

  /** `1.2.3.4:5`, `1.2.3.4` (2.2 has no port), or IPv6 with the port after the last colon (2.4 only). */
  private clientAddress(address: string, apache24: boolean, ecs: EcsValues): void {
    const v4 = IPV4_PORT_RE.exec(address);
    if (v4) {
      ecs['source.ip'] = v4[1]!;
      ecs['source.port'] = Number(v4[2]);
      return;
    }
    if (apache24 && address.includes(':')) {
      const last = address.lastIndexOf(':');
      const ip = address.slice(0, last);
      const port = address.slice(last + 1);
      if (isIpAddress(ip) && PORT_RE.test(port)) {
        ecs['source.ip'] = ip;
        ecs['source.port'] = Number(port);
        return;
      }
    }
    if (isIpAddress(address)) ecs['source.ip'] = address;
  }

  private emit(line: SourceLine, timestamp: number | null, timeQuality: TimeQuality, ecs: EcsValues, fields: Record<string, string>): void {
    this.sink.event({ timestamp, timeQuality, dataset: DATASET, ecs, fields, line: line.line, offset: line.offset, raw: line.raw, message: line.text });
  }
}

export const netscalerHttperrorParser: ParserFactory = (options, sink) => new HttperrorParser(options, sink);
