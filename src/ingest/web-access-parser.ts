import type { EcsValues } from '../store/event-schema.js';
import type { EventSink, LineParser, ParseOptions, ParserFactory, SourceLine } from './log-event.js';
import { civilToUtc, MONTHS } from './log-time.js';

/**
 * Apache/Nginx access logs, and NetScaler's httpaccess.log / httpaccess-vpn.log (reference §3).
 * One grammar covers all shapes seen:
 *
 *   common / combined        %h %l %u %t "%r" %>s %b ["ref" "ua" …]
 *   combined_resptime        %a %l %u %t [%P] "%r" %>s %b "ref" "ua" "Time: %D microsecs"
 *   …_with_citrix_hdrs       orig-src -> orig-dst %l %u %t [%P] "%r" …
 *
 * plus two wrappers found in evidence: a `vhost:port ` prefix (Apache vhost_combined) and a
 * `/path/file:` prefix (triage output of `grep -H`, as in the Mandiant test trees); both are kept
 * in fields. Values are kept as logged: Apache's `\"` and `\xhh` escapes are not undone, so a rule
 * matches the same bytes an analyst sees in the file.
 *
 * Hostile input: the request may hold unescaped quotes (old Apache), raw binary, or be a megabyte
 * long. The request ends at the first unescaped `"` that is followed by ` status size`, found by
 * indexOf scans (linear, no backtracking regex over the URL). A request that is not
 * `METHOD target PROTO` is still an event: url.original is the raw request text (except `-`,
 * Apache's "no request line", which stays only in fields.request). A line cut off inside the
 * request or a trailing quoted field is an event with fields.truncated = 'true'. Only a line whose
 * head (client, ident, user, [time], opening quote) or status/size is not there is a failure.
 */

const HEAD_RE =
  /^(?:(\/[^\s:]*):)?(?:([^\s:]+):(\d{1,5}) )?(\S+)(?: -> (\S+))? (\S+) (\S+) \[((\d{1,2})\/([A-Za-z]{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? ([+-]\d{4}|Z))\](?: \[(\d{1,10})\])? "/;
// Sticky: tried at each candidate closing quote of the request.
const STATUS_RE = /" (\d{3}|-) (\d{1,19}|-)(?= |$)/y;
const REQUEST_RE = /^([A-Za-z][A-Za-z0-9_.-]*) (\S(?:[\s\S]*\S)?) (HTTP\/\d+(?:\.\d+)?)$/;
const REQUEST_09_RE = /^([A-Za-z][A-Za-z0-9_.-]*) (\S+)$/;
const ABSOLUTE_URL_RE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#\s]*)/;
const RESPTIME_RE = /^Time: (\d{1,15}) microsecs$/;
const IPV4_RE = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const IPV6_RE = /^[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*(?:%\w+)?$/;

export type SourceIpQuality = 'real' | 'proxy';

export function isIpAddress(text: string): boolean {
  return IPV4_RE.test(text) || (text.includes(':') && IPV6_RE.test(text));
}

/** 127.0.0.0/8 and ::1: NetScaler's packet engine hands the request to the local Apache from these. */
export function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1' || ip.toLowerCase().startsWith('::ffff:127.');
}

const PROXY_NOTE = 'loopback peer: the NetScaler packet engine proxied this request to the local Apache; the real client is not in this line';

/** Index of the next `"` at or after `from` that is not escaped by an odd run of backslashes, or -1. */
function nextUnescapedQuote(text: string, from: number): number {
  let q = text.indexOf('"', from);
  while (q >= 0) {
    let backslashes = 0;
    for (let i = q - 1; i >= from && text.charCodeAt(i) === 0x5c; i -= 1) backslashes += 1;
    if (backslashes % 2 === 0) return q;
    q = text.indexOf('"', q + 1);
  }
  return -1;
}

class WebAccessParser implements LineParser {
  constructor(
    private readonly options: ParseOptions,
    private readonly sink: EventSink,
    private readonly dataset: string,
    private readonly netscaler: boolean,
  ) {}

  push(line: SourceLine): void {
    const reason = this.read(line);
    if (reason !== null) this.sink.failure({ line: line.line, offset: line.offset, reason, raw: line.raw });
  }

  end(): void {
    // One record per line: nothing is held back.
  }

  /** Emits the event and returns null, or returns why the line is not an access-log record. */
  private read(line: SourceLine): string | null {
    const text = line.text;
    if (text.trim() === '') {
      this.sink.skipped(line.line, 'blank');
      return null;
    }
    if (text.charCodeAt(0) === 0x23) return 'comment line (starts with #)';
    const head = HEAD_RE.exec(text);
    if (!head) return 'not an access-log line: expected client, ident, user, [dd/Mon/yyyy:HH:MM:SS ±zone] and a quoted request';
    const fields: Record<string, string> = {};
    const ecs: EcsValues = { 'event.action': 'http_request' };

    // Request: the first unescaped quote followed by ` status size` closes it.
    const start = head[0].length;
    let request: string;
    let pos: number;
    let status: string | undefined;
    let bytes: string | undefined;
    let truncated = false;
    let q = nextUnescapedQuote(text, start);
    for (;;) {
      if (q < 0) break;
      STATUS_RE.lastIndex = q;
      const sm = STATUS_RE.exec(text);
      if (sm) {
        status = sm[1]!;
        bytes = sm[2]!;
        break;
      }
      q = nextUnescapedQuote(text, q + 1);
    }
    if (status === undefined) {
      const firstClose = nextUnescapedQuote(text, start);
      // No closing quote at all, or the line ends right after it: the line was cut off.
      if (firstClose < 0 || text.slice(firstClose + 1).trim() === '') {
        truncated = true;
        request = firstClose < 0 ? text.slice(start) : text.slice(start, firstClose);
        pos = text.length;
      } else {
        return 'no status code and size after the quoted request';
      }
    } else {
      request = text.slice(start, q);
      pos = STATUS_RE.lastIndex;
    }

    // Head fields.
    const [, grepFile, vhost, vhostPort, client, origDst, ident, user, timeText, day, mon, year, hh, mm, ss, frac, zone, pid] = head;
    if (grepFile !== undefined) fields.source_file = grepFile;
    if (vhost !== undefined) {
      fields.vhost = vhost;
      fields.vhost_port = vhostPort!;
    }
    const hostName = this.options.host;
    if (hostName !== undefined) ecs['host.name'] = hostName;
    this.client(client!, origDst, fields, ecs);
    fields.ident = ident!;
    fields.remote_user = user!;
    if (user !== '-') ecs['user.name'] = user!;
    fields.time = timeText!;
    if (pid !== undefined) {
      fields.pid = pid;
      ecs['process.pid'] = Number(pid);
    }

    // Time: always carries an offset, so `exact`.
    let timestamp: number | null = null;
    const month = MONTHS[mon!.toLowerCase()];
    const offset = zone === 'Z' ? 0 : (zone!.charCodeAt(0) === 0x2d ? -1 : 1) * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(3, 5)));
    if (month !== undefined) {
      const ms = frac === undefined ? 0 : Number(frac.padEnd(3, '0').slice(0, 3));
      const local = civilToUtc({ year: Number(year), month, day: Number(day), hour: Number(hh), minute: Number(mm), second: Number(ss), millisecond: ms });
      if (!Number.isNaN(local)) timestamp = local - offset * 60_000;
    }

    this.request(request, fields, ecs);
    if (status !== undefined) {
      fields.status = status;
      if (status !== '-') ecs['http.response.status_code'] = Number(status);
      fields.bytes = bytes!;
      // `-` is Apache's "no body"; Number() of a 19-digit value loses precision but stays positive.
      if (bytes !== '-') ecs['http.response.body.bytes'] = Number(bytes);
      if (this.tail(text, pos, fields, ecs)) truncated = true;
    }
    if (truncated) fields.truncated = 'true';

    this.sink.event({
      timestamp,
      timeQuality: timestamp === null ? 'missing' : Number(hh) === 24 ? 'hour-24' : 'exact',
      dataset: this.dataset,
      ecs,
      fields,
      line: line.line,
      offset: line.offset,
      raw: line.raw,
      message: text,
    });
    return null;
  }

  private client(client: string, origDst: string | undefined, fields: Record<string, string>, ecs: EcsValues): void {
    if (origDst !== undefined) {
      // `Citrix-ns-orig-srcip -> Citrix-ns-orig-destip`: headers the packet engine adds; the real client.
      fields.orig_srcip = client;
      fields.orig_destip = origDst;
      if (isIpAddress(origDst)) ecs['destination.ip'] = origDst;
      if (isIpAddress(client)) {
        ecs['source.ip'] = client;
        if (this.netscaler) ecs['weerbaar.source_ip_quality'] = 'real';
      }
      return;
    }
    fields.remote_addr = client;
    if (!isIpAddress(client)) return;
    ecs['source.ip'] = client;
    if (!this.netscaler) return;
    if (isLoopback(client)) {
      ecs['weerbaar.source_ip_quality'] = 'proxy';
      fields.source_ip_note = PROXY_NOTE;
    } else {
      ecs['weerbaar.source_ip_quality'] = 'real';
    }
  }

  private request(request: string, fields: Record<string, string>, ecs: EcsValues): void {
    fields.request = request;
    const m = REQUEST_RE.exec(request) ?? REQUEST_09_RE.exec(request);
    if (!m) {
      if (request !== '-' && request !== '') ecs['url.original'] = request;
      if (request !== '-') fields.request_malformed = 'true';
      return;
    }
    const target = m[2]!;
    ecs['http.request.method'] = m[1]!;
    ecs['url.original'] = target;
    if (m[3] !== undefined) {
      fields.protocol = m[3];
      ecs['http.version'] = m[3].slice(5);
    }
    let pathAndQuery = target;
    const absolute = ABSOLUTE_URL_RE.exec(target);
    if (absolute) {
      // Proxy-style absolute target (`GET http://host/path`): the host is the domain asked for.
      ecs['url.domain'] = absolute[1]!;
      pathAndQuery = target.slice(absolute[0].length) || '/';
    } else if (target.charCodeAt(0) !== 0x2f) {
      return; // `*`, `host:443` (CONNECT) or garbage: no path to speak of.
    }
    const question = pathAndQuery.indexOf('?');
    if (question < 0) {
      ecs['url.path'] = pathAndQuery;
    } else {
      ecs['url.path'] = pathAndQuery.slice(0, question);
      ecs['url.query'] = pathAndQuery.slice(question + 1);
    }
  }

  /** Referrer, user agent and any further fields; returns true when a quoted field is cut off. */
  private tail(text: string, from: number, fields: Record<string, string>, ecs: EcsValues): boolean {
    let pos = from;
    let index = 0;
    let extra = 0;
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x09) {
        pos += 1;
        continue;
      }
      let value: string;
      let quoted = false;
      let cut = false;
      if (c === 0x22) {
        quoted = true;
        const close = nextUnescapedQuote(text, pos + 1);
        cut = close < 0;
        value = cut ? text.slice(pos + 1) : text.slice(pos + 1, close);
        pos = cut ? text.length : close + 1;
      } else {
        let end = pos;
        while (end < text.length && text.charCodeAt(end) !== 0x20 && text.charCodeAt(end) !== 0x09) end += 1;
        value = text.slice(pos, end);
        pos = end;
      }
      const resptime = quoted ? RESPTIME_RE.exec(value) : null;
      if (resptime) {
        fields.response_time_us = resptime[1]!;
        ecs['event.duration'] = Number(resptime[1]) * 1000;
      } else if (index === 0 && quoted) {
        fields.referer = value;
        if (value !== '-' && value !== '') ecs['http.request.referrer'] = value;
      } else if (index === 1 && quoted) {
        fields.user_agent = value;
        if (value !== '-' && value !== '') ecs['user_agent.original'] = value;
      } else {
        extra += 1;
        fields[`trailing_${extra}`] = value;
      }
      index += 1;
      if (cut) return true;
    }
    return false;
  }
}

/** NetScaler httpaccess.log / httpaccess-vpn.log: all three formats, with `weerbaar.source_ip_quality`. */
export const netscalerHttpaccessParser: ParserFactory = (options, sink) => new WebAccessParser(options, sink, 'netscaler.httpaccess', true);

/** Apache / Nginx common and combined access logs, optional trailing fields. */
export const combinedLogParser: ParserFactory = (options, sink) => new WebAccessParser(options, sink, 'web.access', false);
