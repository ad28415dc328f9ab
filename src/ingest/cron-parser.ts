import { BsdClock, headerValues, parseBsdSyslog, programName, rotationReason } from './bsd-syslog-header.js';
import type { EventSink, LineParser, ParseOptions, ParserFactory, SourceLine } from './log-event.js';

/**
 * NetScaler /var/log/cron (FreeBSD cron via syslogd), reference §2.2:
 *
 *   Jan 19 23:00:06 <cron.info> NS01 /usr/sbin/cron[14451]: (nobody) CMD (ls /)
 *   Jan 19 23:00:06 NS01 newsyslog[14448]: logfile turned over due to size>100K
 *
 * event.action:
 * - `cron_command`: a job cron started; user.name and process.command_line (as logged, leading
 *   blanks included: `(root) CMD (   nsfsyncd -p)`). A line cut before the closing `)` keeps what
 *   it has and says `truncated`.
 * - `crontab_edit`: `crontab[pid]: (user) BEGIN EDIT|REPLACE|DELETE|…` — someone changed a crontab,
 *   which is how the 2019/2020 NetScaler campaigns persisted (the `(nobody)` jobs above).
 * - `log_rotation`: newsyslog turned the file over (used by the coverage ledger, C1).
 * - `syslog`: any other line, text in fields.message.
 * Time: the shared BSD rules (year inferred, hour 24 → next day), see bsd-syslog-header.ts.
 */

const DATASET = 'netscaler.cron';
// Lazy command with an optional final `)`: takes up to the LAST `)`, or everything when it is missing.
const CMD_RE = /^\(([^()\s]*)\) CMD \(([\s\S]*?)(\))?$/;
const USER_VERB_RE = /^\(([^()\s]*)\) ([A-Z][A-Z ]*[A-Z])(?: \(([^()]*)\))?\s*$/;

class CronParser implements LineParser {
  private readonly clock: BsdClock;

  constructor(
    private readonly options: ParseOptions,
    private readonly sink: EventSink,
  ) {
    this.clock = new BsdClock(options);
  }

  push(line: SourceLine): void {
    if (line.text.trim() === '') {
      this.sink.skipped(line.line, 'blank');
      return;
    }
    const header = parseBsdSyslog(line.text);
    if (!header) {
      this.fail(line, 'no BSD syslog time (Mon DD HH:MM:SS) at the start of the line');
      return;
    }
    const { timestamp, timeQuality } = this.clock.resolve(header);
    const { ecs, fields } = headerValues(header, this.options);
    const program = header.program === undefined ? '' : programName(header.program).toLowerCase();
    const cmd = program === 'cron' ? CMD_RE.exec(header.body) : null;
    const rotation = cmd ? null : rotationReason(header);
    const edit = program === 'crontab' ? USER_VERB_RE.exec(header.body) : null;
    if (cmd) {
      ecs['event.action'] = 'cron_command';
      fields.user = cmd[1]!;
      fields.command = cmd[2]!;
      if (cmd[1] !== '') ecs['user.name'] = cmd[1]!;
      ecs['process.command_line'] = cmd[2]!;
      if (cmd[3] === undefined) fields.truncated = 'true';
    } else if (rotation !== null) {
      ecs['event.action'] = 'log_rotation';
      fields.message = header.body;
      if (rotation !== '') fields.rotation_reason = rotation;
    } else if (edit) {
      ecs['event.action'] = 'crontab_edit';
      fields.user = edit[1]!;
      fields.operation = edit[2]!;
      if (edit[3] !== undefined) fields.target = edit[3];
      if (edit[1] !== '') ecs['user.name'] = edit[1]!;
      fields.message = header.body;
    } else {
      ecs['event.action'] = 'syslog';
      fields.message = header.body;
    }
    this.sink.event({ timestamp, timeQuality, dataset: DATASET, ecs, fields, line: line.line, offset: line.offset, raw: line.raw, message: line.text });
  }

  end(): void {
    // Every cron record is one line: nothing is held back.
  }

  private fail(line: SourceLine, reason: string): void {
    this.sink.failure({ line: line.line, offset: line.offset, reason, raw: line.raw });
  }
}

export const cronLogParser: ParserFactory = (options, sink) => new CronParser(options, sink);
