import type { ArtefactFinding, ArtefactTree } from './artefact-model.js';
import { type TriageRuleMeta, artefactFinding } from './triage-finding.js';

/**
 * NS-R11 on the collected tree (NetScaler reference §7.5): packet-engine core dumps
 * (`/var/core/NSPPE*`, often gzipped) and anything in `/var/crash`. Memory-corruption exploits
 * (CVE-2025-6543) crash the packet engine, so a crash inside the exposure window is worth a look —
 * REVIEW, low; medium when it happened after the exposure start. Cores are also swept for IOCs
 * (NS-R17), which is where their content is read; this rule only places them in time.
 */
export const CRASH_RULE: TriageRuleMeta = Object.freeze({ id: 'NS-R11', title: 'Packet engine crash dump' });

const CRASH = /^\/var\/(core\/(\d+\/)?NSPPE[^/]*|crash\/[^/]+)$/;

export function findCrashDumps(tree: ArtefactTree, options: { exposedSince?: Date | null } = {}): Promise<ArtefactFinding[]> {
  const since = options.exposedSince ?? null;
  const findings = tree.files
    .filter((f) => CRASH.test(f.path))
    .map((f) => {
      const inWindow = since !== null && f.mtime !== null && f.mtime >= since;
      const when = f.mtime ? `written ${f.mtime.toISOString()}` : 'time unknown';
      return artefactFinding(CRASH_RULE, f, {
        verdict: 'REVIEW',
        confidence: inWindow ? 'medium' : 'low',
        rationale: `${f.path}: a packet-engine crash dump (${when}${inWindow ? ', after the exposure start' : since ? ', before the exposure start' : ''}); memory-corruption exploits crash NSPPE. Its content is swept for IOCs (NS-R17).`,
        offset: null,
        line: null,
        excerpt: '',
      });
    });
  return Promise.resolve(findings);
}
