import { isIP } from 'node:net';
import type { EcsValues } from '../store/event-schema.js';
import type { DateOrder, EventSink, LineParser, LogEvent, ParseOptions, ParserFactory, SourceLine, TimeQuality } from './log-event.js';
import { MONTHS, SyslogYearInference, civilToUtc, numericDate, qualityOf } from './log-time.js';
import {
  type BodyFields,
  newFields,
  parseAppFwBody,
  parseEndpoint,
  parseHttpRequestBody,
  splitContext,
  splitUser,
  tokenizeBody,
} from './netscaler-body.js';

/**
 * NetScaler ns.log / syslog (P1 of the NetScaler reference). The payload is the same behind every
 * syslog prefix (BSD, `<local0.info> ip`, RFC 3339, `<PRI>`, none), so the prefix is skipped and the
 * line is anchored on the embedded NetScaler timestamp, which is the only trustworthy time. One
 * regex does the envelope; the body goes to the hand-written tokenizer in netscaler-body.ts. Lines
 * from the same appliance without an NS envelope (pitboss/kernel BSD syslog, Elastic's WAF CEF) are
 * parsed too, and everything else becomes a failure with a reason: nothing may vanish.
 */

const DATASET = 'netscaler.syslog';

// [prefix] date:time[ GMT] <host-slot, may be empty> N-PPE-M : [slot1] FEATURE MESSAGE logid pad : body
// slot1 is absent in some exporters' output; FEATURE is upper case, which keeps `APPFW
// APPFW_cross-site scripting` (a MESSAGE with a space) from being read as slot1 + FEATURE. The
// prefix and MESSAGE are bounded so a hostile 1 MiB line cannot make the lazy groups quadratic.
const ENVELOPE =
  /^(.{0,256}?)(\d{1,4})\/(\d{1,2})\/(\d{1,4}):(\d{1,2}):(\d{2}):(\d{2})( ?GMT)?[ \t]+(\S*)[ \t]+(\d+-PPE-\d+)[ \t]+:[ \t]*(?:(\S+)[ \t]+)?([A-Z][A-Z0-9_]*)[ \t]+(\S.{0,127}?)[ \t]+(\d+)[ \t]+(\d+)[ \t]+:(.*)$/;
// Slow-path diagnostics, only used for lines the envelope did not match.
const NS_TIMESTAMP = /(\d{1,4})\/(\d{1,2})\/(\d{1,4}):(\d{1,2}):(\d{2}):(\d{2})/;
const PPE_ID = /\d+-PPE-\d+/;
// Elastic sample `<135> default CMD_EXECUTED 4123456 0 :  User …`: no timestamp, no FEATURE.
const HEADLESS = /^\s*(?:<(\d{1,3})>\s*)?(\S+) ([A-Za-z][A-Za-z0-9_]*) (\d+) (\d+) :(.*)$/;
// BSD syslog from the appliance's FreeBSD side (pitboss, kernel): `Mon dd HH:MM:SS host prog[pid]: text`.
const BSD_SYSLOG =
  /^\s*(?:<(\d{1,3})>\s*)?([A-Z][a-z]{2})[a-z]* +(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2}) +(?:<([\w.]+)> +)?(\S+) +([^\s[:]+)(?:\[(\d+)\])?: ?(.*)$/;
const BSD_HEADER = /^\s*(?:<(\d{1,3})>\s*)?([A-Z][a-z]{2})[a-z]* +(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2})(?: +(?:<([\w.]+)> +)?(\S+))?/;
// Times inside bodies: `"07/09/2024:01:08:11 GMT"`, `"07/07/2024:10:48:33 "`, `2022/06/14:16:17:51`,
// `2023-04-01T08:00:00Z`, `01/16/2026:14:11:48GMT`.
const BODY_TIME = /^\s*(\d{1,4})[/-](\d{1,2})[/-](\d{1,4})[:T ](\d{1,2}):(\d{2}):(\d{2})(?:\.\d+)?\s*(GMT|UTC|Z)?/;
const DURATION = /^\s*(\d+):(\d{2}):(\d{2})\s*$/;
const MERGE_MARKER = /^(?:<{7}|={7}|>{7})(?: |$)/;

// Small helpers' patterns, compiled once (nothing regex-shaped is built per line).
const PRI_DIGITS = /^\d{1,3}$/;
const PORT_DIGITS = /^\d{1,5}$/;
const COUNT_DIGITS = /^\d{1,15}$/;
const STATUS_SUCCESS = /^success/i;
const STATUS_ERROR = /^error/i;
const CEF_KEY = /^[A-Za-z][A-Za-z0-9_.]*$/;
const PORT_SUFFIX = /:\d+$/;

const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];

export const netscalerSyslogParser: ParserFactory = (options, sink) => new NetscalerSyslogParser(options, sink);

class NetscalerSyslogParser implements LineParser {
  /** Date order proven by an earlier line of this file (a field > 12); used for ambiguous dates. */
  private learnedOrder: DateOrder | undefined;
  private years: SyslogYearInference | undefined;

  constructor(
    private readonly options: ParseOptions,
    private readonly sink: EventSink,
  ) {}

  push(line: SourceLine): void {
    try {
      this.parse(line);
    } catch (error) {
      // Contract: a parser never throws for bad input. An invalid --tz is the realistic cause.
      this.fail(line, `parser error: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  end(): void {
    // Nothing is held back: every ns.log record is one physical line.
  }

  private fail(line: SourceLine, reason: string): void {
    this.sink.failure({ line: line.line, offset: line.offset, reason, raw: line.raw });
  }

  private emit(line: SourceLine, timestamp: number | null, timeQuality: TimeQuality, ecs: EcsValues, fields: BodyFields): void {
    const event: LogEvent = {
      timestamp,
      timeQuality,
      dataset: DATASET,
      ecs,
      fields,
      line: line.line,
      offset: line.offset,
      raw: line.raw,
      message: line.text,
    };
    this.sink.event(event);
  }

  private parse(line: SourceLine): void {
    const text = line.text;
    if (text.trim().length === 0) return this.sink.skipped(line.line, 'blank');
    const m = ENVELOPE.exec(text);
    if (m) return this.parseEnvelope(line, m);
    this.parseOther(line, text);
  }

  private parseEnvelope(line: SourceLine, m: RegExpExecArray): void {
    const [, prefix, a, b, c, hh, mi, ss, gmt, host, ppe, slot1, feature, message, logid, , body] = m as unknown as string[];
    const hour = Number(hh);
    const time = this.numericTime(a!, b!, c!, hour, Number(mi), Number(ss), gmt !== undefined, true);
    if (time === null) return this.fail(line, `invalid date ${a}/${b}/${c}:${hh}:${mi}:${ss}`);
    const fields = newFields();
    const ecs: EcsValues = {};
    readPrefix(prefix!, fields, ecs);
    if (host) fields['ns.hostname'] = host;
    fields['ns.ppe'] = ppe!;
    if (slot1 !== undefined) fields['ns.slot1'] = slot1;
    fields['ns.feature'] = feature!;
    fields['ns.message'] = message!;
    fields['ns.logid'] = logid!;
    const hostName = host || this.options.host;
    if (hostName) ecs['host.name'] = hostName;
    this.fillBody(feature!, message!, body!, fields, ecs);
    this.emit(line, time.ms, qualityOf(gmt !== undefined, hour), ecs, fields);
  }

  /** Envelope fields known, body not yet read: tokenizes it and maps the ECS columns. */
  private fillBody(feature: string, message: string, body: string, fields: BodyFields, ecs: EcsValues): void {
    // The body parsers append to `fields` after the envelope fields (no copying between records).
    const done = message === 'HTTPREQUEST' && parseHttpRequestBody(body, fields) !== null;
    if (!done && feature === 'APPFW') {
      // Native violation layout, else APPFW's free-text notices (no Key value structure) whole.
      if (!parseAppFwBody(body, fields)) fields.Message = body.trim();
    } else if (!done) tokenizeBody(body, fields);
    ecs['event.action'] = actionOf(feature, message);
    const category = categoryOf(feature, message);
    if (category) ecs['event.category'] = category;
    this.mapFields(feature, message, fields, ecs);
  }

  private parseOther(line: SourceLine, text: string): void {
    const trimmed = text.trim();
    if (trimmed === '"') return this.fail(line, 'stray quote line (NetScaler artefact)');
    if (MERGE_MARKER.test(trimmed)) return this.fail(line, 'git merge-conflict marker line (not a log record)');
    const cef = text.indexOf('CEF:');
    if (cef >= 0) return this.parseCef(line, text, cef);
    // Before the timestamp search: a headless record can carry dates in its body (startTime "…").
    const headless = HEADLESS.exec(text);
    if (headless) return this.parseHeadless(line, headless);
    const ts = NS_TIMESTAMP.exec(text);
    if (ts && PPE_ID.test(text.slice(ts.index))) {
      return this.fail(line, 'envelope incomplete after PPE id: expected ": [slot] FEATURE MESSAGE logid pad : body"');
    }
    // A pitboss/kernel line may mention a date in its text; without a PPE id it is plain syslog.
    const bsd = BSD_SYSLOG.exec(text);
    if (bsd) return this.parseBsd(line, bsd);
    if (ts) return this.fail(line, 'envelope incomplete: no packet-engine id (N-PPE-M) after the NetScaler timestamp');
    let control = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if ((code < 0x20 && code !== 0x09) || code === 0x7f || code === 0xfffd) control++;
    }
    this.fail(line, control > 0 ? `no NetScaler timestamp (line has ${control} control/binary characters)` : 'no NetScaler timestamp');
  }

  /** `<PRI> slot1 MESSAGE logid pad : body` without time or FEATURE (seen in Elastic's samples). */
  private parseHeadless(line: SourceLine, m: RegExpExecArray): void {
    const [, pri, slot1, message, logid, , body] = m as unknown as string[];
    const fields = newFields();
    const ecs: EcsValues = {};
    if (pri !== undefined) readPrefix(`<${pri}>`, fields, ecs);
    fields['ns.slot1'] = slot1!;
    fields['ns.message'] = message!;
    fields['ns.logid'] = logid!;
    if (this.options.host) ecs['host.name'] = this.options.host;
    this.fillBody('', message!, body!, fields, ecs);
    this.emit(line, null, 'missing', ecs, fields);
  }

  private bsdTime(mon: string, day: string, hh: string, mi: string, ss: string): number | null {
    const month = MONTHS[mon.toLowerCase()];
    if (month === undefined) return null;
    this.years ??= new SyslogYearInference(this.options.referenceTime ?? Date.now());
    const year = this.years.yearFor(month);
    const ms = civilToUtc({ year, month, day: Number(day), hour: Number(hh), minute: Number(mi), second: Number(ss) }, this.options.timeZone);
    return Number.isNaN(ms) ? null : ms;
  }

  private parseBsd(line: SourceLine, m: RegExpExecArray): void {
    const [, pri, mon, day, hh, mi, ss, level, host, program, pid, rest] = m as unknown as string[];
    const ms = this.bsdTime(mon!, day!, hh!, mi!, ss!);
    if (ms === null) return this.fail(line, `invalid BSD syslog date ${mon} ${day} ${hh}:${mi}:${ss}`);
    const fields = newFields();
    const ecs: EcsValues = {};
    if (pri !== undefined) readPrefix(`<${pri}>`, fields, ecs);
    if (level !== undefined) readPrefix(`<${level}>`, fields, ecs);
    fields.hostname = host!;
    fields.process = program!;
    if (pid !== undefined) fields.pid = pid;
    fields.Message = rest!;
    ecs['host.name'] = host!;
    ecs['process.name'] = program!;
    if (pid !== undefined) ecs['process.pid'] = Number(pid);
    ecs['event.action'] = 'syslog';
    this.emit(line, ms, 'year-inferred', ecs, fields);
  }

  /** `CEF:0|Citrix|NetScaler|ver|APPFW|APPFW_STARTURL|6|src=… spt=… request=…` (Elastic WAF samples). */
  private parseCef(line: SourceLine, text: string, at: number): void {
    const header: string[] = [];
    let start = at + 4;
    for (let i = start; i < text.length && header.length < 7; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x7c /* | */) {
        header.push(text.slice(start, i));
        start = i + 1;
      }
    }
    if (header.length < 7) return this.fail(line, `CEF header incomplete (${header.length} of 7 "|"-separated fields)`);
    const [version, vendor, product, deviceVersion, signature, name, severity] = header as [string, string, string, string, string, string, string];
    const fields = newFields();
    const ecs: EcsValues = {};
    let ms: number | null = null;
    const head = BSD_HEADER.exec(text.slice(0, at));
    if (head) {
      const [, pri, mon, day, hh, mi, ss, level, host] = head as unknown as string[];
      if (pri !== undefined) readPrefix(`<${pri}>`, fields, ecs);
      if (level !== undefined) readPrefix(`<${level}>`, fields, ecs);
      if (host !== undefined) fields.hostname = host;
      ms = this.bsdTime(mon!, day!, hh!, mi!, ss!);
      if (ms === null) return this.fail(line, `invalid BSD syslog date ${mon} ${day} ${hh}:${mi}:${ss} before CEF record`);
    }
    fields['cef.version'] = version;
    fields['cef.device_vendor'] = vendor;
    fields['cef.device_product'] = product;
    fields['cef.device_version'] = deviceVersion;
    fields['cef.signature_id'] = signature;
    fields['cef.name'] = name;
    fields['cef.severity'] = severity;
    parseCefExtension(text.slice(start), fields);
    const hostName = this.options.host ?? fields.hostname;
    if (hostName) ecs['host.name'] = hostName;
    ecs['event.action'] = `${signature}.${name}`.toLowerCase();
    ecs['event.category'] = 'intrusion_detection';
    if (fields.src && isIP(fields.src)) ecs['source.ip'] = fields.src;
    setPort(ecs, 'source.port', fields.spt);
    if (fields.method) ecs['http.request.method'] = fields.method;
    if (fields.request) setUrl(ecs, fields.request, undefined);
    if (fields.msg) ecs['event.reason'] = fields.msg;
    this.emit(line, ms, ms === null ? 'missing' : 'year-inferred', ecs, fields);
  }

  /**
   * `a/b/c` plus time → epoch ms, or null when impossible. A four-digit first field is always a
   * year. Otherwise --date-order wins; without it a field > 12 proves the order for this line and
   * (for envelope times) for the ambiguous lines that follow in the same file.
   */
  private numericTime(a: string, b: string, c: string, hour: number, minute: number, second: number, utc: boolean, learn: boolean): { ms: number } | null {
    const x = Number(a);
    const y = Number(b);
    let order: DateOrder;
    if (a.length === 4) order = 'ymd';
    else if (this.options.dateOrder) order = this.options.dateOrder;
    else if (x > 12) order = 'dmy';
    else if (y > 12) order = 'mdy';
    else order = this.learnedOrder ?? 'mdy';
    if (c.length !== 4 && order !== 'ymd') return null;
    const date = numericDate(x, y, Number(c), a.length, order);
    const ms = civilToUtc({ year: date.year, month: date.month, day: date.day, hour, minute, second }, utc ? undefined : this.options.timeZone);
    if (Number.isNaN(ms)) return null;
    // Only a valid date may teach the file's order (13/45/2024 proves nothing).
    if (learn && !this.options.dateOrder && a.length !== 4 && (x > 12 || y > 12)) this.learnedOrder = order;
    return { ms };
  }

  /** A time inside a body (`Start_time "…"`), read like the envelope's; undefined when unreadable. */
  private bodyTime(value: string | undefined): number | undefined {
    if (value === undefined) return undefined;
    const m = BODY_TIME.exec(value);
    if (!m) return undefined;
    const t = this.numericTime(m[1]!, m[2]!, m[3]!, Number(m[4]), Number(m[5]), Number(m[6]), m[7] !== undefined, false);
    return t?.ms;
  }

  private mapFields(feature: string, message: string, f: BodyFields, ecs: EcsValues): void {
    // Who: the authenticated `User`, else the Context user, else the ICA `username:domainname`.
    const context = f.Context !== undefined ? splitContext(f.Context) : null;
    if (f.User) setUser(ecs, f.User);
    else if (context) setUser(ecs, context.user);
    else if (f['username:domainname'] !== undefined) {
      const v = f['username:domainname'];
      const colon = v.lastIndexOf(':');
      const name = colon < 0 ? v : v.slice(0, colon);
      const domain = colon < 0 ? '' : v.slice(colon + 1);
      if (domain) {
        if (name) ecs['user.name'] = name;
        ecs['user.domain'] = domain;
      } else if (name) setUser(ecs, name);
    }
    // Where from: a connection's own `Source ip:port` first (TCPCONNSTAT, TCP, ICA), else the
    // session's client address.
    const source = f.Source !== undefined ? parseEndpoint(f.Source) : null;
    if (source) {
      ecs['source.ip'] = source.ip;
      if (source.port !== undefined) ecs['source.port'] = source.port;
    } else {
      const ip = firstIp(f.Client_ip, context?.ip, f.ClientIP, f.Remote_ip, f['Client IP'], f.client_ip);
      if (ip) ecs['source.ip'] = ip;
      if (ip !== undefined && ip === f.ClientIP) setPort(ecs, 'source.port', f.ClientPort);
    }
    const xff = f['X-Forwarded-For_ip'];
    if (xff) {
      const first = xff.split(',')[0]!.trim();
      if (isIP(first)) ecs['network.forwarded_ip'] = first;
    }
    const nat = f.Nat_ip !== undefined && isIP(f.Nat_ip) ? f.Nat_ip : f.NatIP !== undefined ? parseEndpoint(f.NatIP)?.ip : undefined;
    if (nat) ecs['source.nat.ip'] = nat;
    const destination = parseEndpoint(f.Destination ?? f.Vserver ?? '');
    if (destination) {
      ecs['destination.ip'] = destination.ip;
      if (destination.port !== undefined) ecs['destination.port'] = destination.port;
    } else {
      const ip = firstIp(f.VserverServiceIP, f.ServerIP, f.Vserver_ip);
      if (ip) {
        ecs['destination.ip'] = ip;
        setPort(ecs, 'destination.port', ip === f.VserverServiceIP ? f.VserverServicePort : ip === f.ServerIP ? f.ServerPort : undefined);
      }
    }
    const session = f.SessionId ?? f.Sessionid;
    if (session) ecs['weerbaar.session_id'] = session;
    const agent = f.Browser_type ?? f.Browser;
    if (agent) ecs['user_agent.original'] = agent;
    if (message === 'HTTPREQUEST' && f.Method !== undefined && f.URL !== undefined) {
      ecs['http.request.method'] = f.Method;
      setUrl(ecs, f.URL, f.Host);
    }
    if (message === 'CMD_EXECUTED' && f.Command !== undefined) ecs['process.command_line'] = f.Command;
    const reason = f.Failure_reason ?? f.LogoutMethod ?? f.Reason ?? f['Failure Reason'] ?? f.Denied_by_policy ?? f.Errmsg;
    if (reason) ecs['event.reason'] = reason;
    // Direction follows Elastic's citrix_adc pipeline: Total_bytes_send is counted for the line's
    // Source side (source.bytes), Total_bytes_recv for the Destination side. The vendor does not
    // document the direction; the raw fields stay in `fields` for anyone who reads it otherwise.
    setCount(ecs, 'source.bytes', f.Total_bytes_send);
    setCount(ecs, 'destination.bytes', f.Total_bytes_recv);
    const start = this.bodyTime(f.Start_time ?? f.startTime ?? f['Start Time']);
    if (start !== undefined) ecs['event.start'] = start;
    const end = this.bodyTime(f.End_time ?? f.endTime ?? f['End Time'] ?? f['Delink Time']);
    if (end !== undefined) ecs['event.end'] = end;
    const duration = f.Duration !== undefined ? DURATION.exec(f.Duration) : null;
    if (duration) ecs['event.duration'] = (Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3])) * 1e9;
    const tlsVersion = f.ClientVersion ?? f.ProtocolVersion;
    if (feature === 'SSLLOG' && tlsVersion) ecs['tls.version'] = tlsVersion;
    if (feature === 'SSLLOG' && f.CipherSuite) ecs['tls.cipher'] = f.CipherSuite;
    const outcome = outcomeOf(message, f);
    if (outcome) ecs['event.outcome'] = outcome;
  }
}

/** `<134>` (PRI: severity = low three bits) or `<local0.info>` in the syslog prefix → log.level. */
function readPrefix(prefix: string, fields: BodyFields, ecs: EcsValues): void {
  const lt = prefix.indexOf('<');
  if (lt < 0) return;
  const gt = prefix.indexOf('>', lt);
  if (gt < 0) return;
  const inner = prefix.slice(lt + 1, gt);
  if (PRI_DIGITS.test(inner)) {
    fields['syslog.pri'] = inner;
    ecs['log.level'] = SEVERITIES[Number(inner) & 7]!;
  } else {
    const dot = inner.indexOf('.');
    if (dot < 0) return;
    fields['syslog.facility_level'] = inner;
    ecs['log.level'] = inner.slice(dot + 1);
  }
}

function setUser(ecs: EcsValues, value: string): void {
  const user = splitUser(value);
  ecs['user.name'] = user.name;
  if (user.domain !== undefined) ecs['user.domain'] = user.domain;
}

function firstIp(...values: (string | undefined)[]): string | undefined {
  for (const v of values) if (v && isIP(v) !== 0) return v;
  return undefined;
}

function setPort(ecs: EcsValues, key: 'source.port' | 'destination.port', value: string | undefined): void {
  if (value === undefined || !PORT_DIGITS.test(value)) return;
  const n = Number(value);
  if (n <= 65535) ecs[key] = n;
}

function setCount(ecs: EcsValues, key: 'source.bytes' | 'destination.bytes', value: string | undefined): void {
  if (value === undefined || !COUNT_DIGITS.test(value)) return;
  ecs[key] = Number(value);
}

/** `GET /path?q`, `CONNECT host:443`, `http://host/path?q` → url.* (the original always kept). */
function setUrl(ecs: EcsValues, target: string, host: string | undefined): void {
  ecs['url.original'] = target;
  let rest = target;
  let domain = host;
  const scheme = target.indexOf('://');
  if (scheme > 0) {
    const slash = target.indexOf('/', scheme + 3);
    const authority = target.slice(scheme + 3, slash < 0 ? target.length : slash);
    domain = authority.replace(PORT_SUFFIX, '');
    rest = slash < 0 ? '' : target.slice(slash);
  }
  if (domain) ecs['url.domain'] = domain;
  if (rest.startsWith('/')) {
    const q = rest.indexOf('?');
    ecs['url.path'] = q < 0 ? rest : rest.slice(0, q);
    if (q >= 0) ecs['url.query'] = rest.slice(q + 1);
  }
}

const actions = new Map<string, Map<string, string>>();

/** `${FEATURE}.${MESSAGE}` lower-cased (`unknown.` when the line has no FEATURE), memoised per pair. */
function actionOf(feature: string, message: string): string {
  let byMessage = actions.get(feature);
  if (!byMessage) actions.set(feature, (byMessage = new Map()));
  let action = byMessage.get(message);
  if (action === undefined) {
    action = `${feature || 'unknown'}.${message}`.toLowerCase();
    if (byMessage.size < 10_000) byMessage.set(message, action);
  }
  return action;
}

const MESSAGE_CATEGORY: ReadonlyMap<string, string> = new Map(Object.entries({
  LOGIN: 'authentication',
  LOGIN_FAILED: 'authentication',
  EXTRACTED_GROUPS: 'authentication',
  LOGOUT: 'session',
  REMOVE_SESSION_DEBUG: 'session',
  TCPCONN_TIMEDOUT: 'session',
  TCPCONNSTAT: 'network',
  UDPFLOWSTAT: 'network',
  ICASTART: 'network',
  ICAEND_CONNSTAT: 'network',
  HTTPREQUEST: 'web',
  HTTP_RESOURCEACCESS_DENIED: 'web',
  CMD_EXECUTED: 'configuration',
}));

const FEATURE_CATEGORY: ReadonlyMap<string, string> = new Map(Object.entries({
  AAA: 'authentication',
  AAATM: 'authentication',
  TCP: 'network',
  SSLLOG: 'network',
  ACL: 'network',
  DNS: 'network',
  APPFW: 'intrusion_detection',
  BOT: 'intrusion_detection',
  EVENT: 'host',
  PITBOSS: 'host',
}));

function categoryOf(feature: string, message: string): string | undefined {
  return MESSAGE_CATEGORY.get(message) ?? FEATURE_CATEGORY.get(feature);
}

function outcomeOf(message: string, f: BodyFields): 'success' | 'failure' | undefined {
  if (message === 'LOGIN_FAILED' || message.endsWith('_FAILURE') || message.endsWith('_DENIED')) return 'failure';
  if (message === 'LOGIN' || message.endsWith('_SUCCESS')) return 'success';
  const status = f.Status;
  if (status !== undefined) {
    if (STATUS_SUCCESS.test(status)) return 'success';
    if (STATUS_ERROR.test(status)) return 'failure';
  }
  if (f.Access === 'Allowed') return 'success';
  if (f.Access === 'Denied') return 'failure';
  if (message === 'Message' && f.Message?.includes('Authentication is rejected for')) return 'failure';
  return undefined;
}

/**
 * CEF extension `k=v k2=v two words`: a value runs to the next ` key=`. An escaped `\=` does not
 * start a key; escapes are left in the value (as in the file, and as Elastic keeps them).
 */
function parseCefExtension(text: string, fields: BodyFields): void {
  const keys: { key: string; start: number; valueStart: number }[] = [];
  for (let i = text.indexOf('='); i > 0; i = text.indexOf('=', i + 1)) {
    if (text.charCodeAt(i - 1) === 0x5c) continue;
    const space = text.lastIndexOf(' ', i);
    const key = text.slice(space + 1, i);
    if (!CEF_KEY.test(key)) continue;
    // Inside a value already taken by an earlier key only if no space separates them.
    const last = keys[keys.length - 1];
    if (last && space + 1 <= last.valueStart) continue;
    keys.push({ key, start: space + 1, valueStart: i + 1 });
  }
  for (let k = 0; k < keys.length; k++) {
    const { key, valueStart } = keys[k]!;
    const end = k + 1 < keys.length ? keys[k + 1]!.start : text.length;
    fields[key] = text.slice(valueStart, end).trim();
  }
}
