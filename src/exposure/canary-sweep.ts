import type { DetectionRule } from '../detection/detection-rule.js';
import type { EventStore } from '../store/event-store.js';
import { type Expr, and, col, compare, epochMs, eq, isIn, isNull, not, or, select, val } from '../store/query-node.js';
import { type CanaryKind, matchCanaries } from './canary-fingerprint.js';

/**
 * Dormant misuse (issue 6 §5): tripwires planted before the theft. Any access to a honey record, or
 * a canary value turning up in later evidence (logs, partner sightings, leak-site exports taken in
 * as evidence), is a COMPROMISE detection: no legitimate work touches them.
 *
 * Canary values are known only by their keyed fingerprints, so evidence is fingerprinted, never
 * the other way round: the distinct values of the columns a kind can appear in (URLs, domains,
 * accounts, command lines — few distinct values even in large logs), and every line of evidence
 * that is not one of the built-in machine logs (leak exports, partner sightings, generic JSONL/CSV),
 * whose free text may hold an address or a name anywhere. Each sighting becomes one row rule, so
 * every event carrying it gets a detection with its custody.
 */

export interface Canary {
  readonly id: string;
  readonly category: string | null;
  readonly kind: CanaryKind | 'honey-record';
  readonly label: string;
  readonly system: string | null;
  readonly recordId: string | null;
  readonly fingerprint: string | null;
  readonly placedAt: string;
}

/** Where each kind can appear as a whole column value (besides free text). */
const COLUMNS: Readonly<Record<string, readonly CanaryKind[]>> = {
  'url.original': ['url', 'dns', 'email', 'credential', 'address', 'phone', 'name', 'text'],
  'url.domain': ['dns'],
  'http.request.referrer': ['url', 'dns'],
  'user.name': ['email', 'credential', 'name'],
  'process.command_line': ['url', 'dns', 'email', 'credential'],
};

/** The built-in machine logs: their messages are not searched as free text (their columns are). */
const MACHINE_DATASETS = ['netscaler.syslog', 'netscaler.httpaccess', 'netscaler.httperror', 'netscaler.shell', 'netscaler.cron', 'web.access', 'app.data_access', 'network.flow'];
const PAGE = 20_000;
/** Windows of a long line: small enough for matchCanaries' candidate cap, overlapping more than any canary is long. */
const CHUNK = 1_200;
const OVERLAP = 300;
const IDS_PER_RULE = 5_000;

export interface CanarySweep {
  readonly rules: DetectionRule[];
  /** Distinct column values and free-text lines fingerprinted. */
  readonly valuesChecked: number;
  readonly linesChecked: number;
}

export async function canarySweep(store: EventStore, canaries: readonly Canary[], key: Uint8Array | null): Promise<CanarySweep> {
  const rules: DetectionRule[] = [];
  for (const honey of canaries.filter((c) => c.kind === 'honey-record' && c.system !== null && c.recordId !== null)) {
    // Accesses from its placing on: the decoy did not exist before, so nothing earlier is a sighting.
    const access = and(eq(col('event.dataset'), val('app.data_access')), eq(col('service.name'), val(honey.system!)), eq(col('weerbaar.record.id'), val(honey.recordId!)));
    rules.push(rule(honey, `accessed (${honey.system} ${honey.recordId})`, and(access, compare('>=', epochMs(col('@timestamp')), val(Date.parse(honey.placedAt))))));
  }
  const valued = canaries.filter((c): c is Canary & { kind: CanaryKind; fingerprint: string } => c.kind !== 'honey-record' && c.fingerprint !== null);
  if (valued.length === 0 || key === null) return { rules, valuesChecked: 0, linesChecked: 0 };
  const wanted = new Map(valued.map((c) => [c.fingerprint, c]));
  const kinds = [...new Set(valued.map((c) => c.kind))];
  let valuesChecked = 0;
  // Per canary, the columns and values it was seen in: one rule each, so an event whose URL and
  // domain both carry it gets one detection.
  const seen = new Map<string, { columns: string[]; where: Expr[] }>();
  for (const [column, columnKinds] of Object.entries(COLUMNS)) {
    const here = kinds.filter((k) => columnKinds.includes(k));
    if (here.length === 0) continue;
    const hits = new Map<string, Set<string>>();
    // Distinct values page by page in value order: URLs with tokens can be millions of values.
    let after: string | null = null;
    for (;;) {
      const where: Expr = after === null ? not(isNull(col(column))) : compare('>', col(column), val(after));
      const values = await store.query(select({ from: 'events', columns: [{ expr: col(column), as: 'v' }], where, groupBy: [col(column)], orderBy: [{ expr: col(column) }], limit: PAGE }));
      if (values.length === 0) break;
      valuesChecked += values.length;
      for (const row of values) {
        const text = String(row['v']);
        for (const hit of matchText(key, wanted, here, text)) (hits.get(hit.id) ?? hits.set(hit.id, new Set()).get(hit.id)!).add(text);
      }
      after = String(values[values.length - 1]!['v']);
    }
    for (const [id, texts] of hits) {
      const entry = seen.get(id) ?? seen.set(id, { columns: [], where: [] }).get(id)!;
      entry.columns.push(column);
      entry.where.push(isIn(col(column), [...texts]));
    }
  }
  const byId = new Map(valued.map((c) => [c.id, c]));
  for (const [id, { columns, where }] of seen) rules.push(rule(byId.get(id)!, `in ${columns.join(', ')}`, afterPlacing(byId.get(id)!, or(...where))));
  const { rules: textRules, lines } = await freeTextSightings(store, key, wanted, kinds);
  return { rules: [...rules, ...textRules], valuesChecked, linesChecked: lines };
}

/** Every line of the non-machine evidence, paged by event id, fingerprinted for every registered kind. */
async function freeTextSightings(store: EventStore, key: Uint8Array, wanted: ReadonlyMap<string, Canary>, kinds: readonly CanaryKind[]): Promise<{ rules: DetectionRule[]; lines: number }> {
  const content = and(not(isIn(col('event.dataset'), MACHINE_DATASETS)), not(isNull(col('message'))));
  const ids = new Map<string, number[]>();
  let after = -1;
  let lines = 0;
  for (;;) {
    const page = await store.query(select({ from: 'events', columns: [{ expr: col('event.id'), as: 'id' }, { expr: col('message'), as: 'm' }], where: and(content, compare('>', col('event.id'), val(after))), orderBy: [{ expr: col('event.id') }], limit: PAGE }));
    if (page.length === 0) break;
    for (const row of page) {
      for (const hit of matchText(key, wanted, kinds, freeText(String(row['m'])))) (ids.get(hit.id) ?? ids.set(hit.id, []).get(hit.id)!).push(Number(row['id']));
    }
    lines += page.length;
    after = Number(page[page.length - 1]!['id']);
  }
  const byId = new Map([...wanted.values()].map((c) => [c.id, c]));
  const rules: DetectionRule[] = [];
  for (const [id, events] of ids) {
    for (let i = 0; i < events.length; i += IDS_PER_RULE) rules.push(rule(byId.get(id)!, 'in evidence text', afterPlacing(byId.get(id)!, isIn(col('event.id'), [...new Set(events.slice(i, i + IDS_PER_RULE))]))));
  }
  return { rules, lines };
}

/**
 * The words a line says: a JSON object's values in order (its keys would sit between an address's
 * street and postcode and break the window), any other line as it is. Walked with an explicit
 * stack: a hostile line nested 20,000 deep must not overflow the call stack.
 */
export function freeText(line: string): string {
  if (!line.trimStart().startsWith('{')) return line;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return line;
  }
  const out: string[] = [];
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || v === undefined) continue;
    if (typeof v === 'object') {
      const inner = Array.isArray(v) ? v : Object.values(v);
      for (let i = inner.length - 1; i >= 0; i--) stack.push(inner[i]);
    } else out.push(String(v));
  }
  return out.join(' ');
}

/**
 * The canaries in a text of any length: matchCanaries reads MAX_TEXT_CHARS and at most
 * MAX_CANDIDATES per kind, so a long line is searched in overlapping windows rather than cut off
 * (an address after 300 filler words must still be found).
 */
function matchText(key: Uint8Array, wanted: ReadonlyMap<string, Canary>, kinds: readonly CanaryKind[], text: string): Canary[] {
  const found = new Map<string, Canary>();
  for (let at = 0; at === 0 || at < text.length; at += CHUNK - OVERLAP) {
    for (const hit of matchCanaries(key, wanted, kinds, text.slice(at, at + CHUNK))) found.set(hit.value.id, hit.value);
    if (at + CHUNK >= text.length) break;
  }
  return [...found.values()];
}

/** A timed event before the canary was placed cannot be a sighting of it (a decoy colliding with real data); untimed evidence (a leak export) can. */
function afterPlacing(canary: Canary, match: Expr): Expr {
  return and(match, or(isNull(col('@timestamp')), compare('>=', epochMs(col('@timestamp')), val(Date.parse(canary.placedAt)))));
}

function rule(canary: Canary, where: string, match: Expr): DetectionRule {
  const what = canary.kind === 'honey-record' ? 'Honey record' : `Canary ${canary.kind}`;
  return {
    id: 'CANARY',
    // The label, kind and category only: never the value, which only its fingerprint stands for.
    title: `${what} ${canary.label}${canary.category ? ` (${canary.category})` : ''} ${where}`,
    ruleset: 'canary',
    level: 'critical',
    verdict: 'COMPROMISE',
    confidence: 'high',
    rationale: `a tripwire planted on ${canary.placedAt.slice(0, 10)} that no legitimate work touches: its use means the data it sits in was taken`,
    where: match,
  };
}
