import type { EventStore } from '../store/event-store.js';
import { and, col, count, eq, select, val, type Scalar } from '../store/query-node.js';

/** How many events have exactly these column values (every value bound, column names checked). */
export async function countEvents(store: EventStore, where: Readonly<Record<string, Scalar>>): Promise<number> {
  const conditions = Object.entries(where).map(([column, value]) => eq(col(column), val(value)));
  const [row] = await store.query(select({ from: 'events', columns: [{ expr: count(), as: 'n' }], where: and(...conditions) }));
  return Number(row?.['n'] ?? 0);
}
