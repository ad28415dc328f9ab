import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import * as openpgp from 'openpgp';
import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import type { CaseDatabase } from '../store/case-schema.js';
import { type AuditActor, appendAudit } from '../audit/audit-log.js';
import { WeerbaarError } from '../shared/errors.js';
import { sha256Hex } from '../shared/hashing.js';
import { isoUtc } from '../shared/time.js';
import { type AdvisoryImportResult, emptyImportResult, examineDocument, recordDocument } from './import-advisories.js';
import { MAX_CSAF_BYTES } from './validate-csaf-files.js';

/**
 * Synchronises a CSAF provider (CSAF 2.0 §7): reads its provider-metadata.json, lists documents from
 * its ROLIE feeds (preferred) or each directory's changes.csv, fetches only entries newer than the
 * last sync, checks each document against its `.sha512` / `.sha256` file before anything else, and
 * imports it like a file. A document whose hash does not match — or that has no hash file at all
 * while the provider claims the trusted-provider role — is quarantined with the reason and kept
 * for inspection, never imported. When the provider's OpenPGP keys are configured, every document
 * must also carry a valid detached signature (`.asc`, requirement 19) by one of them, or it is
 * quarantined too. Plain HTTP is refused except on loopback (requirement 3).
 */

export type Fetcher = (url: string) => Promise<{ status: number; body: Buffer }>;

export const httpFetcher: Fetcher = async (url) => {
  const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(30_000) });
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, body };
};

const MetadataSchema = z
  .object({
    canonical_url: z.string().url(),
    role: z.enum(['csaf_publisher', 'csaf_provider', 'csaf_trusted_provider']),
    publisher: z.object({ name: z.string(), namespace: z.string() }).loose(),
    distributions: z
      .array(
        z
          .object({
            directory_url: z.string().url().optional(),
            rolie: z.object({ feeds: z.array(z.object({ url: z.string().url(), tlp_label: z.string().optional() }).loose()) }).loose().optional(),
          })
          .loose(),
      )
      .default([]),
  })
  .loose();

export interface ProviderSyncResult extends AdvisoryImportResult {
  readonly provider: string;
  readonly listed: number;
  /** Entries not newer than the last sync: not fetched again. */
  readonly skipped: number;
  readonly quarantined: { source: string; reason: string }[];
  readonly notChecked: string[];
}

interface Entry {
  readonly url: string;
  readonly updated: string;
}

export function checkTransport(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WeerbaarError('USAGE', `"${url}" is not a URL`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw new WeerbaarError('USAGE', `${url}: CSAF documents must be retrieved over HTTPS (plain HTTP only on loopback)`);
  }
  return parsed;
}

async function get(fetcher: Fetcher, url: string): Promise<Buffer> {
  checkTransport(url);
  const { status, body } = await fetcher(url);
  if (status !== 200) throw new WeerbaarError('INVALID_INPUT', `${url}: HTTP ${status}`);
  if (body.length > MAX_CSAF_BYTES) throw new WeerbaarError('INVALID_INPUT', `${url}: larger than ${MAX_CSAF_BYTES} bytes`);
  return body;
}

async function listEntries(fetcher: Fetcher, metadata: z.output<typeof MetadataSchema>): Promise<Entry[]> {
  const entries: Entry[] = [];
  const feeds = metadata.distributions.flatMap((d) => d.rolie?.feeds ?? []);
  if (feeds.length > 0) {
    for (const feed of feeds) {
      const json = JSON.parse((await get(fetcher, feed.url)).toString('utf8')) as { feed?: { entry?: { updated?: string; content?: { src?: string } }[] } };
      for (const e of json.feed?.entry ?? []) if (e.content?.src && e.updated) entries.push({ url: e.content.src, updated: new Date(e.updated).toISOString() });
    }
    return entries;
  }
  for (const { directory_url: directory } of metadata.distributions) {
    if (!directory) continue;
    const base = directory.endsWith('/') ? directory : `${directory}/`;
    const rows = parseCsv((await get(fetcher, `${base}changes.csv`)).toString('utf8'), { relax_column_count: true, skip_empty_lines: true, trim: true }) as string[][];
    for (const [path, date] of rows) {
      if (!path || !date || Number.isNaN(Date.parse(date))) continue;
      entries.push({ url: new URL(path, base).toString(), updated: new Date(date).toISOString() });
    }
  }
  return entries;
}

/** The hash file's check: the first token is the hex digest (requirement 18). */
async function checkHash(fetcher: Fetcher, url: string, body: Buffer): Promise<{ ok: true; algorithm: string } | { ok: false; reason: string } | undefined> {
  for (const algorithm of ['sha512', 'sha256'] as const) {
    let published: Buffer;
    try {
      published = await get(fetcher, `${url}.${algorithm}`);
    } catch {
      continue;
    }
    const expected = published.toString('utf8').trim().split(/\s+/)[0]?.toLowerCase() ?? '';
    const actual = createHash(algorithm).update(body).digest('hex');
    return expected === actual ? { ok: true, algorithm } : { ok: false, reason: `${algorithm} mismatch: the document hashes to ${actual.slice(0, 16)}…, its .${algorithm} file says ${expected.slice(0, 16)}…` };
  }
  return undefined;
}

/** A detached OpenPGP signature check; undefined when it verifies, else the reason. */
async function checkSignature(fetcher: Fetcher, url: string, body: Buffer, keys: readonly openpgp.PublicKey[]): Promise<string | undefined> {
  let armored: string;
  try {
    armored = (await get(fetcher, `${url}.asc`)).toString('utf8');
  } catch {
    return 'no OpenPGP signature (.asc), though the provider\'s key is configured';
  }
  try {
    const signature = await openpgp.readSignature({ armoredSignature: armored });
    const message = await openpgp.createMessage({ binary: new Uint8Array(body) });
    const { signatures } = await openpgp.verify({ message, signature, verificationKeys: [...keys] });
    await Promise.any(signatures.map((s) => s.verified));
    return undefined;
  } catch (error) {
    const reason = error instanceof AggregateError ? (error.errors[0] as Error | undefined)?.message : (error as Error).message;
    return `OpenPGP signature does not verify with the configured key: ${reason ?? 'no valid signature'}`;
  }
}

/** Reads armored OpenPGP public keys (the provider's, as configured in weerbaar.yaml). */
export async function readOpenpgpKeys(armored: readonly string[]): Promise<openpgp.PublicKey[]> {
  return Promise.all(armored.map((text) => openpgp.readKey({ armoredKey: text })));
}

export async function syncProvider(
  db: Kysely<CaseDatabase>,
  who: AuditActor,
  metadataUrl: string,
  fetcher: Fetcher = httpFetcher,
  signingKeys: readonly openpgp.PublicKey[] = [],
): Promise<ProviderSyncResult> {
  const raw = await get(fetcher, metadataUrl);
  let metadata: z.output<typeof MetadataSchema>;
  try {
    metadata = MetadataSchema.parse(JSON.parse(raw.toString('utf8')));
  } catch (error) {
    throw new WeerbaarError('INVALID_INPUT', `${metadataUrl}: not a valid provider-metadata.json (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`, { cause: error });
  }
  const state = await db.selectFrom('advisory_provider').selectAll().where('metadata_url', '=', metadataUrl).executeTakeFirst();
  const since = state?.last_entry_at ? Date.parse(state.last_entry_at) : -Infinity;
  // changes.csv may list a file twice with different dates: the newest counts.
  const newest = new Map<string, string>();
  for (const entry of await listEntries(fetcher, metadata)) {
    const known = newest.get(entry.url);
    if (!known || entry.updated > known) newest.set(entry.url, entry.updated);
  }
  const due = [...newest].filter(([, updated]) => Date.parse(updated) > since).sort((a, b) => a[1].localeCompare(b[1]));
  const fetched: { url: string; body?: Buffer; quarantine?: string; fetchError?: string }[] = [];
  for (const [url] of due) {
    try {
      const body = await get(fetcher, url);
      const hash = await checkHash(fetcher, url, body);
      const signature = signingKeys.length > 0 ? await checkSignature(fetcher, url, body, signingKeys) : undefined;
      if (hash && !hash.ok) fetched.push({ url, body, quarantine: hash.reason });
      else if (!hash && metadata.role === 'csaf_trusted_provider') fetched.push({ url, body, quarantine: 'no .sha512 or .sha256 file, though the provider is a trusted provider (requirement 18)' });
      else if (signature) fetched.push({ url, body, quarantine: signature });
      else fetched.push({ url, body });
    } catch (error) {
      fetched.push({ url, fetchError: error instanceof Error ? error.message : String(error) });
    }
  }
  const examined = await Promise.all(fetched.map(async (f) => ({ ...f, read: f.body && !f.quarantine ? await examineDocument(f.url, f.body) : undefined })));
  return db.transaction().execute(async (trx) => {
    const result = emptyImportResult();
    const quarantined: { source: string; reason: string }[] = [];
    for (const f of examined) {
      const at = isoUtc(who.clock());
      if (f.fetchError !== undefined) {
        await recordDocument(trx, who, f.url, { kind: 'rejected', reason: `cannot be retrieved: ${f.fetchError}` }, undefined, result);
      } else if (f.quarantine !== undefined && f.body) {
        const sha256 = sha256Hex(f.body);
        quarantined.push({ source: f.url, reason: f.quarantine });
        await trx.insertInto('advisory_quarantine').values({ id: randomUUID(), at, source: f.url, sha256, reason: f.quarantine, document: f.body.toString('utf8') }).execute();
        await trx.insertInto('advisory_retrieval').values({ id: randomUUID(), at, source: f.url, sha256, result: 'quarantined', advisory_id: null, reason: f.quarantine }).execute();
      } else if (f.read) {
        await recordDocument(trx, who, f.url, f.read, undefined, result);
      }
    }
    // The next sync starts after the newest entry processed without a retrieval error, so a
    // document that could not be fetched is tried again next time.
    const firstFailure = examined.findIndex((f) => f.fetchError !== undefined);
    const processed = firstFailure < 0 ? due : due.slice(0, firstFailure);
    const lastEntry = processed.length > 0 ? (processed[processed.length - 1] as [string, string])[1] : (state?.last_entry_at ?? null);
    const now = isoUtc(who.clock());
    if (state) await trx.updateTable('advisory_provider').set({ last_entry_at: lastEntry, last_sync_at: now }).where('metadata_url', '=', metadataUrl).execute();
    else await trx.insertInto('advisory_provider').values({ metadata_url: metadataUrl, publisher: metadata.publisher.name, last_entry_at: lastEntry, last_sync_at: now }).execute();
    const notChecked = signingKeys.length > 0 ? [] : ['OpenPGP signatures (.asc): no key configured for this provider in weerbaar.yaml (csaf_providers)'];
    await appendAudit(trx, who, {
      action: 'advisory.provider.sync',
      subject: `provider:${metadataUrl}`,
      details: { listed: newest.size, fetched: due.length, imported: result.imported.length, unchanged: result.unchanged, rejected: result.rejected, quarantined, not_checked: notChecked },
    });
    return { ...result, provider: metadataUrl, listed: newest.size, skipped: newest.size - due.length, quarantined, notChecked };
  });
}
