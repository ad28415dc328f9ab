import { describe, expect, it } from 'vitest';
import { detectFormat } from './detect-format.js';

const head = (text: string) => Buffer.from(text);

describe('detectFormat', () => {
  it('knows NetScaler file names, rotations included', () => {
    expect(detectFormat('/var/log/ns.log.3', head(''))).toBe('netscaler-syslog');
    expect(detectFormat('/var/log/httpaccess-vpn.log.1', head(''))).toBe('netscaler-httpaccess');
    expect(detectFormat('/var/log/httperror.log', head(''))).toBe('netscaler-httperror');
    expect(detectFormat('/var/log/notice.log.0.gz', head(''))).toBe('shell-audit');
    expect(detectFormat('/var/log/cron.2', head(''))).toBe('cron');
  });

  it('tells data-access audits and flow logs from their keys or header', () => {
    expect(detectFormat('apps/hr/audit.jsonl', head('{"timestamp":"2025-07-03T09:14:22+02:00","system":"hr","record_id":"X","action":"view"}\n'))).toBe('data-access');
    expect(detectFormat('network/flows.csv', head('timestamp,device,src_ip,src_port,dst_ip,dst_port,protocol,bytes_out,bytes_in,action,user,url\n'))).toBe('flow');
    expect(detectFormat('other.csv', head('a,b,c\n'))).toBe('csv');
    expect(detectFormat('stream.ndjson', head('{"@timestamp":"2025-01-01T00:00:00Z"}\n'))).toBe('jsonl');
  });

  it('falls back to content, and leaves single JSON documents alone', () => {
    expect(detectFormat('capture.txt', head('<134> 07/09/2024:01:08:11 GMT ns2 0-PPE-0 : default SSLVPN LOGIN 1 0 : User a\n'))).toBe('netscaler-syslog');
    expect(detectFormat('x.log', head('1.2.3.4 - - [11/Aug/2023:08:30:00 +0000] "GET / HTTP/1.1" 200 1\n'))).toBe('combined');
    expect(detectFormat('report-expected.json', head('{\n  "expected": []\n}\n'))).toBe('unknown');
    expect(detectFormat('LICENSE', head('Apache License\n'))).toBe('unknown');
  });
});
