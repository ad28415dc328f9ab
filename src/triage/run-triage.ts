import type { Ioc } from '../detection/ioc-model.js';
import type { ArtefactFinding, ArtefactTree } from './artefact-model.js';
import { findBootPersistence } from './boot-persistence-rule.js';
import { findCrashDumps } from './crash-rule.js';
import { findHttpdConfTampering } from './httpd-conf-rule.js';
import { sweepIocs } from './ioc-sweep-rule.js';
import { diffNsConf } from './nsconf-diff-rule.js';
import { detectPortalExfil } from './portal-js-rule.js';
import { findStagedData } from './staged-data-rule.js';
import { findSuidFiles } from './suid-rule.js';
import { detectTimestomp } from './timestomp-rule.js';
import { findWebshells } from './webshell-rule.js';

/**
 * The host-artefact rules R12–R20 (NetScaler reference §7.6), and NS-R11's crash dumps, over one
 * collected tree. Every rule
 * runs; a rule that fails (an unreadable file, a bug) is reported with its reason and the others
 * go on — a triage that silently lost a rule would read as "nothing found".
 */

export interface TriageOptions {
  /** Literal IOCs for the byte sweep (NS-R17); without them R17 does not run. */
  readonly iocs?: readonly Ioc[];
  /** When the running (fixed) build was installed: web-root files older than it are suspicious (R18). */
  readonly installedAt?: Date | null;
  /** Portal files changed after this moment (the exposure start) escalate (R19). */
  readonly exposedSince?: Date | null;
  /** Hosts portal pages may legitimately send to (CDN, IdP) (R19). */
  readonly allowHosts?: readonly string[];
  /**
   * Evidence hashes the byte sweep skips: logs parsed without a failed line, whose events the IOC
   * join already matched (sweeping them again would report every hit twice).
   */
  readonly sweepSkip?: ReadonlySet<string>;
}

export interface TriageRun {
  readonly findings: readonly ArtefactFinding[];
  /** Rule ids that ran. */
  readonly rules: readonly string[];
  readonly errors: readonly { readonly rule: string; readonly reason: string }[];
}

export const TRIAGE_RULE_IDS = ['NS-R11', 'NS-R12', 'NS-R13', 'NS-R14', 'NS-R15', 'NS-R16', 'NS-R17', 'NS-R18', 'NS-R19', 'NS-R20'] as const;

export async function runTriage(tree: ArtefactTree, options: TriageOptions = {}): Promise<TriageRun> {
  const rules: [string, () => Promise<ArtefactFinding[]>][] = [
    ['NS-R11', () => findCrashDumps(tree, { exposedSince: options.exposedSince ?? null })],
    ['NS-R12', () => findWebshells(tree)],
    ['NS-R13', () => findHttpdConfTampering(tree)],
    ['NS-R14', () => findBootPersistence(tree)],
    ['NS-R15', () => findSuidFiles(tree)],
    ['NS-R16', () => findStagedData(tree)],
    ...(options.iocs?.length ? [['NS-R17', () => sweepIocs(sweepTree(tree, options.sweepSkip), options.iocs ?? [])] as [string, () => Promise<ArtefactFinding[]>]] : []),
    ['NS-R18', () => detectTimestomp(tree, { installedAt: options.installedAt ?? null })],
    ['NS-R19', () => detectPortalExfil(tree, { since: options.exposedSince ?? null, allowHosts: options.allowHosts ?? [] })],
    ['NS-R20', () => diffNsConf(tree)],
  ];
  const findings: ArtefactFinding[] = [];
  const errors: { rule: string; reason: string }[] = [];
  for (const [rule, run] of rules) {
    try {
      findings.push(...(await run()));
    } catch (error) {
      errors.push({ rule, reason: (error as Error).message.split('\n')[0] ?? 'failed' });
    }
  }
  return { findings, rules: rules.map(([id]) => id), errors };
}

function sweepTree(tree: ArtefactTree, skip: ReadonlySet<string> | undefined): ArtefactTree {
  return skip?.size ? { host: tree.host, files: tree.files.filter((f) => f.evidenceSha256 === null || !skip.has(f.evidenceSha256)) } : tree;
}

/** Top-level folders of a NetScaler file system: where a collection's own path prefix ends. */
const APPLIANCE_TOP = new Set(['var', 'flash', 'nsconfig', 'netscaler', 'etc', 'tmp', 'bin', 'sbin', 'usr', 'vpn', 'root', 'home']);

/**
 * The appliance path of a collected entry: collectors pack `var/log/ns.log`, or put the tree under
 * a folder of their own (`ns-gw-01/var/log/ns.log`, `./collect/flash/nsconfig/ns.conf`). The path
 * starts at the first segment that is a NetScaler top-level folder; null when none is.
 */
export function appliancePath(entryPath: string): string | null {
  const segments = entryPath.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
  const start = segments.findIndex((s) => APPLIANCE_TOP.has(s));
  return start < 0 ? null : `/${segments.slice(start).join('/')}`;
}
