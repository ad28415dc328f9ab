import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CaseStore, openCaseStore } from '../store/case-store.js';
import { InvalidInputError } from '../shared/errors.js';
import { importInventory } from './import-inventory.js';
import { loadInventory } from './inventory-store.js';

let dir: string;
let store: CaseStore;
const who = { actor: 'tester', clock: () => new Date('2025-07-16T09:00:00Z') };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weerbaar-inv-'));
  store = await openCaseStore({ engine: 'sqlite', file: ':memory:' });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

/** Imports and returns the rejection's problems as `file:line reason` strings (file names only). */
async function rejected(files: string[]): Promise<string[]> {
  try {
    await importInventory(store.db, who, files);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return error.problems.map((p) => `${p.location.file}:${p.location.line ?? '?'} ${p.location.path ?? ''} ${p.reason}`.replaceAll(`${dir}/`, '').replace(/\s+/g, ' '));
  }
  throw new Error('import was accepted');
}

const CATEGORIES = `data_categories:
  - id: shelter-addresses
    name: Shelter addresses
    sensitivity: secret
    personal_data: yes
`;

describe('YAML inventory', () => {
  it('imports every section with defaults and normalised values', async () => {
    const path = await file(
      'inventory.yaml',
      `${CATEGORIES}assets:
  - id: registry
    name: Shelter registry
    kind: Application
    data_categories: [shelter-addresses]
partners:
  - id: shelters
    name: Shelter federation
    kind: shelter
    tlp_max: tlp:amber+strict
    contacts: [{ name: Duty officer, email: duty@shelters.example }]
interfaces:
  - { id: if-1, asset: registry, partner: shelters, direction: bidirectional, data_categories: [shelter-addresses], load_order: 2 }
`,
    );
    const result = await importInventory(store.db, who, [path]);
    expect(result).toMatchObject({ created: 4, updated: 0, unchanged: 0 });
    const inv = await loadInventory(store.db);
    expect(inv.assets[0]).toMatchObject({ id: 'registry', kind: 'application', criticality: 'medium', internet_facing: false, data_categories: ['shelter-addresses'] });
    expect(inv.partners[0]?.tlp_max).toBe('AMBER+STRICT');
    expect(inv.interfaces[0]).toMatchObject({ load_order: 2, direction: 'bidirectional' });
  });

  it('names file, line and path of every invalid value, and imports nothing', async () => {
    const path = await file(
      'bad.yaml',
      `${CATEGORIES}assets:
  - id: a1
    name: A
    kind: toaster
  - id: a2
    name: B
    kind: server
    criticality: extreme
    colour: blue
`,
    );
    const problems = await rejected([path]);
    expect(problems).toEqual([
      expect.stringMatching(/^bad\.yaml:9 assets\[0\]\.kind must be one of: gateway, /),
      expect.stringMatching(/^bad\.yaml:13 assets\[1\]\.criticality must be one of: low, medium, high, critical/),
      'bad.yaml:14 assets[1].colour unknown field "colour"',
    ]);
    expect((await loadInventory(store.db)).data_categories).toHaveLength(0);
  });

  it('reports YAML syntax errors with their line', async () => {
    const problems = await rejected([await file('broken.yaml', 'assets:\n  - id: x\n   name: [unclosed\n')]);
    expect(problems[0]).toMatch(/^broken\.yaml:3 .*YAML syntax/);
  });

  it('rejects unknown references and duplicate ids, naming where each stands', async () => {
    const path = await file(
      'refs.yaml',
      `${CATEGORIES}assets:
  - { id: a1, name: A, kind: server, depends_on: [ghost], data_categories: [nope] }
  - { id: a1, name: A again, kind: server }
  - { id: a3, name: C, kind: server, depends_on: [a3] }
interfaces:
  - { id: i1, asset: a1, partner: police, direction: outbound }
`,
    );
    const problems = await rejected([path]);
    expect(problems).toEqual(
      expect.arrayContaining([
        'refs.yaml:7 assets[0].data_categories unknown data category "nope"',
        'refs.yaml:7 assets[0].depends_on unknown asset "ghost"',
        'refs.yaml:8 assets[1] asset "a1" is defined twice in this import (first at refs.yaml:7)',
        'refs.yaml:9 assets[2] asset "a3" cannot depend on itself',
        'refs.yaml:11 interfaces[0].partner unknown partner "police"',
      ]),
    );
  });

  it('resolves references across the files of one import and against what is stored', async () => {
    const categories = await file('categories.yaml', CATEGORIES);
    const assets = await file('assets.yaml', 'assets:\n  - { id: reg, name: Registry, kind: application, data_categories: [shelter-addresses] }\n');
    await importInventory(store.db, who, [assets, categories]);
    const later = await file('later.yaml', 'assets:\n  - { id: backup, name: Backup, kind: backup, depends_on: [reg], data_categories: [shelter-addresses] }\n');
    expect((await importInventory(store.db, who, [later])).created).toBe(1);
  });
});

describe('JSON inventory', () => {
  it('imports a JSON document and reports syntax errors with line and column', async () => {
    const good = await file('inv.json', JSON.stringify({ data_categories: [{ id: 'hr', name: 'HR', sensitivity: 'confidential', personal_data: true }] }, null, 2));
    expect((await importInventory(store.db, who, [good])).created).toBe(1);
    const problems = await rejected([await file('bad.json', '{\n  "assets": [\n    { "id": "x", }\n  ]\n}\n')]);
    expect(problems[0]).toMatch(/^bad\.json:3 .*JSON syntax/);
  });

  it('points a validation problem at its line in pretty-printed JSON', async () => {
    const text = JSON.stringify({ assets: [{ id: 'a', name: 'A', kind: 'server' }, { id: 'b', name: 'B', kind: 'server', internet_facing: 'maybe' }] }, null, 2);
    const problems = await rejected([await file('inv.json', text)]);
    expect(problems).toEqual([expect.stringMatching(/^inv\.json:12 assets\[1\]\.internet_facing must be yes\/no/)]);
  });

  it('treats hostile keys and ids as data', async () => {
    const text = '{"__proto__": {"polluted": true}, "data_categories": [{"id": "x\'); drop table asset;--", "name": "n", "sensitivity": "public", "personal_data": false}]}';
    const problems = await rejected([await file('hostile.json', text)]);
    expect(problems).toEqual([expect.stringMatching(/unknown section "__proto__"/)]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    await importInventory(store.db, who, [await file('ok.json', text.replace('"__proto__": {"polluted": true}, ', ''))]);
    expect((await loadInventory(store.db)).data_categories[0]?.id).toBe("x'); drop table asset;--");
  });
});

describe('CSV inventory', () => {
  it('imports assets with lists and yes/no flags, kind taken from the file name', async () => {
    await importInventory(store.db, who, [await file('cats.yaml', CATEGORIES)]);
    const csv = await file(
      'assets.csv',
      'id,name,kind,internet_facing,data_categories,depends_on,notes\n' +
        'gw,Gateway,gateway,yes,,idp,"edge, DMZ"\n' +
        'idp,Identity,identity,no,shelter-addresses,,\n',
    );
    const result = await importInventory(store.db, who, [csv]);
    expect(result.files[0]).toMatchObject({ format: 'csv', items: 2 });
    const inv = await loadInventory(store.db);
    expect(inv.assets.find((a) => a.id === 'gw')).toMatchObject({ internet_facing: true, depends_on: ['idp'], notes: 'edge, DMZ' });
  });

  it('names the line of each bad row', async () => {
    const csv = await file('partners.csv', 'id,name,kind,tlp_max,contacts\npolice,Police,police,AMBER,Desk <desk@police.example>\ncourts,Courts,court,PURPLE,\n');
    expect(await rejected([csv])).toEqual([expect.stringMatching(/^partners\.csv:3 tlp_max must be a TLP 2\.0 label/)]);
  });

  it('names the first line of a record whose quoted cell spans lines, past empty lines', async () => {
    const csv = await file('assets.csv', 'id,name,kind,notes\na,A,server,"two\nlines"\n\nb,B,blender,\n');
    expect(await rejected([csv])).toEqual([expect.stringMatching(/^assets\.csv:5 kind must be one of/)]);
  });

  it('refuses a CSV whose name does not say what it holds', async () => {
    expect(await rejected([await file('stuff.csv', 'id,name\n1,2\n')])).toEqual([expect.stringMatching(/cannot tell which records this CSV holds/)]);
  });

  it('reports malformed CSV with its line', async () => {
    const problems = await rejected([await file('assets.csv', 'id,name,kind\na,"unterminated,server\n')]);
    expect(problems[0]).toMatch(/^assets\.csv:\d+ .*CSV syntax/);
  });
});

describe('CycloneDX', () => {
  const bom = (specVersion: string, extra: object = {}) =>
    JSON.stringify({
      bomFormat: 'CycloneDX',
      specVersion,
      version: 1,
      metadata: { component: { 'bom-ref': 'appliance', type: 'device', name: 'NetScaler MPX', version: '14.1-43.50' } },
      components: [
        {
          'bom-ref': 'ns-firmware',
          type: 'firmware',
          name: 'NetScaler',
          version: '14.1-43.50',
          cpe: 'cpe:2.3:o:citrix:netscaler:14.1-43.50:*:*:*:*:*:*:*',
          supplier: { name: 'Citrix' },
          properties: [{ name: 'weerbaar:internet_facing', value: 'true' }, { name: 'weerbaar:criticality', value: 'critical' }],
          components: [{ 'bom-ref': 'openssl', type: 'library', name: 'openssl', version: '3.0.13', purl: 'pkg:generic/openssl@3.0.13' }],
        },
      ],
      dependencies: [{ ref: 'appliance', dependsOn: ['ns-firmware'] }, { ref: 'ns-firmware', dependsOn: ['openssl'] }],
      ...extra,
    }, null, 2);

  it('reads component hashes and model numbers, and CSV lists of them', async () => {
    const text = bom('1.6').replace('"purl": "pkg:generic/openssl@3.0.13"', `"purl": "pkg:generic/openssl@3.0.13", "hashes": [{ "alg": "SHA-256", "content": "${'AB'.repeat(32)}" }], "properties": [{ "name": "weerbaar:model_numbers", "value": "MPX 8905;MPX 8910" }]`);
    await importInventory(store.db, who, [await file('hashes.cdx.json', text)]);
    const openssl = (await loadInventory(store.db)).assets.find((a) => a.id === 'openssl');
    expect(openssl).toMatchObject({ hashes: [`sha256:${'ab'.repeat(32)}`], model_numbers: ['MPX 8905', 'MPX 8910'] });
    const csv = await file('assets.csv', 'id,name,kind,skus,hashes\nbox,Box,device,NS-1;NS-2,sha256:zz\n');
    expect(await rejected([csv])).toEqual([expect.stringMatching(/^assets\.csv:2 hashes\[0\] must be <algorithm>:<hex digest>/)]);
  });

  it.each(['1.5', '1.6'])('turns components of a %s BOM into assets with cpe, purl, version and dependencies', async (version) => {
    await importInventory(store.db, who, [await file('sbom.cdx.json', bom(version))]);
    const inv = await loadInventory(store.db);
    expect(inv.assets.map((a) => a.id)).toEqual(['appliance', 'ns-firmware', 'openssl']);
    expect(inv.assets.find((a) => a.id === 'ns-firmware')).toMatchObject({
      kind: 'firmware',
      vendor: 'Citrix',
      version: '14.1-43.50',
      cpe: 'cpe:2.3:o:citrix:netscaler:14.1-43.50:*:*:*:*:*:*:*',
      internet_facing: true,
      criticality: 'critical',
      depends_on: ['openssl'],
    });
    expect(inv.assets.find((a) => a.id === 'openssl')).toMatchObject({ kind: 'library', purl: 'pkg:generic/openssl@3.0.13' });
  });

  it('rejects an unsupported spec version and invalid components with their JSON path', async () => {
    expect(await rejected([await file('old.cdx.json', bom('1.4'))])).toEqual([expect.stringMatching(/^old\.cdx\.json:3 specVersion must be one of 1\.5, 1\.6/)]);
    const broken = bom('1.6').replace('"name": "openssl"', '"nome": "openssl"');
    expect(await rejected([await file('broken.cdx.json', broken)])).toEqual([expect.stringMatching(/components\[0\]\.components\[0\]\.name/)]);
  });

  it('reports a dependency on a component the BOM does not have', async () => {
    const text = bom('1.6', { dependencies: [{ ref: 'openssl', dependsOn: ['zlib'] }] });
    expect(await rejected([await file('deps.cdx.json', text)])).toEqual([expect.stringMatching(/unknown asset "zlib"/)]);
  });
});

describe('re-import', () => {
  it('updates in place, records exactly what changed, and ignores list order', async () => {
    const v1 = `${CATEGORIES}  - { id: hr, name: HR, sensitivity: confidential, personal_data: true }
assets:
  - { id: gw, name: Gateway, kind: gateway, version: 14.1-43.50, data_categories: [hr, shelter-addresses] }
  - { id: db, name: Database, kind: database }
`;
    await importInventory(store.db, who, [await file('v1.yaml', v1)]);
    const v2 = v1.replace('14.1-43.50', '14.1-47.46').replace('[hr, shelter-addresses]', '[shelter-addresses, hr]');
    const result = await importInventory(store.db, who, [await file('v2.yaml', v2)]);
    expect(result).toMatchObject({ created: 0, updated: 1, unchanged: 3 });
    expect(result.changes).toEqual([{ kind: 'asset', id: 'gw', action: 'updated', changes: { version: { from: '14.1-43.50', to: '14.1-47.46' } } }]);
    const audit = await store.db.selectFrom('audit_log').selectAll().where('action', '=', 'inventory.asset.update').execute();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]?.details ?? '{}')).toEqual({ changes: { version: { from: '14.1-43.50', to: '14.1-47.46' } } });
  });

  it('writes nothing when any file of a multi-file import is bad', async () => {
    const good = await file('good.yaml', CATEGORIES);
    const bad = await file('assets.csv', 'id,name,kind\nx,X,spaceship\n');
    expect(await rejected([good, bad])).toHaveLength(1);
    expect((await loadInventory(store.db)).data_categories).toHaveLength(0);
    expect(await store.db.selectFrom('audit_log').selectAll().execute()).toHaveLength(0);
  });
});

describe('encodings', () => {
  it('rejects a Latin-1 file naming the line, and reads UTF-16 with a byte-order mark', async () => {
    const latin1 = Buffer.from(`${CATEGORIES}assets:\n  - { id: caf\xe9, name: Caf\xe9, kind: server }\n`, 'latin1');
    expect(await rejected([await file('latin1.yaml', latin1)])).toEqual([expect.stringMatching(/^latin1\.yaml:7 .*not valid UTF-8/)]);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${CATEGORIES}assets:\n  - { id: café, name: Café, kind: server }\n`, 'utf16le')]);
    await importInventory(store.db, who, [await file('utf16.yaml', utf16)]);
    expect((await loadInventory(store.db)).assets[0]?.id).toBe('café');
  });

  it('refuses folders and missing files clearly', async () => {
    expect(await rejected([dir, join(dir, 'missing.yaml')])).toEqual([
      expect.stringMatching(/cannot be read: is a folder, not a file/),
      expect.stringMatching(/missing\.yaml:\? {1,2}cannot be read: no such file or folder/),
    ]);
  });
});
