import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type HostFixes, fixRelationAt } from '../detection/hunt.js';
import type { Ioc } from '../detection/ioc-model.js';
import { DETECTION_COLUMNS } from '../store/event-schema.js';
import type { EventStore } from '../store/event-store.js';
import type { Scalar } from '../store/query-node.js';
import type { ArtefactFile, ArtefactFinding, ArtefactTree } from '../triage/artefact-model.js';
import { looksLikeBodyfile, overlayBodyfile, parseBodyfile } from '../triage/bodyfile.js';
import { appliancePath, runTriage } from '../triage/run-triage.js';
import type { AppContext } from './app-context.js';

/**
 * The collected trees in the evidence — each triage tarball, each added folder — as the triage
 * rules see them: appliance paths, the metadata the collection kept, content read from the vault
 * (read-only, by hash). A bodyfile (fls/dissect timeline) inside a collection adds MACB times and
 * modes, and lists files that were not copied.
 */

export interface CollectedTree {
  readonly container: string;
  readonly tree: ArtefactTree;
  /** Bodyfile lines that could not be read, with file and line; never silently dropped. */
  readonly problems: readonly string[];
}

const BODYFILE_NAME = /(^|\/)(bodyfile[^/]*|[^/]*\.body(\.txt)?)$/i;

/** `addedAfter` (ISO): only collections with a file added to the evidence after that moment. */
export async function collectedTrees(app: AppContext, options: { addedAfter?: string } = {}): Promise<CollectedTree[]> {
  const rows = await app.store.db
    .selectFrom('evidence_entry')
    .leftJoin('evidence_file', 'evidence_file.sha256', 'evidence_entry.sha256')
    .select(['evidence_entry.container_sha256', 'evidence_entry.path', 'evidence_entry.type', 'evidence_entry.sha256', 'evidence_entry.size', 'evidence_entry.mode', 'evidence_entry.owner', 'evidence_entry.mtime', 'evidence_file.vault_path', 'evidence_file.host', 'evidence_file.added_at'])
    .orderBy('evidence_entry.container_sha256')
    .orderBy('evidence_entry.path')
    .execute();
  const byContainer = new Map<string, typeof rows>();
  for (const row of rows) {
    const entries = byContainer.get(row.container_sha256);
    if (entries) entries.push(row);
    else byContainer.set(row.container_sha256, [row]);
  }
  const trees: CollectedTree[] = [];
  for (const [container, entries] of byContainer) {
    if (options.addedAfter !== undefined && !entries.some((e) => e.added_at !== null && e.added_at > options.addedAfter!)) continue;
    const files: ArtefactFile[] = [];
    const bodyfiles: { path: string; vault: string }[] = [];
    let host: string | null = null;
    for (const entry of entries) {
      if (entry.type !== 'file' || !entry.sha256 || !entry.vault_path) continue;
      host ??= entry.host;
      const vault = app.workspace.path(entry.vault_path);
      if (BODYFILE_NAME.test(entry.path)) bodyfiles.push({ path: entry.path, vault });
      const path = appliancePath(entry.path) ?? `/${entry.path.replace(/^\/+/, '')}`;
      files.push(
        Object.freeze({
          path,
          evidenceSha256: entry.sha256,
          size: Number(entry.size),
          mode: entry.mode === null ? null : Number(entry.mode),
          owner: entry.owner,
          mtime: entry.mtime ? new Date(entry.mtime) : null,
          birthtime: null,
          read: () => readFile(vault),
          stream: () => createReadStream(vault, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>,
        }),
      );
    }
    let tree: ArtefactTree = { host, files };
    const problems: string[] = [];
    for (const body of bodyfiles) {
      const bytes = await readFile(body.vault);
      if (!looksLikeBodyfile(bytes.subarray(0, 4096).toString('latin1'))) continue;
      const parsed = parseBodyfile(bytes);
      problems.push(...parsed.failures.map((f) => `${body.path}:${f.line}: ${f.reason}`));
      tree = overlayBodyfile(tree, parsed.entries);
    }
    trees.push({ container, tree, problems });
  }
  return trees;
}

export interface TriageReport {
  /** Collected trees (tarballs, folders) and the files in them. */
  readonly trees: number;
  readonly files: number;
  readonly rules: readonly string[];
  readonly findings: number;
  readonly errors: readonly { readonly tree: string; readonly rule: string; readonly reason: string }[];
  readonly problems: readonly string[];
}

/**
 * Runs R12–R20 over the collected trees (with `--since last`, those added since the previous hunt)
 * and stores the findings as detections of the hunt
 * (ruleset `triage`), with the file's hash, appliance path, line and byte offset as custody and the
 * rationale and excerpt as the message. Each finding is tagged BEFORE/AFTER its host's fix by the
 * file's time (usually its mtime).
 */
export async function triageHunt(
  app: AppContext,
  store: EventStore,
  huntId: string,
  input: { iocs: readonly Ioc[]; fixes: HostFixes; exposedSince: ReadonlyMap<string, number>; addedAfter?: string; notBefore?: number },
): Promise<TriageReport> {
  const trees = await collectedTrees(app, input.addedAfter === undefined ? {} : { addedAfter: input.addedAfter });
  const parsed = await app.store.db.selectFrom('evidence_parse').select('sha256').where('failures', '=', 0).where('read_error', 'is', null).where('events', '>', 0).execute();
  const sweepSkip = new Set(parsed.map((p) => p.sha256));
  const errors: { tree: string; rule: string; reason: string }[] = [];
  let findings = 0;
  let rules: readonly string[] = [];
  for (const { container, tree } of trees) {
    const host = tree.host;
    const fixedAt = host === null ? null : (input.fixes.get(host) ?? null);
    const since = host === null ? undefined : input.exposedSince.get(host);
    const run = await runTriage(tree, { iocs: input.iocs, installedAt: fixedAt === null ? null : new Date(fixedAt), exposedSince: since === undefined ? null : new Date(since), sweepSkip });
    rules = run.rules;
    errors.push(...run.errors.map((e) => ({ tree: container, ...e })));
    // A `--since <time>` run keeps what changed from then on (and findings without a time: states).
    const kept = input.notBefore === undefined ? run.findings : run.findings.filter((f) => f.time === null || f.time.getTime() >= input.notBefore!);
    const rows = kept.map((f) => detectionRow(huntId, f, host, fixRelationAt(input.fixes, host, f.time?.getTime() ?? null)));
    findings += rows.length > 0 ? await store.insertRows('detections', rows) : 0;
  }
  return { trees: trees.length, files: trees.reduce((n, t) => n + t.tree.files.length, 0), rules, findings, errors, problems: trees.flatMap((t) => t.problems) };
}

function detectionRow(huntId: string, f: ArtefactFinding, host: string | null, fixRelation: string): Scalar[] {
  const values: Record<string, Scalar> = {
    'weerbaar.hunt_id': huntId,
    'rule.id': f.ruleId,
    'rule.name': f.title,
    'rule.ruleset': 'triage',
    'weerbaar.level': f.verdict === 'COMPROMISE' ? 'high' : f.verdict === 'INFO' ? 'informational' : 'medium',
    'weerbaar.verdict': f.verdict,
    'weerbaar.confidence': f.confidence,
    'weerbaar.fix_relation': fixRelation,
    '@timestamp': f.time?.getTime() ?? null,
    'weerbaar.evidence_sha256': f.evidenceSha256,
    'log.file.path': f.path,
    'weerbaar.line': f.line,
    'log.offset': f.offset,
    'event.dataset': 'netscaler.triage',
    'event.action': f.ruleId,
    'host.name': host,
    'message': `${f.rationale}${f.excerpt ? ` | ${f.excerpt}` : ''}`,
  };
  return DETECTION_COLUMNS.map((c) => values[c.name] ?? null);
}
