import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { integrityMigrations } from './case-migrations-integrity.js';

/**
 * The one migration set of the case store, run unchanged on SQLite and PostgreSQL. Migrations are
 * append-only: never edit one that has shipped; add the next.
 */

const m0001_foundation: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('store_meta')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('audit_log')
      .addColumn('seq', 'integer', (c) => c.primaryKey())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('details', 'text', (c) => c.notNull())
      .addColumn('details_hash', 'text', (c) => c.notNull())
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('entry_hash', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('audit_head')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('entry_hash', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('audit_checkpoint')
      .addColumn('tree_size', 'integer', (c) => c.primaryKey())
      .addColumn('root_hash', 'text', (c) => c.notNull())
      .addColumn('signed_at', 'text', (c) => c.notNull())
      .addColumn('signer', 'text', (c) => c.notNull())
      .addColumn('note', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('data_category')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('sensitivity', 'text', (c) => c.notNull())
      .addColumn('personal_data', 'integer', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('asset')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('vendor', 'text')
      .addColumn('product', 'text')
      .addColumn('version', 'text')
      .addColumn('cpe', 'text')
      .addColumn('purl', 'text')
      .addColumn('internet_facing', 'integer', (c) => c.notNull())
      .addColumn('criticality', 'text', (c) => c.notNull())
      .addColumn('owner', 'text')
      .addColumn('location', 'text')
      .addColumn('notes', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('asset_data_category')
      .addColumn('asset_id', 'text', (c) => c.notNull().references('asset.id').onDelete('cascade'))
      .addColumn('category_id', 'text', (c) => c.notNull().references('data_category.id'))
      .addPrimaryKeyConstraint('asset_data_category_pk', ['asset_id', 'category_id'])
      .execute();
    await db.schema
      .createTable('asset_dependency')
      .addColumn('asset_id', 'text', (c) => c.notNull().references('asset.id').onDelete('cascade'))
      .addColumn('depends_on_id', 'text', (c) => c.notNull().references('asset.id'))
      .addPrimaryKeyConstraint('asset_dependency_pk', ['asset_id', 'depends_on_id'])
      .execute();
    await db.schema
      .createTable('partner')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('tlp_max', 'text', (c) => c.notNull())
      .addColumn('contacts', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('interface')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('asset_id', 'text', (c) => c.notNull().references('asset.id'))
      .addColumn('partner_id', 'text', (c) => c.notNull().references('partner.id'))
      .addColumn('direction', 'text', (c) => c.notNull())
      .addColumn('load_order', 'integer')
      .addColumn('description', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('interface_data_category')
      .addColumn('interface_id', 'text', (c) => c.notNull().references('interface.id').onDelete('cascade'))
      .addColumn('category_id', 'text', (c) => c.notNull().references('data_category.id'))
      .addPrimaryKeyConstraint('interface_data_category_pk', ['interface_id', 'category_id'])
      .execute();
  },
};

/** Advisories: every revision of every CSAF document, and every retrieval with its outcome. */
const m0002_advisories: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('advisory')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('publisher', 'text', (c) => c.notNull())
      .addColumn('publisher_namespace', 'text', (c) => c.notNull())
      .addColumn('tracking_id', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('csaf_version', 'text', (c) => c.notNull())
      .addColumn('latest_sha256', 'text', (c) => c.notNull())
      .addColumn('first_seen_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('advisory_revision')
      .addColumn('advisory_id', 'text', (c) => c.notNull().references('advisory.id'))
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('initial_release_date', 'text', (c) => c.notNull())
      .addColumn('current_release_date', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('document', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('advisory_revision_pk', ['advisory_id', 'sha256'])
      .execute();
    await db.schema
      .createTable('advisory_retrieval')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('sha256', 'text')
      .addColumn('result', 'text', (c) => c.notNull())
      .addColumn('advisory_id', 'text')
      .addColumn('reason', 'text')
      .execute();
  },
};

/** Findings: one per (asset, vulnerability), decided by the matching advisories. */
const m0003_findings: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('finding')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('asset_id', 'text', (c) => c.notNull().references('asset.id'))
      .addColumn('vulnerability', 'text', (c) => c.notNull())
      .addColumn('cve', 'text')
      .addColumn('advisory_id', 'text', (c) => c.notNull().references('advisory.id'))
      .addColumn('advisory_sha256', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('confidence', 'real', (c) => c.notNull())
      .addColumn('cvss', 'real')
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('evidence', 'text', (c) => c.notNull())
      .addColumn('remediations', 'text', (c) => c.notNull())
      .addColumn('exploitation', 'text', (c) => c.notNull())
      .addColumn('sources', 'text', (c) => c.notNull())
      .addColumn('first_seen_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
  },
};

/** What version each asset ran when: the basis of exposure windows. */
const m0004_asset_versions: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('asset_version_history')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('asset_id', 'text', (c) => c.notNull().references('asset.id'))
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('version', 'text')
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('ticket', 'text')
      .addColumn('actor', 'text', (c) => c.notNull())
      .execute();
  },
};

/** The protocol trail of each finding and the exceptions granted to its patch deadline. */
const m0005_finding_protocol: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('finding_transition')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('finding_id', 'text', (c) => c.notNull().references('finding.id'))
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('note', 'text')
      .execute();
    await db.schema
      .createTable('finding_exception')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('finding_id', 'text', (c) => c.notNull().references('finding.id'))
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .execute();
  },
};

/** Trusted providers synchronised over HTTPS, and documents that failed their integrity checks. */
const m0006_providers: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('advisory_provider')
      .addColumn('metadata_url', 'text', (c) => c.primaryKey())
      .addColumn('publisher', 'text', (c) => c.notNull())
      .addColumn('last_entry_at', 'text')
      .addColumn('last_sync_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('advisory_quarantine')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('document', 'text', (c) => c.notNull())
      .execute();
  },
};

/** Identification helpers CSAF product trees use besides CPE and purl: model numbers, SKUs, file hashes. */
const m0007_asset_identifiers: Migration = {
  async up(db: Kysely<unknown>) {
    for (const column of ['model_numbers', 'skus', 'hashes']) {
      await db.schema.alterTable('asset').addColumn(column, 'text', (c) => c.notNull().defaultTo('[]')).execute();
    }
  },
};

/** Evidence custody: every file that entered the vault, content-addressed, with who, when and from where. */
const m0008_evidence: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('evidence_file')
      .addColumn('sha256', 'text', (c) => c.primaryKey())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('format', 'text', (c) => c.notNull())
      .addColumn('compression', 'text')
      .addColumn('original_path', 'text', (c) => c.notNull())
      .addColumn('container_sha256', 'text')
      .addColumn('host', 'text')
      .addColumn('timezone', 'text')
      .addColumn('date_order', 'text')
      .addColumn('added_by', 'text', (c) => c.notNull())
      .addColumn('added_at', 'text', (c) => c.notNull())
      .addColumn('vault_path', 'text', (c) => c.notNull())
      .execute();
  },
};

/** What parsing made of each evidence file: counts, time span and time quality (the coverage ledger's input). */
const m0009_evidence_parse: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('evidence_parse')
      .addColumn('sha256', 'text', (c) => c.primaryKey().references('evidence_file.sha256'))
      .addColumn('dataset', 'text', (c) => c.notNull())
      .addColumn('lines', 'bigint', (c) => c.notNull())
      .addColumn('bytes', 'bigint', (c) => c.notNull())
      .addColumn('events', 'bigint', (c) => c.notNull())
      .addColumn('failures', 'bigint', (c) => c.notNull())
      .addColumn('skipped', 'bigint', (c) => c.notNull())
      .addColumn('first_event', 'text')
      .addColumn('last_event', 'text')
      .addColumn('time_quality', 'text', (c) => c.notNull())
      .addColumn('read_error', 'text')
      .addColumn('parsed_at', 'text', (c) => c.notNull())
      .execute();
    // The file's own modification time (or the tar entry's): the anchor for inferring the year of
    // BSD syslog lines. Null for files added before this migration.
    await db.schema.alterTable('evidence_file').addColumn('source_mtime', 'text').execute();
    // The field mapping (JSON) given for a generic JSONL/CSV file, kept so a re-parse reads it alike.
    await db.schema.alterTable('evidence_file').addColumn('field_mapping', 'text').execute();
  },
};

/**
 * Hunts (what ran, over which events: `--since` runs start after the previous hunt's last event),
 * analysts' decisions on footprint entities, and the entries of triage tarballs with the metadata
 * triage rules need (mode and owner: setuid bits, writable webshells).
 */
const m0010_hunts: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('hunt')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('since', 'text')
      .addColumn('after_event_id', 'bigint')
      .addColumn('last_event_id', 'bigint')
      .addColumn('report', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('footprint_decision')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('decision', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('decided_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('footprint_decision_entity').on('footprint_decision').columns(['kind', 'value']).execute();
    // Every occurrence of a file in what was added: the vault keeps content once, but a triage
    // collection's tree needs every path (the same webshell in two web roots), with the metadata
    // the collection kept, and symlinks and folders too.
    await db.schema
      .createTable('evidence_entry')
      .addColumn('container_sha256', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('sha256', 'text')
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('mode', 'integer')
      .addColumn('owner', 'text')
      .addColumn('mtime', 'text')
      .addColumn('link_target', 'text')
      .addPrimaryKeyConstraint('evidence_entry_pk', ['container_sha256', 'path'])
      .execute();
  },
};

/** Exposure facts in the inventory: which audit events touch a data category, what a system's audit log records. */
const m0011_exposure_facts: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('data_category').addColumn('selectors', 'text', (c) => c.notNull().defaultTo('[]')).execute();
    await db.schema.alterTable('asset').addColumn('audit_logging', 'text').execute();
  },
};

const m0012_exposure_window: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('exposure_window')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('window_start', 'text', (c) => c.notNull())
      .addColumn('window_end', 'text')
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('decided_at', 'text', (c) => c.notNull())
      .execute();
  },
};

const m0013_clocks_and_canaries: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('regulatory_record')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('regime', 'text')
      .addColumn('obligation', 'text')
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('recorded_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('canary')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('category', 'text')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('system', 'text')
      .addColumn('record_id', 'text')
      .addColumn('fingerprint', 'text')
      .addColumn('normalisation_version', 'integer')
      .addColumn('placed_at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('recorded_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('canary_fingerprint').on('canary').column('fingerprint').execute();
  },
};

const m0014_exposed_accounts: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('exposed_account')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('exposed_since', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('recorded_at', 'text', (c) => c.notNull())
      .execute();
  },
};

const m0015_asset_addresses: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('asset').addColumn('addresses', 'text', (c) => c.notNull().defaultTo('[]')).execute();
  },
};

export const caseMigrations: Record<string, Migration> = {
  '0001_foundation': m0001_foundation,
  '0002_advisories': m0002_advisories,
  '0003_findings': m0003_findings,
  '0004_asset_versions': m0004_asset_versions,
  '0005_finding_protocol': m0005_finding_protocol,
  '0006_providers': m0006_providers,
  '0007_asset_identifiers': m0007_asset_identifiers,
  '0008_evidence': m0008_evidence,
  '0009_evidence_parse': m0009_evidence_parse,
  '0010_hunts': m0010_hunts,
  '0011_exposure_facts': m0011_exposure_facts,
  '0012_exposure_window': m0012_exposure_window,
  '0013_clocks_and_canaries': m0013_clocks_and_canaries,
  '0014_exposed_accounts': m0014_exposed_accounts,
  '0015_asset_addresses': m0015_asset_addresses,
  ...integrityMigrations,
};

export const caseMigrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(caseMigrations),
};
