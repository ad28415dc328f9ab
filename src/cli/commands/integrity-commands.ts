import { resolve } from 'node:path';
import type { Command } from 'commander';
import { checkProof, findManifest, listManifests, proveEntry, snapshot, verifyTree } from '../../app/integrity-service.js';
import { manipulationReport, registerBaseline } from '../../app/manipulation-service.js';
import { VerificationError } from '../../shared/errors.js';
import { readTextFile } from '../../shared/text-input.js';
import type { ScanProgress } from '../../integrity/file-tree-scan.js';
import { type CliIo, formatTable, printJson, printLines } from '../cli-io.js';
import type { ActionRunner } from '../command-support.js';
import { withApp } from './with-app.js';

const MB = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** A source argument against the command's folder: a URL as given, `sqlite:PATH` and plain paths resolved. */
function sourceArg(io: CliIo, source: string): string {
  if (/^postgres(ql)?:\/\//i.test(source)) return source;
  if (/^sqlite:/i.test(source)) return `sqlite:${resolve(io.cwd, source.slice('sqlite:'.length))}`;
  return resolve(io.cwd, source);
}

export function registerIntegrityCommands(program: Command, io: CliIo, run: ActionRunner): void {
  const group = program.command('integrity').description('signed Merkle manifests of file trees and of records, exactly what changed since, and proofs');
  const progress = (verb: string) => (io.interactive ? (p: ScanProgress) => io.stderr(`\r${verb}: ${p.entries} entries, ${p.files} files, ${MB(p.bytes)} hashed, ${p.errors} unreadable`) : undefined);
  group
    .command('snapshot')
    .description('record every entry of a tree (path, type, size, mode, owner, mtime, SHA-256; symlinks not followed; unreadable entries as errors) in a signed manifest')
    .argument('<path>', 'the folder')
    .option('--name <name>', 'the manifest name (default: the folder name); later snapshots of a name are kept too')
    .option('--json', 'print as JSON')
    .action(function (this: Command, path: string) {
      return run(async () => {
        const o = this.opts<{ name?: string; json?: boolean }>();
        const onProgress = progress('hashing');
        const m = await withApp(this, io, (app) => snapshot(app, resolve(io.cwd, path), { ...(o.name ? { name: o.name } : {}), ...(onProgress ? { onProgress } : {}) }));
        if (onProgress) io.stderr('\n');
        if (o.json) return printJson(io, m);
        printLines(io, [`manifest ${m.name} (${m.id}): ${m.entries} entries, ${m.files} files, ${MB(m.bytes)}, ${m.errors} unreadable; root ${m.rootHash}, signed`]);
      })();
    });
  group
    .command('records')
    .description('record every row of a table or an export (CSV, JSONL, a SQLite or PostgreSQL table, read-only) by its primary key in a signed manifest: the SHA-256 of each row and a digest per column, never the values')
    .argument('<source>', 'a .csv or .jsonl file, sqlite:FILE (or a .sqlite/.db file), or a postgresql:// URL (password from PGPASSWORD or ~/.pgpass, not the URL)')
    .requiredOption('--key <columns>', 'the primary key column(s), comma-separated')
    .option('--table <name>', 'the table (or schema.table) of a database')
    .option('--name <name>', 'the manifest name (default: the table or file name)')
    .option('--json', 'print as JSON')
    .action(function (this: Command, source: string) {
      return run(async () => {
        const o = this.opts<{ key: string; table?: string; name?: string; json?: boolean }>();
        const { snapshotRecords } = await import('../../app/record-integrity-service.js');
        const onProgress = io.interactive ? (rows: number) => io.stderr(`\rreading: ${rows} rows`) : undefined;
        const m = await withApp(this, io, (app) => snapshotRecords(app, sourceArg(io, source), { key: o.key, ...(o.table ? { table: o.table } : {}), ...(o.name ? { name: o.name } : {}), ...(onProgress ? { onProgress } : {}) }));
        if (onProgress) io.stderr('\n');
        if (o.json) return printJson(io, m);
        printLines(io, [`manifest ${m.name} (${m.id}): ${m.entries} rows of ${m.source}; root ${m.rootHash}, signed`]);
      })();
    });
  group
    .command('verify')
    .description('compare a tree or a table with a manifest: added, deleted, modified (and, for trees, metadata-changed and unverifiable) entries; the manifest is proven first: signature, header and root (exit 4 when it is not)')
    .argument('[source]', 'the folder, or the record source, as it is now (default: where the manifest was taken)')
    .requiredOption('--against <name>', 'the manifest (name: its latest snapshot; or its id)')
    .option('--table <name>', 'for records: the table of a database given as source')
    .option('--json', 'print as JSON')
    .action(function (this: Command, source: string | undefined) {
      return run(async () => {
        const o = this.opts<{ against: string; table?: string; json?: boolean }>();
        const onProgress = progress('verifying');
        const where = source === undefined ? undefined : sourceArg(io, source);
        const lines = await withApp(this, io, async (app) => {
          const manifest = await findManifest(app, o.against);
          if (manifest.kind === 'records') {
            const { verifyRecords } = await import('../../app/record-integrity-service.js');
            const report = await verifyRecords(app, o.against, { ...(where ? { source: where } : {}), ...(o.table ? { table: o.table } : {}) });
            if (o.json) return printJson(io, report);
            const c = report.counts;
            return [
              ...report.changes.map((ch) => `${ch.kind.padEnd(9)} key ${JSON.stringify(ch.key)}${ch.fields.length ? `  (${ch.fields.join(', ')})` : ''}`),
              `manifest ${report.manifest.name} of ${report.manifest.createdAt.slice(0, 19)} proven (signature, header and root) against ${report.source}: ${c.added} added, ${c.deleted} deleted, ${c.modified} modified`,
            ];
          }
          const report = await verifyTree(app, where ?? manifest.source, o.against, onProgress ? { onProgress } : {});
          if (onProgress) io.stderr('\n');
          if (o.json) return printJson(io, report);
          const c = report.counts;
          return [
            ...report.changes.map((ch) => `${ch.kind.padEnd(12)} ${ch.path}${ch.fields.length ? `  (${ch.fields.join(', ')})` : ''}`),
            `manifest ${report.manifest.name} of ${report.manifest.createdAt.slice(0, 19)} proven (signature and root); ${c.added} added, ${c.deleted} deleted, ${c.modified} modified, ${c.metadata} metadata changed, ${c.unverifiable} unverifiable`,
          ];
        });
        if (lines) printLines(io, lines);
      })();
    });
  group
    .command('consistency')
    .description('a consistency proof (JSON) that a later manifest of an append-only source extends an earlier one: same first entries, nothing changed or removed; exit 4 naming the first entry that differs when it does not')
    .argument('<earlier>', 'the earlier manifest (name or id)')
    .argument('<later>', 'the later manifest (name or id)')
    .action(function (this: Command, earlier: string, later: string) {
      return run(async () => {
        const { proveConsistency } = await import('../../app/consistency-proof-service.js');
        printJson(io, await withApp(this, io, (app) => proveConsistency(app, earlier, later)));
      })();
    });
  group
    .command('prove')
    .description('an inclusion proof that one entry or row, exactly as recorded, is in a signed manifest (JSON, checkable without the tree or table)')
    .argument('<name>', 'the manifest (name or id)')
    .argument('<entry>', 'the entry, relative to the scanned folder; for records the key (its value, or a JSON array for a composite key)')
    .action(function (this: Command, name: string, path: string) {
      return run(async () => printJson(io, await withApp(this, io, (app) => proveEntry(app, name, path))))();
    });
  group
    .command('check-proof')
    .description("check an inclusion or consistency proof against this workspace's key; exit 4 when it does not hold")
    .argument('<file>', 'the proof JSON (from integrity prove or integrity consistency)')
    .option('--json', 'print as JSON')
    .action(function (this: Command, file: string) {
      return run(async () => {
        const text = await readTextFile(resolve(io.cwd, file), 1024 * 1024);
        let document: unknown;
        try {
          document = JSON.parse(text);
        } catch {
          document = null;
        }
        const { checkConsistencyProof, isConsistencyProof } = await import('../../app/consistency-proof-service.js');
        const result = await withApp(this, io, (app) => (isConsistencyProof(document) ? checkConsistencyProof(app, document) : checkProof(app, document)));
        if (this.opts<{ json?: boolean }>().json) printJson(io, result);
        if (!result.ok) throw new VerificationError(`${file}: the proof does not hold: ${result.problems.join('; ')}`);
        if (!this.opts<{ json?: boolean }>().json) printLines(io, [`proof holds: ${result.entry}`]);
      })();
    });
  group
    .command('baseline')
    .description('register a manifest as a baseline: the untouched state of its source at a moment (audited)')
    .argument('<name>', 'the manifest (name: its latest snapshot; or its id)')
    .option('--at <time>', 'the moment its state reflects (default: when it was taken), e.g. the night of the backup it was read from')
    .requiredOption('--reason <text>', 'why this state is trusted')
    .action(function (this: Command, name: string) {
      return run(async () => {
        const o = this.opts<{ at?: string; reason: string }>();
        const m = await withApp(this, io, (app) => registerBaseline(app, name, { ...(o.at ? { at: o.at } : {}), reason: o.reason }));
        printLines(io, [`baseline: ${m.name} (${m.id}) shows ${m.source} as of ${m.baseline!.at}: ${m.baseline!.reason}`]);
      })();
    });
  group
    .command('manipulated')
    .description('were data manipulated or removed? per baselined source: shown (with every change to explain), ruled out, or undeterminable (no baseline before the exposure window)')
    .option('--path <source=path...>', 'read a source from elsewhere now (a restored copy, a restored database): SOURCE=PATH, repeatable; a record source as its manifest names it')
    .option('--json', 'print as JSON')
    .action(function (this: Command) {
      return run(async () => {
        const o = this.opts<{ path?: string[]; json?: boolean }>();
        const paths = Object.fromEntries((o.path ?? []).map((p) => {
          const at = p.indexOf('=');
          const [from, to] = [p.slice(0, at), p.slice(at + 1)];
          // A record source is named as its manifest names it (csv:/x.csv, sqlite:/x.db#t, postgresql://…#t); a tree by its folder.
          return /^(csv|jsonl|sqlite|postgres(ql)?):/i.test(from) ? [from, sourceArg(io, to)] : [resolve(io.cwd, from), resolve(io.cwd, to)];
        }));
        const report = await withApp(this, io, (app) => manipulationReport(app, paths));
        if (o.json) return printJson(io, report);
        const lines = [report.window ? `Exposure window: ${report.window.startIsLowerBound ? '≤ ' : ''}${report.window.start.slice(0, 16)} → ${report.window.end.slice(0, 16)} UTC` : 'No exposure window'];
        for (const a of report.answers) {
          lines.push(`${a.source}: ${a.verdict === 'ruled-out' ? 'ruled out (for what the baseline covers)' : a.verdict}${a.baseline ? ` — against baseline ${a.baseline.name} of ${a.baseline.baseline!.at.slice(0, 16)}` : ''}`);
          for (const r of a.reasons) lines.push(`  ${r}`);
          for (const c of a.changes) lines.push(`  ${c.kind.padEnd(12)} ${c.path}${c.fields.length ? `  (${c.fields.join(', ')})` : ''}  — needs an explanation`);
          for (const c of a.records) lines.push(`  ${c.kind.padEnd(12)} key ${JSON.stringify(c.key)}${c.fields.length ? `  (${c.fields.join(', ')})` : ''}  — needs an explanation`);
        }
        if (report.answers.length === 0) lines.push('no baselines: register one with weerbaar integrity baseline');
        printLines(io, lines);
      })();
    });
  group
    .command('list')
    .description('the manifests: name, kind (files or records), when, how many entries, baseline, source, root')
    .option('--json', 'print as JSON')
    .action(function (this: Command) {
      return run(async () => {
        const list = await withApp(this, io, (app) => listManifests(app));
        if (this.opts<{ json?: boolean }>().json) return printJson(io, list);
        printLines(io, [
          ...formatTable(['NAME', 'KIND', 'CREATED (UTC)', 'ENTRIES', 'FILES', 'SIZE', 'UNREADABLE', 'BASELINE OF', 'SOURCE', 'ROOT'], list.map((m) => [m.name, m.kind, m.createdAt.slice(0, 19), String(m.entries), m.kind === 'files' ? String(m.files) : '-', m.kind === 'files' ? MB(m.bytes) : '-', String(m.errors), m.baseline ? m.baseline.at.slice(0, 16) : '-', m.source, `${m.rootHash.slice(0, 16)}…`])),
          `${list.length} manifests`,
        ]);
      })();
    });
}
