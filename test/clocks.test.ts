import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './support/cli-harness.js';
import { useEngineWorkspace } from './support/engine-workspace.js';
import { engines, postgresSkipReason } from './support/engines.js';

/** `weerbaar clocks`: GDPR and NIS2 deadlines from the recorded awareness and submissions, audited, on every case store. */

if (postgresSkipReason) describe.skip(postgresSkipReason, () => undefined);

const INVENTORY = `
data_categories:
  - { id: hr-files, name: HR files, sensitivity: confidential, personal_data: true }
  - { id: press, name: Press releases, sensitivity: public, personal_data: false }
`;

describe.each(engines)('clocks on $name', (engine) => {
  const t = useEngineWorkspace(engine);

  it('waits for awareness, then runs GDPR 72 h and NIS2 24 h / 72 h / one month, judged by what was submitted', async () => {
    await writeFile(join(t.root, 'inventory.yaml'), INVENTORY);
    expect((await cli(['-w', t.ws, 'inventory', 'import', join(t.root, 'inventory.yaml')], { env: t.env })).code).toBe(0);
    type Report = { awareness: { at: string } | null; clocks: { regime: string; obligation: string; deadline: string | null; status: string; basis: string }[] };
    const report = async () => JSON.parse((await cli(['-w', t.ws, 'clocks', '--json'], { env: t.env })).stdout) as Report;

    const before = await report();
    expect(before.awareness).toBeNull();
    expect(before.clocks.map((c) => `${c.obligation} ${c.status}`)).toEqual(['art33-notification not-started', 'early-warning not-started', 'incident-notification not-started', 'final-report not-started']);
    // Nothing was judged yet, so the personal-data category is at risk; the public one is not.
    expect(before.clocks[0]!.basis).toContain('(hr-files)');

    expect((await cli(['-w', t.ws, 'clocks', 'aware', '--at', '2025-07-16T09:30:00+02:00', '--reason', ' '], { env: t.env })).code).toBe(2);
    expect((await cli(['-w', t.ws, 'clocks', 'aware', '--at', 'yesterday', '--reason', 'x'], { env: t.env })).stderr).toContain('--at "yesterday" needs a time and a zone');
    expect((await cli(['-w', t.ws, 'clocks', 'aware', '--at', '2025-07-16', '--reason', 'x'], { env: t.env })).stderr).toContain('needs a time and a zone');
    expect((await cli(['-w', t.ws, 'clocks', 'aware', '--at', '2025-07-16T09:30:00+02:00', '--reason', 'NCSC notification'], { env: t.env })).code).toBe(0);
    expect((await cli(['-w', t.ws, 'clocks', 'submitted', 'nis2', 'early-warning', '--at', '2025-07-17T08:00:00Z', '--reference', 'EW-1'], { env: t.env })).code).toBe(0);
    expect((await cli(['-w', t.ws, 'clocks', 'submitted', 'nis2', 'incident-notification', '--at', '2025-07-19T12:00:00Z', '--reference', 'IN-1'], { env: t.env })).code).toBe(0);
    const wrong = await cli(['-w', t.ws, 'clocks', 'submitted', 'gdpr', 'early-warning', '--at', '2025-07-17T08:00:00Z', '--reference', 'x'], { env: t.env });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('unknown gdpr obligation "early-warning": use one of art33-notification');

    const after = await report();
    expect(after.clocks.map((c) => `${c.regime} ${c.obligation} ${c.deadline} ${c.status}`)).toEqual([
      'gdpr art33-notification 2025-07-19T07:30:00.000Z overdue',
      'nis2 early-warning 2025-07-17T07:30:00.000Z late',
      'nis2 incident-notification 2025-07-19T07:30:00.000Z late',
      'nis2 final-report 2025-08-19T12:00:00.000Z overdue',
    ]);
    const text = (await cli(['-w', t.ws, 'clocks'], { env: t.env })).stdout;
    expect(text).toMatch(/NIS2 art\. 23\(4\)\(b\) +incident-notification +2025-07-16T07:30 +2025-07-19T07:30 +LATE +2025-07-19T12:00 IN-1/);
    const log = (await cli(['-w', t.ws, 'audit', 'log', '--json'], { env: t.env })).stdout;
    expect(log).toContain('clocks.awareness');
    expect(log).toContain('clocks.submission');

    // Outside NIS2 only the GDPR clock runs.
    const config = join(t.ws, 'weerbaar.yaml');
    const { readFile } = await import('node:fs/promises');
    await writeFile(config, `${await readFile(config, 'utf8')}regulation:\n  nis2: false\n`);
    expect((await report()).clocks.map((c) => c.regime)).toEqual(['gdpr']);
  });
});
