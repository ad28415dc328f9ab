import type { InputProblem } from '../shared/errors.js';
import type { InventoryBatch, Located } from './inventory-model.js';

/**
 * Checks what an import refers to: every data category, dependency, asset (also a data category
 * selector's system) and partner named must
 * exist in the batch or already in the store, ids must be unique within the batch, and an asset
 * cannot depend on itself. Each problem points at the item that holds the bad reference.
 */

export interface KnownIds {
  readonly data_categories: ReadonlySet<string>;
  readonly assets: ReadonlySet<string>;
  readonly partners: ReadonlySet<string>;
}

export function checkReferences(batch: InventoryBatch, stored: KnownIds): InputProblem[] {
  const problems: InputProblem[] = [];
  const categories = idsOf(batch.data_categories, 'data category', problems, stored.data_categories);
  const assets = idsOf(batch.assets, 'asset', problems, stored.assets);
  const partners = idsOf(batch.partners, 'partner', problems, stored.partners);
  idsOf(batch.interfaces, 'interface', problems, new Set());

  const unknown = (item: Located<unknown>, field: string, kind: string, id: string) =>
    problems.push({ location: { ...item.location, path: `${item.location.path ?? ''}${item.location.path ? '.' : ''}${field}` }, reason: `unknown ${kind} "${id}"` });

  for (const item of batch.data_categories) {
    for (const [i, selector] of item.value.selectors.entries()) if (!assets.has(selector.system)) unknown(item, `selectors[${i}].system`, 'asset', selector.system);
  }
  for (const item of batch.assets) {
    for (const id of item.value.data_categories) if (!categories.has(id)) unknown(item, 'data_categories', 'data category', id);
    for (const id of item.value.depends_on) {
      if (id === item.value.id) problems.push({ location: item.location, reason: `asset "${id}" cannot depend on itself` });
      else if (!assets.has(id)) unknown(item, 'depends_on', 'asset', id);
    }
  }
  for (const item of batch.interfaces) {
    if (!assets.has(item.value.asset)) unknown(item, 'asset', 'asset', item.value.asset);
    if (!partners.has(item.value.partner)) unknown(item, 'partner', 'partner', item.value.partner);
    for (const id of item.value.data_categories) if (!categories.has(id)) unknown(item, 'data_categories', 'data category', id);
  }
  return problems;
}

/** The ids the batch defines plus those already stored; reports ids defined twice in the batch. */
function idsOf(items: readonly Located<{ id: string }>[], kind: string, problems: InputProblem[], stored: ReadonlySet<string>): Set<string> {
  const seen = new Map<string, Located<{ id: string }>>();
  for (const item of items) {
    const first = seen.get(item.value.id);
    if (first) {
      const where = `${first.location.file}${first.location.line ? `:${first.location.line}` : ''}`;
      problems.push({ location: item.location, reason: `${kind} "${item.value.id}" is defined twice in this import (first at ${where})` });
    } else {
      seen.set(item.value.id, item);
    }
  }
  return new Set([...stored, ...seen.keys()]);
}
