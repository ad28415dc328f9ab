import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { appendAudit } from '../audit/audit-log.js';
import { CANARY_KINDS, type CanaryKind, NORMALISATION_VERSION, canaryFingerprint, matchCanaries } from '../exposure/canary-fingerprint.js';
import { type Canary, type CanarySweep, canarySweep } from '../exposure/canary-sweep.js';
import { type InputProblem, InvalidInputError, WeerbaarError } from '../shared/errors.js';
import { readCsvRecords } from '../shared/csv-records.js';
import { readTextFile } from '../shared/text-input.js';
import { isoUtc, parseInstant } from '../shared/time.js';
import type { EventStore } from '../store/event-store.js';
import type { AppContext } from './app-context.js';

/**
 * `weerbaar canary`: tripwires for dormant misuse. Values are kept only as keyed fingerprints; the
 * key lives in a file (canaries.key_file) that should sit off the workspace's disk. A honey record
 * is a decoy record id in an audited system (ids are not secrets).
 */

const KEY_BYTES = 32;

export interface CanaryInput {
  readonly kind: string;
  readonly category?: string | null;
  readonly label: string;
  /** The canary value; for a honey record `SYSTEM:RECORD_ID`. Never stored, never logged. */
  readonly value: string;
  readonly placedAt?: string;
}

function keyPath(app: AppContext): string {
  return app.workspace.path(app.workspace.config.canaries?.key_file ?? 'keys/canary-hmac.key');
}

/** Where the key is, and whether it sits inside the workspace (a copy of which would then carry key and fingerprints together). */
export function canaryKeyLocation(app: AppContext): { path: string; inWorkspace: boolean } {
  const path = keyPath(app);
  const inside = relative(app.workspace.dir, path);
  return { path, inWorkspace: !inside.startsWith('..') && !inside.startsWith('/') };
}

/** The HMAC key: hex text of at least 32 bytes. Created on first registration when `create`. */
async function canaryKey(app: AppContext, create: boolean): Promise<Uint8Array | null> {
  const path = keyPath(app);
  let text: string;
  try {
    text = (await readFile(path, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new WeerbaarError('CONFIG_INVALID', `canary key ${path}: ${(error as Error).message}`);
    if (!create) return null;
    const key = randomBytes(KEY_BYTES);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(path, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  }
  // Like the audit signing key: a key others can read is no key.
  if (((await stat(path)).mode & 0o077) !== 0) throw new WeerbaarError('CONFIG_INVALID', `canary key ${path} is readable by others: chmod 600 it`);
  if (!/^[0-9a-f]+$/i.test(text) || text.length < KEY_BYTES * 2 || text.length % 2 !== 0) {
    throw new WeerbaarError('CONFIG_INVALID', `canary key ${path}: must be at least ${KEY_BYTES} bytes as hex text`);
  }
  return Buffer.from(text, 'hex');
}

export async function listCanaries(app: AppContext): Promise<Canary[]> {
  const rows = await app.store.db.selectFrom('canary').selectAll().orderBy('placed_at').orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, category: r.category, kind: r.kind as Canary['kind'], label: r.label, system: r.system, recordId: r.record_id, fingerprint: r.fingerprint, placedAt: r.placed_at }));
}

export async function addCanaries(app: AppContext, inputs: readonly CanaryInput[]): Promise<Canary[]> {
  const key = inputs.some((i) => i.kind !== 'honey-record') ? await canaryKey(app, true) : null;
  const categories = new Set((await app.store.db.selectFrom('data_category').select('id').execute()).map((c) => c.id));
  const canaries = inputs.map((input) => toCanary(input, key, categories, isoUtc(app.clock())));
  const known = new Set((await listCanaries(app)).map((c) => c.fingerprint ?? `${c.system}:${c.recordId}`));
  for (const c of canaries) if (known.has(c.fingerprint ?? `${c.system}:${c.recordId}`)) throw new WeerbaarError('USAGE', `canary "${c.label}" is already registered`);
  await app.store.db.transaction().execute(async (trx) => {
    for (const c of canaries) {
      await trx
        .insertInto('canary')
        .values({ id: c.id, category: c.category, kind: c.kind, label: c.label, system: c.system, record_id: c.recordId, fingerprint: c.fingerprint, normalisation_version: c.fingerprint ? NORMALISATION_VERSION : null, placed_at: c.placedAt, actor: app.actor, recorded_at: isoUtc(app.clock()) })
        .execute();
      // The audit names the canary, never its value.
      await appendAudit(trx, app, { action: 'canary.add', subject: c.id, details: { kind: c.kind, label: c.label, category: c.category, placed_at: c.placedAt } });
    }
  });
  return canaries;
}

function toCanary(input: CanaryInput, key: Uint8Array | null, categories: ReadonlySet<string>, now: string): Canary {
  const label = input.label.trim();
  if (label === '') throw new WeerbaarError('USAGE', 'give a label: detections name the canary by it (never by its value)');
  if (input.category && !categories.has(input.category)) throw new WeerbaarError('USAGE', `unknown data category "${input.category}" (see weerbaar inventory show)`);
  const placedAt = input.placedAt ? parseInstant('placed at', input.placedAt) : now;
  const base = { id: randomUUID(), category: input.category ?? null, label, placedAt };
  if (input.kind === 'honey-record') {
    const at = input.value.indexOf(':');
    if (at <= 0 || at === input.value.length - 1) throw new WeerbaarError('USAGE', 'a honey record is given as SYSTEM:RECORD_ID');
    return { ...base, kind: 'honey-record', system: input.value.slice(0, at), recordId: input.value.slice(at + 1), fingerprint: null };
  }
  if (!(CANARY_KINDS as readonly string[]).includes(input.kind)) throw new WeerbaarError('USAGE', `unknown canary kind "${input.kind}": use honey-record or one of ${CANARY_KINDS.join(', ')}`);
  const kind = input.kind as CanaryKind;
  const fingerprint = canaryFingerprint(key!, kind, input.value);
  // A label that contains the value, in any spelling the sweep would find, would put it in every detection and the audit log.
  if (matchCanaries(key!, new Map([[fingerprint, true]]), [kind], label).length > 0) throw new WeerbaarError('USAGE', 'the label must not contain the canary value: detections and the audit log show the label');
  return { ...base, kind, system: null, recordId: null, fingerprint };
}

/** `canary import FILE`: CSV with kind, category, label, value, placed_at; every bad row is reported with its line, and nothing is stored then. */
export async function importCanaries(app: AppContext, file: string): Promise<Canary[]> {
  const parsing: InputProblem[] = [];
  const rows = readCsvRecords(file, await readTextFile(file, 16 * 1024 * 1024), parsing);
  // The CSV parser's messages quote the offending field, which may be a canary value: line and a generic reason only.
  const problems: InputProblem[] = parsing.map((p) => ({ location: p.location, reason: 'malformed CSV (quotes or columns)' }));
  const inputs: CanaryInput[] = [];
  for (const { record, line } of rows) {
    const missing = ['kind', 'label', 'value'].filter((k) => !record[k]?.trim());
    if (missing.length > 0) {
      problems.push({ location: { file, line }, reason: `missing ${missing.join(', ')}` });
      continue;
    }
    inputs.push({ kind: record['kind']!.trim(), category: record['category']?.trim() || null, label: record['label']!, value: record['value']!, ...(record['placed_at']?.trim() ? { placedAt: record['placed_at'].trim() } : {}) });
  }
  // Validate every row before storing any, so one bad row does not leave half a register.
  const key = await canaryKey(app, true);
  const categories = new Set((await app.store.db.selectFrom('data_category').select('id').execute()).map((c) => c.id));
  inputs.forEach((input, i) => {
    try {
      toCanary(input, key, categories, isoUtc(app.clock()));
    } catch (error) {
      problems.push({ location: { file, line: rows[i]!.line }, reason: (error as Error).message });
    }
  });
  if (problems.length > 0) throw new InvalidInputError(`${file}: ${problems.length} canary row(s) rejected, none stored`, problems);
  return addCanaries(app, inputs);
}

/** The hunt's canary rules: honey-record accesses and fingerprinted sightings in the evidence. */
export async function canaryRules(app: AppContext, store: EventStore): Promise<CanarySweep & { registered: number }> {
  const canaries = await listCanaries(app);
  if (canaries.length === 0) return { rules: [], valuesChecked: 0, linesChecked: 0, registered: 0 };
  const key = canaries.some((c) => c.fingerprint !== null) ? await canaryKey(app, false) : null;
  if (canaries.some((c) => c.fingerprint !== null) && key === null) {
    throw new WeerbaarError('CONFIG_INVALID', `canary key ${keyPath(app)} is missing: the registered canaries' fingerprints cannot be matched without it`);
  }
  return { ...(await canarySweep(store, canaries, key)), registered: canaries.length };
}
