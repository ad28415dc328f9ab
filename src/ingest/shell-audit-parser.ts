import { type BsdSyslogHeader, BsdClock, headerValues, parseBsdSyslog, rotationReason, startsWithBsdTime } from './bsd-syslog-header.js';
import type { EventSink, LineParser, LogEvent, ParseOptions, ParserFactory, SourceLine } from './log-event.js';
import { decodeLine } from './line-splitter.js';

/**
 * NetScaler shell audit logs: /var/log/bash.log, sh.log and notice.log (facility local7.notice),
 * reference §2.1 and P3/P4:
 *
 *   Jan 19 23:40:14 <local7.notice> ns bash[1297]: root on /dev/pts/0 shell_command="compgen -G \"x\""
 *   Jan 19 24:25:04 <local7.notice> ns sh[1173]: root on (null) return_code="1"
 *
 * Quoting is not reliable: newer builds escape inner quotes (`\"`), the Mandiant test logs do not
 * (`shell_command="compgen -G "/var/log/bash.log*""`). So the value runs from the opening quote to
 * the LAST unescaped quote of the record, and a record is closed when its text ends with such a
 * quote. Values are kept exactly as logged (no unescaping), so matching on raw text stays predictable.
 *
 * Multi-line commands: the shell logs the command's newlines as they are, so a `shell_command="`
 * whose line does not end with the closing quote continues on the following physical lines until a
 * line that does. One event covers them all (raw = the lines joined with \n, line = the first).
 * A missing closing quote must not swallow the file, so the record also ends, flagged
 * `fields.unterminated = 'true'` with `unterminated_reason`, when
 *   - the next line starts with a syslog time (`next-header`): a new record has begun;
 *   - it reaches 200 lines or 64 KiB (`size-limit`); the following lines are read afresh;
 *   - the file ends (`end-of-file`).
 * Such a record is still an event, not a failure: it is the attacker's command, cut or not.
 * Lines after a command that closed early (a line ending in `"` inside a multi-line string) cannot
 * be told apart from garbage and become failures that say so.
 */

const DATASET = 'netscaler.shell';
const AUDIT_RE = /^(\S+) on (\S+) (shell_command|return_code)="([\s\S]*)$/;
const MAX_RECORD_LINES = 200;
const MAX_RECORD_BYTES = 64 * 1024;
const NULL_VALUE = '(null)';
const EXIT_CODE_RE = /^-?\d{1,9}$/;

/** Index of the closing quote when `value` ends with an unescaped `"` (trailing blanks allowed), else -1. */
export function closingQuoteIndex(value: string): number {
  let end = value.length;
  while (end > 0 && (value.charCodeAt(end - 1) === 0x20 || value.charCodeAt(end - 1) === 0x09)) end -= 1;
  if (end === 0 || value.charCodeAt(end - 1) !== 0x22) return -1;
  let backslashes = 0;
  for (let i = end - 2; i >= 0 && value.charCodeAt(i) === 0x5c; i -= 1) backslashes += 1;
  return backslashes % 2 === 0 ? end - 1 : -1;
}

type Unterminated = 'next-header' | 'size-limit' | 'end-of-file';

class ShellAuditParser implements LineParser {
  private readonly clock: BsdClock;
  private pending: SourceLine[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly options: ParseOptions,
    private readonly sink: EventSink,
  ) {
    this.clock = new BsdClock(options);
  }

  push(line: SourceLine): void {
    if (this.pending.length > 0) {
      if (startsWithBsdTime(line.text)) {
        this.flushPending('next-header');
      } else {
        this.pending.push(line);
        this.pendingBytes += line.raw.length + 1;
        if (closingQuoteIndex(line.text) >= 0) this.flushPending(null);
        else if (this.pending.length >= MAX_RECORD_LINES || this.pendingBytes >= MAX_RECORD_BYTES) this.flushPending('size-limit');
        return;
      }
    }
    this.readLine(line);
  }

  end(): void {
    if (this.pending.length > 0) this.flushPending('end-of-file');
  }

  private readLine(line: SourceLine): void {
    if (line.text.trim() === '') {
      this.sink.skipped(line.line, 'blank');
      return;
    }
    const header = parseBsdSyslog(line.text);
    if (!header) {
      this.fail(line, 'no BSD syslog time (Mon DD HH:MM:SS) at the start of the line; not a continuation of an open shell_command');
      return;
    }
    const audit = AUDIT_RE.exec(header.body);
    if (audit && audit[3] === 'shell_command' && closingQuoteIndex(audit[4]!) < 0) {
      this.pending = [line];
      this.pendingBytes = line.raw.length;
      return;
    }
    this.emit(header, line, line.raw, line.text, null);
  }

  private flushPending(unterminated: Unterminated | null): void {
    const lines = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    const parts: Buffer[] = [];
    for (let i = 0; i < lines.length; i += 1) {
      if (i > 0) parts.push(NEWLINE);
      parts.push(lines[i]!.raw);
    }
    const raw = Buffer.concat(parts);
    // The decoded text of the whole record: one decoding for all lines, as the contract asks.
    const message = decodeLine(raw);
    const header = parseBsdSyslog(message);
    if (!header) {
      // Unreachable in practice (the first line parsed as a header); keep the bytes regardless.
      for (const line of lines) this.fail(line, 'shell record lost its syslog header when joined');
      return;
    }
    this.emit(header, lines[0]!, raw, message, unterminated);
  }

  private emit(header: BsdSyslogHeader, first: SourceLine, raw: Buffer, message: string, unterminated: Unterminated | null): void {
    const { timestamp, timeQuality } = this.clock.resolve(header);
    const { ecs, fields } = headerValues(header, this.options);
    const audit = AUDIT_RE.exec(header.body);
    const rotation = audit ? null : rotationReason(header);
    if (audit) {
      const user = audit[1]!;
      const tty = audit[2]!;
      const kind = audit[3]!;
      const rest = audit[4]!;
      fields.user = user;
      fields.tty = tty;
      // `(null)` is how the appliance writes "no user / no terminal" (background loops): not a name.
      if (user !== NULL_VALUE) ecs['user.name'] = user;
      if (tty !== NULL_VALUE) ecs['process.tty'] = tty;
      const close = closingQuoteIndex(rest);
      const value = close >= 0 ? rest.slice(0, close) : rest;
      ecs['event.action'] = kind;
      if (kind === 'shell_command') {
        fields.shell_command = value;
        ecs['process.command_line'] = value;
      } else {
        fields.return_code = value;
        if (EXIT_CODE_RE.test(value)) ecs['process.exit_code'] = Number(value);
      }
      if (unterminated !== null || close < 0) {
        fields.unterminated = 'true';
        fields.unterminated_reason = unterminated ?? 'no closing quote';
      }
    } else if (rotation !== null) {
      ecs['event.action'] = 'log_rotation';
      fields.message = header.body;
      if (rotation !== '') fields.rotation_reason = rotation;
    } else {
      ecs['event.action'] = 'syslog';
      fields.message = header.body;
    }
    const event: LogEvent = { timestamp, timeQuality, dataset: DATASET, ecs, fields, line: first.line, offset: first.offset, raw, message };
    this.sink.event(event);
  }

  private fail(line: SourceLine, reason: string): void {
    this.sink.failure({ line: line.line, offset: line.offset, reason, raw: line.raw });
  }
}

const NEWLINE = Buffer.from('\n');

export const shellAuditParser: ParserFactory = (options, sink) => new ShellAuditParser(options, sink);
