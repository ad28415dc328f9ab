import { describe, expect, it } from 'vitest';
import type { AssessmentWindow } from './assessment-window.js';
import type { SystemCoverage } from './audit-coverage.js';
import { exposureVerdicts } from './exposure-verdicts.js';
import type { TableAccess, TouchedRecord } from './touched-records.js';

const window: AssessmentWindow = {
  start: '2025-06-23T00:00:00.000Z',
  end: '2025-07-18T00:00:00.000Z',
  startIsLowerBound: false,
  open: false,
  derived: { start: '2025-06-23T00:00:00.000Z', end: '2025-07-18T00:00:00.000Z', startIsLowerBound: false, basis: [] },
  choice: null,
};
const covered = (system: string, more: Partial<SystemCoverage> = {}): SystemCoverage => ({
  system, granularity: 'record', enabledSince: '2024-01-01T00:00:00.000Z', retentionDays: 365, limits: null, firstEvent: null, lastEvent: null, eventsInWindow: 100, gaps: [], reasons: [], ...more,
});
const selector = (system: string, more: Partial<{ record_types: string[]; record_ids: string[]; path_prefixes: string[] }> = {}) => ({ system, record_types: [] as string[], path_prefixes: [] as string[], record_ids: [] as string[], tags: [] as string[], ...more });
const category = (id: string, selectors: ReturnType<typeof selector>[]) => ({ id, name: id, sensitivity: 'secret' as const, personal_data: true, description: null, selectors });
const record = (category: string, system: string, attribution: 'footprint' | 'ambiguous' = 'footprint'): TouchedRecord => ({
  category, system, recordType: 't', recordId: `${category}-1`, first: '2025-07-15T08:00:00.000Z', last: '2025-07-15T08:05:00.000Z', actions: ['view'], bytes: 10, via: 'session 1', attribution, events: 2, file: 'audit.jsonl', line: 7,
});

function verdicts(o: { coverage: SystemCoverage[]; touched?: TouchedRecord[]; tables?: TableAccess[]; window?: AssessmentWindow; categories?: ReturnType<typeof category>[] }) {
  const categories = o.categories ?? [category('shelters', [selector('registry', { record_types: ['shelter'] })]), category('witnesses', [selector('witness', { record_types: ['witness'] })])];
  return exposureVerdicts({
    categories,
    assets: [{ id: 'registry', data_categories: ['shelters'] }, { id: 'witness', data_categories: ['witnesses'] }],
    window: o.window ?? window,
    coverage: new Map(o.coverage.map((c) => [c.system, c])),
    touched: o.touched ?? [],
    tables: o.tables ?? [],
  });
}
const summary = (v: ReturnType<typeof verdicts>) => v.map((c) => `${c.category} ${c.verdict} ${c.extent ?? '-'} ${c.reasons.map((r) => r.code).join('+') || '-'}`);

describe('exposureVerdicts', () => {
  it('shows a touched category and rules out an untouched, fully covered one', () => {
    const v = verdicts({ coverage: [covered('registry'), covered('witness')], touched: [record('shelters', 'registry')] });
    expect(summary(v)).toEqual(['shelters shown complete -', 'witnesses ruled-out - -']);
    expect(v[0]).toMatchObject({ recordsTouched: 1, accesses: 2, evidence: ['audit.jsonl:7'] });
  });

  it('never rules out a category when any part of its window lacks coverage on any system holding it', () => {
    const gap = { code: 'gap' as const, system: 'witness', text: 'witness: no audit events', from: '2025-07-01T10:00:00.000Z', to: '2025-07-01T12:00:00.000Z' };
    const v = verdicts({ coverage: [covered('registry'), covered('witness', { reasons: [gap] })], touched: [record('shelters', 'registry')] });
    expect(summary(v)).toEqual(['shelters shown complete -', 'witnesses undeterminable - gap']);
    // A holder without any coverage facts at all.
    expect(summary(verdicts({ coverage: [covered('registry')] }))).toEqual(['shelters ruled-out - -', 'witnesses undeterminable - no-audit-facts']);
  });

  it('keeps a shown category’s extent open for the same reasons', () => {
    const gap = { code: 'gap' as const, system: 'registry', text: 'registry: no audit events' };
    const v = verdicts({ coverage: [covered('registry', { reasons: [gap] }), covered('witness')], touched: [record('shelters', 'registry')] });
    expect(summary(v)[0]).toBe('shelters shown undeterminable gap');
  });

  it('leaves every category open when the window’s start is only a lower bound', () => {
    const v = verdicts({ coverage: [covered('registry'), covered('witness')], window: { ...window, startIsLowerBound: true } });
    expect(summary(v)).toEqual(['shelters undeterminable - window-start-unknown', 'witnesses undeterminable - window-start-unknown']);
  });

  it('lists ambiguous accesses as a reason, not as shown', () => {
    const v = verdicts({ coverage: [covered('registry'), covered('witness')], touched: [record('shelters', 'registry', 'ambiguous')] });
    expect(summary(v)[0]).toBe('shelters undeterminable - ambiguous');
    expect(v[0]!.recordsTouched).toBe(0);
  });

  it('keeps a category open for the footprint’s searches, for unsure table reads and for selectors on tags', () => {
    const search: TableAccess = { kind: 'search', system: 'registry', table: 'shelter', first: '2025-07-15T08:00:00.000Z', last: '2025-07-15T08:01:00.000Z', events: 2, via: 'session 1', attribution: 'footprint' };
    expect(summary(verdicts({ coverage: [covered('registry'), covered('witness')], tables: [search] }))[0]).toBe('shelters undeterminable - unrecorded-access');
    const unsure: TableAccess = { ...search, kind: 'table', attribution: 'exposed-account', via: 'account carol' };
    expect(summary(verdicts({ coverage: [covered('registry'), covered('witness')], tables: [unsure] }))[0]).toBe('shelters undeterminable - exposed-account');
    const tagged = [category('shelters', [{ ...selector('registry'), tags: ['vip'] }])];
    expect(summary(verdicts({ coverage: [covered('registry'), covered('witness')], categories: tagged }))).toEqual(['shelters undeterminable - no-audit-facts']);
  });

  it('presumes a whole table read on a per-table audit, but only when the table holds nothing else', () => {
    const access: TableAccess = { kind: 'table', system: 'db', table: 'shelters', first: '2025-07-15T08:00:00.000Z', last: '2025-07-15T08:00:00.000Z', events: 1, via: 'address 203.0.113.9', attribution: 'footprint' };
    const whole = category('shelters', [selector('db', { record_types: ['shelters'] })]);
    const part = category('vip-shelters', [selector('db', { record_types: ['shelters'], record_ids: ['SH-1'] })]);
    const v = exposureVerdicts({ categories: [whole, part], assets: [], window, coverage: new Map([['db', covered('db', { granularity: 'table' })]]), touched: [], tables: [access] });
    expect(summary(v)).toEqual(['shelters shown complete -', 'vip-shelters undeterminable - table-granularity']);
  });
});
