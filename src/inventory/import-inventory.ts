import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Kysely } from 'kysely';
import type { CaseDatabase } from '../store/case-schema.js';
import { type AuditActor, appendAudit } from '../audit/audit-log.js';
import { type InputProblem, InvalidInputError } from '../shared/errors.js';
import { sha256Hex } from '../shared/hashing.js';
import { parseJsonSource, parseYamlSource } from '../shared/structured-source.js';
import { MAX_TEXT_INPUT_BYTES, decodeText, describeFsError } from '../shared/text-input.js';
import { isoUtc } from '../shared/time.js';
import { checkReferences } from './check-references.js';
import { type EntityKind, type InventoryBatch, emptyBatch } from './inventory-model.js';
import {
  type Inventory,
  loadInventory,
  normaliseAsset,
  normaliseInterface,
  recordVersionEvent,
  writeAsset,
  writeAssetLinks,
  writeDataCategory,
  writeInterface,
  writePartner,
} from './inventory-store.js';
import { csvKindFromFileName, readInventoryCsv } from './read-inventory-csv.js';
import { isCycloneDx, readCycloneDx } from './read-cyclonedx.js';
import { readInventoryDocument } from './read-inventory-document.js';

/**
 * Imports inventory files as one unit: every file is read and validated, every reference checked,
 * and only then is anything written — in one transaction, with one audit entry per created or
 * changed entity (what changed, from what, to what) and one for the import itself (files and
 * their SHA-256). Any problem anywhere means nothing is written.
 */

export type InventoryFormat = 'yaml' | 'json' | 'cyclonedx' | 'csv';

export interface ImportOptions {
  /** The entity kind of CSV files whose names do not say it. */
  readonly csvKind?: EntityKind;
  /**
   * The moment the files describe (ISO 8601), recorded as when each new or changed version was seen
   * running; default: a CycloneDX BOM's metadata.timestamp, else the time of the import.
   */
  readonly asOf?: string;
}

export interface ImportedFile {
  readonly file: string;
  readonly format: InventoryFormat;
  readonly sha256: string;
  readonly bytes: number;
  readonly items: number;
}

export interface EntityChange {
  readonly kind: EntityKind;
  readonly id: string;
  readonly action: 'created' | 'updated';
  /** Per changed field: the stored value and the imported one. Empty for created entities. */
  readonly changes: Record<string, { from: unknown; to: unknown }>;
}

export interface ImportResult {
  readonly files: ImportedFile[];
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly changes: EntityChange[];
}

export async function readInventoryFiles(files: readonly string[], options: ImportOptions = {}): Promise<{ batch: InventoryBatch; files: ImportedFile[] }> {
  const batch = emptyBatch();
  const problems: InputProblem[] = [];
  const imported: ImportedFile[] = [];
  for (const file of files) {
    const before = countItems(batch);
    const read = await readOneFile(file, options, batch, problems);
    if (read) imported.push({ ...read, items: countItems(batch) - before });
  }
  if (problems.length > 0) throw new InvalidInputError(`inventory import rejected: ${plural(problems.length, 'problem')}; nothing was imported`, problems);
  return { batch, files: imported };
}

async function readOneFile(
  file: string,
  options: ImportOptions,
  batch: InventoryBatch,
  problems: InputProblem[],
): Promise<Omit<ImportedFile, 'items'> | undefined> {
  let bytes: Buffer;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' });
    if (info.size > MAX_TEXT_INPUT_BYTES) {
      problems.push({ location: { file }, reason: `is ${info.size} bytes; inventory files over ${MAX_TEXT_INPUT_BYTES} bytes are not accepted` });
      return undefined;
    }
    bytes = await readFile(file);
  } catch (error) {
    problems.push({ location: { file }, reason: `cannot be read: ${describeFsError(error)}` });
    return undefined;
  }
  let format: InventoryFormat;
  try {
    const text = decodeText(bytes, file);
    format = await parseInto(file, text, options, batch, problems);
  } catch (error) {
    if (error instanceof InvalidInputError) {
      problems.push(...error.problems);
      return undefined;
    }
    throw error;
  }
  return { file, format, sha256: sha256Hex(bytes), bytes: bytes.length };
}

async function parseInto(file: string, text: string, options: ImportOptions, batch: InventoryBatch, problems: InputProblem[]): Promise<InventoryFormat> {
  const extension = extname(file).toLowerCase();
  switch (extension) {
    case '.yaml':
    case '.yml':
      readInventoryDocument(parseYamlSource(file, text), batch, problems);
      return 'yaml';
    case '.json': {
      const source = parseJsonSource(file, text);
      if (isCycloneDx(source.value)) {
        readCycloneDx(source, batch, problems);
        return 'cyclonedx';
      }
      readInventoryDocument(source, batch, problems);
      return 'json';
    }
    case '.csv': {
      const kind = options.csvKind ?? csvKindFromFileName(file);
      if (!kind) {
        throw InvalidInputError.single(
          { file },
          'cannot tell which records this CSV holds: put assets, data-categories, partners or interfaces in its name, or pass --kind',
        );
      }
      readInventoryCsv(file, text, kind, batch, problems);
      return 'csv';
    }
    default:
      throw InvalidInputError.single({ file }, `unsupported file type "${extension || '(none)'}"; expected .yaml, .yml, .json (inventory or CycloneDX) or .csv`);
  }
}

export async function importInventory(
  db: Kysely<CaseDatabase>,
  who: AuditActor,
  files: readonly string[],
  options: ImportOptions = {},
): Promise<ImportResult> {
  const read = await readInventoryFiles(files, options);
  return db.transaction().execute(async (trx) => {
    const stored = await loadInventory(trx);
    const problems = checkReferences(read.batch, {
      data_categories: new Set(stored.data_categories.map((c) => c.id)),
      assets: new Set(stored.assets.map((a) => a.id)),
      partners: new Set(stored.partners.map((p) => p.id)),
    });
    if (problems.length > 0) throw new InvalidInputError(`inventory import rejected: ${plural(problems.length, 'problem')}; nothing was imported`, problems);
    const result = await applyBatch(trx, who, read.batch, stored, options.asOf);
    await appendAudit(trx, who, {
      action: 'inventory.import',
      subject: 'inventory',
      details: {
        files: read.files.map(({ file, format, sha256, bytes, items }) => ({ file, format, sha256, bytes, items })),
        created: result.created,
        updated: result.updated,
        unchanged: result.unchanged,
      },
    });
    return { ...result, files: read.files };
  });
}

async function applyBatch(
  trx: Kysely<CaseDatabase>,
  who: AuditActor,
  batch: InventoryBatch,
  stored: Inventory,
  asOf: string | undefined,
): Promise<Omit<ImportResult, 'files'>> {
  const now = isoUtc(who.clock());
  const changes: EntityChange[] = [];
  let unchanged = 0;
  const plan = <T extends { id: string }>(kind: EntityKind, items: readonly T[], existing: readonly T[], normalise: (v: T) => T) => {
    const byId = new Map(existing.map((e) => [e.id, normalise(e)]));
    const work: { value: T; isNew: boolean }[] = [];
    for (const raw of items) {
      const value = normalise(raw);
      const before = byId.get(value.id);
      const fieldChanges = before ? diff(before, value) : {};
      if (before && Object.keys(fieldChanges).length === 0) {
        unchanged++;
        continue;
      }
      changes.push({ kind, id: value.id, action: before ? 'updated' : 'created', changes: fieldChanges });
      work.push({ value, isNew: !before });
    }
    return work;
  };
  const same = <T>(v: T) => v;
  const categories = plan('data_category', batch.data_categories.map((l) => l.value), stored.data_categories, same);
  const assets = plan('asset', batch.assets.map((l) => l.value), stored.assets, normaliseAsset);
  const partners = plan('partner', batch.partners.map((l) => l.value), stored.partners, same);
  const interfaces = plan('interface', batch.interfaces.map((l) => l.value), stored.interfaces, normaliseInterface);

  for (const { value, isNew } of categories) await writeDataCategory(trx, value, isNew, now);
  for (const { value, isNew } of assets) await writeAsset(trx, value, isNew, now);
  for (const { value } of assets) await writeAssetLinks(trx, value);
  // A version seen for the first time starts the asset's recorded history at this import.
  const located = new Map(batch.assets.map((l) => [l.value.id, l.location]));
  for (const { value, isNew } of assets) {
    const versionChanged = isNew || changes.some((c) => c.kind === 'asset' && c.id === value.id && 'version' in c.changes);
    if (versionChanged && value.version) {
      const location = located.get(value.id);
      const at = asOf ?? (location && batch.asOf.get(location.file)) ?? now;
      await recordVersionEvent(trx, { assetId: value.id, at, event: 'observed', version: value.version, source: location?.file ?? 'inventory', ticket: null, actor: who.actor });
    }
  }
  for (const { value, isNew } of partners) await writePartner(trx, value, isNew, now);
  for (const { value, isNew } of interfaces) await writeInterface(trx, value, isNew, now);

  for (const change of changes) {
    await appendAudit(trx, who, {
      action: `inventory.${change.kind}.${change.action === 'created' ? 'create' : 'update'}`,
      subject: `${change.kind}:${change.id}`,
      details: change.action === 'created' ? {} : { changes: change.changes },
    });
  }
  const created = changes.filter((c) => c.action === 'created').length;
  return { created, updated: changes.length - created, unchanged, changes };
}

function diff(before: object, after: object): Record<string, { from: unknown; to: unknown }> {
  const result: Record<string, { from: unknown; to: unknown }> = {};
  const a = before as Record<string, unknown>;
  const b = after as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (JSON.stringify(a[key] ?? null) !== JSON.stringify(b[key] ?? null)) result[key] = { from: a[key] ?? null, to: b[key] ?? null };
  }
  return result;
}

function countItems(batch: InventoryBatch): number {
  return batch.data_categories.length + batch.assets.length + batch.partners.length + batch.interfaces.length;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
