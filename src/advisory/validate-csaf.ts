import type { CsafDocumentTest } from '@secvisogram/csaf-validator-lib/validate.js';
import type * as ValidateModule from '@secvisogram/csaf-validator-lib/validate.js';
import { type StructuredSource, formatPath } from '../shared/structured-source.js';
import { correct_6_1_21, correct_6_1_26 } from './csaf-test-corrections.js';

/**
 * CSAF validation: the JSON schema and the mandatory tests of section 6.1, run in-process by
 * @secvisogram/csaf-validator-lib (the BSI's library, the field's reference implementation), with
 * two corrections where it falls short (csaf-test-corrections.ts). A document is valid when it
 * passes the schema and every mandatory test; optional and informative tests do not decide
 * validity and are not run here.
 *
 * CSAF 2.1 support is the library's experimental one: the 2.1 schema and the 2.1 mandatory tests it
 * implements (listed in `checked`); the tests it does not implement yet (for example 6.1.50 and
 * 6.1.59 on version ranges) are not checked, and the result says so.
 */

export type CsafVersion = '2.0' | '2.1';

export interface CsafFailure {
  /** `schema` or a test id such as `6.1.21`. */
  readonly test: string;
  /** JSON path in the document, e.g. `document.tracking.revision_history[0]`. */
  readonly path: string;
  readonly line?: number;
  readonly message: string;
}

export interface CsafValidation {
  readonly file: string;
  readonly version: CsafVersion | null;
  readonly valid: boolean;
  readonly failures: readonly CsafFailure[];
  /** Test ids that ran. */
  readonly checked: readonly string[];
  /** What was not checked, in words. */
  readonly limits: readonly string[];
}

interface Suite {
  readonly tests: CsafDocumentTest[];
  readonly limits: string[];
}

/**
 * The validator library and its compiled schemas are loaded on first use: importing them costs
 * about 135 MB of memory, which every other command (`evidence add` of a 2 GB log above all)
 * should not carry.
 */
let loaded: Promise<{ suites: Record<CsafVersion, Suite>; validate: typeof ValidateModule.default }> | null = null;

function validatorLibrary() {
  loaded ??= (async () => {
    const [mandatory20, schema20, mandatory21, schema21, validateModule] = await Promise.all([
      import('@secvisogram/csaf-validator-lib/mandatoryTests.js'),
      import('@secvisogram/csaf-validator-lib/schemaTests.js'),
      import('@secvisogram/csaf-validator-lib/csaf_2_1/mandatoryTests.js'),
      import('@secvisogram/csaf-validator-lib/csaf_2_1/schemaTests.js'),
      import('@secvisogram/csaf-validator-lib/validate.js'),
    ]);
    const suites: Record<CsafVersion, Suite> = {
      '2.0': {
        tests: [schema20.csaf_2_0, ...testsOf(mandatory20).map(corrected)],
        limits: ['optional (6.2) and informative (6.3) tests are not run; they do not decide validity'],
      },
      '2.1': {
        tests: [schema21.csaf_2_1, ...testsOf(mandatory21)],
        limits: [
          'CSAF 2.1 is checked with the validator library\'s experimental support: the 2.1 schema and the mandatory tests listed as checked; other 2.1 mandatory tests (e.g. 6.1.50, 6.1.59) are not checked',
          'recommended and informative tests are not run',
        ],
      },
    };
    return { suites, validate: validateModule.default };
  })();
  return loaded;
}

/** The test functions a module namespace exports (a dynamic import may add `default`). */
function testsOf(namespace: object): CsafDocumentTest[] {
  return Object.values(namespace).filter((value): value is CsafDocumentTest => typeof value === 'function');
}

function corrected(test: CsafDocumentTest): CsafDocumentTest {
  if (test.name === 'mandatoryTest_6_1_21') return correct_6_1_21(test);
  if (test.name === 'mandatoryTest_6_1_26') return correct_6_1_26(test);
  return test;
}

/** `mandatoryTest_6_1_27_1` → `6.1.27.1`; schema tests → `schema`. */
export function testId(name: string): string {
  const match = /^mandatoryTest_(\d+(?:_\d+)*)$/.exec(name);
  return match ? (match[1] ?? '').replace(/_/g, '.') : 'schema';
}

export async function validateCsaf(source: StructuredSource): Promise<CsafValidation> {
  const doc = source.value as { document?: { csaf_version?: unknown } } | null;
  const declared = doc?.document?.csaf_version;
  if (declared !== '2.0' && declared !== '2.1') {
    return {
      file: source.file,
      version: null,
      valid: false,
      failures: [
        {
          test: 'schema',
          path: 'document.csaf_version',
          line: source.lineOf(['document', 'csaf_version']),
          message: declared === undefined ? 'not a CSAF document: document.csaf_version is missing' : `unsupported CSAF version ${JSON.stringify(declared)} (2.0 and 2.1 are read)`,
        },
      ],
      checked: [],
      limits: [],
    };
  }
  const library = await validatorLibrary();
  const suite = library.suites[declared];
  const result = await library.validate(suite.tests, source.value);
  const failures: CsafFailure[] = [];
  for (const test of result.tests) {
    if (test.isValid) continue;
    const id = testId(test.name);
    for (const error of test.errors.length > 0 ? test.errors : [{ instancePath: '', message: 'failed' }]) {
      const segments = pointerSegments(error.instancePath);
      const line = source.lineOf(segments);
      failures.push({ test: id, path: formatPath(segments), ...(line !== undefined ? { line } : {}), message: error.message ?? 'failed' });
    }
  }
  return {
    file: source.file,
    version: declared,
    valid: result.isValid,
    failures,
    checked: [...new Set(suite.tests.map((t) => testId(t.name)))],
    limits: suite.limits,
  };
}

/** RFC 6901 JSON pointer to path segments; all-digit segments index arrays. */
function pointerSegments(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}
