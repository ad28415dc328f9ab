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

export const WorkspaceConfigSchema = z
  .object({
    weerbaar: z.literal(1, { message: 'must be 1 (the workspace format version)' }),
    workspace_id: z.uuid(),
    organisation: z.string().trim().min(1),
    timezone: z.string().refine(isValidTimeZone, 'is not an IANA time-zone name (such as Europe/Amsterdam)'),
    case_store: z.discriminatedUnion('engine', [SqliteStoreSchema, PostgresStoreSchema]).default({ engine: 'sqlite', path: 'case.sqlite' }),
    vault: z.string().min(1).default('vault'),
    audit: z
      .object({
        signing_key: z.string().min(1).default('keys/audit-ed25519.pem'),
        public_key: z.string().min(1).default('keys/audit-ed25519.pub.pem'),
        checkpoints: z.string().min(1).default('audit/checkpoints'),
      })
      .strict()
      .default({ signing_key: 'keys/audit-ed25519.pem', public_key: 'keys/audit-ed25519.pub.pem', checkpoints: 'audit/checkpoints' }),
    scenario: z.string().optional(),
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
  ].join('\n');
  return `${header}\n${stringify(config)}`;
}
