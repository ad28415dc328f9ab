import type { Footprint } from '../detection/footprint.js';
import type { CategorySelector } from '../inventory/inventory-model.js';
import type { EventStore, Row } from '../store/event-store.js';
import { type AccessScope, type Attribution, hijackedSessionScopes } from './session-attribution.js';
import { type Expr, and, coalesce, col, compare, count, epochMs, eq, isIn, isNull, lower, max, min, not, or, select, sum, val } from '../store/query-node.js';

/**
 * Which records the attacker touched (issue 6 §2): the footprint meets the data-access audit.
 *
 * - A footprint address seen in an application's audit log: every access from it.
 * - A hijacked VPN session (a footprint session): application sessions opened through its NAT
 *   address during the theft, attributed as session-attribution.ts explains (the thief's, or
 *   ambiguous when the owner may have been working on).
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
  /** `ambiguous`: through a hijacked session's address by a client like the owner's (session-attribution.ts). */
  readonly attribution: Attribution;
  readonly events: number;
  /** Custody of the first access: evidence file and line. */
  readonly file: string;
  readonly line: number;
}

const DATA_ACCESS = eq(col('event.dataset'), val('app.data_access'));
const iso = (v: unknown) => new Date(Number(v)).toISOString();

/**
 * Per footprint entity, the audit events that are its accesses: all footprint addresses in one
 * scope (one scan, rows tell the address apart), each hijacked session's theft in its own.
 * Computed once per report and handed to touchedRecords and tableAccesses.
 */
export async function accessScopes(store: EventStore, print: Footprint, exposed: readonly ExposedAccount[] = []): Promise<AccessScope[]> {
  const addresses = print.entities.filter((e) => e.kind === 'address').map((e) => e.value);
  const sessions = print.entities.filter((e) => e.kind === 'session').map((e) => e.value);
  const direct: AccessScope[] = addresses.length > 0 ? [{ via: 'address', where: and(DATA_ACCESS, isIn(col('source.ip'), addresses)), attribution: 'footprint', perAddress: true }] : [];
  const scopes = [...direct, ...(await hijackedSessionScopes(store, sessions, addresses))];
  // Accounts with exposed credentials, from the exposure on; what the footprint already explains stays the footprint's.
  const explained = scopes.length > 0 ? or(...scopes.map((s) => s.where)) : null;
  for (const account of exposed) {
    const theirs = and(DATA_ACCESS, eq(lower(col('user.name')), val(account.account.toLowerCase())), compare('>=', epochMs(col('@timestamp')), val(Date.parse(account.since))));
    // coalesce: an event without a source address is not explained (NOT of NULL would drop it).
    scopes.push({ via: `account ${account.account} (credentials exposed since ${account.since.slice(0, 16)})`, where: explained ? and(theirs, not(coalesce(explained, val(false)))) : theirs, attribution: 'exposed-account' });
  }
  return scopes;
}

/** An account whose credentials were exposed, from when (an analyst's input list). */
export interface ExposedAccount {
  readonly account: string;
  readonly since: string;
  readonly reason: string;
}

/** The grouping and naming of a scope's rows: per address for the address scope. */
function entityOf(scope: AccessScope): { groupBy: Expr[]; column: { expr: Expr; as: string }[]; via: (row: Row) => string } {
  return scope.perAddress
    ? { groupBy: [col('source.ip')], column: [{ expr: col('source.ip'), as: 'address' }], via: (row) => `address ${String(row['address'])}` }
    : { groupBy: [], column: [], via: () => scope.via };
}

/** The audit events the footprint's accesses are (or the ambiguous ones), as a predicate (for counting and judging). */
export async function footprintAccesses(store: EventStore, print: Footprint, attribution: Attribution = 'footprint'): Promise<Expr | null> {
  const scopes = (await accessScopes(store, print)).filter((s) => s.attribution === attribution);
  return scopes.length === 0 ? null : or(...scopes.map((s) => s.where));
}

/** One grouped query per access scope of the footprint, grouped by the entity it came through first. */
async function* scopedAccesses(
  store: EventStore,
  print: Footprint,
  known: readonly AccessScope[] | undefined,
  query: { columns: { expr: Expr; as: string }[]; where: Expr; groupBy: Expr[] },
): AsyncGenerator<{ scope: AccessScope; entity: ReturnType<typeof entityOf>; rows: Row[] }> {
  for (const scope of known ?? (await accessScopes(store, print))) {
    const entity = entityOf(scope);
    const rows = await store.query(select({ from: 'events', columns: [...entity.column, ...query.columns], where: and(scope.where, query.where), groupBy: [...entity.groupBy, ...query.groupBy] }));
    yield { scope, entity, rows };
  }
}

export async function touchedRecords(
  store: EventStore,
  print: Footprint,
  categories: readonly { id: string; selectors: readonly CategorySelector[] }[],
  known?: readonly AccessScope[],
): Promise<TouchedRecord[]> {
  const records: TouchedRecord[] = [];
  const accesses = scopedAccesses(store, print, known, {
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
    where: compare('<>', col('weerbaar.record.id'), val('')),
    // Per file as well, so that a record's first access keeps its own file and line together.
    groupBy: [col('service.name'), col('weerbaar.record.type'), col('weerbaar.record.id'), col('event.action'), col('log.file.path')],
  });
  for await (const { scope, entity, rows } of accesses) {
    const byEntity = new Map<string, Row[]>();
    for (const row of rows) (byEntity.get(entity.via(row)) ?? byEntity.set(entity.via(row), []).get(entity.via(row))!).push(row);
    for (const [via, group] of byEntity) records.push(...merge(group, via, scope.attribution, categories));
  }
  return records.sort((a, b) => (a.category ?? '').localeCompare(b.category ?? '') || a.first.localeCompare(b.first) || a.recordId.localeCompare(b.recordId));
}

/**
 * A footprint access without a record id: a read logged per table only (pgAudit-like audits say
 * which table, not which rows), or a search (its results showed records nobody logged). `table` is
 * the record type; null when the event names none.
 */
export interface TableAccess {
  readonly kind: 'table' | 'search';
  readonly system: string;
  readonly table: string | null;
  readonly first: string;
  readonly last: string;
  readonly events: number;
  readonly via: string;
  readonly attribution: Attribution;
}

/** Session events carry no record either, and show none. */
const SESSION_ACTIONS = ['login', 'logout'];

export async function tableAccesses(store: EventStore, print: Footprint, known?: readonly AccessScope[]): Promise<TableAccess[]> {
  const out = new Map<string, TableAccess>();
  const accesses = scopedAccesses(store, print, known, {
    columns: [
      { expr: col('service.name'), as: 'system' },
      { expr: col('weerbaar.record.type'), as: 'table' },
      { expr: col('event.action'), as: 'action' },
      { expr: epochMs(min(col('@timestamp'))), as: 'first' },
      { expr: epochMs(max(col('@timestamp'))), as: 'last' },
      { expr: count(), as: 'events' },
    ],
    where: and(or(isNull(col('weerbaar.record.id')), eq(col('weerbaar.record.id'), val(''))), not(isIn(coalesce(col('event.action'), val('')), SESSION_ACTIONS))),
    groupBy: [col('service.name'), col('weerbaar.record.type'), col('event.action')],
  });
  for await (const { scope, entity, rows } of accesses) {
    for (const r of rows) {
      const access: TableAccess = {
        kind: r['action'] === 'search' ? 'search' : 'table',
        system: String(r['system']),
        table: r['table'] === null ? null : String(r['table']),
        first: iso(r['first']),
        last: iso(r['last']),
        events: Number(r['events']),
        via: entity.via(r),
        attribution: scope.attribution,
      };
      const key = [access.kind, access.system, access.table, access.via, access.attribution].join('\u0000');
      const seen = out.get(key);
      out.set(key, seen ? { ...seen, first: seen.first < access.first ? seen.first : access.first, last: seen.last > access.last ? seen.last : access.last, events: seen.events + access.events } : access);
    }
  }
  return [...out.values()];
}

/** One record per (system, id): its actions, bytes and time span across the grouped rows. */
function merge(rows: readonly Row[], via: string, attribution: Attribution, categories: readonly { id: string; selectors: readonly CategorySelector[] }[]): TouchedRecord[] {
  const byRecord = new Map<string, { system: string; type: string | null; id: string; actions: Set<string>; first: number; last: number; bytes: number; events: number; file: string; line: number }>();
  for (const r of rows) {
    const key = `${String(r['system'])}\u0000${String(r['type'])}\u0000${String(r['id'])}`;
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
  // A record in two categories (an HR file that is also a staff-directory entry) counts for both.
  return [...byRecord.values()].flatMap((r) => {
    const matched = categoriesOf(r.system, r.type, r.id, categories);
    return (matched.length > 0 ? matched : [null]).map((category) => ({
    category,
    system: r.system,
    recordType: r.type,
    recordId: r.id,
    first: iso(r.first),
    last: iso(r.last),
    actions: [...r.actions].sort(),
    bytes: r.bytes,
    via,
    attribution,
    events: r.events,
    file: r.file,
    line: r.line,
  }));
  });
}

/** The first category whose selector matches (system, then each restriction it names). */
export function categoryOf(system: string, recordType: string | null, recordId: string, categories: readonly { id: string; selectors: readonly CategorySelector[] }[]): string | null {
  return categoriesOf(system, recordType, recordId, categories)[0] ?? null;
}

/** Every category one of whose selectors matches. */
export function categoriesOf(system: string, recordType: string | null, recordId: string, categories: readonly { id: string; selectors: readonly CategorySelector[] }[]): string[] {
  const out: string[] = [];
  for (const category of categories) {
    if (category.selectors.some((s) => selects(s, system, recordType, recordId))) out.push(category.id);
  }
  return out;
}

function selects(s: CategorySelector, system: string, recordType: string | null, recordId: string): boolean {
  if (s.system !== system) return false;
  if (s.record_types.length > 0 && (recordType === null || !s.record_types.includes(recordType))) return false;
  if (s.record_ids.length > 0 && !s.record_ids.includes(recordId)) return false;
  if (s.path_prefixes.length > 0 && !s.path_prefixes.some((p) => recordId.startsWith(p))) return false;
  // Audit events carry no tags yet: a selector that needs tags matches nothing rather than
  // everything (and the verdict says so: exposure-verdicts.ts).
  return s.tags.length === 0;
}
