import { describe, expect, it } from 'vitest';
import {
  parseAppFwBody,
  parseEndpoint,
  parseHttpRequestBody,
  splitContext,
  splitTopLevel,
  splitUser,
  tokenizeBody,
  unquote,
} from './netscaler-body.js';

describe('splitTopLevel / unquote', () => {
  it('splits on " - " but not inside "…" or \\"…\\"', () => {
    expect(splitTopLevel('A 1 - B "x - y" - C \\"p - q\\"')).toEqual(['A 1', 'B "x - y"', 'C \\"p - q\\"']);
  });
  it('ignores quotes when they do not balance (truncated line)', () => {
    expect(splitTopLevel('A "open - B 2')).toEqual(['A "open', 'B 2']);
  });
  it('removes one pair of plain or escaped quotes and nothing else', () => {
    expect(unquote('"Mapped Ip"')).toBe('Mapped Ip');
    expect(unquote('\\"Mapped Ip\\"')).toBe('Mapped Ip');
    expect(unquote('"07/07/2024:10:48:33 "')).toBe('07/07/2024:10:48:33 ');
    expect(unquote('plain')).toBe('plain');
  });
});

describe('tokenizeBody', () => {
  it('reads keys with (s), -, _ and the SessionId: colon, in order', () => {
    const f = tokenizeBody(
      ' Context alice@corp.example@198.51.100.7 - SessionId: 34921 - User alice@corp.example - Client_ip 198.51.100.7 - X-Forwarded-For_ip 192.0.2.5, 192.0.2.6 - Nat_ip "Mapped Ip" - Group(s) "N/A"',
    );
    expect(f).toEqual({
      Context: 'alice@corp.example@198.51.100.7',
      SessionId: '34921',
      User: 'alice@corp.example',
      Client_ip: '198.51.100.7',
      'X-Forwarded-For_ip': '192.0.2.5, 192.0.2.6',
      Nat_ip: 'Mapped Ip',
      'Group(s)': 'N/A',
    });
    expect(Object.keys(f)[0]).toBe('Context');
  });
  it('keeps empty values (Client_ip  - Nat_ip) and bare items', () => {
    const f = tokenizeBody('User frank - Client_ip  - X-Forwarded-For_ip - Nat_ip \\"Mapped Ip\\" - Access Allowed');
    expect(f.Client_ip).toBe('');
    expect(f['X-Forwarded-For_ip']).toBe('');
    expect(f.Nat_ip).toBe('Mapped Ip');
    expect(f.Access).toBe('Allowed');
  });
  it('knows multi-word keys (Delink Time, Start Time, Client IP) and Key: forms', () => {
    const f = tokenizeBody('Source 1.2.3.4:5 - Delink Time 06/14/2024:16:01:40 GMT - Start Time 06/14/2024:16:01:00  - Client IP 192.0.2.0 - Failure Reason: Bad');
    expect(f['Delink Time']).toBe('06/14/2024:16:01:40 GMT');
    expect(f['Start Time']).toBe('06/14/2024:16:01:00');
    expect(f['Client IP']).toBe('192.0.2.0');
    expect(f['Failure Reason']).toBe('Bad');
  });
  it('reads ICA tags and username:domainname', () => {
    const f = tokenizeBody(' [TCP] [CGP][ICAUUID=0000-11] Source 198.51.100.5:56855 - Destination 10.0.0.50:2598 - customername  - username:domainname kev:corp - Duration 03:31:07 ');
    expect(f.tags).toBe('TCP,CGP');
    expect(f.ICAUUID).toBe('0000-11');
    expect(f.Source).toBe('198.51.100.5:56855');
    expect(f.customername).toBe('');
    expect(f['username:domainname']).toBe('kev:corp');
    expect(f.Duration).toBe('03:31:07');
  });
  it('reads 14.1 tags in the middle of a body', () => {
    const f = tokenizeBody('Context u@192.0.2.1 - SessionId: 1 - [TECHSUPPORT] User u - Client_ip 192.0.2.1');
    expect(f.tags).toBe('TECHSUPPORT');
    expect(f.User).toBe('u');
  });
  it('keeps a quoted whole body and free text as Message', () => {
    expect(tokenizeBody('  "(6-9876543) send_authenticate_pdu: Sending - Ensemble"')).toEqual({ Message: '(6-9876543) send_authenticate_pdu: Sending - Ensemble' });
    expect(tokenizeBody('Adding pitboss watch on (1024)')).toEqual({ Message: 'Adding pitboss watch on (1024)' });
  });
  it('keeps duplicate keys under numbered names', () => {
    const f = tokenizeBody('Destination 1.1.1.1:80 - Destination 2.2.2.2:8080');
    expect(f).toEqual({ Destination: '1.1.1.1:80', Destination_2: '2.2.2.2:8080' });
  });
  it('drops dangling separators at either end', () => {
    expect(tokenizeBody('- Denied_by_policy "X"')).toEqual({ Denied_by_policy: 'X' });
    expect(tokenizeBody('MinL7Latency 60 -')).toEqual({ MinL7Latency: '60' });
  });
  it('does not alter bytes 0x80–0xFF in values', () => {
    const name = Buffer.from([0x61, 0x80, 0xff, 0xe9]).toString('latin1');
    expect(tokenizeBody(`User ${name} - Client_ip 192.0.2.1`).User).toBe(name);
  });
});

describe('helpers', () => {
  it('splitContext takes the IP from the last @ segment, IPv6 included', () => {
    expect(splitContext('alice@corp.example@198.51.100.7')).toEqual({ user: 'alice@corp.example', ip: '198.51.100.7' });
    expect(splitContext('bob@2001:db8::7')).toEqual({ user: 'bob', ip: '2001:db8::7' });
    expect(splitContext('[x@192.0.2.1](mailto:x@192.0.2.1)')).toBeNull();
  });
  it('parseEndpoint reads ip:port, [v6]:port, bare addresses', () => {
    expect(parseEndpoint('198.51.100.7:53772')).toEqual({ ip: '198.51.100.7', port: 53772 });
    expect(parseEndpoint('[2001:db8::1]:443')).toEqual({ ip: '2001:db8::1', port: 443 });
    expect(parseEndpoint('2001:db8::1')).toEqual({ ip: '2001:db8::1' });
    expect(parseEndpoint('198.51.100.7')).toEqual({ ip: '198.51.100.7' });
    expect(parseEndpoint('1.2.3.4:80 User: x')).toEqual({ ip: '1.2.3.4', port: 80 });
    expect(parseEndpoint('nonsense')).toBeNull();
    expect(parseEndpoint('1.2.3.4:99999')).toBeNull();
  });
  it('splitUser handles UPN, down-level and plain names', () => {
    expect(splitUser('alice@corp.example')).toEqual({ name: 'alice', domain: 'corp.example' });
    expect(splitUser('CORP\\alice')).toEqual({ name: 'alice', domain: 'CORP' });
    expect(splitUser('nsroot')).toEqual({ name: 'nsroot' });
  });
  it('parses both HTTPREQUEST layouts', () => {
    const a = parseHttpRequestBody(
      ' Context erin@corp.example@198.51.100.20 - SessionId: 74999 - portal.corp.example User erin@corp.example : Group(s) N/A : Vserver 203.0.113.15:443 - 07/07/2024:10:57:19  : SSO is ON : GET /Citrix/Roaming/Accounts?x=1 - -',
    );
    expect(a).toMatchObject({ Context: 'erin@corp.example@198.51.100.20', SessionId: '74999', Host: 'portal.corp.example', User: 'erin@corp.example', SSO: 'ON', Method: 'GET', URL: '/Citrix/Roaming/Accounts?x=1' });
    const b = parseHttpRequestBody(' [TECHSUPPORT][ENUMERATION] app.corp.example User gina : Group(s) N/A : Vserver 203.0.113.16:8085 - 07/09/2025:19:48:23 GMT : Message = SSO is OFF : CONNECT app.corp.example:443 - -');
    expect(b).toMatchObject({ tags: 'TECHSUPPORT,ENUMERATION', User: 'gina', Request_time: '07/09/2025:19:48:23 GMT', SSO: 'OFF', Method: 'CONNECT', URL: 'app.corp.example:443' });
    expect(parseHttpRequestBody('User x - Client_ip 1.2.3.4')).toBeNull();
  });
  it('parses the native APPFW layout', () => {
    expect(parseAppFwBody(' 198.51.100.10 89a1d5c1-PPE0 - prof Endpoint not found <blocked>')).toEqual({
      Client_ip: '198.51.100.10', Transaction: '89a1d5c1-PPE0', Profile: 'prof', Message: 'Endpoint not found', Action: 'blocked',
    });
    expect(parseAppFwBody('Unknown content-type header value = "x".')).toBeNull();
  });
});
