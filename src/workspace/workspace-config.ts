import { stringify } from 'yaml';
import { z } from 'zod';
import { WeerbaarError, formatProblem } from '../shared/errors.js';
import { parseYamlSource } from '../shared/structured-source.js';
import { isValidTimeZone } from '../shared/time.js';
import { validateAt } from '../shared/validation.js';

/** `weerbaar.yaml`: the one configuration file of a workspace. Unknown keys are errors (typos must not pass). */

export const CONFIG_FILE = 'weerbaar.yaml';

const sqlIdentifier = /^[a-z_][a-z0-9_]{0,62}$/;

const SqliteStoreSchema = z
  .object({
    engine: z.literal('sqlite'),
    path: z.string().min(1).default('case.sqlite'),
  })
  .strict();

const PostgresStoreSchema = z
  .object({
    engine: z.literal('postgres'),
    /** A connection URL in the file is allowed but discouraged: prefer `url_env`. */
    url: z.string().min(1).optional(),
    url_env: z.string().min(1).default('WEERBAAR_DATABASE_URL'),
    schema: z.string().regex(sqlIdentifier, 'must be a lower-case SQL identifier').default('public'),
  })
  .strict();

/**
 * The patch policy: deadlines per kind of finding, first matching rule wins. The default follows
 * the reading of BIO2 8.08.01 and the NCSC advice: known-exploited or critical on
 * internet-facing assets within 72 hours; high within a week; medium 30 days; the rest 90 days.
 */
const PatchRuleSchema = z
  .object({
    name: z.string().min(1),
    known_exploited: z.boolean().optional(),
    internet_facing: z.boolean().optional(),
    min_cvss: z.number().min(0).max(10).optional(),
    deadline_hours: z.number().int().positive(),
  })
  .strict();

export const DEFAULT_PATCH_RULES: z.input<typeof PatchRuleSchema>[] = [
  { name: 'known exploited, internet-facing', known_exploited: true, internet_facing: true, deadline_hours: 72 },
  { name: 'critical, internet-facing', min_cvss: 9, internet_facing: true, deadline_hours: 72 },
  { name: 'high (BIO2 8.08.01: one week)', min_cvss: 7, deadline_hours: 168 },
  { name: 'medium', min_cvss: 4, deadline_hours: 720 },
  { name: 'other', deadline_hours: 2160 },
];

export const PatchPolicySchema = z
  .object({
    /** When the clock starts: the advisory's release, our receipt of it, or the fix's availability. */
    start: z.enum(['advisory_release', 'receipt', 'fix_available']).default('advisory_release'),
    rules: z.array(PatchRuleSchema).min(1).default(DEFAULT_PATCH_RULES),
  })
  .strict();

export type PatchPolicy = z.output<typeof PatchPolicySchema>;

/** The workspace's patch policy, or the default one. */
export function patchPolicy(config: WorkspaceConfig): PatchPolicy {
  return config.patch_policy ?? PatchPolicySchema.parse({});
}

/** Trusted CSAF providers and the OpenPGP public keys their documents must be signed with. */
const CsafProviderSchema = z
  .object({
    metadata_url: z.string().url(),
    /** Armored OpenPGP public key files, relative to the workspace. */
    openpgp_keys: z.array(z.string().min(1)).min(1),
  })
  .strict();

/**
 * Our own scanners and collectors (NetScaler reference C3): their traffic and commands are in the
 * evidence too, and must never be reported as the attacker's. Events from these source addresses
 * (IPv4, IPv6 or IPv4 CIDR), with these exact user agents, by these accounts, or shell commands
 * matching these patterns (the collector's own, reference C3) are left out of every hunt.
 */
export const OwnActivitySchema = z
  .object({
    source_ips: z.array(z.string().min(1)).default([]),
    user_agents: z.array(z.string().min(1)).default([]),
    users: z.array(z.string().min(1)).default([]),
    /** Regular expressions (RE2) for our collector's own commands in the appliance's shell history. */
    commands: z
      .array(
        z.string().min(1).max(1000).refine((p) => {
          try {
            new RegExp(p);
            return !/\(\?<?[=!]|\\[1-9]/.test(p);
          } catch {
            return false;
          }
        }, 'must be a regular expression without lookaround or backreferences (RE2)'),
      )
      .default([]),
  })
  .strict();

export type OwnActivity = z.output<typeof OwnActivitySchema>;

export const WorkspaceConfigSchema = z
  .object({
    weerbaar: z.literal(1, { message: 'must be 1 (the workspace format version)' }),
    workspace_id: z.uuid(),
    organisation: z.string().trim().min(1),
    timezone: z.string().refine(isValidTimeZone, 'is not an IANA time-zone name (such as Europe/Amsterdam)'),
    case_store: z.discriminatedUnion('engine', [SqliteStoreSchema, PostgresStoreSchema]).default({ engine: 'sqlite', path: 'case.sqlite' }),
    /** The event store: normalised log events. DuckDB embedded by default; ClickHouse with the scale-out issue. */
    event_store: z
      .discriminatedUnion('engine', [
        z
          .object({
            engine: z.literal('duckdb'),
            path: z.string().min(1).default('events.duckdb'),
            memory_limit: z.string().regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/, 'must be a size such as 512MB or 2GB').optional(),
          })
          .strict(),
      ])
      .default({ engine: 'duckdb', path: 'events.duckdb' }),
    vault: z.string().min(1).default('vault'),
    audit: z
      .object({
        signing_key: z.string().min(1).default('keys/audit-ed25519.pem'),
        public_key: z.string().min(1).default('keys/audit-ed25519.pub.pem'),
        checkpoints: z.string().min(1).default('audit/checkpoints'),
      })
      .strict()
      .default({ signing_key: 'keys/audit-ed25519.pem', public_key: 'keys/audit-ed25519.pub.pem', checkpoints: 'audit/checkpoints' }),
    patch_policy: PatchPolicySchema.optional(),
    csaf_providers: z.array(CsafProviderSchema).optional(),
    scenario: z.string().optional(),
    hunt: z.object({ own_activity: OwnActivitySchema.optional() }).strict().optional(),
    /** Which notification regimes apply (docs/exposure.md): GDPR always; NIS2 for essential and important entities. */
    regulation: z.object({ nis2: z.boolean().default(true) }).strict().optional(),
    /**
     * The key of the canaries' HMAC fingerprints: a file of at least 32 random bytes, created on
     * first use. Relative to the workspace, or absolute — keep it off the workspace's disk (a
     * token or a mounted secret) so that a copy of the case store alone gives nothing away.
     */
    canaries: z.object({ key_file: z.string().min(1).default('keys/canary-hmac.key') }).strict().optional(),
  })
  .strict();

export type WorkspaceConfig = z.output<typeof WorkspaceConfigSchema>;

export function parseWorkspaceConfig(file: string, text: string): WorkspaceConfig {
  const source = parseYamlSource(file, text);
  const result = validateAt(WorkspaceConfigSchema, source, [], source.value ?? {});
  if (!result.ok) {
    throw new WeerbaarError('CONFIG_INVALID', `${file}: not a valid workspace configuration`, {
      details: result.problems.map(formatProblem),
    });
  }
  return result.value;
}

export function serialiseWorkspaceConfig(config: WorkspaceConfig): string {
  const header = [
    '# Weerbaar workspace configuration (docs/configuration.md).',
    '# case_store.engine: sqlite (embedded, default) or postgres (team server; URL from url_env).',
    '# event_store.engine: duckdb (embedded, default); path relative to the workspace.',
  ].join('\n');
  return `${header}\n${stringify(config)}`;
}
