import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJsonSource } from '../shared/structured-source.js';
import { testId, validateCsaf } from './validate-csaf.js';

const CORPUS = join(import.meta.dirname, '..', '..', '..', 'shared', 'corpora', 'csaf');
const SUITE = join(CORPUS, 'oasis-2.0', 'validator-data');

async function validateFile(file: string) {
  return validateCsaf(parseJsonSource(file, await readFile(file, 'utf8')));
}

interface TestCase {
  id: string;
  group: string;
  failures?: { name: string }[];
  valid?: { name: string }[];
}

describe('CSAF 2.0 mandatory tests on the OASIS suite', async () => {
  const index = JSON.parse(await readFile(join(SUITE, 'testcases.json'), 'utf8')) as { tests: TestCase[] };
  const mandatory = index.tests.filter((t) => t.group === 'mandatory');
  const cases = mandatory.flatMap((t) => [
    ...(t.failures ?? []).map((c) => ({ id: t.id, name: c.name, valid: false })),
    ...(t.valid ?? []).map((c) => ({ id: t.id, name: c.name, valid: true })),
  ]);

  it('covers the whole mandatory index', () => {
    expect(mandatory.length).toBeGreaterThan(40);
    expect(cases.length).toBeGreaterThan(140);
  });

  it.each(cases)('$name is $valid for $id', async ({ id, name, valid }) => {
    const result = await validateFile(join(SUITE, name));
    expect(result.version).toBe('2.0');
    expect(result.valid).toBe(valid);
    // A rejected case must be rejected by the test it exercises (6.1.8, invalid CVSS, is checked by the schema).
    if (!valid) expect(result.failures.map((f) => f.test)).toContain(id === '6.1.8' ? 'schema' : id);
  });
});

describe('validation results', () => {
  it('accept the OASIS example advisories', async () => {
    const dir = join(CORPUS, 'oasis-2.0', 'examples', 'csaf');
    for (const name of (await readdir(dir)).filter((n) => n.endsWith('.json'))) {
      const result = await validateFile(join(dir, name));
      expect(result.failures, name).toEqual([]);
    }
  });

  it('name the test, the JSON path and the line of each failure', async () => {
    const doc = JSON.parse(await readFile(join(SUITE, 'mandatory', 'oasis_csaf_tc-csaf_2_0-2021-6-1-21-01.json'), 'utf8')) as unknown;
    const text = JSON.stringify(doc, null, 2);
    const result = await validateCsaf(parseJsonSource('x.json', text));
    expect(result.valid).toBe(false);
    const failure = result.failures.find((f) => f.test === '6.1.21');
    expect(failure?.path).toBe('document.tracking.revision_history');
    expect(text.split('\n')[(failure?.line ?? 0) - 1]).toContain('"revision_history"');
  });

  it('refuse a document without a CSAF version, and name what CSAF 2.1 leaves unchecked', async () => {
    const none = await validateCsaf(parseJsonSource('n.json', '{"document": {}}'));
    expect(none).toMatchObject({ valid: false, version: null });
    expect(none.failures[0]?.message).toContain('csaf_version is missing');
    const v21 = await validateCsaf(parseJsonSource('v.json', '{"document": {"csaf_version": "2.1"}}'));
    expect(v21.version).toBe('2.1');
    expect(v21.valid).toBe(false);
    expect(v21.limits.join(' ')).toContain('6.1.50');
  });

  it('maps library test names to spec ids', () => {
    expect(testId('mandatoryTest_6_1_27_11')).toBe('6.1.27.11');
    expect(testId('csaf_2_0')).toBe('schema');
  });
});
