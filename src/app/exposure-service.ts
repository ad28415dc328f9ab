import { type TouchedRecord, touchedRecords } from '../exposure/touched-records.js';
import type { AppContext } from './app-context.js';
import { footprint } from './footprint-service.js';
import { inventory } from './inventory-service.js';

/** `weerbaar exposure records`: the records the attacker's footprint touched, with their data category. */
export async function exposureRecords(app: AppContext): Promise<TouchedRecord[]> {
  const print = await footprint(app);
  const inv = await inventory(app);
  return touchedRecords(await app.events(), print, inv.data_categories);
}
