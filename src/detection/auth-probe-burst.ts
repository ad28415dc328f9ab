import type { EventStore } from '../store/event-store.js';
import { type Expr, and, col, compare, epochMs, eq, like, or, select, val } from '../store/query-node.js';
import type { DetectionRule } from './detection-rule.js';

/**
 * NS-R2 without request bodies (NetScaler reference §7.4): the CitrixBleed-2 exploit POSTs to
 * `/p/u/doAuthentication.do`, a path ordinary nFactor clients rarely use (they POST to
 * `/nf/auth/doAuthentication.do`). Access logs do not keep the body (`login` without `=`), so a burst
 * of such POSTs from one source — at least BURST within WINDOW — is INFO: context that places NS-R1
 * attempts in time and names the address that made them, not a verdict of its own. With bodies the
 * rule would be ATTEMPT; no parser here keeps bodies.
 */

export const BURST = 5;
export const WINDOW_MS = 10 * 60_000;

const PROBE = and(eq(col('http.request.method'), val('POST')), like(col('url.path'), [{ kind: 'anyRun' }, { kind: 'text', text: '/p/u/doAuthentication.do' }], false));

export interface ProbeBurst {
  readonly source: string;
  readonly first: number;
  readonly last: number;
  readonly requests: number;
}

/** Bursts per source, from its probe times in order: windows of WINDOW_MS holding ≥ BURST requests, merged when they overlap. */
export function bursts(source: string, times: readonly number[]): ProbeBurst[] {
  // Windows as index ranges into the sorted times: a burst runs from its first window's first
  // index to the last index that kept a window full, so its request count is that span's length.
  const spans: { from: number; to: number }[] = [];
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while (times[end]! - times[start]! > WINDOW_MS) start++;
    if (end - start + 1 < BURST) continue;
    const last = spans.at(-1);
    if (last && times[start]! <= times[last.to]!) last.to = end;
    else spans.push({ from: start, to: end });
  }
  return spans.map(({ from, to }) => ({ source, first: times[from]!, last: times[to]!, requests: to - from + 1 }));
}

export async function findProbeBursts(store: EventStore): Promise<ProbeBurst[]> {
  const rows = await store.query(
    select({
      from: 'events',
      columns: [
        { expr: col('source.ip'), as: 'source' },
        { expr: epochMs(col('@timestamp')), as: 't' },
      ],
      where: PROBE,
      orderBy: [{ expr: col('source.ip') }, { expr: col('@timestamp') }],
    }),
  );
  const bySource = new Map<string, number[]>();
  for (const r of rows) {
    if (typeof r['source'] !== 'string' || r['t'] === null) continue;
    const times = bySource.get(r['source']);
    if (times) times.push(Number(r['t']));
    else bySource.set(r['source'], [Number(r['t'])]);
  }
  return [...bySource].flatMap(([source, times]) => bursts(source, times));
}

export function probeBurstRule(found: readonly ProbeBurst[]): DetectionRule {
  const within = (b: ProbeBurst): Expr =>
    and(eq(col('source.ip'), val(b.source)), compare('>=', epochMs(col('@timestamp')), val(b.first)), compare('<=', epochMs(col('@timestamp')), val(b.last)));
  return {
    id: 'NS-R2',
    title: 'Burst of POSTs to /p/u/doAuthentication.do (CitrixBleed-2 probe shape; no bodies to confirm)',
    ruleset: 'netscaler',
    level: 'low',
    verdict: 'INFO',
    confidence: 'medium',
    rationale: `At least ${BURST} POSTs within ${WINDOW_MS / 60_000} minutes from one address to a path that ordinary nFactor clients rarely use; the CitrixBleed-2 exploit sends exactly these. Without the request bodies it is context for NS-R1, not a verdict.`,
    where: and(PROBE, or(...found.map(within))),
  };
}
