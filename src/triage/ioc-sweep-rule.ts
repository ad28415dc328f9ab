import type { Confidence } from '../detection/detection-rule.js';
import { clip, type Ioc, type IocType } from '../detection/ioc-model.js';
import { AhoCorasick } from './aho-corasick.js';
import { FileSweep, type Boundary, type CompiledIocs, type Target } from './ioc-byte-scan.js';
import { openContent } from './artefact-content.js';
import type { ArtefactFile, ArtefactFinding, ArtefactTree } from './artefact-model.js';
import { artefactFinding, type TriageRuleMeta } from './triage-finding.js';

/**
 * R17 — IOC sweep (reference §7.6): every collected file, binaries and core dumps included, is
 * scanned as bytes (never decoded as text, the pitfall of the NCSC image checker, §10) for the
 * literal IOC values, with offsets and context either side as in the NCSC core-dump checker.
 * The content streams in chunks through two Aho–Corasick automata (case-insensitive for domains,
 * e-mail addresses and hex values; exact for URLs, user agents and IPv4) whose state carries
 * across chunk borders; a window of context + longest pattern is kept for excerpts and boundary
 * checks, so memory stays bounded whatever the file size. Gzip content (NSPPE cores, rotations)
 * is swept after decompression; offsets then refer to the decompressed bytes.
 */

export const IOC_SWEEP_RULE: TriageRuleMeta = Object.freeze({ id: 'NS-R17', title: 'IOC found in collected file' });

export interface IocSweepOptions {
  /** Context bytes either side of a hit; default 4096 (NCSC core-dump output), at most MAX_CONTEXT_BYTES. */
  readonly contextBytes?: number;
  /**
   * Characters of escaped context either side in one excerpt (default 4096): printable text keeps
   * its full 4 KiB, binary context (4 characters per escaped byte) is cut to about 1 KiB, so one
   * finding stays under ~9 KiB.
   */
  readonly excerptCharsPerSide?: number;
  /** Findings reported per (file, IOC); the rest are counted in the rationale. Default 100. */
  readonly maxFindingsPerIoc?: number;
  /** Bytes fed per step (default 1 MiB); tests use a few bytes to force matches across borders. */
  readonly chunkSize?: number;
  /** Sweep gzip content after decompression (default true). */
  readonly gunzip?: boolean;
}

export const MAX_CONTEXT_BYTES = 64 * 1024;

export function confidenceOf(ioc: Ioc): Confidence {
  if (ioc.confidence === null) return 'medium';
  return ioc.confidence >= 75 ? 'high' : ioc.confidence >= 40 ? 'medium' : 'low';
}

const SWEPT: Readonly<Partial<Record<IocType, { ci: boolean; boundary: Boundary }>>> = {
  ipv4: { ci: false, boundary: 'ipv4' },
  ipv6: { ci: true, boundary: 'ipv6' },
  domain: { ci: true, boundary: 'domain' },
  email: { ci: true, boundary: 'email' },
  url: { ci: false, boundary: 'none' },
  'user-agent': { ci: false, boundary: 'none' },
  // Hex digests are matched case-insensitively (hex has no case) and never inside a longer hex run,
  // so an MD5 IOC does not hit inside an unrelated SHA-256.
  md5: { ci: true, boundary: 'hex' },
  sha1: { ci: true, boundary: 'hex' },
  sha256: { ci: true, boundary: 'hex' },
  sha512: { ci: true, boundary: 'hex' },
};

function compile(iocs: readonly Ioc[]): CompiledIocs {
  const groups = [new Map<string, Target[]>(), new Map<string, Target[]>()];
  const sha256 = new Map<string, number[]>();
  const notSwept = new Map<IocType, number>();
  iocs.forEach((ioc, index) => {
    const how = SWEPT[ioc.type];
    if (!how) {
      notSwept.set(ioc.type, (notSwept.get(ioc.type) ?? 0) + 1);
      return;
    }
    if (ioc.type === 'sha256') {
      const hash = ioc.value.toLowerCase();
      const known = sha256.get(hash);
      if (known) known.push(index);
      else sha256.set(hash, [index]);
    }
    // `*.example.com` (a normalised wildcard domain) matches any name ending in `.example.com`.
    const wildcard = ioc.type === 'domain' && ioc.value.startsWith('*.');
    const value = wildcard ? ioc.value.slice(1) : ioc.value;
    const key = how.ci ? value.toLowerCase() : value;
    const group = groups[how.ci ? 1 : 0] as Map<string, Target[]>;
    const list = group.get(key) ?? [];
    list.push({ ioc: index, boundary: wildcard ? 'wildcard-domain' : how.boundary });
    group.set(key, list);
  });
  const automata = groups.map((group, i) => new AhoCorasick([...group.keys()].map((k) => Buffer.from(k, 'utf8')), { caseInsensitive: i === 1 }));
  return { automata, targets: groups.map((group) => [...group.values()]), sha256, notSwept };
}

function describe(ioc: Ioc): string {
  const where = `${ioc.source.file}${ioc.source.id ? ` #${ioc.source.id}` : ''}${ioc.source.line !== undefined ? ` line ${ioc.source.line}` : ''}`;
  return `IOC ${ioc.type} "${clip(ioc.value)}" from ${where}${ioc.description ? ` (${clip(ioc.description)})` : ''}`;
}

function finding(file: ArtefactFile, ioc: Ioc, fields: { rationale: string; offset: number | null; line: number | null; excerpt: string }): ArtefactFinding {
  return artefactFinding(IOC_SWEEP_RULE, file, { verdict: 'COMPROMISE', confidence: confidenceOf(ioc), ...fields });
}

async function sweepFile(file: ArtefactFile, iocs: readonly Ioc[], compiled: CompiledIocs, options: Required<IocSweepOptions>): Promise<ArtefactFinding[]> {
  const findings: ArtefactFinding[] = [];
  for (const index of compiled.sha256.get(file.evidenceSha256?.toLowerCase() ?? '') ?? []) {
    const ioc = iocs[index] as Ioc;
    findings.push(finding(file, ioc, { rationale: `the file's SHA-256 is ${describe(ioc)}`, offset: null, line: null, excerpt: `sha256 ${file.evidenceSha256}` }));
  }
  const opened = await openContent(file, { chunkSize: options.chunkSize, gunzip: options.gunzip });
  if (!opened) return findings;
  const sweep = new FileSweep(compiled, Math.min(options.contextBytes, MAX_CONTEXT_BYTES), options.excerptCharsPerSide, options.maxFindingsPerIoc);
  let swept = 0;
  let failure: string | null = null;
  try {
    for await (const chunk of opened.chunks) {
      sweep.feed(chunk);
      swept += chunk.length;
    }
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  }
  sweep.finish();
  const where = opened.gunzipped ? ' of the gunzipped content' : '';
  for (const [index, hits] of sweep.reported) {
    const ioc = iocs[index] as Ioc;
    const total = sweep.counts.get(index) ?? hits.length;
    const more = total > hits.length ? `; ${total} occurrences in this file, the first ${hits.length} are reported and ${total - hits.length} more are not listed` : '';
    for (const hit of hits) {
      findings.push(finding(file, ioc, { rationale: `${describe(ioc)} occurs at byte ${hit.offset}${where}${more}`, offset: hit.offset, line: hit.line, excerpt: hit.excerpt }));
    }
  }
  if (failure !== null) {
    findings.push(
      artefactFinding(IOC_SWEEP_RULE, file, {
        title: 'IOC sweep incomplete',
        verdict: 'REVIEW',
        confidence: 'low',
        rationale: `content could not be read to the end (${failure}); only the first ${swept} bytes${where} were swept for IOCs`,
        offset: swept,
        line: null,
        excerpt: '',
      }),
    );
  }
  return findings;
}

/**
 * Sweeps every file of `tree` for the IOCs (R17). Returns one COMPROMISE finding per occurrence
 * (up to `maxFindingsPerIoc` per file and IOC, the rest counted), plus an INFO finding naming the
 * IOC types that a byte sweep cannot match (CIDR ranges, file names) so nothing is dropped silently.
 */
export async function sweepIocs(tree: ArtefactTree, iocs: readonly Ioc[], options: IocSweepOptions = {}): Promise<ArtefactFinding[]> {
  const settings: Required<IocSweepOptions> = {
    contextBytes: Math.max(0, options.contextBytes ?? 4096),
    excerptCharsPerSide: Math.max(0, options.excerptCharsPerSide ?? 4096),
    maxFindingsPerIoc: Math.max(1, options.maxFindingsPerIoc ?? 100),
    chunkSize: Math.max(1, options.chunkSize ?? 1 << 20),
    gunzip: options.gunzip ?? true,
  };
  const compiled = compile(iocs);
  const findings: ArtefactFinding[] = [];
  for (const file of tree.files) findings.push(...(await sweepFile(file, iocs, compiled, settings)));
  // Metadata-only entries (bodyfile paths that were not collected) have no content and no custody hash.
  const notCollected = tree.files.filter((f) => f.evidenceSha256 === null).length;
  if (compiled.notSwept.size > 0 || notCollected > 0) {
    const types = [...compiled.notSwept].map(([type, n]) => `${n} ${type}`).join(', ');
    const parts = [types ? `IOCs not matchable in file bytes were not swept: ${types}` : '', notCollected ? `${notCollected} listed files have no collected content and were not swept` : ''];
    findings.push(
      artefactFinding(
        IOC_SWEEP_RULE,
        { path: '/', evidenceSha256: null, mtime: null },
        { title: 'IOC sweep coverage', verdict: 'INFO', confidence: 'high', rationale: parts.filter(Boolean).join('; '), offset: null, line: null, excerpt: '' },
      ),
    );
  }
  return findings;
}
