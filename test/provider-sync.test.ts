import { createHash } from 'node:crypto';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli } from './support/cli-harness.js';
import { useEngineWorkspace } from './support/engine-workspace.js';
import { engines, postgresSkipReason } from './support/engines.js';

/** A CSAF provider on loopback, serving corpus documents: discovery, differential sync, hashes, quarantine. */

if (postgresSkipReason) describe.skip(postgresSkipReason, () => undefined);

const CSAF = join(import.meta.dirname, '..', '..', 'shared', 'corpora', 'csaf', 'oasis-2.0');
const sha = (algorithm: string, body: Buffer) => `${createHash(algorithm).update(body).digest('hex')}  file.json\n`;

describe.each(engines)('provider sync on $name', (engine) => {
  const t = useEngineWorkspace(engine);
  let server: Server;
  let base: string;
  const files = new Map<string, Buffer>();
  const requests: string[] = [];

  beforeEach(async () => {
    files.clear();
    requests.length = 0;
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const body = files.get(req.url ?? '');
      res.writeHead(body ? 200 : 404).end(body ?? 'not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const serve = (path: string, body: Buffer | string) => files.set(path, Buffer.isBuffer(body) ? body : Buffer.from(body));
  const corpus = (path: string) => readFile(join(CSAF, path));

  it('imports what verifies, quarantines bad or missing hashes, rejects invalid CSAF, and fetches only what changed', async () => {
    const metadataUrl = `${base}/.well-known/csaf/provider-metadata.json`;
    serve('/.well-known/csaf/provider-metadata.json', JSON.stringify({
      canonical_url: metadataUrl,
      role: 'csaf_trusted_provider',
      publisher: { category: 'vendor', name: 'Loopback Provider', namespace: base },
      distributions: [{ directory_url: `${base}/csaf/white/` }],
    }));
    const good1 = await corpus('examples/csaf/bsi-2022-0001.json');
    const good2 = await corpus('examples/csaf/cisco-sa-20180328-smi2.json');
    const invalid = await corpus('validator-data/mandatory/oasis_csaf_tc-csaf_2_0-2021-6-1-21-01.json');
    serve('/csaf/white/2022/good1.json', good1);
    serve('/csaf/white/2022/good1.json.sha512', sha('sha512', good1));
    serve('/csaf/white/2018/good2.json', good2);
    serve('/csaf/white/2018/good2.json.sha256', sha('sha256', good2));
    serve('/csaf/white/2022/tampered.json', good1);
    serve('/csaf/white/2022/tampered.json.sha256', sha('sha256', Buffer.from('something else')));
    serve('/csaf/white/2022/unhashed.json', good2);
    serve('/csaf/white/2021/invalid.json', invalid);
    serve('/csaf/white/2021/invalid.json.sha256', sha('sha256', invalid));
    serve('/csaf/white/changes.csv', [
      '"2022/good1.json","2022-03-01T10:00:00Z"',
      '"2022/tampered.json","2022-02-01T10:00:00Z"',
      '"2022/unhashed.json","2022-01-15T10:00:00Z"',
      '"2021/invalid.json","2021-07-22T10:00:00Z"',
      '"2018/good2.json","2018-03-28T16:00:00Z"',
      '"2018/good2.json","2018-03-01T16:00:00Z"',
    ].join('\n'));

    const first = await cli(['-w', t.ws, 'advisories', 'import', metadataUrl], { env: t.env });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`provider ${metadataUrl}: 5 listed, 0 not newer than the last sync`);
    expect(first.stdout).toMatch(/QUARANTINED .*tampered\.json: sha256 mismatch/);
    expect(first.stdout).toMatch(/QUARANTINED .*unhashed\.json: no \.sha512 or \.sha256 file/);
    expect(first.stdout).toMatch(/rejected .*invalid\.json: invalid CSAF: 6\.1\.21/);
    expect(first.stdout).toContain('2 imported, 0 unchanged, 1 rejected, 2 quarantined');
    expect(first.stdout).toContain('not checked: OpenPGP signatures');

    requests.length = 0;
    const second = await cli(['-w', t.ws, 'advisories', 'import', metadataUrl], { env: t.env });
    expect(second.stdout).toContain('5 listed, 5 not newer than the last sync');
    expect(requests.filter((r) => r.endsWith('.json') && !r.includes('provider-metadata'))).toEqual([]);

    const good3 = await corpus('examples/csaf/rhsa-2019_1862.json');
    serve('/csaf/white/2023/good3.json', good3);
    serve('/csaf/white/2023/good3.json.sha512', sha('sha512', good3));
    serve('/csaf/white/changes.csv', `"2023/good3.json","2023-01-01T00:00:00Z"\n${files.get('/csaf/white/changes.csv')?.toString() ?? ''}`);
    requests.length = 0;
    const third = await cli(['-w', t.ws, 'advisories', 'import', metadataUrl], { env: t.env });
    expect(third.stdout).toContain('1 imported, 0 unchanged, 0 rejected, 0 quarantined');
    expect(requests.filter((r) => r.endsWith('.json') && !r.includes('provider-metadata'))).toEqual(['/csaf/white/2023/good3.json']);
    expect((await cli(['-w', t.ws, 'audit', 'verify'], { env: t.env })).code).toBe(0);
  });

  it('requires a valid OpenPGP signature by the configured provider key', async () => {
    const metadataUrl = `${base}/.well-known/csaf/provider-metadata.json`;
    const provider = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'Loopback Provider' }], format: 'object' });
    const stranger = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'Mallory' }], format: 'object' });
    const sign = async (body: Buffer, key: openpgp.PrivateKey) =>
      (await openpgp.sign({ message: await openpgp.createMessage({ binary: new Uint8Array(body) }), signingKeys: key, detached: true, format: 'armored' })) as string;
    await writeFile(join(t.ws, 'keys', 'provider.asc'), provider.publicKey.armor());
    await appendFile(join(t.ws, 'weerbaar.yaml'), `csaf_providers:\n  - metadata_url: ${metadataUrl}\n    openpgp_keys: [keys/provider.asc]\n`);

    serve('/.well-known/csaf/provider-metadata.json', JSON.stringify({
      canonical_url: metadataUrl,
      role: 'csaf_trusted_provider',
      publisher: { category: 'vendor', name: 'Loopback Provider', namespace: base },
      distributions: [{ directory_url: `${base}/csaf/` }],
    }));
    const docs = { signed: await corpus('examples/csaf/bsi-2022-0001.json'), forged: await corpus('examples/csaf/cisco-sa-20180328-smi2.json'), unsigned: await corpus('examples/csaf/rhsa-2019_1862.json') };
    for (const [name, body] of Object.entries(docs)) {
      serve(`/csaf/${name}.json`, body);
      serve(`/csaf/${name}.json.sha256`, sha('sha256', body));
    }
    serve('/csaf/signed.json.asc', await sign(docs.signed, provider.privateKey));
    serve('/csaf/forged.json.asc', await sign(docs.forged, stranger.privateKey));
    serve('/csaf/changes.csv', '"signed.json","2022-03-01T10:00:00Z"\n"forged.json","2022-02-01T10:00:00Z"\n"unsigned.json","2022-01-01T10:00:00Z"\n');

    const run = await cli(['-w', t.ws, 'advisories', 'import', metadataUrl], { env: t.env });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/QUARANTINED .*forged\.json: OpenPGP signature does not verify/);
    expect(run.stdout).toMatch(/QUARANTINED .*unsigned\.json: no OpenPGP signature/);
    expect(run.stdout).toContain('1 imported, 0 unchanged, 0 rejected, 2 quarantined');
    expect(run.stdout).not.toContain('not checked');
  });

  it('prefers ROLIE feeds and refuses plain HTTP beyond loopback', async () => {
    const metadataUrl = `${base}/provider-metadata.json`;
    const doc = await corpus('examples/csaf/bsi-2022-0001.json');
    serve('/provider-metadata.json', JSON.stringify({
      canonical_url: metadataUrl,
      role: 'csaf_provider',
      publisher: { category: 'vendor', name: 'Loopback Provider', namespace: base },
      distributions: [{ rolie: { feeds: [{ summary: 'white', tlp_label: 'WHITE', url: `${base}/feed-white.json` }] } }],
    }));
    serve('/feed-white.json', JSON.stringify({ feed: { entry: [{ id: 'x', updated: '2022-03-01T10:00:00Z', content: { type: 'application/json', src: `${base}/docs/bsi.json` } }] } }));
    serve('/docs/bsi.json', doc);
    const run = await cli(['-w', t.ws, 'advisories', 'import', metadataUrl], { env: t.env });
    expect(run.stdout).toContain('1 imported, 0 unchanged, 0 rejected, 0 quarantined');
    const plain = await cli(['-w', t.ws, 'advisories', 'import', 'http://advisories.example/provider-metadata.json'], { env: t.env });
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain('must be retrieved over HTTPS');
  });
});
