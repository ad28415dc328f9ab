import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The case-store engines a suite runs against: SQLite always; PostgreSQL when
 * WEERBAAR_TEST_DATABASE_URL names a server (scripts/start-test-postgres.sh starts one, .ci/run
 * always does). In CI a missing server is an error, never a silent skip.
 */

export interface EngineUnderTest {
  readonly name: 'sqlite' | 'postgres';
  /** Environment for the application: empty for SQLite; URL and a fresh schema for PostgreSQL. */
  prepare(): Promise<{ env: NodeJS.ProcessEnv; cleanup: () => Promise<void> }>;
}

const pgUrl = process.env['WEERBAAR_TEST_DATABASE_URL'];

if (!pgUrl && process.env['CI'] === 'true') {
  throw new Error('CI=true but WEERBAAR_TEST_DATABASE_URL is not set: the PostgreSQL suites must run in CI (see .ci/run)');
}

export const postgresSkipReason = pgUrl ? undefined : 'PostgreSQL not tested: WEERBAAR_TEST_DATABASE_URL is not set (source scripts/start-test-postgres.sh)';

const sqlite: EngineUnderTest = {
  name: 'sqlite',
  prepare: () => Promise.resolve({ env: {}, cleanup: () => Promise.resolve() }),
};

const postgres: EngineUnderTest = {
  name: 'postgres',
  async prepare() {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    return {
      env: { WEERBAAR_DATABASE_URL: pgUrl, WEERBAAR_DATABASE_SCHEMA: schema },
      cleanup: async () => {
        const client = new pg.Client({ connectionString: pgUrl });
        await client.connect();
        try {
          await client.query(`drop schema if exists ${schema} cascade`);
        } finally {
          await client.end();
        }
      },
    };
  },
};

export const engines: readonly EngineUnderTest[] = pgUrl ? [sqlite, postgres] : [sqlite];
