import type { SourceCoverage } from '../ingest/coverage-ledger.js';
import { formatTable } from './cli-io.js';

/** The coverage ledger as a table plus its gaps and warnings, shared by `evidence coverage` and the demo. */
export function coverageLines(ledger: readonly SourceCoverage[]): string[] {
  const pct = (x: number) => `${(x * 100).toFixed(x > 0 && x < 0.001 ? 3 : 1)}%`;
  const quality = (s: SourceCoverage) =>
    Object.entries(s.timeQuality)
      .filter(([, n]) => (n ?? 0) > 0)
      .map(([q, n]) => `${q} ${pct((n ?? 0) / Math.max(1, s.events))}`)
      .join(', ');
  const lines = formatTable(
    ['HOST', 'LOG', 'FIRST (UTC)', 'LAST (UTC)', 'EVENTS', 'HOURS', 'GAPS', 'FAILED', 'TIME QUALITY'],
    ledger.map((s) => [
      s.host,
      s.dataset,
      s.firstEvent?.slice(0, 16) ?? '-',
      s.lastEvent?.slice(0, 16) ?? '-',
      String(s.events),
      `${s.hoursWithEvents}/${s.spanHours}`,
      String(s.gaps.length),
      pct(s.failureRate),
      quality(s),
    ]),
  );
  for (const s of ledger) {
    for (const gap of s.gaps) lines.push(`gap: ${s.host} ${s.dataset} ${gap.from.slice(0, 16)} → ${gap.to.slice(0, 16)} UTC (${gap.hours} h without events where about ${gap.expectedEvents} were expected)`);
    if (s.missingRotations.length) lines.push(`missing rotations: ${s.host} ${s.dataset}: ${s.missingRotations.join(', ')}`);
    for (const warning of s.warnings) lines.push(`warning: ${s.host} ${s.dataset}: ${warning}`);
  }
  lines.push(`${ledger.length} sources`);
  return lines;
}
