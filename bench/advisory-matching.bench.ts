/**
 * Advisory matching and import at scale.
 * 1. Matching 10,000 advisories against 50,000 assets (issue 3's target), through the same
 *    AssetIndex + matchAssets the findings run uses. Baseline in the same run: JSON.parse of the
 *    same 10,000 documents — the floor for anything that reads them.
 * 2. Import throughput: CSAF documents validated (schema + mandatory tests) and stored in SQLite.
 *    Baseline: `openssl dgst -sha256` over the same files.
 * Usage: npm run bench [-- --advisories N --assets N --imports N]
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { importAdvisories } from '../src/advisory/import-advisories.js';
import { AssetIndex, matchAssets } from '../src/advisory/match-assets.js';
import type { Asset } from '../src/inventory/inventory-model.js';
import { netscalerBulletins } from '../src/scenario/netscaler-bulletins.js';
import { SeededRandom } from '../src/scenario/seeded-random.js';
import { openCaseStore } from '../src/store/case-store.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ADVISORIES = arg('advisories', 10_000);
const ASSETS = arg('assets', 50_000);
const IMPORTS = arg('imports', 1_000);
const VENDORS = 200;
const PRODUCTS_PER_VENDOR = 10;

const random = new SeededRandom(42);
const version = () => `${random.int(1, 9)}.${random.int(0, 20)}.${random.int(0, 50)}`;
const assets: Asset[] = Array.from({ length: ASSETS }, (_, i) => {
  const vendor = random.int(0, VENDORS - 1);
  const product = random.int(0, PRODUCTS_PER_VENDOR - 1);
  return {
    id: `asset-${i}`,
    name: `Asset ${i}`,
    kind: 'server',
    vendor: `Vendor ${vendor}`,
    product: `Product ${vendor}-${product}`,
    version: version(),
    cpe: i % 3 === 0 ? `cpe:2.3:a:vendor${vendor}:product${vendor}_${product}:*:*:*:*:*:*:*:*` : null,
    purl: null,
    internet_facing: i % 50 === 0,
    criticality: 'medium',
    owner: null,
    location: null,
    data_categories: [],
    depends_on: [],
    notes: null,
    model_numbers: [],
    skus: [],
    hashes: [],
    audit_logging: null,
    addresses: [],
  };
});
const documents = Array.from({ length: ADVISORIES }, (_, i) => {
  const vendor = random.int(0, VENDORS - 1);
  const product = random.int(0, PRODUCTS_PER_VENDOR - 1);
  const fixed = version();
  return JSON.stringify({
    product_tree: {
      branches: [
        {
          category: 'vendor',
          name: `Vendor ${vendor}`,
          branches: [
            {
              category: 'product_name',
              name: `Product ${vendor}-${product}`,
              branches: [
                { category: 'product_version_range', name: `<${fixed}`, product: { product_id: 'AFFECTED', name: `Product ${vendor}-${product} before ${fixed}` } },
                { category: 'product_version', name: fixed, product: { product_id: 'FIXED', name: `Product ${vendor}-${product} ${fixed}` } },
              ],
            },
          ],
        },
      ],
    },
    vulnerabilities: [{ cve: `CVE-2099-${10000 + i}`, product_status: { known_affected: ['AFFECTED'], first_fixed: ['FIXED'] }, scores: [{ products: ['AFFECTED'], cvss_v3: { version: '3.1', baseScore: 7.5, baseSeverity: 'HIGH', vectorString: 'x' } }] }],
  });
});

const seconds = (start: number) => (performance.now() - start) / 1000;

let start = performance.now();
const parsed = documents.map((d) => JSON.parse(d) as unknown);
const parseS = seconds(start);

start = performance.now();
const index = new AssetIndex(assets);
let matches = 0;
let affected = 0;
for (const doc of parsed) {
  for (const m of matchAssets(doc, index)) {
    matches++;
    if (m.status === 'affected') affected++;
  }
}
const matchS = seconds(start);

const dir = await mkdtemp(join(tmpdir(), 'weerbaar-bench-'));
await mkdir(join(dir, 'csaf'));
const template = netscalerBulletins()[1]?.document as { document: { tracking: { id: string } } };
for (let i = 0; i < IMPORTS; i++) {
  const doc = structuredClone(template);
  doc.document.tracking.id = `BENCH-${i}`;
  await writeFile(join(dir, 'csaf', `bench-${i}.json`), JSON.stringify(doc));
}
const store = await openCaseStore({ engine: 'sqlite', file: join(dir, 'case.sqlite') });
start = performance.now();
const imported = await importAdvisories(store.db, { actor: 'bench', clock: () => new Date() }, [join(dir, 'csaf')]);
const importS = seconds(start);
await store.close();
start = performance.now();
execFileSync('sh', ['-c', `cat ${join(dir, 'csaf')}/*.json | openssl dgst -sha256`]);
const opensslS = seconds(start);
await rm(dir, { recursive: true, force: true });
if (imported.imported.length !== IMPORTS) throw new Error(`expected ${IMPORTS} imports, got ${imported.imported.length}`);

const fmt = (n: number) => Math.round(n).toLocaleString('en');
console.log(`advisory matching: ${fmt(ADVISORIES)} advisories × ${fmt(ASSETS)} assets (${VENDORS} vendors, ${VENDORS * PRODUCTS_PER_VENDOR} products)`);
console.log(`  match (index + matchAssets)     ${matchS.toFixed(2)} s   ${fmt(ADVISORIES / matchS)} advisories/s   ${fmt(matches)} matches, ${fmt(affected)} affected`);
console.log(`  baseline JSON.parse of the docs ${parseS.toFixed(3)} s`);
console.log(`  ratio match / parse             ${(matchS / parseS).toFixed(1)}x`);
console.log(`advisory import: ${fmt(IMPORTS)} CSAF documents, validate + store, SQLite`);
console.log(`  import                          ${importS.toFixed(2)} s   ${fmt(IMPORTS / importS)} documents/s`);
console.log(`  baseline openssl dgst -sha256   ${opensslS.toFixed(3)} s   (same files, incl. process start)`);
console.log(`  ratio import / openssl          ${(importS / opensslS).toFixed(1)}x`);
