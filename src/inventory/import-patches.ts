import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { CaseDatabase } from '../store/case-schema.js';
import { type AuditActor, appendAudit } from '../audit/audit-log.js';
import { readCsvRecords } from '../shared/csv-records.js';
import { type InputProblem, InvalidInputError } from '../shared/errors.js';
import { sha256Hex } from '../shared/hashing.js';
import { type StructuredSource, formatPath, parseJsonSource } from '../shared/structured-source.js';
import { decodeText, describeFsError } from '../shared/text-input.js';
import { isoUtc } from '../shared/time.js';
import { validateAt } from '../shared/validation.js';
import { recordVersionEvent, versionHistory } from './inventory-store.js';

/**
 * `weerbaar patches import FILE`: change records — which asset went from which version to which,
 * when, under which ticket, by whom — or disconnections and reconnections. Each record extends the
 * asset's version history at its own time (not the import's); the asset's current version follows
 * the latest record. All or nothing, like the inventory import. A `from_version` that disagrees with
 * the recorded history is accepted but reported: the history may be incomplete, and the user
 * should know.
 */

const PatchSchema = z
  .object({
    asset: z.string().trim().min(1),
    event: z.enum(['upgrade', 'disconnect', 'reconnect']).default('upgrade'),
    from_version: z.string().trim().optional().transform((v) => v || undefined),
    to_version: z.string().trim().optional().transform((v) => v || undefined),
    time: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time with a zone, e.g. 2025-07-18T21:30:00+02:00' }),
    ticket: z.string().trim().optional().transform((v) => v || undefined),
    actor: z.string().trim().optional().transform((v) => v || undefined),
  })
  .strict()
  .refine((p) => p.event !== 'upgrade' || p.to_version !== undefined, { message: 'an upgrade needs to_version', path: ['to_version'] });

export type PatchRecord = z.output<typeof PatchSchema>;

export interface PatchImportResult {
  readonly file: string;
  readonly sha256: string;
  readonly records: number;
  readonly versionChanges: { asset: string; from: string | null; to: string | null }[];
  readonly warnings: string[];
}

export async function readPatchFile(file: string): Promise<{ records: { record: PatchRecord; line?: number }[]; sha256: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw InvalidInputError.single({ file }, `cannot be read: ${describeFsError(error)}`, error);
  }
  const text = decodeText(bytes, file);
  const problems: InputProblem[] = [];
  const records: { record: PatchRecord; line?: number }[] = [];
  const take = (source: StructuredSource, path: (string | number)[], value: unknown, line?: number) => {
    const result = validateAt(PatchSchema, source, path, value);
    if (!result.ok) problems.push(...result.problems.map((p) => (line === undefined ? p : { ...p, location: { ...p.location, line } })));
    else records.push({ record: result.value, ...(line !== undefined ? { line } : { line: source.lineOf(path) }) });
  };
  if (extname(file).toLowerCase() === '.csv') {
    for (const { record, line } of readCsvRecords(file, text, problems)) {
      const item = Object.fromEntries(Object.entries(record).filter(([, v]) => v !== ''));
      take({ file, value: item, lineOf: () => line }, [], item, line);
    }
  } else {
    const source = parseJsonSource(file, text);
    const list = Array.isArray(source.value) ? source.value : (source.value as { patches?: unknown } | null)?.patches;
    const base = Array.isArray(source.value) ? [] : ['patches'];
    if (!Array.isArray(list)) problems.push({ location: { file, line: 1 }, reason: 'expected a JSON array of change records (or {"patches": [...]})' });
    else list.forEach((item, i) => take(source, [...base, i], item));
  }
  if (problems.length > 0) throw new InvalidInputError(`${file}: patch records rejected; nothing was imported`, problems);
  return { records, sha256: sha256Hex(bytes) };
}

export async function importPatches(db: Kysely<CaseDatabase>, who: AuditActor, file: string): Promise<PatchImportResult> {
  const { records, sha256 } = await readPatchFile(file);
  return db.transaction().execute(async (trx) => {
    const assets = new Map((await trx.selectFrom('asset').select(['id', 'version']).execute()).map((a) => [a.id, a.version]));
    const unknown = records.filter((r) => !assets.has(r.record.asset));
    if (unknown.length > 0) {
      throw new InvalidInputError(
        `${file}: patch records rejected; nothing was imported`,
        unknown.map((r) => ({ location: { file, line: r.line, path: formatPath(['asset']) }, reason: `unknown asset "${r.record.asset}"` })),
      );
    }
    const warnings: string[] = [];
    const sorted = [...records].sort((a, b) => Date.parse(a.record.time) - Date.parse(b.record.time));
    const latestAt = new Map<string, number>();
    for (const event of await versionHistory(trx)) latestAt.set(event.assetId, Math.max(latestAt.get(event.assetId) ?? 0, Date.parse(event.at)));
    const current = new Map(assets);
    for (const { record, line } of sorted) {
      const at = isoUtc(new Date(record.time));
      const history = await versionHistory(trx, record.asset);
      const before = [...history].reverse().find((e) => Date.parse(e.at) <= Date.parse(at) && e.version !== null);
      if (record.from_version && before?.version && before.version !== record.from_version) {
        warnings.push(`${file}:${line ?? '?'}: ${record.asset} from_version ${record.from_version}, but the history says ${before.version} at that time`);
      }
      const version = record.event === 'disconnect' ? null : (record.to_version ?? before?.version ?? null);
      await recordVersionEvent(trx, { assetId: record.asset, at, event: record.event, version, source: file, ticket: record.ticket ?? null, actor: record.actor ?? who.actor });
      await appendAudit(trx, who, { action: 'patch.record', subject: `asset:${record.asset}`, details: { ...record, time: at, source: file } });
      if (Date.parse(at) >= (latestAt.get(record.asset) ?? 0)) {
        latestAt.set(record.asset, Date.parse(at));
        if (record.event === 'upgrade' && record.to_version) current.set(record.asset, record.to_version);
      }
    }
    const versionChanges: PatchImportResult['versionChanges'] = [];
    for (const [asset, version] of current) {
      const previous = assets.get(asset) ?? null;
      if (version === previous) continue;
      await trx.updateTable('asset').set({ version, updated_at: isoUtc(who.clock()) }).where('id', '=', asset).execute();
      await appendAudit(trx, who, { action: 'inventory.asset.update', subject: `asset:${asset}`, details: { changes: { version: { from: previous, to: version } }, source: file } });
      versionChanges.push({ asset, from: previous, to: version });
    }
    await appendAudit(trx, who, { action: 'patch.import', subject: 'patches', details: { file, sha256, records: records.length, warnings } });
    return { file, sha256, records: records.length, versionChanges, warnings };
  });
}
