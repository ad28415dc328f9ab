import { resolve } from 'node:path';
import type { Command } from 'commander';
import { type BackupCheckReport, latestChecks, verifyBackup } from '../../app/backup-check-service.js';
import { IMMUTABILITY_MODES, addBackupSet, listBackupSets, recordImmutability } from '../../app/backup-service.js';
import { performRestoreTest, recordStatedRestoreTest } from '../../app/restore-test-service.js';
import { UsageError } from '../../shared/errors.js';
import { ExitCode } from '../../shared/exit-codes.js';
import { type CliIo, formatTable, printJson, printLines } from '../cli-io.js';
import type { ActionRunner } from '../command-support.js';
import { withApp } from './with-app.js';

const MB = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
const MAX_DAMAGE_LINES = 8;
const entries = (n: number) => `${n} ${n === 1 ? 'entry' : 'entries'}`;
const levelText = (level: number | null) => (level === null ? 'none' : `L${level}`);

/** The lines of a check report, for people: the level, every rung with its reason, coverage, immutability, the yearly restore test. */
export function checkLines(r: BackupCheckReport): string[] {
  const regime = r.restoreRegime;
  return [
    `backup ${r.backup.name} (${r.backup.kind}, ${r.backup.location}): assurance ${levelText(r.level)}${r.level === null ? '' : ` — ${r.steps[r.level]!.rung}`}`,
    ...r.steps.map((s) => `  ${s.holds ? '✓' : '✗'} L${s.level} ${s.rung}: ${s.reason}`),
    `  read now: ${r.read.members} members, ${MB(r.read.bytes)}; within the ${r.coverage.cycleDays}-day cycle: ${MB(r.coverage.coveredBytes)} of ${MB(r.coverage.bytes)} (${r.coverage.coveredMembers} of ${r.coverage.members} members)`,
    `  immutability: ${r.immutability.now}`,
    `  restore test (${regime.rule}): ${regime.lastPassed ? `last passed ${regime.lastPassed.testedAt.slice(0, 10)} on ${regime.lastPassed.backup}${regime.lastPassed.performed ? '' : ' (stated)'}; ${regime.met ? `next due by ${regime.dueBy!.slice(0, 10)}` : `OVERDUE since ${regime.dueBy!.slice(0, 10)}`}` : 'none passed on record: requirement not met'}`,
    ...r.problems.slice(0, MAX_DAMAGE_LINES).map((p) => `  damage: ${p}`),
    ...(r.problems.length > MAX_DAMAGE_LINES ? [`  damage: and ${r.problems.length - MAX_DAMAGE_LINES} more (--json lists every one)`] : []),
  ];
}

export function registerBackupCommands(program: Command, io: CliIo, run: ActionRunner): void {
  const group = program.command('backups').description('backup sets: are they there, intact, readable, untampered, restorable and equal to the pre-incident baseline? (assurance L0–L5)');
  group
    .command('add')
    .description('register a backup set: a folder, a tar / tar.gz / zip archive, or a restored copy (audited)')
    .argument('<name>', 'a name for the set')
    .argument('<location>', 'the folder or archive')
    .option('--kind <kind>', 'folder, tar, tar.gz, zip or restored (default: from the location)')
    .option('--source <path>', 'the source it is a backup of (default: the manifest’s source): its baselines are what a restore is compared with')
    .option('--manifest <name>', 'the signed manifest of its content when it was written (needed for L3)')
    .option('--taken-at <time>', 'when the backup was made')
    .option('--cycle-days <n>', 'rotation cycle: partial checks must read everything within this many days', '7')
    .option('--json', 'print as JSON')
    .action(function (this: Command, name: string, location: string) {
      return run(async () => {
        const o = this.opts<{ kind?: string; source?: string; manifest?: string; takenAt?: string; cycleDays: string; json?: boolean }>();
        const set = await withApp(this, io, (app) =>
          addBackupSet(app, {
            name, location: resolve(io.cwd, location), cycleDays: Number(o.cycleDays),
            ...(o.kind ? { kind: o.kind } : {}), ...(o.source ? { source: resolve(io.cwd, o.source) } : {}), ...(o.manifest ? { manifest: o.manifest } : {}), ...(o.takenAt ? { takenAt: o.takenAt } : {}),
          }),
        );
        if (o.json) return printJson(io, set);
        printLines(io, [`backup set ${set.name}: ${set.kind} at ${set.location}${set.source ? `, of ${set.source}` : ''}${set.manifest ? `, content per manifest ${set.manifest.name}` : ', no manifest (L3 unreachable)'}; rotation cycle ${set.cycleDays} days`]);
      })();
    });
  group
    .command('list')
    .description('the backup sets with their latest check (nothing is read)')
    .option('--json', 'print as JSON')
    .action(function (this: Command) {
      return run(async () => {
        const [sets, checks] = await withApp(this, io, async (app) => [await listBackupSets(app), await latestChecks(app)] as const);
        if (this.opts<{ json?: boolean }>().json) return printJson(io, sets.map((s) => ({ ...s, lastCheck: checks.get(s.id) ? { checkedAt: checks.get(s.id)!.checkedAt, level: checks.get(s.id)!.level } : null })));
        printLines(io, [
          ...formatTable(['NAME', 'KIND', 'LOCATION', 'MANIFEST', 'LAST CHECK (UTC)', 'LEVEL'], sets.map((s) => {
            const c = checks.get(s.id);
            return [s.name, s.kind, s.location, s.manifest?.name ?? '-', c ? c.checkedAt.slice(0, 16) : 'never', c ? levelText(c.level) : '-'];
          })),
          `${sets.length} backup sets`,
        ]);
      })();
    });
  group
    .command('immutability')
    .description('declare a set’s immutability (WORM / object lock / legal hold / append-only), with the evidence file it rests on (into custody)')
    .argument('<name>', 'the backup set')
    .requiredOption('--mode <mode>', IMMUTABILITY_MODES.join(', '))
    .option('--until <time>', 'retain-until (required for compliance and governance locks)')
    .option('--evidence <file>', 'e.g. the exported object-lock configuration')
    .requiredOption('--statement <text>', 'who states this, on what')
    .action(function (this: Command, name: string) {
      return run(async () => {
        const o = this.opts<{ mode: string; until?: string; evidence?: string; statement: string }>();
        const fact = await withApp(this, io, (app) => recordImmutability(app, name, { mode: o.mode, statement: o.statement, ...(o.until ? { retainUntil: o.until } : {}), ...(o.evidence ? { evidence: resolve(io.cwd, o.evidence) } : {}) }));
        printLines(io, [`${name}: ${fact.mode}${fact.retainUntil ? ` until ${fact.retainUntil.slice(0, 10)}` : ''}${fact.evidenceSha256 ? `, evidence ${fact.evidenceSha256} in custody` : ', no evidence attached'}`]);
      })();
    });
  group
    .command('verify')
    .description('check a set (or every set: Q5 at once) on the ladder L0–L5 and keep the result; exit 4 when damage is found (structure, unreadable data, content that differs from its manifest)')
    .argument('[name]', 'the backup set')
    .option('--all', 'every registered set, one after the other')
    .option('--share <percent>', 'read at most this share of the data now, least recently read first (at least 64 MiB); the rest in later checks of the cycle', '100')
    .option('--json', 'print as JSON (with --all: an array)')
    .action(function (this: Command, name: string | undefined) {
      return run(async () => {
        const o = this.opts<{ all?: boolean; share: string; json?: boolean }>();
        if ((name === undefined) === !o.all) throw new UsageError('name one backup set, or give --all');
        const share = Number(o.share);
        if (!Number.isFinite(share) || share <= 0 || share > 100) throw new UsageError(`--share ${o.share} must be a percentage above 0 and at most 100`);
        const onProgress = io.interactive ? (p: { members: number; bytes: number }) => io.stderr(`\rreading: ${p.members} members, ${MB(p.bytes)}`) : undefined;
        const reports = await withApp(this, io, async (app) => {
          const names = name !== undefined ? [name] : (await listBackupSets(app)).map((b) => b.name);
          const done: BackupCheckReport[] = [];
          for (const n of names) {
            done.push(await verifyBackup(app, n, { share: share / 100, ...(onProgress ? { onProgress } : {}) }));
            if (onProgress) io.stderr('\n');
          }
          return done;
        });
        if (o.json) printJson(io, name !== undefined ? reports[0] : reports);
        else printLines(io, reports.length === 0 ? ['no backup sets: register one with weerbaar backups add'] : reports.flatMap((r, i) => [...(i > 0 ? [''] : []), ...checkLines(r)]));
        return reports.some((r) => r.damaged) ? ExitCode.VERIFICATION_FAILED : ExitCode.OK;
      })();
    });
  group
    .command('restore-test')
    .description('restore a set into an empty folder, read it back and compare it with the backup and with its source’s pre-incident baseline (L4, L5); or --stated: record a test done elsewhere (counts for the yearly requirement only)')
    .argument('<name>', 'the backup set')
    .option('--into <dir>', 'an empty folder to restore into (not for a restored copy)')
    .option('--stated', 'record a restore test performed elsewhere')
    .option('--at <time>', 'with --stated: when it was done')
    .option('--result <result>', 'with --stated: passed or failed')
    .option('--statement <text>', 'with --stated: who tested, with what, where the report is')
    .option('--json', 'print as JSON')
    .action(function (this: Command, name: string) {
      return run(async () => {
        const o = this.opts<{ into?: string; stated?: boolean; at?: string; result?: string; statement?: string; json?: boolean }>();
        if (o.stated) {
          if (!o.at || !o.result || !o.statement) throw new UsageError('--stated needs --at, --result and --statement');
          await withApp(this, io, (app) => recordStatedRestoreTest(app, name, { at: o.at!, result: o.result!, statement: o.statement! }));
          return printLines(io, [`${name}: restore test of ${o.at} recorded as stated (${o.result}); it counts for the yearly requirement, not for the assurance level`]);
        }
        const r = await withApp(this, io, (app) => performRestoreTest(app, name, o.into ? { into: resolve(io.cwd, o.into) } : {}));
        if (o.json) printJson(io, r);
        else {
          printLines(io, [
            `restore test of ${r.backup} into ${r.restoredTo}: ${r.passed ? 'passed' : 'FAILED'} (${r.members} members, ${MB(r.bytes)} read back)`,
            ...(o.into ? [`  the restored copy stays in ${r.restoredTo}: it holds the backup's data — remove it when it has served`] : []),
            ...r.problems.map((p) => `  problem: ${p}`),
            r.baseline ? `  against baseline ${r.baseline.name} of ${r.baseline.at.slice(0, 16)}: ${entries(r.baseline.contentChanges)} differ${r.baseline.contentChanges === 1 ? 's' : ''} in content, ${r.baseline.metadataChanges} in metadata only` : '  no baseline of its source to compare with',
            ...(r.baseline?.changes ?? []).map((c) => `  ${c.kind.padEnd(12)} ${c.path}${c.fields.length ? `  (${c.fields.join(', ')})` : ''}`),
          ]);
        }
        return r.passed ? ExitCode.OK : ExitCode.VERIFICATION_FAILED;
      })();
    });
}
