import { excerptAt, hexSafeText, lineOf, SCAN_LIMIT } from './artefact-content.js';
import type { ArtefactFile, ArtefactFinding } from './artefact-model.js';

/**
 * Finding construction shared by the host-artefact rules R12–R20: every rule names itself with a
 * `TriageRuleMeta` and builds its findings here, so custody (path, evidence hash) and time are
 * filled in the same way everywhere and every finding is frozen.
 */

export interface TriageRuleMeta {
  readonly id: string;
  readonly title: string;
}

/** What a finding is about: a collected file, or for tree-wide findings a folder with no custody. */
export type FindingSubject = Pick<ArtefactFile, 'path' | 'evidenceSha256' | 'mtime'>;

/** What a finding says: the verdict and why. */
type Judgement = Pick<ArtefactFinding, 'verdict' | 'confidence' | 'rationale'>;

/** Everything of a finding that is not the rule's or the subject's own; `excerpt` is already hex-safe. */
export interface FindingBody extends Judgement, Pick<ArtefactFinding, 'offset' | 'line' | 'excerpt'> {
  /** Default: the subject's mtime. */
  readonly time?: Date | null;
  /** Default: the rule's title (a rule's side findings — coverage, bursts — carry their own). */
  readonly title?: string;
}

export function artefactFinding(rule: TriageRuleMeta, subject: FindingSubject, body: FindingBody): ArtefactFinding {
  return Object.freeze({
    ruleId: rule.id,
    title: body.title ?? rule.title,
    verdict: body.verdict,
    confidence: body.confidence,
    rationale: body.rationale,
    path: subject.path,
    evidenceSha256: subject.evidenceSha256,
    offset: body.offset,
    line: body.line,
    time: body.time === undefined ? subject.mtime : body.time,
    excerpt: body.excerpt,
  });
}

export interface FindingFields extends Judgement {
  /** The hit in the content, when there is one: offset, line and excerpt are derived from it (`line: null` for binary content). */
  readonly hit?: { readonly bytes: Uint8Array; readonly offset: number; readonly line?: number | null };
  /** Excerpt for findings without a content hit (metadata, paths); hex-escaped here. */
  readonly excerpt?: string;
}

/** A finding located by a content hit (offset, line and excerpt derived from it) or, without one, by its path. */
export function findingFor(rule: TriageRuleMeta, file: ArtefactFile, fields: FindingFields): ArtefactFinding {
  const { hit } = fields;
  return artefactFinding(rule, file, {
    verdict: fields.verdict,
    confidence: fields.confidence,
    rationale: fields.rationale,
    offset: hit ? hit.offset : null,
    line: hit ? (hit.line === undefined ? lineOf(hit.bytes, hit.offset) : hit.line) : null,
    excerpt: hit ? excerptAt(hit.bytes, hit.offset) : hexSafeText(fields.excerpt ?? file.path),
  });
}

/** The rule saw only the first SCAN_LIMIT bytes: say so rather than silently pass the rest. */
export function tooLargeFinding(rule: TriageRuleMeta, file: ArtefactFile): ArtefactFinding {
  return findingFor(rule, file, {
    verdict: 'REVIEW',
    confidence: 'low',
    rationale: `too large to scan fully: ${file.size} bytes, only the first ${SCAN_LIMIT} were matched; review the rest by hand`,
  });
}

/** A rule read only part of a file (its reason in `rationale`): a low-confidence REVIEW with no location. */
export function partialReadFinding(rule: TriageRuleMeta, file: ArtefactFile, rationale: string): ArtefactFinding {
  return artefactFinding(rule, file, { verdict: 'REVIEW', confidence: 'low', rationale, offset: null, line: null, excerpt: '' });
}
