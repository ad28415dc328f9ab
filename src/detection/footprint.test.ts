import { describe, expect, it } from 'vitest';
import { isInternalAddress, latestDecisions, processValue } from './footprint.js';

describe('footprint helpers', () => {
  it('tells our own address ranges from the internet', () => {
    for (const a of ['10.250.196.47', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', '127.0.0.1', '169.254.1.1', '::1', 'fd00::1', 'fe80::1']) expect(isInternalAddress(a), a).toBe(true);
    for (const a of ['172.32.0.1', '198.51.100.23', '203.0.113.95', '100.128.0.1', '2001:db8::1', 'not an address']) expect(isInternalAddress(a), a).toBe(false);
  });

  it('keeps the latest decision per entity', () => {
    const d = (decision: 'confirmed' | 'excluded', at: string) => ({ kind: 'address' as const, value: '198.51.100.23', decision, reason: 'r', actor: 'a', at });
    expect(latestDecisions([d('excluded', '2025-07-20T10:00:00Z'), d('confirmed', '2025-07-20T09:00:00Z')]).get('address\u0000198.51.100.23')?.decision).toBe('excluded');
    expect(processValue('ns-gw-01', 55684)).toBe('ns-gw-01 pid 55684');
  });
});
