import type { Command } from 'commander';
import { DEFAULT_DEMO_DIR, DEFAULT_SEED, type DemoReport, runDemo } from '../../app/demo-service.js';
import { UsageError } from '../../shared/errors.js';
import { ExitCode } from '../../shared/exit-codes.js';
import { type CliIo, formatTable, printJson, printLines } from '../cli-io.js';
import type { ActionRunner, GlobalOptions } from '../command-support.js';
import { coverageLines } from '../coverage-lines.js';
import { checkLines } from './backup-commands.js';
import { clockLines } from './clock-commands.js';
import { exposureLines } from './exposure-commands.js';
import type { IngestProgress } from '../../ingest/ingest-evidence.js';

export function registerDemoCommand(program: Command, io: CliIo, run: ActionRunner): void {
  program
    .command('demo')
    .description('build the seeded demo workspace (Example Prosecution Service) and print its summary')
    .option('--out <dir>', 'where to build it (an earlier demo there is replaced)', DEFAULT_DEMO_DIR)
    .option('--seed <n>', 'scenario seed', String(DEFAULT_SEED))
    .option('--scale <n>', 'log volume: 1 ≈ 60 MB of generated logs (the default), 40 ≈ 2.5 GB for benchmarks', '1')
    .option('--json', 'print the report as JSON')
    .action(function (this: Command) {
      return run(async () => {
        const options = this.opts<{ out: string; seed: string; scale: string; json?: boolean }>();
        if (!/^\d{1,10}$/.test(options.seed)) throw new UsageError('--seed must be a whole number');
        const scale = Number(options.scale);
        if (!Number.isInteger(scale) || scale < 1 || scale > 1000) throw new UsageError('--scale must be a whole number from 1 to 1000');
        const globals = this.optsWithGlobals<GlobalOptions>();
        const onProgress = io.interactive ? (p: IngestProgress) => io.stderr(`\rparsing evidence: ${p.filesDone}/${p.files} files, ${(p.bytesRead / 1e6).toFixed(0)} MB`) : undefined;
        const report = await runDemo({ out: options.out, seed: Number(options.seed), actor: globals.actor, scale, ...(onProgress ? { onProgress } : {}) }, { env: io.env, cwd: io.cwd });
        if (onProgress) io.stderr('\n');
        if (options.json) printJson(io, report);
        else printLines(io, summary(report));
        return report.ok ? ExitCode.OK : ExitCode.VERIFICATION_FAILED;
      })();
    });
}

function abbreviate(ids: readonly string[], shown = 6): string {
  return ids.length <= shown ? ids.join(', ') : `${ids.slice(0, shown).join(', ')} and ${ids.length - shown} more`;
}

function summary(report: DemoReport): string[] {
  const { inventory } = report;
  const byKind = new Map<string, number>();
  for (const asset of inventory.assets) byKind.set(asset.kind, (byKind.get(asset.kind) ?? 0) + 1);
  const sensitive = inventory.data_categories.filter((c) => c.sensitivity === 'secret' || c.sensitivity === 'confidential');
  const lines = [
    `Weerbaar demo — ${report.organisation} (fictional; seed ${report.seed})`,
    `Workspace ${report.workspace}`,
    `Case store ${report.caseStore}`,
    '',
    `Inventory: ${inventory.assets.length} assets, ${inventory.data_categories.length} data categories, ${inventory.partners.length} partners, ${inventory.interfaces.length} interfaces`,
    `  imported from ${report.imported.files.map((f) => `${f.file.split('/').pop()} (${f.format}, ${f.items})`).join(', ')}`,
    `  by kind: ${[...byKind].sort((a, b) => b[1] - a[1]).map(([kind, n]) => `${kind} ${n}`).join(', ')}`,
    '',
    'Internet-facing:',
    ...formatTable(
      ['ASSET', 'PRODUCT', 'VERSION', 'CRITICALITY'],
      inventory.assets.filter((a) => a.internet_facing).map((a) => [a.id, [a.vendor, a.product].filter(Boolean).join(' '), a.version ?? '-', a.criticality]),
    ).map((l) => `  ${l}`),
    '',
    'Sensitive data and the systems that hold it:',
    ...formatTable(
      ['CATEGORY', 'SENSITIVITY', 'HELD BY'],
      sensitive.map((c) => [c.id, c.sensitivity, abbreviate(inventory.assets.filter((a) => a.data_categories.includes(c.id)).map((a) => a.id))]),
    ).map((l) => `  ${l}`),
    '',
    'Chain partners:',
    ...formatTable(
      ['PARTNER', 'KIND', 'TLP MAX', 'INTERFACES'],
      inventory.partners.map((p) => [p.id, p.kind, p.tlp_max, inventory.interfaces.filter((i) => i.partner === p.id).map((i) => `${i.asset} (${i.direction})`).join(', ')]),
    ).map((l) => `  ${l}`),
    '',
    'Advisories (modelled on the 2025 NetScaler bulletins):',
    ...report.advisoryImports.map(
      (a) =>
        `  ${a.file.split('/').pop()}: ${a.imported.map((r) => `${r.advisoryId.split('#').pop()} v${r.version}`).join(', ') || 'nothing new'}` +
        (a.rejected.length > 0 ? `, ${a.rejected.length} rejected` : '') +
        (a.findings ? ` — findings ${a.findings.created} new, ${a.findings.updated} changed, ${a.findings.refreshed} refreshed` : ''),
    ),
    '',
    `Change records: ${report.patches.records} from ${report.patches.file.split('/').pop()}`,
    ...report.patches.versionChanges.map((c) => `  ${c.asset}: ${c.from ?? '-'} → ${c.to ?? '-'}`),
    `  findings ${report.patches.findings.updated} changed`,
    '',
    'Findings (exposure window: from the first vulnerable moment the history shows, "≤" = at the latest):',
    ...formatTable(
      ['ASSET', 'VULNERABILITY', 'STATUS', 'CVSS', 'EXPLOITED', 'FIX AVAILABLE', 'EXPOSED FROM', 'UNTIL', 'PATCH SLA'],
      report.findings.map((f) => [
        f.asset,
        f.vulnerability,
        f.status,
        f.cvss?.toFixed(1) ?? '-',
        f.exploitation.length > 0 ? 'yes' : 'not reported',
        f.remediations.find((r) => r.category === 'vendor_fix')?.date?.slice(0, 10) ?? '-',
        f.window.start ? `${f.window.startIsLowerBound ? '≤ ' : ''}${f.window.start.slice(0, 10)}` : '-',
        f.window.end ? `${f.window.end.slice(0, 16).replace('T', ' ')} UTC (${f.window.endReason ?? ''})` : f.window.start ? 'open' : '-',
        f.sla.verdict === 'not_applicable' ? '-' : f.sla.verdict === 'excepted' ? `excepted: ${f.sla.reason}` : `${f.sla.verdict} (${f.sla.rule}: ${f.sla.summary})`,
      ]),
    ).map((l) => `  ${l}`),
    '',
    `Evidence: ${report.evidence.generated.files} log files generated (${(report.evidence.generated.bytes / 1e6).toFixed(0)} MB, scale ${report.evidence.generated.scale}), ` +
      `${report.evidence.added} files in custody (two gateway triage tarballs, application audits, proxy flows), ${report.evidence.events} events, ${report.evidence.failures} lines not parsed`,
    'Log coverage per source:',
    ...coverageLines(report.evidence.coverage).map((l) => `  ${l}`),
    '',
    'Hunt (built-in NetScaler log rules, triage rules over the collected trees):',
    ...formatTable(
      ['RULE', 'VERDICT', 'HITS', 'BEFORE FIX', 'AFTER FIX', 'FIRST (UTC)', 'LAST (UTC)', 'TITLE'],
      report.evidence.hunt.summary.map((r) => [r.ruleId, r.verdict, String(r.hits), String(r.beforeFix), String(r.afterFix), r.first?.slice(0, 19) ?? '-', r.last?.slice(0, 19) ?? '-', r.title]),
    ).map((l) => `  ${l}`),
    '',
    'Attacker footprint:',
    ...formatTable(
      ['KIND', 'VALUE', 'VIA', 'FIRST (UTC)', 'LAST (UTC)', 'EVENTS'],
      report.evidence.footprint.entities.map((e) => [e.kind, e.value, e.via, e.first?.slice(0, 19) ?? '-', e.last?.slice(0, 19) ?? '-', String(e.events)]),
    ).map((l) => `  ${l}`),
    attributionLine(report.evidence.attribution),
    ...report.evidence.attribution.notJudged.map((n) => `  not judged here: ${n.lines} ${n.kind} lines (${n.reason})`),
    '',
    'Exposure (weerbaar exposure): which sensitive data was touched, and how far that can be known',
    ...exposureLines(report.evidence.exposure.report).map((l) => `  ${l}`),
    `  records through the footprint: ${report.evidence.exposure.accesses.correct} of ${report.evidence.exposure.accesses.truth} planted reads found, ` +
      `${report.evidence.exposure.accesses.attributed} attributed; ${report.evidence.exposure.accesses.ambiguous} accesses ambiguous (the owner's browser through the hijacked address: listed, not counted)`,
    '',
    'Were data manipulated? (weerbaar integrity manipulated, against the document store\'s baseline of 20 June):',
    ...report.evidence.integrity.report.answers.flatMap((a) => [
      `  ${a.source}: ${a.verdict}${a.baseline ? ` — ${a.baseline.entries} entries in the baseline` : ''}`,
      ...a.changes.map((c) => `    ${c.kind.padEnd(12)} ${c.path}${c.fields.length ? `  (${c.fields.join(', ')})` : ''}`),
    ]),
    '',
    'Are the backups of case files secured? (weerbaar backups verify):',
    ...report.evidence.integrity.backups.flatMap((b) => checkLines(b)).map((l) => `  ${l}`),
    '',
    'Regulatory clocks (weerbaar clocks):',
    ...clockLines(report.evidence.exposure.clocks).map((l) => `  ${l}`),
    '',
    'Key moments (UTC):',
    ...report.evidence.moments.map((m) => `  ${m.entry.datetime.slice(0, 19).replace('T', ' ')}  ${m.label}: ${m.entry.message.slice(0, 110)}`),
    '',
    `Audit log: ${report.audit.entries} entries, signed checkpoint at #${report.checkpoint.treeSize} (root ${report.checkpoint.rootHash.slice(0, 16)}…), ` +
      (report.audit.ok ? 'verified' : `FAILED at entry #${report.audit.firstBadSeq ?? '?'}`),
    '',
    `Ground truth: ${report.checks.filter((c) => c.ok).length} of ${report.checks.length} checks agree`,
    ...report.checks.filter((c) => !c.ok).map((c) => `  MISMATCH ${c.what}: expected ${JSON.stringify(c.expected)}, found ${JSON.stringify(c.found)}`),
    '',
    'Try:',
    `  weerbaar -w ${report.workspace} inventory show ${inventory.assets.find((a) => a.internet_facing)?.id ?? 'ID'}`,
    `  weerbaar -w ${report.workspace} findings`,
    `  weerbaar -w ${report.workspace} audit log`,
    `  weerbaar -w ${report.workspace} evidence coverage`,
    `  weerbaar -w ${report.workspace} hunt`,
    `  weerbaar -w ${report.workspace} audit verify`,
  ];
  return lines;
}

function attributionLine(a: DemoReport['evidence']['attribution']): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return (
    `Attribution, line by line against the attack's ground truth: ${a.correct} of ${a.truth} attacker lines found (recall ${pct(a.recall)}), ` +
    `${a.correct} of ${a.attributed} attributed lines are the attacker's (precision ${pct(a.precision)})` +
    (a.missed.length > 0 ? `; missed e.g. ${a.missed.join(', ')}` : '') +
    (a.extra.length > 0 ? `; wrongly attributed e.g. ${a.extra.join(', ')}` : '')
  );
}
