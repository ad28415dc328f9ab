import { describe, expect, it } from 'vitest';
import { canaryFingerprint, matchCanaries } from './canary-fingerprint.js';
import { freeText } from './canary-sweep.js';

describe('freeText', () => {
  it('reads a JSON line as its values, so field names do not split an address', () => {
    const line = '{"id":9012,"plaats":"UTRECHT","adres":"EIKENLAAN 41","postcode":"3583kp","extra":{"tags":["opvang",null]}}';
    expect(freeText(line)).toBe('9012 UTRECHT EIKENLAAN 41 3583kp opvang');
    const key = new Uint8Array(32).fill(7);
    const fingerprint = canaryFingerprint(key, 'address', 'Eikenlaan 41, 3583 KP Utrecht');
    const wanted = new Map([[fingerprint, 'decoy']]);
    expect(matchCanaries(key, wanted, ['address'], line)).toEqual([]);
    expect(matchCanaries(key, wanted, ['address'], freeText(line)).map((h) => h.value)).toEqual(['decoy']);
  });

  it('walks a hostile, deeply nested JSON line without overflowing the stack', () => {
    const deep = `{"a":${'['.repeat(20_000)}"Eikenlaan 41"${']'.repeat(20_000)}}`;
    expect(freeText(deep)).toBe('Eikenlaan 41');
  });

  it('leaves other lines, and JSON that does not parse, as they are', () => {
    expect(freeText('9012,UTRECHT,EIKENLAAN 41')).toBe('9012,UTRECHT,EIKENLAAN 41');
    expect(freeText('{"broken": ')).toBe('{"broken": ');
  });
});
