import type { Kysely, Migration } from 'kysely';

/**
 * The case store's migrations for integrity and backup assurance (issue 7), split from
 * case-migrations.ts by subject; the same append-only rule holds: never edit one that has shipped.
 */

const m0016_manifests: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('manifest')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('entries', 'bigint', (c) => c.notNull())
      .addColumn('files', 'bigint', (c) => c.notNull())
      .addColumn('bytes', 'bigint', (c) => c.notNull())
      .addColumn('errors', 'bigint', (c) => c.notNull())
      .addColumn('root_hash', 'text', (c) => c.notNull())
      .addColumn('note', 'text', (c) => c.notNull())
      .addColumn('file', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('manifest_name').on('manifest').columns(['name', 'created_at']).execute();
  },
};

const m0017_baselines: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('manifest').addColumn('baseline_at', 'text').execute();
    await db.schema.alterTable('manifest').addColumn('baseline_reason', 'text').execute();
  },
};

const m0018_backups: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('backup_set')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('location', 'text', (c) => c.notNull())
      .addColumn('source', 'text')
      .addColumn('taken_at', 'text')
      .addColumn('manifest_id', 'text')
      .addColumn('cycle_days', 'integer', (c) => c.notNull())
      .addColumn('registered_at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .execute();
    // One row per member ever read: what rotation reads next, and the coverage within a cycle.
    await db.schema
      .createTable('backup_member')
      .addColumn('backup_id', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('sha256', 'text')
      .addColumn('stamp', 'text', (c) => c.notNull())
      .addColumn('result', 'text', (c) => c.notNull())
      .addColumn('error', 'text')
      .addColumn('read_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('backup_member_pk', ['backup_id', 'path'])
      .execute();
    await db.schema
      .createTable('backup_check')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('backup_id', 'text', (c) => c.notNull())
      .addColumn('checked_at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('level', 'integer')
      .addColumn('bytes_read', 'bigint', (c) => c.notNull())
      .addColumn('report', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('backup_immutability')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('backup_id', 'text', (c) => c.notNull())
      .addColumn('mode', 'text', (c) => c.notNull())
      .addColumn('retain_until', 'text')
      .addColumn('evidence_sha256', 'text')
      .addColumn('statement', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('recorded_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('restore_test')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('backup_id', 'text', (c) => c.notNull())
      .addColumn('tested_at', 'text', (c) => c.notNull())
      .addColumn('performed', 'integer', (c) => c.notNull())
      .addColumn('result', 'text', (c) => c.notNull())
      .addColumn('restored_to', 'text')
      .addColumn('baseline_id', 'text')
      .addColumn('report', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('recorded_at', 'text', (c) => c.notNull())
      .execute();
  },
};

export const integrityMigrations: Record<string, Migration> = {
  '0016_manifests': m0016_manifests,
  '0017_baselines': m0017_baselines,
  '0018_backups': m0018_backups,
};
