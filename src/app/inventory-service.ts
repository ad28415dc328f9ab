import { type FindingsRun, updateFindings } from '../advisory/findings.js';
import { type ImportOptions, type ImportResult, importInventory } from '../inventory/import-inventory.js';
import type { Asset, DataCategory, Interface, Partner } from '../inventory/inventory-model.js';
import { type Inventory, loadInventory } from '../inventory/inventory-store.js';
import { WeerbaarError } from '../shared/errors.js';
import type { AppContext } from './app-context.js';

/** Importing and reading the inventory. */

/** Imports inventory files, then re-runs advisory matching when something changed (a new asset triggers a run). */
export async function importInventoryFiles(app: AppContext, files: readonly string[], options: ImportOptions = {}): Promise<ImportResult & { findings?: FindingsRun }> {
  if (files.length === 0) throw new WeerbaarError('USAGE', 'name at least one inventory file to import');
  const result = await importInventory(app.store.db, app, files, options);
  return result.changes.length === 0 ? result : { ...result, findings: await updateFindings(app.store.db, app) };
}

export async function inventory(app: AppContext): Promise<Inventory> {
  return loadInventory(app.store.db);
}

export type InventoryItem =
  | { kind: 'asset'; value: Asset; interfaces: Interface[]; dependents: string[] }
  | { kind: 'data_category'; value: DataCategory; held_by: string[] }
  | { kind: 'partner'; value: Partner; interfaces: Interface[] }
  | { kind: 'interface'; value: Interface };

/** One entity by id, with what refers to it; assets first, since ids are unique per kind only. */
export async function inventoryItem(app: AppContext, id: string): Promise<InventoryItem> {
  const inv = await loadInventory(app.store.db);
  const asset = inv.assets.find((a) => a.id === id);
  if (asset) {
    return {
      kind: 'asset',
      value: asset,
      interfaces: inv.interfaces.filter((i) => i.asset === id),
      dependents: inv.assets.filter((a) => a.depends_on.includes(id)).map((a) => a.id),
    };
  }
  const category = inv.data_categories.find((c) => c.id === id);
  if (category) return { kind: 'data_category', value: category, held_by: inv.assets.filter((a) => a.data_categories.includes(id)).map((a) => a.id) };
  const partner = inv.partners.find((p) => p.id === id);
  if (partner) return { kind: 'partner', value: partner, interfaces: inv.interfaces.filter((i) => i.partner === id) };
  const iface = inv.interfaces.find((i) => i.id === id);
  if (iface) return { kind: 'interface', value: iface };
  throw new WeerbaarError('NOT_FOUND', `no asset, data category, partner or interface with id "${id}"`);
}
