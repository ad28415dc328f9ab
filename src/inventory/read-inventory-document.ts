import type { InputProblem } from '../shared/errors.js';
import { type StructuredSource, formatPath } from '../shared/structured-source.js';
import { validateAt } from '../shared/validation.js';
import { type InventoryBatch, SECTIONS } from './inventory-model.js';

/**
 * Reads an inventory document (YAML or JSON): an object with any of the sections `data_categories`,
 * `assets`, `partners`, `interfaces`, each a list. Every item is validated on its own, so one run
 * reports every bad item with its line, not just the first.
 */
export function readInventoryDocument(source: StructuredSource, batch: InventoryBatch, problems: InputProblem[]): void {
  const { file, value } = source;
  if (value === null || value === undefined) {
    problems.push({ location: { file, line: 1 }, reason: 'the document is empty' });
    return;
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push({ location: { file, line: source.lineOf([]) }, reason: `expected a mapping with ${SECTIONS.map((s) => s.key).join(', ')}` });
    return;
  }
  const document = value as Record<string, unknown>;
  const known = new Set<string>(SECTIONS.map((s) => s.key));
  for (const key of Object.keys(document)) {
    if (!known.has(key)) {
      problems.push({
        location: { file, line: source.lineOf([key]), path: formatPath([key]) },
        reason: `unknown section "${key}"; expected ${[...known].join(', ')}`,
      });
    }
  }
  let found = false;
  for (const section of SECTIONS) {
    const items = document[section.key];
    if (items === undefined || items === null) continue;
    found = true;
    if (!Array.isArray(items)) {
      problems.push({ location: { file, line: source.lineOf([section.key]), path: section.key }, reason: 'must be a list' });
      continue;
    }
    items.forEach((item, index) => {
      const path = [section.key, index];
      const result = validateAt(section.schema, source, path, item);
      if (!result.ok) {
        problems.push(...result.problems);
        return;
      }
      const location = { file, line: source.lineOf(path), path: formatPath(path) };
      // The section decides the type; TypeScript cannot follow the pairing through the loop.
      (batch[section.key] as { value: unknown; location: typeof location }[]).push({ value: result.value, location });
    });
  }
  if (!found && problems.length === 0) {
    problems.push({ location: { file, line: 1 }, reason: `no inventory sections found; expected ${SECTIONS.map((s) => s.key).join(', ')}` });
  }
}
