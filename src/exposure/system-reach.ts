import { isIP } from 'node:net';
import { ipv4Bounds, ipv6Bits } from '../detection/ioc-model.js';
import type { Footprint } from '../detection/footprint.js';
import type { EventStore } from '../store/event-store.js';
import { type Expr, and, col, compare, count, epochMs, eq, ipv4Range, ipv6Prefix, isIn, isNull, max, min, not, or, select, sum, val } from '../store/query-node.js';
import { ALLOWED, FLOW_COLUMNS, MIN_NEW_BYTES, type PossibleTransfer, standsOut, transferOf } from './exfiltration.js';

/**
 * What the inventory's addresses add to the exposure (issue 6 §3–§4):
 *
 * - *reach*: the footprint's connections to a system that holds a category, from the gateway's
 *   connection log (TCPCONNSTAT of a hijacked session from a footprint address, or any event from a
 *   footprint address) — evidence that a system without an access audit was at least reached;
 * - *egress from holders*: outbound flows whose source is a holder system, to an address outside
 *   the organisation, that stand out against the system's own flows before the window.
 */

export interface SystemReach {
  readonly connections: number;
  /** Bytes the system sent back over those connections. */
  readonly bytesFromSystem: number;
  readonly first: string;
  readonly last: string;
}

/** Events whose `column` lies in any of the addresses or networks. */
export function inAddresses(column: string, addresses: readonly string[]): Expr | null {
  const parts: Expr[] = [];
  const exact: string[] = [];
  for (const entry of addresses) {
    const [address = '', prefix] = entry.split('/');
    // IPv6 is compared by value (/128), not by spelling: 2001:DB8:0::1 is 2001:db8::1.
    if (prefix === undefined && isIP(address) === 6) parts.push(ipv6Prefix(col(column), 128, ipv6Bits(address).toString(16).padStart(32, '0')));
    else if (prefix === undefined) exact.push(address);
    else if (isIP(address) === 4) {
      const { low, high } = ipv4Bounds(entry);
      parts.push(ipv4Range(col(column), low, high));
    } else parts.push(ipv6Prefix(col(column), Number(prefix), ipv6Bits(address).toString(16).padStart(32, '0')));
  }
  if (exact.length > 0) parts.push(isIn(col(column), exact));
  return parts.length === 0 ? null : parts.length === 1 ? parts[0]! : or(...parts);
}

export async function footprintReach(store: EventStore, print: Footprint, holders: readonly { id: string; addresses: readonly string[] }[]): Promise<Map<string, SystemReach>> {
  const addresses = print.entities.filter((e) => e.kind === 'address').map((e) => e.value);
  const out = new Map<string, SystemReach>();
  if (addresses.length === 0) return out;
  // A hijacked session's connections carry the thief's address as their Source (TCPCONNSTAT).
  const who = isIn(col('source.ip'), addresses);
  for (const holder of holders) {
    const to = inAddresses('destination.ip', holder.addresses);
    if (!to) continue;
    const [row] = await store.query(
      select({
        from: 'events',
        columns: [{ expr: count(), as: 'n' }, { expr: sum(col('destination.bytes')), as: 'bytes' }, { expr: epochMs(min(col('@timestamp'))), as: 'first' }, { expr: epochMs(max(col('@timestamp'))), as: 'last' }],
        where: and(eq(col('event.dataset'), val('netscaler.syslog')), who, to),
      }),
    );
    const n = Number(row?.['n'] ?? 0);
    if (n > 0) out.set(holder.id, { connections: n, bytesFromSystem: Number(row?.['bytes'] ?? 0), first: new Date(Number(row!['first'])).toISOString(), last: new Date(Number(row!['last'])).toISOString() });
  }
  return out;
}

/** Outbound flows of holder systems to outside addresses in the window that stand out against the system's flows before it. */
export async function holderEgress(
  store: EventStore,
  holders: readonly { id: string; addresses: readonly string[]; categories: readonly string[] }[],
  window: { readonly start: string; readonly end: string },
): Promise<PossibleTransfer[]> {
  const out: PossibleTransfer[] = [];
  const from = Date.parse(window.start);
  const internal = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', 'fc00::/7', 'fe80::/10', '::1'];
  // A flow that names no destination address (a proxy log with the URL only) went outside too.
  const outside = or(isNull(col('destination.ip')), not(inAddresses('destination.ip', internal)!));
  for (const holder of holders) {
    const source = inAddresses('source.ip', holder.addresses);
    if (!source) continue;
    const flows = await store.query(
      select({
        from: 'events',
        columns: FLOW_COLUMNS,
        where: and(eq(col('event.dataset'), val('network.flow')), source, outside, compare('>=', col('source.bytes'), val(MIN_NEW_BYTES)), compare('>=', epochMs(col('@timestamp')), val(from)), compare('<=', epochMs(col('@timestamp')), val(Date.parse(window.end))), ALLOWED),
        orderBy: [{ expr: col('@timestamp') }],
      }),
    );
    for (const flow of flows) {
      const reasons = await standsOut(store, flow, from);
      if (reasons.length > 0) out.push(transferOf(flow, { via: `system ${holder.id}`, attribution: 'system', reasons, corroboration: null, categories: [...holder.categories].sort() }));
    }
  }
  return out;
}
