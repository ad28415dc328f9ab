import { isIP } from 'node:net';
import { z } from 'zod';
import type { SourceLocation } from '../shared/errors.js';
import { instantIso, isInstant } from '../shared/time.js';

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

/**
 * Which audit events touch a data category (the exposure analysis reads them): on `system` (an
 * asset id), events of these record types, under these path prefixes, with these record ids or
 * these tags; an empty list does not restrict. A selector with no restriction at all means every
 * audited access on that system.
 */
export const CategorySelectorSchema = z
  .object({
    system: Id,
    record_types: IdList,
    path_prefixes: z.array(z.string().trim().min(1, 'must not be empty')).default([]),
    record_ids: IdList,
    tags: IdList,
  })
  .strict();

export const DataCategorySchema = z
  .object({
    id: Id,
    name: z.string().trim().min(1, 'must not be empty'),
    sensitivity: oneOf(SENSITIVITIES),
    personal_data: Flag,
    description: OptionalText,
    selectors: z.array(CategorySelectorSchema).default([]),
  })
  .strict();

export const AUDIT_GRANULARITIES = ['record', 'table', 'none'] as const;

/** A date (midnight UTC) or a date-time with a zone, as ISO UTC. */
const Moment = z.preprocess(
  (value) => (value instanceof Date ? value.toISOString() : typeof value === 'string' ? value.trim() : value),
  z
    .string()
    .refine(isInstant, 'must be a date (2024-01-31) or a date-time with a zone (2024-01-31T08:00:00Z)')
    .transform(instantIso),
);

/**
 * What a system's audit logging can prove (exposure reference §1–§3): at which granularity it
 * records access (per record, per table only, or not at all), since when, how long it is kept, and
 * known limits (throttling, truncation, best-effort). These bound every exposure verdict.
 */
export const AuditLoggingSchema = z
  .object({
    granularity: oneOf(AUDIT_GRANULARITIES),
    enabled_since: Moment.nullish().transform((v) => v ?? null),
    retention_days: z.number().int('must be a whole number').positive('must be more than 0').nullish().transform((v) => v ?? null),
    limits: OptionalText,
  })
  .strict();

/** An IPv4/IPv6 address or CIDR network (`10.10.3.20`, `10.10.3.0/24`, `2001:db8::/48`). */
const AddressOrNetwork = z
  .string()
  .trim()
  .toLowerCase()
  .refine((text) => {
    const [address = '', prefix, extra] = text.split('/');
    const family = isIP(address);
    if (family === 0 || extra !== undefined) return false;
    // A leading zero is read as octal by some tools and as decimal by others: refuse the doubt.
    if (family === 4 && address.split('.').some((o) => o.length > 1 && o.startsWith('0'))) return false;
    return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
  }, 'must be an IPv4 or IPv6 address or network, such as 10.10.3.20 or 10.10.3.0/24');

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
    /** What the system's audit log records; null when nobody has said. */
    audit_logging: AuditLoggingSchema.nullish().transform((v) => v ?? null),
    /** The system's own IP addresses or networks: its connections and flows in the logs. */
    addresses: z.array(AddressOrNetwork).default([]),
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
export type CategorySelector = z.output<typeof CategorySelectorSchema>;
export type AuditLogging = z.output<typeof AuditLoggingSchema>;
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
