import { z } from 'zod';
import type { SourceLocation } from '../shared/errors.js';

/**
 * The inventory: assets, the data categories they hold, the chain partners and the interfaces
 * between our assets and those partners. One shape (snake_case, as in the import files and the
 * JSON output) from the schema to the command line.
 */

export const ASSET_KINDS = [
  'gateway',
  'firewall',
  'network',
  'server',
  'application',
  'database',
  'file-server',
  'document-store',
  'backup',
  'identity',
  'siem',
  'workstation',
  'service',
  'saas',
  'device',
  'firmware',
  'operating-system',
  'library',
  'other',
] as const;
export const CRITICALITIES = ['low', 'medium', 'high', 'critical'] as const;
export const SENSITIVITIES = ['public', 'internal', 'confidential', 'secret'] as const;
export const DIRECTIONS = ['outbound', 'inbound', 'bidirectional'] as const;
/** TLP 2.0 labels, most open first. */
export const TLP_LEVELS = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'] as const;

export type AssetKind = (typeof ASSET_KINDS)[number];
export type Criticality = (typeof CRITICALITIES)[number];
export type Sensitivity = (typeof SENSITIVITIES)[number];
export type Direction = (typeof DIRECTIONS)[number];
export type TlpLevel = (typeof TLP_LEVELS)[number];

/** Identifiers are data, not syntax: any printable text without control characters, at most 256 characters. */
const Id = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(256, 'must be at most 256 characters')
  .refine((value) => !/\p{Cc}/u.test(value), 'must not contain control characters');

const OptionalText = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((value) => {
    if (value === null || value === undefined) return null;
    const text = String(value).trim();
    return text === '' ? null : text;
  });

const Flag = z.preprocess((value) => {
  if (typeof value !== 'string') return value;
  const text = value.trim().toLowerCase();
  if (['true', 'yes', 'y', '1', 'ja'].includes(text)) return true;
  if (['false', 'no', 'n', '0', 'nee', ''].includes(text)) return false;
  return value;
}, z.boolean({ message: 'must be yes/no (true/false)' }));

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.preprocess(
    (value) => (typeof value === 'string' ? value.trim().toLowerCase() : value),
    z.enum(values, { message: `must be one of: ${values.join(', ')}` }),
  );
}

const IdList = z.array(Id).default([]);

const Cpe = OptionalText.refine(
  (value) => value === null || /^cpe:2\.3:[aho*-](:[^:]*){10}$/.test(value) || /^cpe:\/[aho]:/.test(value),
  'is not a CPE 2.3 formatted string (cpe:2.3:part:vendor:product:version:…, 13 parts) or a CPE 2.2 URI (cpe:/…)',
);

const Purl = OptionalText.refine((value) => value === null || /^pkg:[A-Za-z.+-][A-Za-z0-9.+-]*\/.+/.test(value), 'is not a package URL (pkg:type/namespace/name@version)');

const Tlp = z.preprocess(
  (value) => {
    if (typeof value !== 'string') return value;
    const label = value.trim().toUpperCase().replace(/^TLP:/, '');
    return label === 'WHITE' ? 'CLEAR' : label;
  },
  z.enum(TLP_LEVELS, { message: `must be a TLP 2.0 label: ${TLP_LEVELS.join(', ')}` }),
);

export const DataCategorySchema = z
  .object({
    id: Id,
    name: z.string().trim().min(1, 'must not be empty'),
    sensitivity: oneOf(SENSITIVITIES),
    personal_data: Flag,
    description: OptionalText,
  })
  .strict();

export const AssetSchema = z
  .object({
    id: Id,
    name: z.string().trim().min(1, 'must not be empty'),
    kind: oneOf(ASSET_KINDS),
    vendor: OptionalText,
    product: OptionalText,
    version: OptionalText,
    cpe: Cpe,
    purl: Purl,
    internet_facing: Flag.default(false),
    criticality: oneOf(CRITICALITIES).default('medium'),
    owner: OptionalText,
    location: OptionalText,
    data_categories: IdList,
    depends_on: IdList,
    notes: OptionalText,
    model_numbers: z.array(z.string().trim().min(1)).default([]),
    skus: z.array(z.string().trim().min(1)).default([]),
    hashes: z
      .array(
        z
          .string()
          .trim()
          .toLowerCase()
          .regex(/^[a-z0-9-]+:[0-9a-f]{32,}$/, 'must be <algorithm>:<hex digest>, e.g. sha256:9f86d0…'),
      )
      .default([]),
  })
  .strict();

export const ContactSchema = z
  .object({
    name: z.string().trim().min(1, 'must not be empty'),
    role: OptionalText,
    email: OptionalText.refine((v) => v === null || /^[^\s@]+@[^\s@]+$/.test(v), 'is not an e-mail address'),
    phone: OptionalText,
  })
  .strict();

export const PartnerSchema = z
  .object({
    id: Id,
    name: z.string().trim().min(1, 'must not be empty'),
    kind: z.string().trim().min(1, 'must not be empty'),
    tlp_max: Tlp,
    contacts: z.array(ContactSchema).default([]),
  })
  .strict();

export const InterfaceSchema = z
  .object({
    id: Id,
    asset: Id,
    partner: Id,
    direction: oneOf(DIRECTIONS),
    data_categories: IdList,
    load_order: z.preprocess(
      (v) => (typeof v === 'string' ? (v.trim() === '' ? null : Number(v)) : v),
      z.number().int('must be a whole number').min(0, 'must be 0 or more').nullish().transform((v) => v ?? null),
    ),
    description: OptionalText,
  })
  .strict();

export type DataCategory = z.output<typeof DataCategorySchema>;
export type Asset = z.output<typeof AssetSchema>;
export type Contact = z.output<typeof ContactSchema>;
export type Partner = z.output<typeof PartnerSchema>;
export type Interface = z.output<typeof InterfaceSchema>;

export type EntityKind = 'data_category' | 'asset' | 'partner' | 'interface';

/** The document keys of each kind, in the order references must be resolved. */
export const SECTIONS = [
  { key: 'data_categories', kind: 'data_category', schema: DataCategorySchema },
  { key: 'assets', kind: 'asset', schema: AssetSchema },
  { key: 'partners', kind: 'partner', schema: PartnerSchema },
  { key: 'interfaces', kind: 'interface', schema: InterfaceSchema },
] as const;

export interface Located<T> {
  readonly value: T;
  readonly location: SourceLocation;
}

/** What one or more input files hold, before it is checked against the store. */
export interface InventoryBatch {
  readonly data_categories: Located<DataCategory>[];
  readonly assets: Located<Asset>[];
  readonly partners: Located<Partner>[];
  readonly interfaces: Located<Interface>[];
  /** Per file, the moment it describes when the file says so (a CycloneDX BOM's timestamp). */
  readonly asOf: Map<string, string>;
}

export function emptyBatch(): InventoryBatch {
  return { data_categories: [], assets: [], partners: [], interfaces: [], asOf: new Map() };
}
