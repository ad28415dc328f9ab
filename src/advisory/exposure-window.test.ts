import { describe, expect, it } from 'vitest';
import type { VersionEvent } from '../inventory/inventory-store.js';
import { exposureWindow } from './exposure-window.js';

const event = (at: string, version: string | null, kind: VersionEvent['event'] = 'upgrade'): VersionEvent => ({ assetId: 'gw', at, event: kind, version, source: 'test', ticket: null, actor: 't' });
const vulnerableBefore4356 = (v: string) => (v === 'garbage' ? undefined : Number(v.split('-')[1]?.split('.')[1]) < 56);

describe('exposure windows', () => {
  it('starts at the first vulnerable version and ends with the fix', () => {
    const window = exposureWindow([event('2025-03-01T00:00:00Z', '14.1-43.50', 'observed'), event('2025-07-18T19:30:00Z', '14.1-43.56')], vulnerableBefore4356);
    expect(window).toEqual({ start: '2025-03-01T00:00:00Z', startIsLowerBound: true, end: '2025-07-18T19:30:00Z', endReason: 'fixed', undecided: [] });
  });

  it('knows the exact start when an upgrade introduced the vulnerable version', () => {
    const window = exposureWindow([event('2025-01-01T00:00:00Z', '14.1-43.60', 'observed'), event('2025-02-01T00:00:00Z', '14.1-43.50')], vulnerableBefore4356);
    expect(window).toMatchObject({ start: '2025-02-01T00:00:00Z', startIsLowerBound: false, end: null });
  });

  it('ends at a disconnection and reopens on reconnection', () => {
    const history = [event('2025-06-01T00:00:00Z', '14.1-43.50', 'observed'), event('2025-07-16T08:00:00Z', '14.1-43.50', 'disconnect')];
    expect(exposureWindow(history, vulnerableBefore4356)).toMatchObject({ end: '2025-07-16T08:00:00Z', endReason: 'disconnected' });
    expect(exposureWindow([...history, event('2025-07-20T08:00:00Z', '14.1-43.50', 'reconnect')], vulnerableBefore4356)).toMatchObject({ end: null, endReason: null });
  });

  it('reports versions it could not decide, and an empty history as no window', () => {
    expect(exposureWindow([event('2025-01-01T00:00:00Z', 'garbage', 'observed')], vulnerableBefore4356).undecided).toEqual(['garbage']);
    expect(exposureWindow([], vulnerableBefore4356)).toMatchObject({ start: null, end: null });
  });
});
