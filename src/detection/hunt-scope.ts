import { isIPv4, isIPv6 } from 'node:net';
import { WeerbaarError } from '../shared/errors.js';
import { type Expr, and, coalesce, col, compare, epochMs, isIn, ipv4Range, lower, not, or, regex, val } from '../store/query-node.js';
import { ipv4Bounds, normaliseAddress } from './ioc-model.js';

/**
 * Which events a hunt looks at. `--since` makes monitoring runs incremental: an ISO time keeps
 * events at or after it; `last` keeps events added after the previous hunt (event ids grow with
 * every load, so "after the previous hunt's largest id" is exactly "new evidence"). Our own
 * scanners and collectors are left out of every hunt (reference C3) — never reported as the
 * attacker's.
 */

export type Since = { readonly kind: 'time'; readonly at: number; readonly text: string } | { readonly kind: 'last'; readonly text: 'last' };

export function parseSince(text: string): Since {
  if (text === 'last') return { kind: 'last', text };
  const match = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.exec(text);
  const at = match ? Date.parse(match[1] ? text : `${text}T00:00:00Z`) : NaN;
  if (Number.isNaN(at)) throw new WeerbaarError('INVALID_INPUT', `--since ${JSON.stringify(text)}: give an ISO time with a zone (2025-07-15T00:00:00Z), a date (2025-07-15, midnight UTC) or "last" (events added since the previous hunt)`);
  return { kind: 'time', at, text };
}

export function sinceScope(since: Since, afterEventId: number | null): Expr | null {
  if (since.kind === 'time') return compare('>=', epochMs(col('@timestamp')), val(since.at));
  return afterEventId === null ? null : compare('>', col('event.id'), val(afterEventId));
}

export interface OwnActivityConfig {
  readonly source_ips: readonly string[];
  readonly user_agents: readonly string[];
  readonly users: readonly string[];
  readonly commands?: readonly string[];
}

/** Events of our own tools; null when none are configured. Invalid addresses are configuration errors. */
export function ownActivity(config: OwnActivityConfig | undefined): Expr | null {
  if (!config) return null;
  const parts: Expr[] = [];
  const exact: string[] = [];
  for (const text of config.source_ips) {
    const parsed = normaliseAddress(text.trim());
    if (!parsed.ok) throw new WeerbaarError('CONFIG_INVALID', `hunt.own_activity.source_ips: ${parsed.reason}`);
    if (parsed.type === 'cidr4') {
      const { low, high } = ipv4Bounds(parsed.value);
      for (const column of ['source.ip', 'network.forwarded_ip']) parts.push(ipv4Range(col(column), low, high));
    } else if (isIPv4(parsed.value) || isIPv6(parsed.value)) exact.push(parsed.value);
    else throw new WeerbaarError('CONFIG_INVALID', `hunt.own_activity.source_ips: IPv6 networks are not supported here; list the addresses (${text})`);
  }
  if (exact.length > 0) for (const column of ['source.ip', 'network.forwarded_ip']) parts.push(isIn(lower(col(column)), exact));
  if (config.user_agents.length > 0) parts.push(isIn(col('user_agent.original'), [...config.user_agents]));
  if (config.users.length > 0) parts.push(isIn(lower(col('user.name')), config.users.map((u) => u.toLowerCase())));
  for (const pattern of config.commands ?? []) parts.push(regex(col('process.command_line'), pattern));
  // NULL columns make the test NULL; coalesce keeps such events in scope instead of dropping them.
  return parts.length === 0 ? null : coalesce(or(...parts), val(false));
}

/** The scope of a hunt: both limits together, or null for every event. */
export function huntScope(since: Expr | null, own: Expr | null): Expr | null {
  const parts = [...(since ? [since] : []), ...(own ? [not(own)] : [])];
  return parts.length === 0 ? null : parts.length === 1 ? parts[0]! : and(...parts);
}
