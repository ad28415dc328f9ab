import type { Scalar, QueryNode } from './query-node.js';
import type { SqlDialect } from './sql-compiler.js';

/**
 * The event store as the rest of the platform sees it. Parsers never talk to an engine: the ingest
 * pipeline writes batches as CSV files in the column order of event-schema.ts (timestamps as epoch
 * milliseconds, JSON as text, empty = NULL) and hands them to `loadCsv`, which every columnar
 * engine bulk-loads natively (DuckDB `read_csv`, ClickHouse `FORMAT CSV`). Queries arrive as
 * query nodes and are rendered by the engine's dialect.
 */

export type EventTable = 'events' | 'parse_failures';

/** The evidence file a batch comes from. */
export interface BatchCustody {
  readonly evidenceSha256: string;
  readonly path: string;
}

export type Row = Record<string, Scalar>;

export interface EventStore {
  readonly engine: string;
  /** Where the store lives, for messages (never contains secrets). */
  readonly description: string;
  readonly dialect: SqlDialect;
  /**
   * Bulk-loads a batch into `table`; returns the number of rows loaded. The batch's rows omit the
   * custody columns every row shares (BATCH_CONSTANT_COLUMNS); the store fills them from `custody`.
   */
  loadCsv(table: EventTable, csvPath: string, custody: BatchCustody): Promise<number>;
  /**
   * Appends rows built in JavaScript: the IOC table's indicators, and detections that come from
   * files rather than events (the triage rules). Values in the order of the table's columns
   * (IOC_COLUMNS, DETECTION_COLUMNS), timestamps as epoch milliseconds. Returns the rows added.
   */
  insertRows(table: 'iocs' | 'detections', rows: readonly (readonly Scalar[])[]): Promise<number>;
  /** Runs a query node; timestamps must be selected through `epochMs`, integers come back as numbers. */
  query(node: QueryNode): Promise<Row[]>;
  /** Runs a statement node (insert-select, delete); returns the number of rows it changed. */
  execute(node: QueryNode): Promise<number>;
  close(): Promise<void>;
}

export interface DuckdbEventStoreSettings {
  readonly engine: 'duckdb';
  /** Absolute path of the database file, or `:memory:`. */
  readonly path: string;
  /** DuckDB's memory limit (`256MB` by default); beyond it DuckDB spills to disk. */
  readonly memoryLimit?: string;
}

export type EventStoreSettings = DuckdbEventStoreSettings;
