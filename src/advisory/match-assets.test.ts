import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Asset } from '../inventory/inventory-model.js';
import { matchAssets, schemeFor } from './match-assets.js';
import { flattenProductTree } from './product-tree.js';

/** A bulletin shaped like Citrix's CVE-2025-5777 advisory: one affected range, first-fixed builds per train. */
const bulletin = {
  document: { csaf_version: '2.0', title: 'NetScaler ADC and NetScaler Gateway Security Bulletin' },
  product_tree: {
    branches: [
      {
        category: 'vendor',
        name: 'Citrix',
        branches: [
          {
            category: 'product_name',
            name: 'NetScaler Gateway',
            branches: [
              { category: 'product_version_range', name: '<14.1-43.56|<13.1-58.32|<13.1-37.235-FIPS', product: { product_id: 'NSG-VULN', name: 'NetScaler Gateway before the fixed builds' } },
              { category: 'product_version', name: '14.1-43.56', product: { product_id: 'NSG-14.1-FIX', name: 'NetScaler Gateway 14.1-43.56' } },
              { category: 'product_version', name: '13.1-58.32', product: { product_id: 'NSG-13.1-FIX', name: 'NetScaler Gateway 13.1-58.32' } },
              { category: 'product_version', name: '13.1-37.235-FIPS', product: { product_id: 'NSG-FIPS-FIX', name: 'NetScaler Gateway 13.1-37.235-FIPS' } },
            ],
          },
        ],
      },
    ],
  },
  vulnerabilities: [
    {
      cve: 'CVE-2025-5777',
      product_status: { known_affected: ['NSG-VULN'], first_fixed: ['NSG-14.1-FIX', 'NSG-13.1-FIX', 'NSG-FIPS-FIX'] },
      scores: [{ products: ['NSG-VULN'], cvss_v3: { version: '3.1', baseScore: 9.3, baseSeverity: 'CRITICAL', vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' } }],
      threats: [{ category: 'exploit_status', date: '2025-07-10T00:00:00Z', details: 'Exploitation observed in the wild', product_ids: ['NSG-VULN'] }],
      remediations: [{ category: 'vendor_fix', date: '2025-06-17T00:00:00Z', details: 'Upgrade to 14.1-43.56 or later', product_ids: ['NSG-VULN'], url: 'https://support.citrix.example/CTX693420' }],
    },
  ],
};

const gateway = (id: string, version: string | null, extra: Partial<Asset> = {}): Asset => ({
  id,
  name: id,
  kind: 'gateway',
  vendor: 'Citrix',
  product: 'NetScaler Gateway',
  version,
  cpe: null,
  purl: null,
  internet_facing: true,
  criticality: 'critical',
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
  ...extra,
});

describe('matching a NetScaler bulletin', () => {
  const assets = [
    gateway('gw-vulnerable', '14.1-43.50'),
    gateway('gw-patched', '14.1-47.46'),
    gateway('gw-fips', '13.1-37.236-FIPS'),
    gateway('gw-fips-old', '13.1-37.200-FIPS'),
    gateway('gw-eol', '13.0-92.21'),
    gateway('gw-unknown-version', null),
    { ...gateway('mail', '2019 CU14'), vendor: 'Microsoft', product: 'Exchange Server' },
  ];
  const byAsset = new Map(matchAssets(bulletin, assets).map((m) => [m.assetId, m]));

  it('finds the vulnerable gateway affected, with score, exploitation, remediation and evidence', () => {
    const match = byAsset.get('gw-vulnerable');
    expect(match).toMatchObject({ cve: 'CVE-2025-5777', status: 'affected', confidence: 0.95, cvss: 9.3 });
    expect(match?.exploitation).toEqual([{ date: '2025-07-10T00:00:00Z', details: 'Exploitation observed in the wild' }]);
    expect(match?.remediations[0]?.date).toBe('2025-06-17T00:00:00Z');
    expect(match?.evidence.find((e) => e.productId === 'NSG-VULN')).toMatchObject({
      via: 'name',
      versionState: 'in',
      path: 'product_tree.branches[0].branches[0].branches[0].product',
    });
  });

  it('reads first_fixed as "this build and later" within the train', () => {
    expect(byAsset.get('gw-patched')?.status).toBe('fixed');
    expect(byAsset.get('gw-fips')?.status).toBe('fixed');
    expect(byAsset.get('gw-fips-old')?.status).toBe('affected');
  });

  it('treats an end-of-life train as affected and a missing version as unknown, needing review', () => {
    expect(byAsset.get('gw-eol')?.status).toBe('affected');
    expect(byAsset.get('gw-eol')?.reason).toContain('end-of-life');
    expect(byAsset.get('gw-unknown-version')).toMatchObject({ status: 'unknown' });
    expect(byAsset.get('gw-unknown-version')?.reason).toContain('needs review');
  });

  it('does not relate assets of other products', () => {
    expect(byAsset.has('mail')).toBe(false);
  });

  it('prefers a CPE match over names, at full confidence', () => {
    const withCpe = structuredClone(bulletin);
    (withCpe.product_tree.branches[0]?.branches[0]?.branches[0]?.product as Record<string, unknown>)['product_identification_helper'] = { cpe: 'cpe:2.3:a:citrix:netscaler_gateway:*:*:*:*:*:*:*:*' };
    const asset = gateway('gw', '14.1-43.50', { vendor: 'Cloud Software Group', product: 'ADC', cpe: 'cpe:2.3:a:citrix:netscaler_gateway:14.1-43.50:*:*:*:*:*:*:*' });
    expect(matchAssets(withCpe, [asset])[0]).toMatchObject({ status: 'affected', confidence: 1, evidence: [expect.objectContaining({ via: 'cpe' })] });
  });

  it('chooses the NetScaler profile for Citrix assets', () => {
    expect(schemeFor(gateway('x', '14.1-43.50'))).toBe('netscaler');
    expect(schemeFor({ vendor: 'Example', product: 'ADC', version: '14.1-43.50' }, { productId: 'p', name: 'p', cpe: 'cpe:2.3:a:citrix:adc:*:*:*:*:*:*:*:*', models: [], skus: [], path: '' })).toBe('netscaler');
    expect(schemeFor({ vendor: 'nginx', product: 'nginx', version: '1.25.3-rc.1' })).toBe('semver');
    expect(schemeFor({ vendor: 'Microsoft', product: 'Windows', version: '10.0.19045' })).toBe('dotted');
  });
});

describe('model numbers, SKUs and file hashes', () => {
  const appliance = {
    product_tree: {
      full_product_names: [
        { product_id: 'MPX', name: 'Appliance firmware', product_identification_helper: { model_numbers: ['MPX 89?5*'] } },
        { product_id: 'SKU', name: 'Appliance bundle', product_identification_helper: { skus: ['NS-*-ENT'] } },
        { product_id: 'BIN', name: 'nsppe binary', product_identification_helper: { hashes: [{ filename: 'nsppe', file_hashes: [{ algorithm: 'SHA-256', value: 'AB'.repeat(32) }] }] } },
      ],
    },
    vulnerabilities: [{ cve: 'CVE-2099-0002', product_status: { known_affected: ['MPX', 'SKU', 'BIN'] } }],
  };
  const device = (id: string, extra: Partial<Asset>) => ({ ...gateway(id, '14.1-43.50'), vendor: 'Other', product: 'Box', ...extra });

  it('match partial model numbers and SKUs with ? and *, and file hashes exactly', () => {
    const matches = matchAssets(appliance, [
      device('model', { model_numbers: ['MPX 8905 FIPS'] }),
      device('other-model', { model_numbers: ['MPX 8920'], skus: ['NS-X-STD'] }),
      device('sku', { skus: ['NS-100-ENT'] }),
      device('hash', { hashes: [`sha256:${'ab'.repeat(32)}`] }),
    ]);
    expect(matches.map((m) => `${m.assetId} ${m.evidence.map((e) => e.via).join(',')} ${m.status}`)).toEqual([
      'model model affected',
      'sku sku affected',
      'hash hash affected',
    ]);
  });

  it('treat wildcard patterns as patterns, everything else literally', () => {
    const literal = { ...appliance, product_tree: { full_product_names: [{ product_id: 'MPX', name: 'x', product_identification_helper: { model_numbers: ['A.B(1)'] } }] } };
    expect(matchAssets(literal, [device('dot', { model_numbers: ['AxB(1)'] })])).toEqual([]);
    expect(matchAssets(literal, [device('same', { model_numbers: ['a.b(1)'] })])).toHaveLength(1);
  });
});

describe('what a document does not say', () => {
  it('is unknown, never "not affected", for a version the advisory does not list', () => {
    const onlyFixed = {
      product_tree: { branches: [{ category: 'vendor', name: 'Example', branches: [{ category: 'product_name', name: 'Widget', branches: [{ category: 'product_version', name: '2.0.1', product: { product_id: 'W-201', name: 'Widget 2.0.1' } }] }] }] },
      vulnerabilities: [{ cve: 'CVE-2099-0001', product_status: { fixed: ['W-201'], recommended: ['W-201'] } }],
    };
    const asset = { ...gateway('w', '1.9.0'), kind: 'application' as const, vendor: 'Example', product: 'Widget' };
    const [match] = matchAssets(onlyFixed, [asset]);
    expect(match).toMatchObject({ status: 'unknown' });
    expect(match?.reason).toContain('no information');
    expect(matchAssets(onlyFixed, [{ ...asset, version: '2.0.1' }])[0]?.status).toBe('fixed');
  });

  it('flattens branches, full product names and relationships of a real advisory', async () => {
    const doc = JSON.parse(await readFile(join(import.meta.dirname, '..', '..', '..', 'shared', 'corpora', 'csaf', 'oasis-2.0', 'examples', 'csaf', 'rhsa-2022_0011.json'), 'utf8')) as unknown;
    const products = flattenProductTree(doc);
    expect(products.get('7Server-7.6.AUS')).toMatchObject({ vendor: 'Red Hat', productName: 'Red Hat Enterprise Linux Server AUS (v. 7.6)', cpe: 'cpe:/o:redhat:rhel_aus:7.6::server' });
    expect(products.get('7Server-7.6.AUS:telnet-1:0.17-65.el7_6.x86_64')).toMatchObject({
      version: 'telnet-1:0.17-65.el7_6.x86_64',
      relationship: { category: 'default_component_of', component: 'telnet-1:0.17-65.el7_6.x86_64', platform: '7Server-7.6.AUS' },
    });
  });
});
