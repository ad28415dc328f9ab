import { PackageURL } from 'packageurl-js';
import type { Asset } from '../inventory/inventory-model.js';
import { type CsafProduct, flattenProductTree } from './product-tree.js';
import { type RangeState, inRange } from './version-range.js';
import { type SchemeName, SCHEMES } from './version-schemes.js';
import { type ProductStatus, type Remediation, type VulnerabilityFacts, vulnerabilityFacts } from './vulnerability-facts.js';

/**
 * Matches a CSAF document against the inventory: per (asset, vulnerability) a status with a
 * confidence and the evidence — which product of the tree matched, through which helper or
 * branch, and how the version compared. Semantics follow CSAF: a product the document does not
 * list tells nothing (`unknown`, never "not affected"); `recommended` is never read as fixed; a
 * version that cannot be compared is `unknown` with the reason, for a human to review.
 * Confidence levels follow the kotlin-csaf matching model (reference csaf.md §5.1).
 */

export type FindingStatus = 'affected' | 'under_investigation' | 'fixed' | 'not_affected' | 'unknown';

export interface MatchEvidence {
  readonly productId: string;
  readonly productName: string;
  readonly path: string;
  readonly via: 'cpe' | 'purl' | 'hash' | 'model' | 'sku' | 'name';
  readonly statuses: readonly ProductStatus[];
  readonly versionState: RangeState;
  readonly versionReason: string;
  readonly confidence: number;
}

export interface AssetMatch {
  readonly assetId: string;
  readonly vulnerability: string;
  readonly cve?: string;
  readonly status: FindingStatus;
  readonly confidence: number;
  readonly reason: string;
  readonly evidence: readonly MatchEvidence[];
  readonly cvss?: number;
  /** What the publisher says about exploitation, with the date it says it from. */
  readonly exploitation: readonly { details: string; date?: string }[];
  readonly remediations: readonly Remediation[];
}

/**
 * Names compare as word sequences, case-insensitively: ` netscaler gateway ` is inside
 * ` netscaler adc and netscaler gateway `, but ` product 1 1 ` is not inside ` product 11 1 `, as it
 * would be if separators were simply dropped. Empty text gives '' (no name).
 */
const normalise = memoised((text: string): string => {
  const words = text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  return words.length > 0 ? ` ${words.join(' ')} ` : '';
});

/**
 * Matching compares the same few thousand names, CPEs and package URLs millions of times at fleet
 * scale (bench/advisory-matching.bench.ts); parsing each once halves the run. The caches hold only
 * distinct strings of the inventory and the advisories of one run.
 */
function memoised<T>(parse: (text: string) => T): (text: string | null | undefined) => T {
  const cache = new Map<string, T>();
  return (text) => {
    const key = text ?? '';
    let value = cache.get(key);
    if (value === undefined && !cache.has(key)) {
      if (cache.size > 100_000) cache.clear();
      value = parse(key);
      cache.set(key, value);
    }
    return value as T;
  };
}

/**
 * The version scheme for an asset (and the product it matched): a vendor profile when the asset or
 * the product names the vendor, else dotted numbers when they read as such, else SemVer.
 */
export function schemeFor(asset: Pick<Asset, 'vendor' | 'product' | 'version'> & { cpe?: string | null }, product?: CsafProduct): SchemeName {
  const names = [asset.vendor, asset.product, asset.cpe, product?.vendor, product?.productName, product?.cpe].join(' ');
  if (/netscaler|citrix/i.test(names)) return 'netscaler';
  if (asset.version && SCHEMES.dotted.family(asset.version) === undefined && SCHEMES.semver.family(asset.version) !== undefined) return 'semver';
  return 'dotted';
}

const cpeFields = memoised((cpe: string): { vendor: string; product: string; version: string } | undefined => {
  if (!cpe) return undefined;
  const parts = cpe.startsWith('cpe:2.3:') ? cpe.split(':').slice(3) : cpe.startsWith('cpe:/') ? cpe.slice(5).split(':').slice(1) : undefined;
  if (!parts || parts.length < 2) return undefined;
  return { vendor: (parts[0] ?? '').toLowerCase(), product: (parts[1] ?? '').toLowerCase(), version: parts[2] ?? '*' };
});

const purlFields = memoised((purl: string): { key: string; version?: string } | undefined => {
  if (!purl) return undefined;
  try {
    const p = PackageURL.fromString(purl);
    return { key: `${p.type}/${p.namespace ?? ''}/${p.name}`.toLowerCase(), ...(p.version ? { version: p.version } : {}) };
  } catch {
    return undefined;
  }
});

/**
 * CSAF model numbers and SKUs may be partial: `?` is one character, `*` zero or more. Everything
 * else is literal (escaped), and the pattern must match the whole value.
 */
const wildcard = memoised((pattern: string): RegExp => {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\?/g, '.').replace(/\*/g, '.*');
  return new RegExp(`^${body}$`, 'i');
});

/** How surely this product is the asset's product, ignoring the version; 0 when it is not. */
function identity(asset: Asset, product: CsafProduct): { via: MatchEvidence['via']; confidence: number; version?: string } | undefined {
  const [assetCpe, productCpe] = [cpeFields(asset.cpe), cpeFields(product.cpe)];
  if (assetCpe && productCpe && assetCpe.vendor === productCpe.vendor && assetCpe.product === productCpe.product) {
    const version = productCpe.version !== '*' && productCpe.version !== '-' ? productCpe.version : undefined;
    return { via: 'cpe', confidence: 1, ...(version ? { version } : {}) };
  }
  const [assetPurl, productPurl] = [purlFields(asset.purl), purlFields(product.purl)];
  if (assetPurl && productPurl && assetPurl.key === productPurl.key) return { via: 'purl', confidence: 1, ...(productPurl.version ? { version: productPurl.version } : {}) };
  // A file hash names exactly one build; reference csaf.md: prefer the hash over the file name.
  if (product.hashes?.some((h) => asset.hashes.includes(h))) return { via: 'hash', confidence: 1 };
  if (product.models.some((pattern) => asset.model_numbers.some((m) => wildcard(pattern).test(m)))) return { via: 'model', confidence: 0.95 };
  if (product.skus.some((pattern) => asset.skus.some((s) => wildcard(pattern).test(s)))) return { via: 'sku', confidence: 0.95 };
  const [vendor, name] = [normalise(asset.vendor), normalise(asset.product)];
  if (!name) return undefined;
  if (product.productName) {
    const productName = normalise(product.productName);
    const vendorOk = !product.vendor || !vendor || normalise(product.vendor).includes(vendor) || vendor.includes(normalise(product.vendor));
    if (!vendorOk || !productName) return undefined;
    if (productName === name) return { via: 'name', confidence: 0.95 };
    if (productName.includes(name) || name.includes(productName)) return { via: 'name', confidence: 0.5 };
    return undefined;
  }
  return normalise(product.name).includes(name) ? { via: 'name', confidence: 0.5 } : undefined;
}

/** Where the asset's version stands against the product, read through the status it carries. */
function versionState(asset: Asset, product: CsafProduct, pinned: string | undefined, statuses: readonly ProductStatus[]): { state: RangeState; reason: string } {
  if (!asset.version) return { state: 'unparseable', reason: 'the asset has no recorded version' };
  const scheme = schemeFor(asset, product);
  if (product.range) return inRange(asset.version, product.range, scheme);
  const version = product.version ?? pinned;
  if (!version) return { state: 'in', reason: 'the product names no version: every version' };
  const order = SCHEMES[scheme].compare(asset.version, version);
  if (order === 'not_comparable' || order === 'unparseable') return { state: order, reason: `${asset.version} vs ${version} (${scheme}): ${order.replace('_', ' ')}` };
  // first_* and last_* name a boundary, not a single version.
  if (statuses.some((s) => s === 'first_fixed' || s === 'first_affected')) return order >= 0 ? { state: 'in', reason: `${asset.version} is at or after ${version}` } : { state: 'out', reason: `${asset.version} is before ${version}` };
  if (statuses.includes('last_affected')) return order <= 0 ? { state: 'in', reason: `${asset.version} is at or before ${version}` } : { state: 'out', reason: `${asset.version} is after ${version}` };
  return order === 0 ? { state: 'in', reason: `equals ${version}` } : { state: 'out', reason: `${asset.version} is not ${version}` };
}

const STATUS_CLASS: Record<ProductStatus, FindingStatus | undefined> = {
  known_affected: 'affected',
  first_affected: 'affected',
  last_affected: 'affected',
  under_investigation: 'under_investigation',
  fixed: 'fixed',
  first_fixed: 'fixed',
  known_not_affected: 'not_affected',
  unknown: 'unknown',
  recommended: undefined,
};
const PRECEDENCE: FindingStatus[] = ['affected', 'under_investigation', 'fixed', 'not_affected', 'unknown'];

/**
 * Candidate lookup for matching at scale: assets indexed by CPE vendor:product, package-URL, and
 * by their distinct normalised vendor and product names. Name matching allows containment
 * ("NetScaler Gateway" in "NetScaler ADC and NetScaler Gateway"), which no hash lookup answers;
 * scanning the distinct names instead of the assets keeps it proportional to the catalogue, not
 * the fleet (50,000 assets rarely have more than a few thousand distinct products).
 */
export class AssetIndex {
  private readonly byCpe = new Map<string, Asset[]>();
  private readonly byPurl = new Map<string, Asset[]>();
  private readonly byVendor = new Map<string, Asset[]>();
  private readonly byProduct = new Map<string, Asset[]>();
  private readonly byHash = new Map<string, Asset[]>();
  /** Model numbers and SKUs are matched by pattern, so the few assets that have them are scanned. */
  private readonly withModelOrSku: Asset[] = [];

  constructor(readonly assets: readonly Asset[]) {
    const add = (map: Map<string, Asset[]>, key: string | undefined, asset: Asset) => {
      if (!key) return;
      const list = map.get(key);
      if (list) list.push(asset);
      else map.set(key, [asset]);
    };
    for (const asset of assets) {
      const cpe = cpeFields(asset.cpe);
      add(this.byCpe, cpe ? `${cpe.vendor}:${cpe.product}` : undefined, asset);
      add(this.byPurl, purlFields(asset.purl)?.key, asset);
      add(this.byVendor, normalise(asset.vendor) || '-', asset);
      add(this.byProduct, normalise(asset.product) || undefined, asset);
      for (const hash of asset.hashes) add(this.byHash, hash, asset);
      if (asset.model_numbers.length > 0 || asset.skus.length > 0) this.withModelOrSku.push(asset);
    }
  }

  candidates(product: CsafProduct): Set<Asset> {
    const found = new Set<Asset>();
    const cpe = cpeFields(product.cpe);
    for (const a of (cpe && this.byCpe.get(`${cpe.vendor}:${cpe.product}`)) || []) found.add(a);
    for (const a of this.byPurl.get(purlFields(product.purl)?.key ?? '') ?? []) found.add(a);
    for (const hash of product.hashes ?? []) for (const a of this.byHash.get(hash) ?? []) found.add(a);
    if (product.models.length > 0 || product.skus.length > 0) for (const a of this.withModelOrSku) found.add(a);
    if (product.productName) {
      const vendor = normalise(product.vendor);
      for (const [key, assets] of this.byVendor) {
        if (!vendor || key === '-' || key.includes(vendor) || vendor.includes(key)) for (const a of assets) found.add(a);
      }
    } else {
      const name = normalise(product.name);
      for (const [key, assets] of this.byProduct) if (name.includes(key)) for (const a of assets) found.add(a);
    }
    return found;
  }
}

export function matchAssets(document: unknown, assets: readonly Asset[] | AssetIndex): AssetMatch[] {
  const index = assets instanceof AssetIndex ? assets : new AssetIndex(assets);
  const products = [...flattenProductTree(document).values()];
  const vulnerabilities = vulnerabilityFacts(document);
  const related = new Map<Asset, { product: CsafProduct; id: NonNullable<ReturnType<typeof identity>> }[]>();
  for (const product of products) {
    for (const asset of index.candidates(product)) {
      const id = identity(asset, product);
      if (!id) continue;
      const list = related.get(asset);
      if (list) list.push({ product, id });
      else related.set(asset, [{ product, id }]);
    }
  }
  const matches: AssetMatch[] = [];
  // In inventory order, so that results do not depend on the index's internals.
  for (const asset of index.assets) {
    const pairs = related.get(asset);
    if (!pairs) continue;
    for (const vulnerability of vulnerabilities) {
      const match = matchOne(asset, vulnerability, pairs);
      if (match) matches.push(match);
    }
  }
  return matches;
}

function matchOne(asset: Asset, vulnerability: VulnerabilityFacts, related: { product: CsafProduct; id: NonNullable<ReturnType<typeof identity>> }[]): AssetMatch | undefined {
  const evidence: MatchEvidence[] = [];
  for (const { product, id } of related) {
    const statuses = vulnerability.statuses.get(product.productId);
    if (!statuses) continue;
    const version = versionState(asset, product, id.version, statuses);
    const confidence = version.reason.startsWith('the product names no version') ? id.confidence * 0.7 : id.confidence;
    evidence.push({ productId: product.productId, productName: product.name, path: product.path, via: id.via, statuses, versionState: version.state, versionReason: version.reason, confidence });
  }
  if (evidence.length === 0) return undefined;
  const inside = evidence.filter((e) => e.versionState === 'in');
  const classes = inside.flatMap((e) => e.statuses.map((s) => STATUS_CLASS[s]).filter((c): c is FindingStatus => c !== undefined));
  const status: FindingStatus = PRECEDENCE.find((c) => classes.includes(c)) ?? 'unknown';
  let reason: string;
  if (status !== 'unknown') {
    reason = inside.filter((e) => e.statuses.some((s) => STATUS_CLASS[s] === status)).map((e) => `${e.productName}: ${e.statuses.join(', ')} (${e.versionReason})`).join('; ');
  } else {
    const review = evidence.filter((e) => e.versionState === 'not_comparable' || e.versionState === 'unparseable');
    reason =
      review.length > 0
        ? `needs review: ${review.map((e) => `${e.productName}: ${e.versionReason}`).join('; ')}`
        : `the advisory lists ${[...new Set(evidence.map((e) => e.productName))].join(', ')} but not version ${asset.version ?? '(none)'}: no information`;
  }
  const decisive = status === 'unknown' ? evidence : inside;
  const productIds = new Set(decisive.map((e) => e.productId));
  const touches = (ids: readonly string[]) => ids.length === 0 || ids.some((id) => productIds.has(id));
  // Scores and remediations usually name the affected products; a fixed asset still wants to see
  // how severe the vulnerability is and what the fix was, so fall back to the whole vulnerability.
  const ownScores = vulnerability.cvss.filter((c) => touches(c.productIds)).map((c) => c.baseScore);
  const scores = ownScores.length > 0 ? ownScores : vulnerability.cvss.map((c) => c.baseScore);
  const ownRemediations = vulnerability.remediations.filter((r) => r.productIds.some((id) => productIds.has(id)));
  return {
    assetId: asset.id,
    vulnerability: vulnerability.key,
    ...(vulnerability.cve ? { cve: vulnerability.cve } : {}),
    status,
    confidence: Math.max(...decisive.map((e) => e.confidence)),
    reason,
    evidence,
    ...(scores.length > 0 ? { cvss: Math.max(...scores) } : {}),
    // Exploitation is a fact about the vulnerability, whichever product the publisher tied it to.
    exploitation: vulnerability.exploitation.map((t) => ({ details: t.details, ...(t.date ? { date: t.date } : {}) })),
    remediations: ownRemediations.length > 0 ? ownRemediations : vulnerability.remediations,
  };
}
