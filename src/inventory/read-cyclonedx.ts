import { z } from 'zod';
import type { InputProblem } from '../shared/errors.js';
import { type PathSegment, type StructuredSource, formatPath } from '../shared/structured-source.js';
import { validateAt } from '../shared/validation.js';
import { AssetSchema, type InventoryBatch } from './inventory-model.js';

/**
 * Reads a CycloneDX 1.5 or 1.6 JSON BOM: `metadata.component` and every component (nested ones
 * too) becomes an asset with its cpe, purl and version; the BOM's `dependencies` become
 * `depends_on`. Weerbaar's own fields travel in component `properties` named `weerbaar:<field>`
 * (name, kind, internet_facing, criticality, owner, location, notes, data_categories as a `;` list);
 * without `weerbaar:name` the component name is the asset name too.
 * Only the parts we use are validated; the rest of the BOM is left to CycloneDX tooling.
 */

export function isCycloneDx(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as Record<string, unknown>)['bomFormat'] === 'CycloneDX';
}

const SUPPORTED_SPEC_VERSIONS = ['1.5', '1.6'];

const PropertySchema = z.object({ name: z.string(), value: z.string().optional() });

interface ComponentShape {
  'bom-ref'?: string;
  type: string;
  name: string;
  version?: string;
  group?: string;
  cpe?: string;
  purl?: string;
  description?: string;
  supplier?: { name?: string };
  manufacturer?: { name?: string };
  publisher?: string;
  properties?: { name: string; value?: string }[];
  hashes?: { alg: string; content: string }[];
  components?: ComponentShape[];
}

const ComponentSchema: z.ZodType<ComponentShape> = z.lazy(() =>
  z
    .object({
      'bom-ref': z.string().min(1).optional(),
      type: z.string().min(1),
      name: z.string().min(1),
      version: z.string().optional(),
      group: z.string().optional(),
      cpe: z.string().optional(),
      purl: z.string().optional(),
      description: z.string().optional(),
      supplier: z.object({ name: z.string().optional() }).optional(),
      manufacturer: z.object({ name: z.string().optional() }).optional(),
      publisher: z.string().optional(),
      properties: z.array(PropertySchema).optional(),
      hashes: z.array(z.object({ alg: z.string(), content: z.string() })).optional(),
      components: z.array(ComponentSchema).optional(),
    })
    .loose(),
);

const BomSchema = z
  .object({
    bomFormat: z.literal('CycloneDX'),
    specVersion: z.string().refine((v) => SUPPORTED_SPEC_VERSIONS.includes(v), `must be one of ${SUPPORTED_SPEC_VERSIONS.join(', ')} (CycloneDX versions this importer reads)`),
    metadata: z.object({ component: ComponentSchema.optional(), timestamp: z.iso.datetime({ offset: true }).optional() }).loose().optional(),
    components: z.array(ComponentSchema).optional(),
    dependencies: z.array(z.object({ ref: z.string().min(1), dependsOn: z.array(z.string()).optional() }).loose()).optional(),
  })
  .loose();

/** CycloneDX component types mapped to our asset kinds (a `weerbaar:kind` property wins). */
const KIND_BY_TYPE: Record<string, string> = {
  application: 'application',
  framework: 'library',
  library: 'library',
  container: 'service',
  platform: 'service',
  'operating-system': 'operating-system',
  device: 'device',
  'device-driver': 'firmware',
  firmware: 'firmware',
};

export function readCycloneDx(source: StructuredSource, batch: InventoryBatch, problems: InputProblem[]): void {
  const bom = validateAt(BomSchema, source, [], source.value);
  if (!bom.ok) {
    problems.push(...bom.problems);
    return;
  }
  const timestamp = bom.value.metadata?.timestamp;
  if (timestamp) batch.asOf.set(source.file, new Date(timestamp).toISOString());
  const found: { component: ComponentShape; path: PathSegment[] }[] = [];
  const metadataComponent = bom.value.metadata?.component;
  if (metadataComponent) collect(metadataComponent, ['metadata', 'component'], found);
  bom.value.components?.forEach((c, i) => collect(c, ['components', i], found));

  const dependsOn = new Map<string, string[]>();
  for (const dependency of bom.value.dependencies ?? []) {
    dependsOn.set(dependency.ref, [...(dependsOn.get(dependency.ref) ?? []), ...(dependency.dependsOn ?? [])]);
  }

  for (const { component, path } of found) {
    const id = component['bom-ref'] ?? (component.version ? `${component.name}@${component.version}` : component.name);
    const props = new Map((component.properties ?? []).map((p) => [p.name, p.value ?? '']));
    const prop = (name: string) => props.get(`weerbaar:${name}`);
    const candidate = {
      id,
      name: prop('name') ?? (component.group ? `${component.group}/${component.name}` : component.name),
      kind: prop('kind') ?? KIND_BY_TYPE[component.type] ?? 'other',
      vendor: component.supplier?.name ?? component.manufacturer?.name ?? component.publisher ?? component.group,
      product: component.name,
      version: component.version,
      cpe: component.cpe,
      purl: component.purl,
      internet_facing: prop('internet_facing'),
      criticality: prop('criticality'),
      owner: prop('owner'),
      location: prop('location'),
      data_categories: splitList(prop('data_categories')),
      depends_on: [...new Set(dependsOn.get(id) ?? [])],
      notes: prop('notes') ?? component.description,
      model_numbers: splitList(prop('model_numbers')),
      skus: splitList(prop('skus')),
      // CycloneDX names algorithms like "SHA-256"; CSAF like "sha256".
      hashes: (component.hashes ?? []).map((h) => `${h.alg.toLowerCase().replace(/-/g, '')}:${h.content.toLowerCase()}`),
    };
    const result = validateAt(AssetSchema, source, path, dropUndefined(candidate));
    if (!result.ok) {
      problems.push(...result.problems);
      continue;
    }
    batch.assets.push({ value: result.value, location: { file: source.file, line: source.lineOf(path), path: formatPath(path) } });
  }
  if (found.length === 0) problems.push({ location: { file: source.file, line: 1 }, reason: 'the BOM lists no components' });
}

function collect(component: ComponentShape, path: PathSegment[], found: { component: ComponentShape; path: PathSegment[] }[]): void {
  found.push({ component, path });
  component.components?.forEach((child, i) => collect(child, [...path, 'components', i], found));
}

function splitList(text: string | undefined): string[] {
  return (text ?? '')
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

function dropUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
