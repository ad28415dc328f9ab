import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { CaseDatabase } from '../store/case-schema.js';
import type { Asset, AuditLogging, CategorySelector, Contact, DataCategory, Interface, Partner, TlpLevel } from './inventory-model.js';

/**
 * Reads the inventory from the case store into the model shape, and writes single entities back.
 * Links (data categories, dependencies) live in their own tables so later modules can join on
 * them; here they are folded into lists, sorted, so that re-imports compare equal.
 */

export interface Inventory {
  readonly data_categories: DataCategory[];
  readonly assets: Asset[];
  readonly partners: Partner[];
  readonly interfaces: Interface[];
}

export async function loadInventory(db: Kysely<CaseDatabase>): Promise<Inventory> {
  const [categoryRows, assetRows, assetCategories, dependencies, partnerRows, interfaceRows, interfaceCategories] = await Promise.all([
    db.selectFrom('data_category').selectAll().orderBy('id').execute(),
    db.selectFrom('asset').selectAll().orderBy('id').execute(),
    db.selectFrom('asset_data_category').selectAll().orderBy('category_id').execute(),
    db.selectFrom('asset_dependency').selectAll().orderBy('depends_on_id').execute(),
    db.selectFrom('partner').selectAll().orderBy('id').execute(),
    db.selectFrom('interface').selectAll().orderBy('id').execute(),
    db.selectFrom('interface_data_category').selectAll().orderBy('category_id').execute(),
  ]);
  const group = <R>(rows: R[], key: (r: R) => string, value: (r: R) => string) => {
    const map = new Map<string, string[]>();
    for (const row of rows) map.set(key(row), [...(map.get(key(row)) ?? []), value(row)]);
    return map;
  };
  const categoriesOfAsset = group(assetCategories, (r) => r.asset_id, (r) => r.category_id);
  const dependenciesOfAsset = group(dependencies, (r) => r.asset_id, (r) => r.depends_on_id);
  const categoriesOfInterface = group(interfaceCategories, (r) => r.interface_id, (r) => r.category_id);
  return {
    data_categories: categoryRows.map((r) => ({
      id: r.id,
      name: r.name,
      sensitivity: r.sensitivity as DataCategory['sensitivity'],
      personal_data: Number(r.personal_data) === 1,
      description: r.description,
      selectors: JSON.parse(r.selectors) as CategorySelector[],
    })),
    assets: assetRows.map((r) => ({
      id: r.id,
      name: r.name,
      kind: r.kind as Asset['kind'],
      vendor: r.vendor,
      product: r.product,
      version: r.version,
      cpe: r.cpe,
      purl: r.purl,
      internet_facing: Number(r.internet_facing) === 1,
      criticality: r.criticality as Asset['criticality'],
      owner: r.owner,
      location: r.location,
      data_categories: categoriesOfAsset.get(r.id) ?? [],
      depends_on: dependenciesOfAsset.get(r.id) ?? [],
      notes: r.notes,
      model_numbers: JSON.parse(r.model_numbers) as string[],
      skus: JSON.parse(r.skus) as string[],
      hashes: JSON.parse(r.hashes) as string[],
      audit_logging: r.audit_logging === null ? null : (JSON.parse(r.audit_logging) as AuditLogging),
      addresses: JSON.parse(r.addresses) as string[],
    })),
    partners: partnerRows.map((r) => ({
      id: r.id,
      name: r.name,
      kind: r.kind,
      tlp_max: r.tlp_max as TlpLevel,
      contacts: JSON.parse(r.contacts) as Contact[],
    })),
    interfaces: interfaceRows.map((r) => ({
      id: r.id,
      asset: r.asset_id,
      partner: r.partner_id,
      direction: r.direction as Interface['direction'],
      data_categories: categoriesOfInterface.get(r.id) ?? [],
      load_order: r.load_order === null ? null : Number(r.load_order),
      description: r.description,
    })),
  };
}

/** Sorts and de-duplicates list fields, so that order in an input file is not a change. */
export function normaliseAsset(asset: Asset): Asset {
  return {
    ...asset,
    data_categories: sortedUnique(asset.data_categories),
    depends_on: sortedUnique(asset.depends_on),
    model_numbers: sortedUnique(asset.model_numbers),
    skus: sortedUnique(asset.skus),
    hashes: sortedUnique(asset.hashes),
  };
}

export function normaliseInterface(entity: Interface): Interface {
  return { ...entity, data_categories: sortedUnique(entity.data_categories) };
}

function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

type Timestamps = { created_at: string; updated_at: string };

export async function writeDataCategory(db: Kysely<CaseDatabase>, value: DataCategory, isNew: boolean, now: string): Promise<void> {
  const row = { name: value.name, sensitivity: value.sensitivity, personal_data: value.personal_data ? 1 : 0, description: value.description, selectors: JSON.stringify(value.selectors) };
  await upsertRow(db, 'data_category', value.id, row, isNew, now);
}

/** Writes the asset row; its links are written by {@link writeAssetLinks} once every asset of the batch exists. */
export async function writeAsset(db: Kysely<CaseDatabase>, value: Asset, isNew: boolean, now: string): Promise<void> {
  const row = {
    name: value.name,
    kind: value.kind,
    vendor: value.vendor,
    product: value.product,
    version: value.version,
    cpe: value.cpe,
    purl: value.purl,
    internet_facing: value.internet_facing ? 1 : 0,
    criticality: value.criticality,
    owner: value.owner,
    location: value.location,
    notes: value.notes,
    model_numbers: JSON.stringify(value.model_numbers),
    skus: JSON.stringify(value.skus),
    hashes: JSON.stringify(value.hashes),
    audit_logging: value.audit_logging === null ? null : JSON.stringify(value.audit_logging),
    addresses: JSON.stringify(value.addresses),
  };
  await upsertRow(db, 'asset', value.id, row, isNew, now);
}

export async function writeAssetLinks(db: Kysely<CaseDatabase>, value: Asset): Promise<void> {
  await replaceLinks(db, 'asset_data_category', 'asset_id', value.id, 'category_id', value.data_categories);
  await replaceLinks(db, 'asset_dependency', 'asset_id', value.id, 'depends_on_id', value.depends_on);
}

export async function writePartner(db: Kysely<CaseDatabase>, value: Partner, isNew: boolean, now: string): Promise<void> {
  const row = { name: value.name, kind: value.kind, tlp_max: value.tlp_max, contacts: JSON.stringify(value.contacts) };
  await upsertRow(db, 'partner', value.id, row, isNew, now);
}

export async function writeInterface(db: Kysely<CaseDatabase>, value: Interface, isNew: boolean, now: string): Promise<void> {
  const row = {
    asset_id: value.asset,
    partner_id: value.partner,
    direction: value.direction,
    load_order: value.load_order,
    description: value.description,
  };
  await upsertRow(db, 'interface', value.id, row, isNew, now);
  await replaceLinks(db, 'interface_data_category', 'interface_id', value.id, 'category_id', value.data_categories);
}

/** Replaces the link rows of one owner (e.g. an asset's data categories) with `targets`. */
async function replaceLinks(
  db: Kysely<CaseDatabase>,
  table: 'asset_data_category' | 'asset_dependency' | 'interface_data_category',
  ownerColumn: string,
  ownerId: string,
  targetColumn: string,
  targets: readonly string[],
): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the table/column pairs above are fixed by the callers
  const untyped = db as Kysely<any>;
  await untyped.deleteFrom(table).where(ownerColumn, '=', ownerId).execute();
  if (targets.length > 0) await untyped.insertInto(table).values(targets.map((target) => ({ [ownerColumn]: ownerId, [targetColumn]: target }))).execute();
}

export interface VersionEvent {
  readonly assetId: string;
  readonly at: string;
  readonly event: 'observed' | 'upgrade' | 'disconnect' | 'reconnect';
  readonly version: string | null;
  readonly source: string;
  readonly ticket: string | null;
  readonly actor: string;
}

/** Appends to an asset's version history (what it ran from when), the basis of exposure windows. */
export async function recordVersionEvent(db: Kysely<CaseDatabase>, event: VersionEvent): Promise<void> {
  await db
    .insertInto('asset_version_history')
    .values({ id: randomUUID(), asset_id: event.assetId, at: event.at, event: event.event, version: event.version, source: event.source, ticket: event.ticket, actor: event.actor })
    .execute();
}

export async function versionHistory(db: Kysely<CaseDatabase>, assetId?: string): Promise<VersionEvent[]> {
  let query = db.selectFrom('asset_version_history').selectAll().orderBy('asset_id').orderBy('at').orderBy('id');
  if (assetId !== undefined) query = query.where('asset_id', '=', assetId);
  return (await query.execute()).map((r) => ({
    assetId: r.asset_id,
    at: r.at,
    event: r.event as VersionEvent['event'],
    version: r.version,
    source: r.source,
    ticket: r.ticket,
    actor: r.actor,
  }));
}

type EntityTableName = 'data_category' | 'asset' | 'partner' | 'interface';

async function upsertRow<T extends EntityTableName>(
  db: Kysely<CaseDatabase>,
  table: T,
  id: string,
  row: Omit<CaseDatabase[T], 'id' | keyof Timestamps>,
  isNew: boolean,
  now: string,
): Promise<void> {
  // Kysely cannot narrow a generic table name to its row type; the typed signature above keeps callers honest.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const untyped = db as Kysely<any>;
  const name: string = table;
  const values: Record<string, unknown> = { ...row };
  if (isNew) {
    await untyped.insertInto(name).values({ id, ...values, created_at: now, updated_at: now }).execute();
  } else {
    await untyped.updateTable(name).set({ ...values, updated_at: now }).where('id', '=', id).execute();
  }
}
