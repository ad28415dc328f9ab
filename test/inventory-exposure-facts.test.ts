import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './support/cli-harness.js';
import { useEngineWorkspace } from './support/engine-workspace.js';
import { engines, postgresSkipReason } from './support/engines.js';

/**
 * Exposure facts in the inventory (issue 6 §1): data-category selectors (which audit events touch a
 * category) and per-system audit logging (granularity, since, retention, limits), stored, shown,
 * refused with file and line when wrong.
 */

if (postgresSkipReason) describe.skip(postgresSkipReason, () => undefined);

const INVENTORY = `
data_categories:
  - id: shelter-addresses
    name: Shelter addresses
    sensitivity: secret
    personal_data: true
    selectors:
      - { system: shelter-registry, record_types: [shelter-address] }
      - { system: docstore, path_prefixes: [/victim-care/shelters/] }
assets:
  - id: shelter-registry
    name: Shelter registry
    kind: application
    data_categories: [shelter-addresses]
    audit_logging: { granularity: record, enabled_since: 2024-03-01, retention_days: 365 }
  - id: docstore
    name: Document store
    kind: document-store
    data_categories: [shelter-addresses]
    audit_logging: { granularity: none, limits: logs logins only }
`;

describe.each(engines)('inventory exposure facts on $name', (engine) => {
  const t = useEngineWorkspace(engine);

  it('stores selectors and audit logging, shows them, and re-imports them unchanged', async () => {
    const file = join(t.root, 'inventory.yaml');
    await writeFile(file, INVENTORY);
    const first = await cli(['-w', t.ws, 'inventory', 'import', file], { env: t.env });
    expect(first.code, first.stderr).toBe(0);
    const category = JSON.parse((await cli(['-w', t.ws, 'inventory', 'show', 'shelter-addresses', '--json'], { env: t.env })).stdout) as { value: { selectors: unknown[] } };
    expect(category.value.selectors).toEqual([
      { system: 'shelter-registry', record_types: ['shelter-address'], path_prefixes: [], record_ids: [], tags: [] },
      { system: 'docstore', record_types: [], path_prefixes: ['/victim-care/shelters/'], record_ids: [], tags: [] },
    ]);
    const registry = JSON.parse((await cli(['-w', t.ws, 'inventory', 'show', 'shelter-registry', '--json'], { env: t.env })).stdout) as { value: { audit_logging: unknown } };
    expect(registry.value.audit_logging).toEqual({ granularity: 'record', enabled_since: '2024-03-01T00:00:00.000Z', retention_days: 365, limits: null });
    const text = (await cli(['-w', t.ws, 'inventory', 'show', 'docstore'], { env: t.env })).stdout;
    expect(text).toMatch(/audit_logging\s+no access audit, logs logins only/);
    expect((await cli(['-w', t.ws, 'inventory', 'show', 'shelter-addresses'], { env: t.env })).stdout).toMatch(
      /selectors\s+shelter-registry \(record types shelter-address\); docstore \(paths \/victim-care\/shelters\/\)/,
    );
    expect((await cli(['-w', t.ws, 'inventory', 'import', file], { env: t.env })).stdout).toContain('0 created, 0 updated, 3 unchanged');
  });

  it('refuses an unknown granularity, a bad date and a selector naming no asset, with file and line', async () => {
    const file = join(t.root, 'bad.yaml');
    await writeFile(file, INVENTORY.replace('granularity: record, enabled_since: 2024-03-01', 'granularity: column, enabled_since: March 2024'));
    const run = await cli(['-w', t.ws, 'inventory', 'import', file], { env: t.env });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/bad\.yaml:15 \(assets\[0\]\.audit_logging\.granularity\): must be one of: record, table, none/);
    expect(run.stderr).toMatch(/bad\.yaml:15 \(assets\[0\]\.audit_logging\.enabled_since\): must be a date/);
    await writeFile(file, INVENTORY.replace('system: docstore,', 'system: dms,'));
    const unknown = await cli(['-w', t.ws, 'inventory', 'import', file], { env: t.env });
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/bad\.yaml:\d+ \(data_categories\[0\]\.selectors\[1\]\.system\): unknown asset "dms"/);
  });

  it('stores system addresses from YAML and CSV, and refuses what is not an address or network', async () => {
    const yaml = join(t.root, 'inventory.yaml');
    await writeFile(yaml, `${INVENTORY}    addresses: [10.10.7.10, 10.10.70.0/24, 2001:DB8::/48]\n`);
    expect((await cli(['-w', t.ws, 'inventory', 'import', yaml], { env: t.env })).code).toBe(0);
    const docstore = JSON.parse((await cli(['-w', t.ws, 'inventory', 'show', 'docstore', '--json'], { env: t.env })).stdout) as { value: { addresses: string[] } };
    expect(docstore.value.addresses).toEqual(['10.10.7.10', '10.10.70.0/24', '2001:db8::/48']);
    const csv = join(t.root, 'assets.csv');
    await writeFile(csv, 'id,name,kind,addresses\nfs-01,File server,file-server,10.10.6.11; 10.10.6.12\nfs-02,File server 2,file-server,10.10.6.300\nfs-03,File server 3,file-server,010.10.6.13\nfs-04,File server 4,file-server,10.10.6.0/33\n');
    const bad = await cli(['-w', t.ws, 'inventory', 'import', csv], { env: t.env });
    expect(bad.code).toBe(3);
    for (const line of [3, 4, 5]) expect(bad.stderr).toMatch(new RegExp(`assets\\.csv:${line} \\(addresses\\[\\d\\]\\): must be an IPv4 or IPv6 address or network`));
    await writeFile(csv, 'id,name,kind,addresses\nfs-01,File server,file-server,10.10.6.11; 10.10.6.12\n');
    expect((await cli(['-w', t.ws, 'inventory', 'import', csv], { env: t.env })).code).toBe(0);
    const fs = JSON.parse((await cli(['-w', t.ws, 'inventory', 'show', 'fs-01', '--json'], { env: t.env })).stdout) as { value: { addresses: string[] } };
    expect(fs.value.addresses).toEqual(['10.10.6.11', '10.10.6.12']);
  });
});
