import type { Kysely } from 'kysely';
import type { CaseDatabase } from '../store/case-schema.js';
import { WeerbaarError } from '../shared/errors.js';
import { formatPath } from '../shared/structured-source.js';

/**
 * The differences between two revisions of an advisory, path by path (added, removed, changed), and
 * whether any of them touches what matching depends on — the product tree, product statuses or
 * remediations — so a reader sees at once whether a revision can change a finding (CSAF's SemVer
 * rule 7 asks publishers to bump the major version then; not all do).
 */

export interface DiffEntry {
  readonly path: string;
  readonly change: 'added' | 'removed' | 'changed';
  readonly from?: unknown;
  readonly to?: unknown;
}

export interface RevisionDiff {
  readonly advisory: string;
  readonly from: { version: string; sha256: string; released: string };
  readonly to: { version: string; sha256: string; released: string };
  readonly entries: readonly DiffEntry[];
  /** True when the product tree, a product status or a remediation changed. */
  readonly affectsMatching: boolean;
}

/** Depth-first structural diff; arrays compare by position (CSAF lists are ordered documents). */
export function diffJson(before: unknown, after: unknown, path: (string | number)[] = [], out: DiffEntry[] = []): DiffEntry[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return out;
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (Array.isArray(before) && Array.isArray(after)) {
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      if (i >= before.length) out.push({ path: formatPath([...path, i]), change: 'added', to: after[i] });
      else if (i >= after.length) out.push({ path: formatPath([...path, i]), change: 'removed', from: before[i] });
      else diffJson(before[i], after[i], [...path, i], out);
    }
  } else if (isObject(before) && isObject(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      if (!(key in after)) out.push({ path: formatPath([...path, key]), change: 'removed', from: before[key] });
      else if (!(key in before)) out.push({ path: formatPath([...path, key]), change: 'added', to: after[key] });
      else diffJson(before[key], after[key], [...path, key], out);
    }
  } else {
    out.push({ path: formatPath(path), change: 'changed', from: before, to: after });
  }
  return out;
}

const MATCHING_PATHS = /^(product_tree|vulnerabilities\[\d+\]\.(product_status|remediations))/;

export async function diffRevisions(db: Kysely<CaseDatabase>, advisoryId: string, fromVersion?: string, toVersion?: string): Promise<RevisionDiff> {
  const revisions = await db.selectFrom('advisory_revision').selectAll().where('advisory_id', '=', advisoryId).execute();
  revisions.sort((a, b) => Date.parse(a.current_release_date) - Date.parse(b.current_release_date) || a.received_at.localeCompare(b.received_at));
  if (revisions.length < 2 && (fromVersion === undefined || toVersion === undefined)) {
    throw new WeerbaarError('USAGE', `${advisoryId} has ${revisions.length} revision${revisions.length === 1 ? '' : 's'}; nothing to compare`);
  }
  const pick = (version: string | undefined, fallback: (typeof revisions)[number] | undefined) => {
    const revision = version === undefined ? fallback : [...revisions].reverse().find((r) => r.version === version);
    if (!revision) throw new WeerbaarError('NOT_FOUND', `${advisoryId} has no revision ${version ?? ''}; it has ${revisions.map((r) => r.version).join(', ')}`);
    return revision;
  };
  const to = pick(toVersion, revisions[revisions.length - 1]);
  const from = pick(fromVersion, revisions[revisions.indexOf(to) - 1] ?? revisions[0]);
  const entries = diffJson(JSON.parse(from.document) as unknown, JSON.parse(to.document) as unknown);
  const describe = (r: typeof from) => ({ version: r.version, sha256: r.sha256, released: r.current_release_date });
  return { advisory: advisoryId, from: describe(from), to: describe(to), entries, affectsMatching: entries.some((e) => MATCHING_PATHS.test(e.path)) };
}
