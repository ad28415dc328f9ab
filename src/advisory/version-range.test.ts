import { describe, expect, it } from 'vitest';
import { inRange } from './version-range.js';
import { SCHEMES, parseNetscaler } from './version-schemes.js';

const state = (version: string, range: string, scheme?: Parameters<typeof inRange>[2]) => inRange(version, range, scheme).state;

describe('NetScaler release trains', () => {
  it.each([
    // CVE-2025-5777: fixed in 14.1-43.56, 13.1-58.32, 13.1-37.235 (FIPS/NDcPP)
    ['14.1-43.50', '<14.1-43.56', 'in'],
    ['14.1-43.56', '<14.1-43.56', 'out'],
    ['14.1-43.109', '<14.1-43.56', 'out'], // numeric build order, not lexicographic
    ['14.1-9.99', '<14.1-43.56', 'in'],
    ['13.1-58.31', '<13.1-58.32', 'in'],
    ['13.1-58.32', '<13.1-58.32', 'out'],
    // CVE-2025-6543: fixed in 14.1-47.46, 13.1-59.19, 13.1-37.236
    ['14.1-43.56', '<14.1-47.46', 'in'],
    ['14.1-47.46', '<14.1-47.46', 'out'],
    ['13.1-59.19', '<13.1-59.19', 'out'],
  ] as const)('%s against %s is %s', (version, range, expected) => {
    expect(state(version, range, 'netscaler')).toBe(expected);
  });

  const cve20255777 = '<14.1-43.56|<13.1-58.32|<13.1-37.235-FIPS|<13.1-37.235-NDcPP';

  it('compares only within a train and its variant', () => {
    expect(state('14.1-43.50', cve20255777, 'netscaler')).toBe('in');
    expect(state('13.1-37.234-FIPS', cve20255777, 'netscaler')).toBe('in');
    expect(state('13.1-37.235-FIPS', cve20255777, 'netscaler')).toBe('out');
    // With plain dotted numbers the FIPS fix 13.1-37.235 is below the non-FIPS fix: never mix them.
    expect(state('13.1-37.235-FIPS', '<13.1-58.32', 'netscaler')).toBe('not_comparable');
    expect(state('13.1-37.240', '<13.1-37.235-FIPS', 'netscaler')).toBe('not_comparable');
    expect(state('14.1-43.50', '<13.1-58.32', 'netscaler')).toBe('not_comparable');
    expect(inRange('14.1-43.50', '<13.1-58.32', 'netscaler').reason).toContain('not 14.1');
  });

  it('reads every notation advisories use', () => {
    expect(parseNetscaler('13.1-FIPS 13.1-37.176')).toEqual({ train: '13.1', variant: 'FIPS', build: [37, 176] });
    expect(parseNetscaler('13.1-37.235-NDcPP')).toEqual({ train: '13.1', variant: 'NDcPP', build: [37, 235] });
    expect(parseNetscaler('13.1.37.262')).toEqual({ train: '13.1', variant: '', build: [37, 262] });
    expect(state('13.1-FIPS 13.1-37.176', cve20255777, 'netscaler')).toBe('in');
    expect(parseNetscaler('14.1 build 43')).toBeUndefined();
    expect(parseNetscaler('13.1-FIPS 14.1-37.1')).toBeUndefined();
  });

  it('treats end-of-life trains as affected, but not the maintained 12.1-FIPS', () => {
    const verdict = inRange('13.0-92.21', cve20255777, 'netscaler');
    expect(verdict.state).toBe('in');
    expect(verdict.reason).toContain('end-of-life');
    expect(state('12.1-65.25', cve20255777, 'netscaler')).toBe('in');
    expect(state('12.1-55.300-FIPS', cve20255777, 'netscaler')).toBe('not_comparable');
    expect(state('12.1-55.300-FIPS', `${cve20255777}|<12.1-55.328-FIPS`, 'netscaler')).toBe('in');
  });

  it('is unparseable, not guessed, for text that is not a build', () => {
    expect(state('14.1', '<14.1-43.56', 'netscaler')).toBe('unparseable');
    expect(state('14.1-43.50', '<fourteen', 'netscaler')).toBe('unparseable');
    expect(SCHEMES.netscaler.compare('14.1-43.50', '13.1-58.32')).toBe('not_comparable');
  });

  it('shows why a vendor profile beats vers intdot: intdot stops at the dash', () => {
    expect(state('14.1-43.60', 'vers:intdot/<14.1.43.56')).toBe('in'); // intdot reads 14.1 — wrong
    expect(state('14.1-43.60', 'vers:intdot/<14.1.43.56', 'netscaler')).toBe('out');
  });
});

describe('vers ranges', () => {
  it.each([
    ['1.3.0', 'vers:semver/>=1.2.0|<1.4.0', 'in'],
    ['1.2.0', 'vers:semver/>=1.2.0|<1.4.0', 'in'],
    ['1.4.0', 'vers:semver/>=1.2.0|<1.4.0', 'out'],
    ['1.1.9', 'vers:semver/>=1.2.0|<1.4.0', 'out'],
    ['1.0.0-alpha', 'vers:semver/<1.0.0', 'in'],
    ['2.0.0', 'vers:semver/1.0.0|2.0.0', 'in'],
    ['1.5.0', 'vers:semver/1.0.0|2.0.0', 'out'],
    ['1.3.0', 'vers:semver/>=1.0.0|!=1.3.0|<2.0.0', 'out'],
    ['0.9.0', 'vers:semver/<1.0.0|>=2.0.0', 'in'],
    ['2.5.0', 'vers:semver/<1.0.0|>=2.0.0', 'in'],
    ['1.5.0', 'vers:semver/<1.0.0|>=2.0.0', 'out'],
    ['3.0', 'vers:intdot/>2.1.0|<4.2.0', 'in'],
    ['4.2.0', 'vers:intdot/>2.1.0|<4.2.0', 'out'],
    ['anything', 'vers:all/*', 'in'],
    ['1.0', 'vers:none/*', 'out'],
  ] as const)('%s in %s is %s', (version, range, expected) => {
    expect(state(version, range)).toBe(expected);
  });

  it.each([
    ['vers:npm/ >= 2.2.0| <2.3.0', 'white space'],
    ['vers:all/<V3.1.2.2', 'only allows'],
    ['vers:someweirdunknownversionscheme/<1.0', 'unknown vers type'],
    ['vers:semver/=1.0.0', 'explicit "="'],
    ['vers:semver/<1.0.0||>2.0.0', 'empty constraint'],
    ['vers:semver', 'not a vers range'],
  ])('%s is unparseable (%s)', (range, reason) => {
    const verdict = inRange('1.0.0', range);
    expect(verdict.state).toBe('unparseable');
    expect(verdict.reason).toContain(reason);
  });

  it('reports an unparseable version against a semver range', () => {
    expect(state('14.1-43.50', 'vers:semver/<14.1.0')).toBe('unparseable');
  });
});

describe('vls ranges', () => {
  it.each([
    ['4.1.9', '<4.2', 'in'],
    ['4.2', '<4.2', 'out'],
    ['V4.32', 'All versions < V4.33', 'in'],
    ['4.33', 'All versions < V4.33', 'out'],
    ['1.5', '>=1.0|<2.0', 'in'],
    ['2.0', '>=1.0|<2.0', 'out'],
    ['4.2', '4.2', 'in'],
    ['4.2.0', '4.2', 'in'],
    ['4.2.1', '4.2', 'out'],
    ['10.0.19045', '<= 10.0.19045', 'in'],
  ] as const)('%s in "%s" is %s', (version, range, expected) => {
    expect(state(version, range, 'dotted')).toBe(expected);
  });

  it('never throws on text it cannot read', () => {
    expect(state('1.0', 'about four point two', 'dotted')).toBe('unparseable');
    expect(state('1.0', '', 'dotted')).toBe('unparseable');
    expect(state('banana', '<4.2', 'dotted')).toBe('unparseable');
    expect(state('4.2.0-rc1', '<4.2', 'dotted')).toBe('unparseable');
    expect(state('4.2.0-rc1', '<4.2.0', 'semver')).toBe('in');
  });
});
