import { WeerbaarError } from '../shared/errors.js';
import { DuckDBInstance, DuckDBTimestampValue, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { BATCH_CONSTANT_COLUMNS, BULK_DELIMITER, BULK_QUOTE, DETECTION_COLUMNS, EVENT_COLUMNS, type EventColumn, type EventColumnType, FAILURE_COLUMNS, IOC_COLUMNS } from './event-schema.js';
import type { BatchCustody, EventStore, EventTable, DuckdbEventStoreSettings, Row } from './event-store.js';
import type { QueryNode, Scalar, TableName } from './query-node.js';
import { compileQuery, duckdbDialect } from './sql-compiler.js';

/**
 * The embedded default event store: one DuckDB file in the workspace. Batches are loaded with
 * DuckDB's own parallel CSV reader, which measured about three times faster than the appender API
 * from JavaScript (bench/RESULTS.md), because values cross from JS to native code once per file
 * instead of once per cell.
 */

const SQL_TYPES: Record<EventColumnType, string> = {
  timestamp: 'TIMESTAMP',
  varchar: 'VARCHAR',
  integer: 'INTEGER',
  bigint: 'BIGINT',
  json: 'JSON',
};

const quote = (name: string) => duckdbDialect.quoteIdentifier(name);

function createTableSql(table: TableName, columns: readonly EventColumn[]): string {
  return `CREATE TABLE IF NOT EXISTS ${quote(table)} (${columns.map((c) => `${quote(c.name)} ${SQL_TYPES[c.type]}`).join(', ')})`;
}

const CONSTANT = new Set<string>(BATCH_CONSTANT_COLUMNS);

/** Columns in the CSV: all but `event.id`, which the store assigns, and the batch's custody columns. */
export function csvColumns(table: EventTable): readonly EventColumn[] {
  return (table === 'events' ? EVENT_COLUMNS : FAILURE_COLUMNS).filter((c) => c.name !== 'event.id' && !CONSTANT.has(c.name));
}

function loadSql(table: EventTable, csvPath: string): string {
  const columns = csvColumns(table);
  // Every CSV column is read as text or integer and converted here, so a malformed batch fails
  // loudly instead of being coerced; file names are quoted as SQL string literals (they are ours).
  // A row is at most a 1 MiB line twice over (message and fields) plus escaping: 16 MiB is ample,
  // and the reader's buffer is a multiple of it, so larger would cost memory for nothing.
  const spec = columns.map((c, i) => `'c${i}': '${c.type === 'timestamp' || c.type === 'bigint' ? 'BIGINT' : c.type === 'integer' ? 'INTEGER' : 'VARCHAR'}'`).join(', ');
  const values = columns.map((c, i) => (c.type === 'timestamp' ? `epoch_ms(c${i})` : `c${i}`));
  // The custody columns are bound parameters ($1, $2): the same for every row of the batch.
  const target = [...BATCH_CONSTANT_COLUMNS, ...columns.map((c) => c.name)].map(quote);
  values.unshift('$1', '$2');
  const idColumn = table === 'events' ? `${quote('event.id')}, ` : '';
  const idValue = table === 'events' ? `nextval('event_id'), ` : '';
  const file = `'${csvPath.replaceAll("'", "''")}'`;
  return `INSERT INTO ${quote(table)} (${idColumn}${target.join(', ')}) SELECT ${idValue}${values.join(', ')} FROM read_csv(${file}, header = false, delim = '${BULK_DELIMITER}', quote = '${BULK_QUOTE}', escape = '${BULK_QUOTE}', columns = {${spec}}, strict_mode = true, allow_quoted_nulls = false, max_line_size = 16777216, buffer_size = 33554432, auto_detect = false)`;
}

function appendValue(appender: DuckDBAppender, type: EventColumnType, value: Scalar): void {
  if (value === null) return appender.appendNull();
  switch (type) {
    case 'integer':
      return appender.appendInteger(Number(value));
    case 'bigint':
      return appender.appendBigInt(BigInt(Math.trunc(Number(value))));
    case 'timestamp':
      return appender.appendTimestamp(new DuckDBTimestampValue(BigInt(Math.trunc(Number(value))) * 1000n));
    default:
      return appender.appendVarchar(String(value));
  }
}

export class DuckdbEventStore implements EventStore {
  readonly engine = 'duckdb';
  readonly dialect = duckdbDialect;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    readonly description: string,
  ) {}

  static async open(settings: DuckdbEventStoreSettings): Promise<DuckdbEventStore> {
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(settings.path, {
        preserve_insertion_order: 'false',
        // Bounded memory whatever the evidence volume (DuckDB spills to disk beyond it), and a
        // write-ahead log that is checkpointed per gigabyte rather than per 16 MB: loading batch
        // after batch, checkpointing was half the load time (bench/RESULTS.md).
        memory_limit: settings.memoryLimit ?? '256MB',
        checkpoint_threshold: '1GB',
      });
    } catch (error) {
      throw new WeerbaarError('STORE_UNAVAILABLE', `the event store ${settings.path} cannot be opened: ${(error as Error).message}`, { cause: error });
    }
    const connection = await instance.connect();
    const store = new DuckdbEventStore(instance, connection, `DuckDB ${settings.path}`);
    await store.run('CREATE SEQUENCE IF NOT EXISTS event_id START 1');
    await store.run(createTableSql('events', EVENT_COLUMNS));
    await store.run(createTableSql('parse_failures', FAILURE_COLUMNS));
    await store.run(createTableSql('detections', DETECTION_COLUMNS));
    await store.run(createTableSql('iocs', IOC_COLUMNS));
    return store;
  }

  async loadCsv(table: EventTable, csvPath: string, custody: BatchCustody): Promise<number> {
    try {
      const prepared = await this.connection.prepare(loadSql(table, csvPath));
      prepared.bind([custody.evidenceSha256, custody.path]);
      const result = await prepared.run();
      return Number(result.rowsChanged);
    } catch (error) {
      throw new WeerbaarError('STORE_ERROR', `loading ${csvPath} into the event store failed: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Through DuckDB's appender: such rows are few (≤ hundreds of thousands) and already in memory. */
  async insertRows(table: 'iocs' | 'detections', rows: readonly (readonly Scalar[])[]): Promise<number> {
    const columns = table === 'iocs' ? IOC_COLUMNS : DETECTION_COLUMNS;
    let appender: DuckDBAppender | undefined;
    try {
      appender = await this.connection.createAppender(table);
      for (const row of rows) {
        if (row.length !== columns.length) throw new WeerbaarError('INVALID_INPUT', `a row for ${table} has ${row.length} values, not ${columns.length}`);
        columns.forEach((column, i) => appendValue(appender!, column.type, row[i] ?? null));
        appender.endRow();
      }
      appender.flushSync();
      return rows.length;
    } catch (error) {
      if (error instanceof WeerbaarError) throw error;
      throw new WeerbaarError('STORE_ERROR', `loading ${rows.length} rows into ${table} failed: ${(error as Error).message}`, { cause: error });
    } finally {
      appender?.closeSync();
    }
  }

  async query(node: QueryNode): Promise<Row[]> {
    const compiled = compileQuery(node, this.dialect);
    try {
      const prepared = await this.connection.prepare(compiled.sql);
      if (compiled.parameters.length > 0) prepared.bind(compiled.parameters as Scalar[] as never);
      const reader = await prepared.runAndReadAll();
      return reader.getRowObjectsJS().map((row) => {
        const out: Row = {};
        for (const [key, value] of Object.entries(row)) out[key] = typeof value === 'bigint' ? Number(value) : (value as Scalar);
        return out;
      });
    } catch (error) {
      throw new WeerbaarError('STORE_ERROR', `event store query failed: ${(error as Error).message}\n  query: ${compiled.sql}`, { cause: error });
    }
  }

  async execute(node: QueryNode): Promise<number> {
    const compiled = compileQuery(node, this.dialect);
    try {
      const prepared = await this.connection.prepare(compiled.sql);
      if (compiled.parameters.length > 0) prepared.bind(compiled.parameters as Scalar[] as never);
      return Number((await prepared.run()).rowsChanged);
    } catch (error) {
      throw new WeerbaarError('STORE_ERROR', `event store statement failed: ${(error as Error).message}\n  statement: ${compiled.sql}`, { cause: error });
    }
  }

  private async run(sql: string): Promise<bigint | number> {
    try {
      const result = await this.connection.run(sql);
      return result.rowsChanged;
    } catch (error) {
      throw new WeerbaarError('STORE_ERROR', `event store statement failed: ${(error as Error).message}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
