import type { CsafDocumentTest, CsafMessage } from '@secvisogram/csaf-validator-lib/validate.js';

/**
 * Where @secvisogram/csaf-validator-lib 2.0.10 falls short of the CSAF 2.0 mandatory tests as the
 * OASIS test suite now specifies them, we wrap its test rather than replace it, so that its other
 * checks keep running and the correction stays small:
 *
 * - 6.1.21 (missing item in revision history): the library sorts the history by date only, so two
 *   items with the same date keep document order and `[2, 1]` looks like a history starting at 2.
 *   The OASIS cases 6-1-14-12, 6-1-16-16 and 6-1-16-17 expect equal dates to be ordered by their
 *   version number. We hand the library a history pre-sorted by (date, number); its sort is stable.
 * - 6.1.26 (prohibited document category name): the spec forbids a category equal, after removing
 *   dashes, white space and underscores, to the name *or the value* of a profile other than CSAF
 *   Base. The library compares only against the names, so `csafsecurityadvisory` (the value
 *   `csaf_security_advisory` without underscores, OASIS case 6-1-26-04) passes. We add that check.
 */

type RevisionItem = { date?: unknown; number?: unknown };

function versionKey(number: unknown): number[] {
  if (typeof number !== 'string') return [];
  const core = number.split(/[-+]/)[0] ?? '';
  return core.split('.').map((part) => Number(part));
}

function compareVersions(a: unknown, b: unknown): number {
  const [x, y] = [versionKey(a), versionKey(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0 && !Number.isNaN(d)) return d;
  }
  return 0;
}

export function correct_6_1_21(libraryTest: CsafDocumentTest): CsafDocumentTest {
  const corrected: CsafDocumentTest = (doc) => {
    const history = (doc as { document?: { tracking?: { revision_history?: unknown } } } | null)?.document?.tracking?.revision_history;
    if (!Array.isArray(history)) return libraryTest(doc);
    const sorted = [...(history as RevisionItem[])].sort((a, b) => {
      const byDate = Date.parse(String(a.date)) - Date.parse(String(b.date));
      return byDate !== 0 && !Number.isNaN(byDate) ? byDate : compareVersions(a.number, b.number);
    });
    const document = (doc as { document: { tracking: object } }).document;
    return libraryTest({ ...(doc as object), document: { ...document, tracking: { ...document.tracking, revision_history: sorted } } });
  };
  Object.defineProperty(corrected, 'name', { value: libraryTest.name });
  return corrected;
}

const PROFILE_VALUES = ['csaf_security_incident_response', 'csaf_informational_advisory', 'csaf_security_advisory', 'csaf_vex'];
const normalise = (value: string) => value.replace(/[\s_-]+/g, '').toLowerCase();

export function correct_6_1_26(libraryTest: CsafDocumentTest): CsafDocumentTest {
  const corrected: CsafDocumentTest = async (doc) => {
    const result = await libraryTest(doc);
    const category = (doc as { document?: { category?: unknown } } | null)?.document?.category;
    if (typeof category !== 'string' || category === 'csaf_base' || PROFILE_VALUES.includes(category)) return result;
    if (!PROFILE_VALUES.map(normalise).includes(normalise(category))) return result;
    const errors: CsafMessage[] = [...(result.errors ?? []), { instancePath: '/document/category', message: 'value prohibited: it equals the value of a profile' }];
    return { ...result, isValid: false, errors };
  };
  Object.defineProperty(corrected, 'name', { value: libraryTest.name });
  return corrected;
}
