import { describe, expect, it } from 'vitest';
import { diffJson } from './revision-diff.js';

describe('diffJson', () => {
  it('names every added, removed and changed path', () => {
    const before = { document: { tracking: { version: '1' }, notes: [{ text: 'a' }] }, vulnerabilities: [{ cve: 'CVE-1' }] };
    const after = { document: { tracking: { version: '2' }, notes: [{ text: 'a' }, { text: 'b' }] }, vulnerabilities: [{ cve: 'CVE-1', threats: [] }] };
    expect(diffJson(before, after)).toEqual([
      { path: 'document.tracking.version', change: 'changed', from: '1', to: '2' },
      { path: 'document.notes[1]', change: 'added', to: { text: 'b' } },
      { path: 'vulnerabilities[0].threats', change: 'added', to: [] },
    ]);
    expect(diffJson({ a: [1, 2] }, { a: [1] })).toEqual([{ path: 'a[1]', change: 'removed', from: 2 }]);
    expect(diffJson({ a: 1 }, { a: 1 })).toEqual([]);
  });
});
