import { describe, expect, it } from 'vitest';
import { memoryTree } from './artefact-model.js';
import { findCrashDumps } from './crash-rule.js';

describe('NS-R11 crash dumps', () => {
  const tree = memoryTree('ns-gw-01', [
    { path: '/var/core/NSPPE-00-1234.gz', content: 'core', mtime: new Date('2025-07-15T04:00:00Z') },
    { path: '/var/core/2/NSPPE-01-99', content: 'core', mtime: new Date('2025-05-01T00:00:00Z') },
    { path: '/var/crash/vmcore.0', content: 'x', mtime: null },
    { path: '/var/core/readme.txt', content: 'not a dump' },
    { path: '/var/log/NSPPE-00.log', content: 'not a dump' },
  ]);

  it('places packet-engine cores and crash files in time, raising those after the exposure start', async () => {
    const found = await findCrashDumps(tree, { exposedSince: new Date('2025-06-01T00:00:00Z') });
    expect(found.map((f) => `${f.path} ${f.verdict} ${f.confidence}`)).toEqual([
      '/var/core/NSPPE-00-1234.gz REVIEW medium',
      '/var/core/2/NSPPE-01-99 REVIEW low',
      '/var/crash/vmcore.0 REVIEW low',
    ]);
    expect(found[0]!.time?.toISOString()).toBe('2025-07-15T04:00:00.000Z');
    expect(found[1]!.rationale).toContain('before the exposure start');
  });
});
