import { isIPv6 } from 'node:net';
import type { EventStore } from '../store/event-store.js';
import {
  type Expr,
  and,
  col,
  compare,
  deleteFrom,
  eq,
  insertSelect,
  ipv4Network,
  ipv4Range,
  isNull,
  like,
  lower,
  or,
  select,
  val,
} from '../store/query-node.js';
import type { Scalar } from '../store/query-node.js';
import type { Confidence, DetectionRule, Verdict } from './detection-rule.js';
import { DETECTION_EVENT_COLUMNS, runRules } from './hunt.js';
import { type Ioc, type IocConjunction, type IocSet, type IocType, ipv4Bounds, ipv6Bits } from './ioc-model.js';

/**
 * IOC matching as joins inside the engine (issue: "a join against the event store, not a scan per
 * IOC"). The hunt's indicators go into the `iocs` table, tagged with the hunt id; then one
 * INSERT … SELECT per (kind of indicator, event column) joins events to indicators and copies each
 * hit into `detections` with the event's custody. 100,000 indicators cost one hash join per
 * column, not 100,000 scans.
 *
 * - IPv4 addresses and networks join on the event address's network at each prefix length present
 *   (an address is a /32), so CIDR indicators are equi-joins too; indicators with a direction
 *   (STIX src_ref / MISP ip-src) only match the columns of that direction.
 * - IPv6: the distinct IPv6 addresses in the events (few, compared to events) are tested against
 *   the IPv6 indicators here, and the hits join by their literal text.
 * - Domains, e-mail addresses and URLs compare case-insensitively, user agents exactly.
 * - File hashes do not occur in log events: they are matched against collected files by the
 *   triage IOC sweep (NS-R17) and reported here as such.
 * - An indicator expires at `valid_until`: it matches events up to that moment, not later ones.
 * - STIX AND (conjunctions) are checked one by one — they are few: every observation must match
 *   some event, the IOCs of one observation the same event.
 */

/** Where each IOC type can show up in events: column, and which indicator directions it answers. */
const IP_COLUMNS: readonly { column: string; role: 'src' | 'dst' }[] = [
  { column: 'source.ip', role: 'src' },
  { column: 'network.forwarded_ip', role: 'src' },
  { column: 'source.nat.ip', role: 'src' },
  { column: 'destination.ip', role: 'dst' },
];
const TEXT_COLUMNS: Readonly<Partial<Record<IocType, readonly { column: string; folded: boolean }[]>>> = {
  domain: [{ column: 'url.domain', folded: true }],
  email: [{ column: 'user.name', folded: true }],
  // Readers normalise a URL's scheme and host to lower case, logs keep what the client sent.
  url: [{ column: 'url.original', folded: true }],
  'user-agent': [{ column: 'user_agent.original', folded: false }],
};
const FILE_HASHES: readonly IocType[] = ['md5', 'sha1', 'sha256', 'sha512'];

export interface IocMatchReport {
  /** Indicators loaded for matching against events (conjunctions counted once). */
  readonly matchable: number;
  /** Indicators that only the triage file sweep can match (file hashes). */
  readonly fileOnly: number;
  readonly detections: number;
  /** Indicators with at least one hit. */
  readonly indicatorsHit: number;
}

export function iocJudgement(confidence: number | null): { verdict: Verdict; confidence: Confidence; level: string } {
  // A high-confidence indicator of the actor in our own evidence is attacker presence (§7.1); a
  // weaker one needs an analyst. No confidence given is treated as medium.
  if (confidence !== null && confidence >= 75) return { verdict: 'COMPROMISE', confidence: 'high', level: 'high' };
  if (confidence === null || confidence >= 40) return { verdict: 'REVIEW', confidence: 'medium', level: 'medium' };
  return { verdict: 'REVIEW', confidence: 'low', level: 'low' };
}

export function iocTitle(ioc: Ioc): string {
  const id = ioc.source.id ? `#${ioc.source.id}` : ioc.source.line ? `:${ioc.source.line}` : '';
  return `IOC ${ioc.type} ${ioc.value} (${ioc.source.file.split(/[\\/]/).pop() ?? ''}${id})`;
}

type IocRow = readonly Scalar[];

function row(huntId: string, kind: 'ip4' | 'text', ioc: Ioc, value: string, prefix: number | null, network: number | null): IocRow {
  const judged = iocJudgement(ioc.confidence);
  const validUntil = ioc.validUntil === null ? null : Date.parse(ioc.validUntil);
  return [huntId, kind, ioc.type, value, prefix, network, ioc.role, validUntil, iocTitle(ioc), judged.level, judged.verdict, judged.confidence];
}

/** A matched indicator's constants come from its row in the join. */
const fromIoc: readonly [string, Expr][] = [
  ['rule.id', val('IOC')],
  ['rule.name', col('ioc.title')],
  ['rule.ruleset', val('ioc')],
  ['weerbaar.level', col('ioc.level')],
  ['weerbaar.verdict', col('ioc.verdict')],
  ['weerbaar.confidence', col('ioc.confidence')],
];

export async function matchIocs(
  store: EventStore,
  huntId: string,
  sets: readonly IocSet[],
  options: { fixRelation?: Expr; scope?: Expr } = {},
): Promise<IocMatchReport> {
  const items = sets.flatMap((s) => s.items);
  const conjunctions = sets.flatMap((s) => s.conjunctions);
  const rows: IocRow[] = [];
  const ipv6: Ioc[] = [];
  const prefixes = new Set<number>();
  let fileOnly = 0;
  for (const ioc of items) {
    if (ioc.type === 'ipv4' || ioc.type === 'cidr4') {
      const { low, prefix } = ipv4Bounds(ioc.value);
      prefixes.add(prefix);
      rows.push(row(huntId, 'ip4', ioc, ioc.value, prefix, low));
    } else if (ioc.type === 'ipv6' || ioc.type === 'cidr6') ipv6.push(ioc);
    else if (FILE_HASHES.includes(ioc.type)) fileOnly++;
    else if (TEXT_COLUMNS[ioc.type]) rows.push(row(huntId, 'text', ioc, TEXT_COLUMNS[ioc.type]!.some((c) => c.folded) ? ioc.value.toLowerCase() : ioc.value, null, null));
  }
  rows.push(...(await ipv6Rows(store, huntId, ipv6)));
  const common = (extra: Expr[]) => and(eq(col('ioc.hunt_id'), val(huntId)), ...extra, or(isNull(col('ioc.valid_until')), compare('<=', col('@timestamp'), col('ioc.valid_until'))));
  const columns = [...fromIoc, ['weerbaar.hunt_id', val(huntId)] as [string, Expr], ['weerbaar.fix_relation', options.fixRelation ?? val('UNKNOWN')] as [string, Expr], ...DETECTION_EVENT_COLUMNS];
  const joinInto = (on: Expr) =>
    store.execute(insertSelect('detections', select({ from: 'events', join: { table: 'iocs', on }, columns: columns.map(([as, expr]) => ({ expr, as })), ...(options.scope ? { where: options.scope } : {}) })));
  let detections = 0;
  try {
    await store.insertRows('iocs', rows);
    for (const { column, role } of IP_COLUMNS) {
      const direction = or(isNull(col('ioc.role')), eq(col('ioc.role'), val(role)));
      for (const prefix of [...prefixes].sort((a, b) => a - b)) {
        detections += await joinInto(common([eq(col('ioc.kind'), val('ip4')), eq(col('ioc.prefix'), val(prefix)), direction, eq(ipv4Network(col(column), prefix), col('ioc.network'))]));
      }
      if (ipv6.length > 0) detections += await joinInto(common([eq(col('ioc.type'), val('ipv6')), direction, eq(lower(col(column)), col('ioc.value'))]));
    }
    for (const [type, targets] of Object.entries(TEXT_COLUMNS)) {
      for (const { column, folded } of targets ?? []) {
        const value = folded ? lower(col(column)) : col(column);
        detections += await joinInto(common([eq(col('ioc.kind'), val('text')), eq(col('ioc.type'), val(type)), eq(value, col('ioc.value'))]));
      }
    }
  } finally {
    await store.execute(deleteFrom('iocs', eq(col('ioc.hunt_id'), val(huntId))));
  }
  detections += await matchConjunctions(store, huntId, conjunctions, options);
  const hit = await store.query(
    select({ from: 'detections', columns: [{ expr: col('rule.name'), as: 'name' }], where: and(eq(col('weerbaar.hunt_id'), val(huntId)), eq(col('rule.ruleset'), val('ioc'))), groupBy: [col('rule.name')] }),
  );
  return { matchable: rows.length + conjunctions.length, fileOnly, detections, indicatorsHit: hit.length };
}

/**
 * IPv6 indicators against the distinct IPv6 addresses the events hold: each hit becomes a text row
 * with the address as the events spell it, so the join is an equality.
 */
async function ipv6Rows(store: EventStore, huntId: string, iocs: readonly Ioc[]): Promise<IocRow[]> {
  if (iocs.length === 0) return [];
  const networks = iocs.map((ioc) => {
    const [address = '', prefixText] = ioc.value.split('/');
    const prefix = prefixText === undefined ? 128 : Number(prefixText);
    return { ioc, prefix, bits: ipv6Bits(address) };
  });
  const seen = new Set<string>();
  for (const { column } of IP_COLUMNS) {
    const found = await store.query(
      select({ from: 'events', columns: [{ expr: lower(col(column)), as: 'address' }], where: like(col(column), [{ kind: 'anyRun' }, { kind: 'text', text: ':' }, { kind: 'anyRun' }]), groupBy: [lower(col(column))] }),
    );
    for (const r of found) if (typeof r['address'] === 'string' && isIPv6(r['address'])) seen.add(r['address']);
  }
  const rows: IocRow[] = [];
  for (const address of seen) {
    const bits = ipv6Bits(address);
    for (const { ioc, prefix, bits: network } of networks) {
      const shift = BigInt(128 - prefix);
      if (bits >> shift === network >> shift) rows.push(row(huntId, 'text', { ...ioc, type: 'ipv6' }, address, null, null));
    }
  }
  return rows;
}

/** The predicate for one IOC over an event (for conjunctions, which are checked one by one). */
function iocPredicate(ioc: Ioc): Expr {
  if (ioc.type === 'ipv4' || ioc.type === 'cidr4') {
    const { low, high } = ipv4Bounds(ioc.value);
    return or(...IP_COLUMNS.filter((c) => ioc.role === null || c.role === ioc.role).map((c) => ipv4Range(col(c.column), low, high)));
  }
  if (ioc.type === 'ipv6' || ioc.type === 'cidr6') return or(...IP_COLUMNS.filter((c) => ioc.role === null || c.role === ioc.role).map((c) => eq(lower(col(c.column)), val(ioc.value))));
  const targets = TEXT_COLUMNS[ioc.type] ?? [];
  return or(...targets.map((t) => (t.folded ? eq(lower(col(t.column)), val(ioc.value.toLowerCase())) : eq(col(t.column), val(ioc.value)))));
}

async function matchConjunctions(store: EventStore, huntId: string, conjunctions: readonly IocConjunction[], options: { fixRelation?: Expr; scope?: Expr }): Promise<number> {
  let detections = 0;
  for (const conjunction of conjunctions) {
    const observations = conjunction.observations.map((iocs) => and(...iocs.map(iocPredicate), ...(options.scope ? [options.scope] : [])));
    let all = true;
    for (const observation of observations) {
      const found = await store.query(select({ from: 'events', columns: [{ expr: col('event.id'), as: 'id' }], where: observation, limit: 1 }));
      if (found.length === 0) {
        all = false;
        break;
      }
    }
    if (!all) continue;
    const first = conjunction.observations[0]?.[0];
    const judged = iocJudgement(first?.confidence ?? null);
    const rule: DetectionRule = {
      id: 'IOC',
      title: `IOC conjunction ${conjunction.observations.map((o) => o.map((i) => `${i.type} ${i.value}`).join(' AND ')).join(' AND ')} (${conjunction.source.file.split(/[\\/]/).pop() ?? ''}#${conjunction.source.id})`,
      ruleset: 'ioc',
      level: judged.level,
      verdict: judged.verdict,
      confidence: judged.confidence,
      rationale: 'Every observation of the indicator was seen.',
      where: or(...observations),
    };
    const [outcome] = await runRules(store, huntId, [rule], options.fixRelation ? { fixRelation: options.fixRelation } : {});
    detections += outcome?.hits ?? 0;
  }
  return detections;
}
