import { describe, expect, it } from 'vitest';
import { categoryOf } from './touched-records.js';

const selector = (system: string, more: Partial<{ record_types: string[]; path_prefixes: string[]; record_ids: string[]; tags: string[] }> = {}) => ({
  system,
  record_types: [],
  path_prefixes: [],
  record_ids: [],
  tags: [],
  ...more,
});

describe('categoryOf', () => {
  const categories = [
    { id: 'shelter-addresses', selectors: [selector('shelter-registry', { record_types: ['shelter-address'] }), selector('docstore', { path_prefixes: ['/victim-care/shelters/'] })] },
    { id: 'vip-witnesses', selectors: [selector('witness-register', { record_ids: ['CW-7'] })] },
    { id: 'crown-witnesses', selectors: [selector('witness-register')] },
    { id: 'tagged', selectors: [selector('cms-app', { tags: ['ocl'] })] },
  ];

  it('needs the system and every restriction a selector names; the first matching category wins', () => {
    expect(categoryOf('shelter-registry', 'shelter-address', 'SH-1', categories)).toBe('shelter-addresses');
    expect(categoryOf('shelter-registry', 'session', 'SH-1', categories)).toBeNull();
    expect(categoryOf('docstore', null, '/victim-care/shelters/a.pdf', categories)).toBe('shelter-addresses');
    expect(categoryOf('docstore', null, '/cases/a.pdf', categories)).toBeNull();
    expect(categoryOf('witness-register', 'crown-witness', 'CW-7', categories)).toBe('vip-witnesses');
    expect(categoryOf('witness-register', 'crown-witness', 'CW-8', categories)).toBe('crown-witnesses');
  });

  it('matches nothing with a selector that needs tags (audit events carry none)', () => {
    expect(categoryOf('cms-app', 'case-file', 'C-1', categories)).toBeNull();
  });
});
