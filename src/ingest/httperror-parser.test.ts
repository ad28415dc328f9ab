import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { netscalerHttperrorParser } from './httperror-parser.js';
import { parseBuffer } from './parse-text.js';
import { corpus, expectAllAccounted } from '../../test/support/corpora.js';

const CORPUS_FILE = corpus('netscaler', 'mandiant-ioc-scanner', 'tests', 'error-logs', 'var', 'log', 'httperror.log');

const parse = (input: Buffer | string, options: Record<string, unknown> = {}) => parseBuffer(netscalerHttperrorParser, input, options);

describe('httperror: Mandiant corpus', () => {
  const input = readFileSync(CORPUS_FILE);
  const result = parse(input);

  it('accounts for every line: webshell stderr is evidence, the blank line is skipped, nothing fails', () => {
    expectAllAccounted(input, result);
    expect(result.failures).toEqual([]);
    expect(result.skipped).toEqual([26]);
    expect(result.events).toHaveLength(106);
    const actions = result.events.map((e) => e.ecs['event.action']);
    expect(actions.filter((a) => a === 'error_log')).toHaveLength(1);
    expect(actions.filter((a) => a === 'stderr')).toHaveLength(105);
  });

  it('stderr lines have no time; after the one timed line they point back to it', () => {
    const curl = result.events.find((e) => e.line === 2)!;
    expect(curl.timestamp).toBeNull();
    expect(curl.timeQuality).toBe('missing');
    expect(curl.fields).toEqual({ message: 'curl: (7) Failed to connect to 95.179.163.186 port 443: Operation timed out' });
    const timed = result.events.find((e) => e.line === 105)!;
    expect(timed.timestamp).toBe(Date.parse('2020-01-15T15:09:05Z'));
    expect(timed.timeQuality).toBe('zone-assumed');
    expect(timed.ecs['log.level']).toBe('debug');
    expect(timed.fields.message).toBe('mod_headers.c(756): headers: ap_headers_output_filter()');
    const after = result.events.find((e) => e.line === 106)!;
    expect(after.timestamp).toBeNull();
    expect(after.fields.after_time).toBe('2020-01-15T15:09:05.000Z');
    expect(after.fields.message).toBe('rm: /var/tmp/netscalerd: No such file or directory');
  });

  it('keeps curl progress meters as stderr text', () => {
    const meter = result.events.find((e) => e.line === 24)!;
    expect(meter.ecs['event.action']).toBe('stderr');
    expect(meter.fields.message).toBe('  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current');
  });
});

describe('httperror: Apache record shapes', () => {
  it('reads a 2.4 record with module:level, pid, client ip:port and a zone from options', () => {
    const { events } = parse('[Wed Nov 11 17:28:07.127785 2020] [:info] [pid 993] [client 1.2.3.4:5] message text\n', {
      timeZone: 'Europe/Amsterdam',
      host: 'adc1',
    });
    const e = events[0]!;
    expect(e.dataset).toBe('netscaler.httperror');
    expect(e.timestamp).toBe(Date.parse('2020-11-11T16:28:07.127Z'));
    expect(e.timeQuality).toBe('zone-assumed');
    expect(e.ecs).toMatchObject({ 'event.action': 'error_log', 'log.level': 'info', 'process.pid': 993, 'source.ip': '1.2.3.4', 'source.port': 5, 'host.name': 'adc1' });
    expect(e.fields).toMatchObject({ message: 'message text', level: 'info', client: '1.2.3.4:5', pid: '993' });
    expect(e.fields.module).toBeUndefined();
  });

  it('reads AH codes, tid, errno text before the client, IPv6 clients and the referer suffix', () => {
    const input = [
      '[Wed Nov 11 17:28:07.127785 2020] [core:error] [pid 993:tid 1402] (13)Permission denied: [client 2001:db8::5:51234] AH00035: access to /x denied, referer: https://gw.example/vpn/',
      '[Wed Jan 15 15:09:05 2020] [error] [client 198.51.100.4] File does not exist: /netscaler/portal/templates/x.xml',
      '[Mon Nov  2 01:02:03 2020] [mpm_prefork:notice] [pid 1] AH00094: Command line: \'/bin/httpd -f /etc/httpd.conf\'',
    ].join('\n');
    const { events, failures } = parse(input);
    expect(failures).toEqual([]);
    expect(events[0]!.ecs).toMatchObject({ 'source.ip': '2001:db8::5', 'source.port': 51234, 'log.level': 'error', 'http.request.referrer': 'https://gw.example/vpn/' });
    expect(events[0]!.fields).toMatchObject({ module: 'core', tid: '1402', error_code: 'AH00035' });
    expect(events[0]!.fields.message).toBe('(13)Permission denied: AH00035: access to /x denied, referer: https://gw.example/vpn/');
    expect(events[1]!.ecs['source.ip']).toBe('198.51.100.4');
    expect(events[1]!.ecs['source.port']).toBeUndefined();
    expect(events[2]!.fields).toMatchObject({ module: 'mpm_prefork', error_code: 'AH00094' });
    expect(events[2]!.timestamp).toBe(Date.parse('2020-11-02T01:02:03Z'));
  });

  it('an impossible date keeps the record without time and does not become the after_time', () => {
    const { events } = parse('[Mon Feb 30 01:02:03 2020] [error] x\nwget: not found\n');
    expect(events[0]!.timestamp).toBeNull();
    expect(events[0]!.timeQuality).toBe('missing');
    expect(events[1]!.fields.after_time).toBeUndefined();
  });

  it('non-UTF-8 stderr bytes survive in raw and message, never U+FFFD', () => {
    const input = Buffer.concat([Buffer.from('sh: '), Buffer.from([0x80, 0xfe, 0xff]), Buffer.from(': not found')]);
    const { events } = parse(input);
    expect(events[0]!.raw.equals(input)).toBe(true);
    expect(events[0]!.message).not.toContain('\ufffd');
    expect(events[0]!.fields.message).toBe('sh: \u0080\u00fe\u00ff: not found');
  });

  it('never throws on random bytes', () => {
    let seed = 3;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const pieces = ['[Wed Nov 11 17:28:07 2020] ', '[:info] ', '[pid 1] ', '[client ', ']', '\n', ':'];
    const parts: string[] = [];
    for (let i = 0; i < 20_000; i += 1) parts.push(random() < 0.5 ? pieces[Math.floor(random() * pieces.length)]! : String.fromCharCode(Math.floor(random() * 256)));
    const input = Buffer.from(parts.join(''), 'latin1');
    expectAllAccounted(input, parse(input));
  });
});
