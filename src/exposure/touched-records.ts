import type { Footprint } from '../detection/footprint.js';
import type { CategorySelector } from '../inventory/inventory-model.js';
import type { EventStore, Row } from '../store/event-store.js';
import { type Expr, and, col, compare, count, epochMs, eq, isIn, max, min, or, select, sum, val } from '../store/query-node.js';

/**
 * Which records the attacker touched (issue 6 §2): the footprint meets the data-access audit.
 *
 * - A footprint address seen in an application's audit log: every access from it.
 * - A hijacked VPN session (a footprint session): the applications see the session's intranet
 *   address (the gateway's NAT address), which its owner used too. Application sessions opened
 *   through that address after the thief's first use (the first event of the VPN session from a
 *   footprint address) up to the VPN session's end are the thief's; those the owner had opened
 *   before stay the owner's. An owner opening a new application session during the theft would be
 *   counted as the thief's: the audit cannot tell them apart, and the exposure errs on the side of
 *   "touched".
 * Each record gets its data category from the inventory's selectors (system, record type, path
 * prefix, record id, tag).
 */

export interface TouchedRecord {
  readonly category: string | null;
  readonly system: string;
  readonly recordType: string | null;
  readonly recordId: string;
  readonly first: string;
  readonly last: string;
  readonly actions: readonly string[];
  readonly bytes: number;
  /** The footprint entity the accesses come from: `address 198.51.100.23`, `session 39482263`. */
  readonly via: string;
  readonly events: number;
  /** Custody of the first access: evidence file and line. */
  readonly file: string;
  readonly line: number;
}

const DATA_ACCESS = eq(col('event.dataset'), val('app.data_access'));
const iso = (v: unknown) => new Date(Number(v)).toISOString();

/** Per footprint entity, the audit events that are its accesses. */
async function accessScopes(store: EventStore, print: Footprint): Promise<{ via: string; where: Expr }[]> {
  const scopes: { via: string; where: Expr }[] = [];
  const addresses = print.entities.filter((e) => e.kind === 'address').map((e) => e.value);
  for (const address of addresses) scopes.push({ via: `address ${address}`, where: and(DATA_ACCESS, eq(col('source.ip'), val(address))) });
  const sessions = print.entities.filter((e) => e.kind === 'session').map((e) => e.value);
  if (sessions.length === 0) return scopes;
  const spans = await store.query(
    select({
      from: 'events',
      columns: [
        { expr: col('weerbaar.session_id'), as: 'session' },
        { expr: col('source.nat.ip'), as: 'nat' },
        { expr: epochMs(max(col('@timestamp'))), as: 'end' },
      ],
      where: and(eq(col('event.dataset'), val('netscaler.syslog')), isIn(col('weerbaar.session_id'), sessions)),
      groupBy: [col('weerbaar.session_id'), col('source.nat.ip')],
    }),
  );
  const firstUse = new Map<string, number>();
  if (addresses.length > 0) {
    const uses = await store.query(
      select({
        from: 'events',
        columns: [
          { expr: col('weerbaar.session_id'), as: 'session' },
          { expr: epochMs(min(col('@timestamp'))), as: 't' },
        ],
        where: and(eq(col('event.dataset'), val('netscaler.syslog')), isIn(col('weerbaar.session_id'), sessions), isIn(col('source.ip'), addresses)),
        groupBy: [col('weerbaar.session_id')],
      }),
    );
    for (const u of uses) firstUse.set(String(u['session']), Number(u['t']));
  }
  const endOf = new Map<string, number>();
  for (const s of spans) endOf.set(String(s['session']), Math.max(endOf.get(String(s['session'])) ?? 0, Number(s['end'])));
  for (const s of spans) {
    const session = String(s['session']);
    const from = firstUse.get(session);
    if (typeof s['nat'] !== 'string' || from === undefined) continue;
    const through = and(DATA_ACCESS, eq(col('source.ip'), val(s['nat'])), compare('>=', epochMs(col('@timestamp')), val(from)), compare('<=', epochMs(col('@timestamp')), val(endOf.get(session)!)));
    // Application sessions opened before the thief's first use are the owner's.
    const opened = await store.query(
      select({ from: 'events', columns: [{ expr: col('weerbaar.session_id'), as: 'app' }, { expr: epochMs(min(col('@timestamp'))), as: 't' }], where: and(DATA_ACCESS, eq(col('source.ip'), val(s['nat']))), groupBy: [col('weerbaar.session_id')] }),
    );
    const thiefs = opened.filter((o) => Number(o['t']) >= from && o['app'] !== null).map((o) => String(o['app']));
    if (thiefs.length > 0) scopes.push({ via: `session ${session}`, where: and(through, isIn(col('weerbaar.session_id'), thiefs)) });
  }
  return scopes;
}

/** The audit events the footprint's accesses are, as a predicate (for counting and judging). */
export async function footprintAccesses(store: EventStore, print: Footprint): Promise<Expr | null> {
  const scopes = await accessScopes(store, print);
  return scopes.length === 0 ? null : or(...scopes.map((s) => s.where));
}

export async function touchedRecords(store: EventStore, print: Footprint, categories: readonly { id: string; selectors: readonly CategorySelector[] }[]): Promise<TouchedRecord[]> {
  const records: TouchedRecord[] = [];
  for (const scope of await accessScopes(store, print)) {
    const rows = await store.query(
      select({
        from: 'events',
        columns: [
          { expr: col('service.name'), as: 'system' },
          { expr: col('weerbaar.record.type'), as: 'type' },
          { expr: col('weerbaar.record.id'), as: 'id' },
          { expr: col('event.action'), as: 'action' },
          { expr: epochMs(min(col('@timestamp'))), as: 'first' },
          { expr: epochMs(max(col('@timestamp'))), as: 'last' },
          { expr: sum(col('network.bytes')), as: 'bytes' },
          { expr: count(), as: 'events' },
          { expr: min(col('log.file.path')), as: 'file' },
          { expr: min(col('weerbaar.line')), as: 'line' },
        ],
        where: and(scope.where, compare('<>', col('weerbaar.record.id'), val(''))),
        groupBy: [col('service.name'), col('weerbaar.record.type'), col('weerbaar.record.id'), col('event.action')],
      }),
    );
    records.push(...merge(rows, scope.via, categories));
  }
  return records.sort((a, b) => (a.category ?? '').localeCompare(b.category ?? '') || a.first.localeCompare(b.first) || a.recordId.localeCompare(b.recordId));
}

/** One record per (system, id): its actions, bytes and time span across the grouped rows. */
function merge(rows: readonly Row[], via: string, categories: readonly { id: string; selectors: readonly CategorySelector[] }[]): TouchedRecord[] {
  const byRecord = new Map<string, { system: string; type: string | null; id: string; actions: Set<string>; first: number; last: number; bytes: number; events: number; file: string; line: number }>();
  for (const r of rows) {
    const key = `${String(r['system'])}\u0000${String(r['id'])}`;
    const known = byRecord.get(key);
    const first = Number(r['first']);
    if (!known) {
      byRecord.set(key, { system: String(r['system']), type: r['type'] === null ? null : String(r['type']), id: String(r['id']), actions: new Set([String(r['action'])]), first, last: Number(r['last']), bytes: Number(r['bytes'] ?? 0), events: Number(r['events']), file: String(r['file']), line: Number(r['line']) });
      continue;
    }
    known.actions.add(String(r['action']));
    if (first < known.first) Object.assign(known, { first, file: String(r['file']), line: Number(r['line']) });
    known.last = Math.max(known.last, Number(r['last']));
    known.bytes += Number(r['bytes'] ?? 0);
    known.events += Number(r['events']);
  }
  return [...byRecord.values()].map((r) => ({
    category: categoryOf(r.system, r.type, r.id, categories),
    system: r.system,
    recordType: r.type,
    recordId: r.id,
    first: iso(r.first),
    last: iso(r.last),
    actions: [...r.actions].sort(),
    bytes: r.bytes,
    via,
    events: r.events,
    file: r.file,
    line: r.line,
  }));
}

/** The first category whose selector matches (system, then each restriction it names). */
export function categoryOf(system: string, recordType: string | null, recordId: string, categories: readonly { id: string; selectors: readonly CategorySelector[] }[]): string | null {
  for (const category of categories) {
    for (const s of category.selectors) {
      if (s.system !== system) continue;
      if (s.record_types.length > 0 && (recordType === null || !s.record_types.includes(recordType))) continue;
      if (s.record_ids.length > 0 && !s.record_ids.includes(recordId)) continue;
      if (s.path_prefixes.length > 0 && !s.path_prefixes.some((p) => recordId.startsWith(p))) continue;
      // Audit events carry no tags yet: a selector that needs tags matches nothing rather than everything.
      if (s.tags.length > 0) continue;
      return category.id;
    }
  }
  return null;
}
