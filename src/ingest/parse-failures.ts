import type { EventStore } from '../store/event-store.js';
import { col, count, select } from '../store/query-node.js';

/** The lines no parser could read, with file, line, byte offset and reason: kept, countable, listable. */

export interface ParseFailureRow {
  readonly path: string;
  readonly sha256: string;
  readonly dataset: string;
  readonly line: number;
  readonly offset: number;
  readonly reason: string;
  readonly text: string;
  readonly encoding: string;
}

export async function listParseFailures(store: EventStore, limit: number): Promise<{ total: number; failures: ParseFailureRow[] }> {
  const [totalRow] = await store.query(select({ from: 'parse_failures', columns: [{ expr: count(), as: 'n' }] }));
  const rows = await store.query(
    select({
      from: 'parse_failures',
      columns: [
        { expr: col('log.file.path'), as: 'path' },
        { expr: col('weerbaar.evidence_sha256'), as: 'sha256' },
        { expr: col('event.dataset'), as: 'dataset' },
        { expr: col('weerbaar.line'), as: 'line' },
        { expr: col('log.offset'), as: 'offset' },
        { expr: col('error.message'), as: 'reason' },
        { expr: col('message'), as: 'text' },
        { expr: col('weerbaar.encoding'), as: 'encoding' },
      ],
      orderBy: [{ expr: col('log.file.path') }, { expr: col('weerbaar.line') }],
      limit,
    }),
  );
  return {
    total: Number(totalRow?.['n'] ?? 0),
    failures: rows.map((r) => ({
      path: String(r['path']),
      sha256: String(r['sha256']),
      dataset: String(r['dataset']),
      line: Number(r['line']),
      offset: Number(r['offset']),
      reason: String(r['reason']),
      text: String(r['text'] ?? ''),
      encoding: String(r['encoding']),
    })),
  };
}
