import { describe, expect, it } from 'vitest';
import { networkOf } from './session-roaming.js';

describe('networkOf', () => {
  it('aggregates IPv4 to /24 and IPv6 to /48, however the address is written', () => {
    expect(networkOf('198.51.100.23')).toBe('198.51.100.0/24');
    expect(networkOf('2001:db8:1234:5678::1')).toBe('2001:db8:1234::/48');
    expect(networkOf('2001:0db8:0000::1')).toBe('2001:db8:0::/48');
    expect(networkOf('2001:db8::')).toBe('2001:db8:0::/48');
    expect(networkOf('not an address')).toBeNull();
  });
});
