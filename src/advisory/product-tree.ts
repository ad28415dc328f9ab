/**
 * Flattens a CSAF product tree into one record per product id, with everything a matcher can use:
 * the vendor / product name / version or range from the branch path, the full product name, the
 * identification helpers (cpe, purl, model numbers, SKUs) and the JSON path where it is defined —
 * the evidence of a match. Relationship products inherit what their component says.
 * The input is a validated document, but every field is still read defensively.
 */

export interface CsafProduct {
  readonly productId: string;
  readonly name: string;
  readonly vendor?: string;
  readonly productName?: string;
  readonly version?: string;
  readonly range?: string;
  readonly cpe?: string;
  readonly purl?: string;
  readonly models: readonly string[];
  readonly skus: readonly string[];
  /** File hashes as `<algorithm>:<hex>` (algorithm lower case, default sha256). */
  readonly hashes?: readonly string[];
  readonly path: string;
  /** For relationship products: the category and the component's product id. */
  readonly relationship?: { category: string; component: string; platform: string };
}

type Json = Record<string, unknown>;

const asObject = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

interface BranchContext {
  vendor?: string;
  productName?: string;
  family?: string;
  version?: string;
  range?: string;
}

/** CSAF 2.0 caps branch depth at 25 (2.1: 30); deeper trees are hostile or broken. */
const MAX_DEPTH = 30;

export function flattenProductTree(document: unknown): Map<string, CsafProduct> {
  const products = new Map<string, CsafProduct>();
  const tree = asObject(asObject(document)?.['product_tree']);
  if (!tree) return products;

  const add = (full: unknown, context: BranchContext, path: string) => {
    const product = asObject(full);
    const productId = asString(product?.['product_id']);
    if (!product || !productId) return;
    const helper = asObject(product['product_identification_helper']) ?? {};
    const purls = asArray(helper['purls']).map(asString).filter((p): p is string => !!p);
    products.set(productId, {
      productId,
      name: asString(product['name']) ?? productId,
      ...(context.vendor ? { vendor: context.vendor } : {}),
      ...(context.productName ?? context.family ? { productName: context.productName ?? context.family } : {}),
      ...(context.version ? { version: context.version } : {}),
      ...(context.range ? { range: context.range } : {}),
      ...(asString(helper['cpe']) ? { cpe: asString(helper['cpe']) } : {}),
      ...((asString(helper['purl']) ?? purls[0]) ? { purl: asString(helper['purl']) ?? purls[0] } : {}),
      hashes: asArray(helper['hashes']).flatMap((h) =>
        asArray(asObject(h)?.['file_hashes']).flatMap((fh) => {
          const value = asString(asObject(fh)?.['value']);
          return value ? [`${(asString(asObject(fh)?.['algorithm']) ?? 'sha256').toLowerCase().replace(/-/g, '')}:${value.toLowerCase()}`] : [];
        }),
      ),
      models: asArray(helper['model_numbers']).map(asString).filter((m): m is string => !!m),
      skus: asArray(helper['skus']).map(asString).filter((m): m is string => !!m),
      path,
    });
  };

  const walk = (branches: unknown, context: BranchContext, path: string, depth: number) => {
    if (depth > MAX_DEPTH) return;
    asArray(branches).forEach((raw, i) => {
      const branch = asObject(raw);
      if (!branch) return;
      const here = `${path}[${i}]`;
      const name = asString(branch['name']);
      const next: BranchContext = { ...context };
      switch (branch['category']) {
        case 'vendor':
          next.vendor = name;
          break;
        case 'product_name':
          next.productName = name;
          break;
        case 'product_family':
          next.family = name;
          break;
        case 'product_version':
          next.version = name;
          break;
        case 'product_version_range':
          next.range = name;
          break;
      }
      if (branch['product']) add(branch['product'], next, `${here}.product`);
      walk(branch['branches'], next, `${here}.branches`, depth + 1);
    });
  };

  walk(tree['branches'], {}, 'product_tree.branches', 0);
  asArray(tree['full_product_names']).forEach((full, i) => add(full, {}, `product_tree.full_product_names[${i}]`));
  asArray(tree['relationships']).forEach((raw, i) => {
    const relationship = asObject(raw);
    const full = asObject(relationship?.['full_product_name']);
    const productId = asString(full?.['product_id']);
    const component = asString(relationship?.['product_reference']);
    const platform = asString(relationship?.['relates_to_product_reference']);
    if (!relationship || !full || !productId || !component || !platform) return;
    const base = products.get(component);
    products.set(productId, {
      ...(base ?? { models: [], skus: [] }),
      productId,
      name: asString(full['name']) ?? productId,
      path: `product_tree.relationships[${i}]`,
      relationship: { category: asString(relationship['category']) ?? 'unknown', component, platform },
    });
  });
  return products;
}

/** Expands product group ids to product ids (remediations, threats and flags may name groups). */
export function productGroups(document: unknown): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const raw of asArray(asObject(asObject(document)?.['product_tree'])?.['product_groups'])) {
    const group = asObject(raw);
    const id = asString(group?.['group_id']);
    if (id) groups.set(id, asArray(group?.['product_ids']).map(asString).filter((p): p is string => !!p));
  }
  return groups;
}
