import { DECOY_SHELTER, type Scenario } from './example-prosecution-service.js';
import { logSeed } from './scenario-log-common.js';
import { SeededRandom } from './seeded-random.js';

/**
 * A leak-site export that surfaces in November 2025: a JSON-lines dump offering "shelter
 * addresses", as a partner CSIRT would pass it on. Among invented rows it holds the decoy
 * shelter's address, spelt as dumps spell things (upper case, postcode without its space, fields
 * reordered) — the sighting that shows the registry's data left the building.
 */

export const LEAK_PATH = 'leak/leak-site-export-2025-11.jsonl';
const STREETS = ['Kastanjelaan', 'Beukenweg', 'Dorpsstraat', 'Molenstraat', 'Kerkstraat', 'Stationsweg', 'Schoolstraat', 'Wilhelminastraat', 'Julianalaan', 'Nieuwstraat'];
const CITIES: [string, string][] = [['Utrecht', '35'], ['Amersfoort', '38'], ['Zeist', '37'], ['Nieuwegein', '34'], ['Houten', '39']];

export function leakExport(scenario: Scenario): { path: string; text: string; canaryLine: number } {
  const random = new SeededRandom(logSeed(scenario, 11));
  const rows = 24;
  const canaryLine = random.int(5, rows - 3);
  const lines: string[] = [];
  for (let line = 1; line <= rows; line++) {
    if (line === canaryLine) {
      const [street, number] = DECOY_SHELTER.address.split(',')[0]!.split(' ');
      const [postcode, letters, city] = DECOY_SHELTER.address.split(',')[1]!.trim().split(' ');
      lines.push(JSON.stringify({ id: 9000 + line, plaats: city!.toUpperCase(), adres: `${street!.toUpperCase()} ${number}`, postcode: `${postcode}${letters!.toLowerCase()}`, soort: 'opvang' }));
      continue;
    }
    const [city, prefix] = random.pick(CITIES);
    const postcode = `${prefix}${random.int(10, 99)}${String.fromCharCode(65 + random.int(0, 25))}${String.fromCharCode(65 + random.int(0, 25))}`;
    lines.push(JSON.stringify({ id: 9000 + line, plaats: city.toUpperCase(), adres: `${random.pick(STREETS).toUpperCase()} ${random.int(1, 180)}`, postcode: postcode.toLowerCase(), soort: random.pick(['opvang', 'kantoor', 'woning']) }));
  }
  return { path: LEAK_PATH, text: `${lines.join('\n')}\n`, canaryLine };
}
