/**
 * The raw bytes of every event are kept without a separate BLOB: `message` holds the line decoded
 * as UTF-8 when the bytes are valid UTF-8 and as Latin-1 otherwise (`weerbaar.encoding`), and both
 * decodings are exact inverses of their encoders, so the original bytes are `message` encoded with
 * `weerbaar.encoding`. That halves the store and keeps byte-level rules (non-ASCII in an AAA
 * username) working on text. Line endings are normalised to `\n`; the vault copy at `log.offset`
 * is the byte-exact original.
 *
 * The event store's columns: Elastic Common Schema names where ECS has one, `weerbaar.*` where it
 * has none, plus custody columns. One list drives the DuckDB table, the appender's column order and
 * (later) ClickHouse, so a column is added in exactly one place. Parsers fill `EcsValues`; every
 * other parsed field goes into `weerbaar.fields` (JSON object of strings) so nothing parsed is lost.
 */

export type EventColumnType = 'timestamp' | 'varchar' | 'integer' | 'bigint' | 'json';

export interface EventColumn {
  readonly name: string;
  readonly type: EventColumnType;
}

/** ECS columns a parser may fill, by type. */
export const ECS_STRING_FIELDS = [
  'event.action',
  'event.category',
  'event.outcome',
  'event.reason',
  'host.name',
  'source.ip',
  'source.nat.ip',
  'destination.ip',
  'network.forwarded_ip',
  'user.name',
  'user.domain',
  'url.original',
  'url.path',
  'url.query',
  'url.domain',
  'http.request.method',
  'http.request.referrer',
  'http.version',
  'user_agent.original',
  'process.name',
  'process.command_line',
  'process.tty',
  'service.name',
  'tls.version',
  'tls.cipher',
  'log.level',
  'weerbaar.session_id',
  'weerbaar.source_ip_quality',
  'weerbaar.record.id',
  'weerbaar.record.type',
] as const;

export const ECS_NUMBER_FIELDS = [
  'source.port',
  'destination.port',
  'http.response.status_code',
  'process.pid',
  'process.exit_code',
  'source.bytes',
  'destination.bytes',
  'network.bytes',
  'http.response.body.bytes',
  'event.duration',
  /** Start and end of a span the event summarises (session, flow), epoch milliseconds UTC. */
  'event.start',
  'event.end',
] as const;

export type EcsStringField = (typeof ECS_STRING_FIELDS)[number];
export type EcsNumberField = (typeof ECS_NUMBER_FIELDS)[number];
export type EcsValues = { [K in EcsStringField]?: string } & { [K in EcsNumberField]?: number };

const NUMBER_TYPES: Record<EcsNumberField, EventColumnType> = {
  'source.port': 'integer',
  'destination.port': 'integer',
  'http.response.status_code': 'integer',
  'process.pid': 'integer',
  'process.exit_code': 'integer',
  'source.bytes': 'bigint',
  'destination.bytes': 'bigint',
  'network.bytes': 'bigint',
  'http.response.body.bytes': 'bigint',
  'event.duration': 'bigint',
  'event.start': 'timestamp',
  'event.end': 'timestamp',
};

/** Column order of the events table. Custody first: every event says where it came from. */
export const EVENT_COLUMNS: readonly EventColumn[] = Object.freeze([
  { name: 'event.id', type: 'bigint' },
  { name: '@timestamp', type: 'timestamp' },
  { name: 'weerbaar.time_quality', type: 'varchar' },
  { name: 'event.dataset', type: 'varchar' },
  { name: 'weerbaar.evidence_sha256', type: 'varchar' },
  { name: 'log.file.path', type: 'varchar' },
  { name: 'weerbaar.line', type: 'bigint' },
  { name: 'log.offset', type: 'bigint' },
  ...ECS_STRING_FIELDS.map((name) => ({ name, type: 'varchar' as const })),
  ...ECS_NUMBER_FIELDS.map((name) => ({ name, type: NUMBER_TYPES[name] })),
  { name: 'weerbaar.fields', type: 'json' },
  { name: 'message', type: 'varchar' },
  { name: 'weerbaar.encoding', type: 'varchar' },
]);

/**
 * Columns every row of one bulk batch shares — a batch holds one evidence file — so the loader fills
 * them from the batch's custody instead of each row repeating a 64-character hash and a path.
 */
export const BATCH_CONSTANT_COLUMNS = ['weerbaar.evidence_sha256', 'log.file.path'] as const;

/**
 * What a hunt found: one row per (rule, event), written inside the engine by INSERT … SELECT from
 * the events table, so matches never travel through JavaScript. The event's custody columns come
 * along, so every detection cites its file, line and byte offset.
 */
export const DETECTION_COLUMNS: readonly EventColumn[] = Object.freeze([
  { name: 'weerbaar.hunt_id', type: 'varchar' },
  { name: 'rule.id', type: 'varchar' },
  { name: 'rule.name', type: 'varchar' },
  { name: 'rule.ruleset', type: 'varchar' },
  { name: 'weerbaar.level', type: 'varchar' },
  { name: 'weerbaar.verdict', type: 'varchar' },
  { name: 'weerbaar.confidence', type: 'varchar' },
  /** BEFORE or AFTER the host's fix, UNPATCHED when it has none yet, UNKNOWN when that cannot be told. */
  { name: 'weerbaar.fix_relation', type: 'varchar' },
  { name: '@timestamp', type: 'timestamp' },
  { name: 'weerbaar.evidence_sha256', type: 'varchar' },
  { name: 'log.file.path', type: 'varchar' },
  { name: 'weerbaar.line', type: 'bigint' },
  { name: 'log.offset', type: 'bigint' },
  { name: 'event.dataset', type: 'varchar' },
  { name: 'event.action', type: 'varchar' },
  { name: 'host.name', type: 'varchar' },
  { name: 'source.ip', type: 'varchar' },
  { name: 'user.name', type: 'varchar' },
  { name: 'weerbaar.session_id', type: 'varchar' },
  { name: 'message', type: 'varchar' },
]);

/**
 * Indicators a hunt matches, loaded for the duration of that hunt (`ioc.hunt_id`) so that matching
 * is a join inside the engine, not a scan per indicator. Names are `ioc.*` so they never collide
 * with event columns in the join. `ioc.kind` says how to join: `ip4` on the network at
 * `ioc.prefix` (an address is a /32), `text` on the (normalised) value.
 */
export const IOC_COLUMNS: readonly EventColumn[] = Object.freeze([
  { name: 'ioc.hunt_id', type: 'varchar' },
  { name: 'ioc.kind', type: 'varchar' },
  { name: 'ioc.type', type: 'varchar' },
  { name: 'ioc.value', type: 'varchar' },
  { name: 'ioc.prefix', type: 'integer' },
  { name: 'ioc.network', type: 'bigint' },
  { name: 'ioc.role', type: 'varchar' },
  { name: 'ioc.valid_until', type: 'timestamp' },
  { name: 'ioc.title', type: 'varchar' },
  { name: 'ioc.level', type: 'varchar' },
  { name: 'ioc.verdict', type: 'varchar' },
  { name: 'ioc.confidence', type: 'varchar' },
]);

/** Lines no parser could read: kept with their bytes and the reason, never dropped. */
export const FAILURE_COLUMNS: readonly EventColumn[] = Object.freeze([
  { name: 'weerbaar.evidence_sha256', type: 'varchar' },
  { name: 'log.file.path', type: 'varchar' },
  { name: 'event.dataset', type: 'varchar' },
  { name: 'weerbaar.line', type: 'bigint' },
  { name: 'log.offset', type: 'bigint' },
  { name: 'error.message', type: 'varchar' },
  { name: 'message', type: 'varchar' },
  { name: 'weerbaar.encoding', type: 'varchar' },
]);

/**
 * The bulk-load format's separator and quote: ASCII unit separator and record separator. Log text
 * is full of commas and double quotes; these two almost never occur, so almost no field needs
 * quoting. Both engines' CSV readers take any single-byte separator and quote.
 */
export const BULK_DELIMITER = '\x1f';
export const BULK_QUOTE = '\x1e';
