import { type ParseError, parse as parseJsonc, printParseErrorCode } from 'jsonc-parser';
import type { EcsValues } from '../store/event-schema.js';
import {
  DATA_ACCESS_MAPPING,
  ECS_NUMBER_SET,
  ECS_STRING_SET,
  type EcsField,
  type FieldMapping,
  FLOW_MAPPING,
  type TimeReader,
  compileTimeFormat,
} from './field-mapping.js';
import type { EventSink, LineParser, ParseOptions, SourceLine, TimeQuality } from './log-event.js';

/**
 * One engine for structured logs: JSON Lines and CSV, read through a FieldMapping. The generic
 * `jsonl`/`csv` formats use the mapping the operator supplies (or none: then ECS-named keys and a
 * `@timestamp`/`timestamp`/`time` field are picked up by name); the data-access audit and flow
 * formats are the same engine with a built-in mapping, and sniff JSON vs CSV from the first
 * non-blank line, because the generator and real exporters write either.
 *
 * Line accounting: every physical line ends in exactly one of an event, a failure, the CSV header
 * (`counts.header`) or a blank line outside any record (`counts.blank`). Neither header nor blank
 * lines are events or failures; `counts` lets the pipeline show that they were seen, not lost. A CSV
 * record whose quoted field spans lines is one event (line = its first line, raw = all its bytes).
 */

export interface StructuredLineParser extends LineParser {
  /** Lines that were neither an event nor a failure. */
  readonly counts: { readonly header: number; readonly blank: number };
}

export type StructuredParserFactory = (options: ParseOptions, sink: EventSink) => StructuredLineParser;

type Mode = 'json' | 'csv' | 'sniff';

/** A quoted CSV field may span lines; past these bounds an unclosed quote is treated as a typo. */
const MAX_RECORD_LINES = 1000;
const MAX_RECORD_CHARS = 1 << 20;
/** Nesting deeper than this is kept as JSON text under the parent key, not flattened further. */
const MAX_FLATTEN_DEPTH = 32;
const TIME_CANDIDATES = ['@timestamp', 'timestamp', 'time'] as const;
const INTEGER = /^[+-]?\d+$/;
const URL_PARTS = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)(?::\d*)?([^?#]*)(?:\?([^#]*))?/i;
const HOST_PORT = /^([a-z0-9.-]+|\[[0-9a-f:.]+\]):\d{1,5}$/i;
const JSON_KEY = /"((?:[^"\\]|\\.)*)"\s*:/g;
const AUTO_READER = (compileTimeFormat('auto') as { reader: TimeReader }).reader;

interface Compiled {
  readonly dataset: string;
  /** null: look for one of TIME_CANDIDATES per record. */
  readonly timeField: string | null;
  readonly timeReader: TimeReader | null;
  readonly timeFormatError: string | null;
  readonly zone: string | undefined;
  /** null: every source key that is already an ECS column name maps to itself. */
  readonly targets: readonly (readonly [EcsField, string, boolean])[] | null;
  readonly required: readonly string[];
  readonly vocabulary: readonly (readonly [string, ReadonlySet<string>, string])[];
  readonly host: string | undefined;
}

function compile(mapping: FieldMapping | undefined, options: ParseOptions): Compiled {
  let timeReader: TimeReader | null = AUTO_READER;
  let timeFormatError: string | null = null;
  if (mapping?.time) {
    const compiled = compileTimeFormat(mapping.time.format);
    // The loader already rejected bad formats; a hand-built mapping still must not make the parser throw.
    if ('error' in compiled) [timeReader, timeFormatError] = [null, `time format of the mapping: ${compiled.error}`];
    else timeReader = compiled.reader;
  }
  return {
    dataset: mapping?.dataset ?? 'custom',
    timeField: mapping?.time?.field ?? null,
    timeReader,
    timeFormatError,
    // The operator's --tz overrides the mapping: it is the newer, case-specific knowledge.
    zone: options.timeZone ?? mapping?.time?.zone,
    targets: mapping ? Object.entries(mapping.fields).map(([target, source]) => [target as EcsField, source!, ECS_NUMBER_SET.has(target)] as const) : null,
    required: mapping?.required ?? [],
    vocabulary: Object.entries(mapping?.vocabulary ?? {}).map(([target, values]) => [
      target,
      new Set(values!.map((v) => v.toLowerCase())),
      `${target.slice(target.lastIndexOf('.') + 1)}_unknown`,
    ] as const),
    host: options.host,
  };
}

type Fields = Record<string, string>;

/** A CSV record being read; holds state across physical lines while a quoted field is open. */
class CsvRecord {
  readonly lines: SourceLine[] = [];
  readonly texts: string[] = [];
  readonly endings: string[] = [];
  readonly cells: string[] = [];
  chars = 0;
  private cell = '';
  private inQuote = false;
  private atFieldStart = true;

  /** Feeds one physical line; true when the record is complete. RFC 4180, leniently: a quote only opens a field at its start. */
  feed(text: string, delimiter: string): boolean {
    let cell = this.cell;
    let i = 0;
    const n = text.length;
    while (i < n) {
      if (this.inQuote) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          cell += text.slice(i);
          i = n;
        } else if (text.charCodeAt(q + 1) === 34) {
          cell += text.slice(i, q + 1);
          i = q + 2;
        } else {
          cell += text.slice(i, q);
          this.inQuote = false;
          i = q + 1;
        }
      } else if (this.atFieldStart && text.charCodeAt(i) === 34) {
        this.inQuote = true;
        this.atFieldStart = false;
        i += 1;
      } else {
        const d = text.indexOf(delimiter, i);
        cell += text.slice(i, d < 0 ? n : d);
        if (d < 0) {
          this.atFieldStart = false;
          i = n;
        } else {
          this.cells.push(cell);
          cell = '';
          this.atFieldStart = true;
          i = d + 1;
        }
      }
    }
    if (this.inQuote) {
      this.cell = cell;
      return false;
    }
    this.cells.push(cell);
    return true;
  }

  /** The line ending between the previous physical line and the next (the splitter strips `\r`). */
  continueWith(line: SourceLine, text: string): void {
    const previous = this.lines[this.lines.length - 1]!;
    const ending = line.offset - previous.offset - previous.raw.length === 2 ? '\r\n' : '\n';
    this.cell += ending;
    this.endings.push(ending);
    this.lines.push(line);
    this.texts.push(text);
    this.chars += text.length;
  }

  joinedText(): string {
    let text = this.texts[0]!;
    for (let i = 1; i < this.texts.length; i++) text += this.endings[i - 1]! + this.texts[i]!;
    return text;
  }

  joinedRaw(): Buffer {
    const parts: Buffer[] = [this.lines[0]!.raw];
    for (let i = 1; i < this.lines.length; i++) parts.push(Buffer.from(this.endings[i - 1]!, 'latin1'), this.lines[i]!.raw);
    return Buffer.concat(parts);
  }
}

class StructuredParser implements StructuredLineParser {
  readonly counts = { header: 0, blank: 0 };
  private readonly compiled: Compiled;
  private header: string[] | null = null;
  private headerLine: number | null = null;
  private delimiter: string | undefined;
  private record: CsvRecord | null = null;
  private first = true;

  constructor(
    private readonly sink: EventSink,
    options: ParseOptions,
    mapping: FieldMapping | undefined,
    private mode: Mode,
  ) {
    this.compiled = compile(mapping, options);
    this.delimiter = mapping?.csv?.delimiter;
    const header = mapping?.csv?.header ?? true;
    if (header !== true) this.header = header === false ? [] : uniqueNames(header);
  }

  push(line: SourceLine): void {
    let text = line.text;
    // A UTF-8 byte-order mark belongs to the file, not the first key or column name (raw keeps it).
    if (this.first && line.offset === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    this.first = false;
    if (this.mode === 'sniff' && !isBlank(text)) this.mode = text.trimStart().startsWith('{') ? 'json' : 'csv';
    if (this.mode === 'csv') this.csvLine(line, text);
    else if (isBlank(text)) this.skip(line.line, 'blank');
    else this.jsonLine(line, text);
  }

  end(): void {
    while (this.record) this.abandon(`quoted field opened on line ${this.record.lines[0]!.line} is not closed by the end of the file`);
  }

  private jsonLine(line: SourceLine, text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      this.fail(line, line.raw, jsonError(text, error));
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(line, line.raw, `JSON value is ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}, not an object`);
      return;
    }
    const fields: Fields = Object.create(null) as Fields;
    try {
      flatten(value as Record<string, unknown>, '', fields, 0);
    } catch (error) {
      this.fail(line, line.raw, `JSON object cannot be flattened: ${(error as Error).message}`);
      return;
    }
    this.emit(line, line.raw, text, fields);
  }

  private csvLine(line: SourceLine, text: string): void {
    const open = this.record;
    if (open) {
      // A line the pipeline withheld (oversized) sits between: the quoted field cannot be rejoined.
      if (line.line !== open.lines[open.lines.length - 1]!.line + 1) {
        this.abandon(`quoted field opened on line ${open.lines[0]!.line} is interrupted by an oversized line`);
        this.csvLine(line, text);
        return;
      }
      open.continueWith(line, text);
      if (open.feed(text, this.delimiter!)) {
        this.record = null;
        this.csvRecord(open.lines[0]!, open.joinedRaw(), open.joinedText(), open.cells, open.lines.length);
      } else if (open.lines.length >= MAX_RECORD_LINES || open.chars >= MAX_RECORD_CHARS) {
        this.abandon(`quoted field opened on line ${open.lines[0]!.line} is not closed within ${open.lines.length} lines`);
      }
      return;
    }
    if (isBlank(text)) {
      this.skip(line.line, 'blank');
      return;
    }
    this.delimiter ??= sniffDelimiter(text);
    // Fast path: without a quote a record is one line and split() is all it takes.
    if (text.indexOf('"') < 0) {
      this.csvRecord(line, line.raw, text, text.split(this.delimiter), 1);
      return;
    }
    const record = new CsvRecord();
    record.lines.push(line);
    record.texts.push(text);
    record.chars = text.length;
    if (record.feed(text, this.delimiter)) this.csvRecord(line, line.raw, text, record.cells, 1);
    else this.record = record;
  }

  /** Gives up on an unclosed quote: its first line is a failure, the lines after it are read afresh. */
  private abandon(reason: string): void {
    const record = this.record!;
    this.record = null;
    this.fail(record.lines[0]!, record.lines[0]!.raw, reason);
    for (let i = 1; i < record.lines.length; i++) this.csvLine(record.lines[i]!, record.texts[i]!);
  }

  private csvRecord(at: SourceLine, raw: Buffer, text: string, cells: string[], lineCount: number): void {
    if (!this.header) {
      this.header = uniqueNames(cells.map((c) => c.trim()));
      this.headerLine = at.line;
      for (let i = 0; i < lineCount; i++) this.skip(at.line + i, 'header');
      return;
    }
    let names = this.header;
    // `header: false`: no names anywhere, so every row is taken as it comes.
    if (names.length === 0) names = cells.map((_, i) => `column_${i + 1}`);
    else if (cells.length !== names.length) {
      const where = this.headerLine === null ? 'csv.header in the mapping' : `header on line ${this.headerLine}`;
      this.fail(at, raw, `expected ${names.length} columns (${where}), found ${cells.length}`);
      return;
    }
    const fields: Fields = Object.create(null) as Fields;
    for (let i = 0; i < cells.length; i++) fields[names[i]!] = cells[i]!;
    this.emit(at, raw, text, fields);
  }

  /** Maps, checks and reports one record. Any surprise becomes a failure: a parser never throws. */
  private emit(at: SourceLine, raw: Buffer, message: string, fields: Fields): void {
    try {
      const reason = this.build(at, raw, message, fields);
      if (reason !== null) this.fail(at, raw, reason);
    } catch (error) {
      this.fail(at, raw, `unexpected error reading the record: ${(error as Error).message}`);
    }
  }

  private build(at: SourceLine, raw: Buffer, message: string, fields: Fields): string | null {
    const c = this.compiled;
    const missing = c.required.filter((key) => !fields[key]?.trim());
    if (missing.length > 0) return `missing required field${missing.length > 1 ? 's' : ''} ${missing.map((k) => `"${k}"`).join(', ')}`;

    const ecs: Record<string, string | number> = {};
    const targets = c.targets ?? autoTargets(fields);
    for (const [target, source, numeric] of targets) {
      const value = fields[source]?.trim();
      if (!value) continue;
      if (numeric) {
        const number = INTEGER.test(value) ? Number(value) : NaN;
        if (!Number.isSafeInteger(number)) return `field "${source}" (${target}) is not a whole number: "${clip(value)}"`;
        ecs[target] = number;
      } else ecs[target] = value;
    }
    for (const [target, known, flag] of c.vocabulary) {
      const value = ecs[target];
      if (typeof value === 'string' && !known.has(value.toLowerCase())) fields[flag] = 'true';
    }
    derive(ecs);
    if (ecs['host.name'] === undefined && c.host) ecs['host.name'] = c.host;

    let timestamp: number | null = null;
    let timeQuality: TimeQuality = 'missing';
    const timeField = c.timeField ?? TIME_CANDIDATES.find((k) => fields[k] !== undefined) ?? null;
    const timeValue = timeField === null ? undefined : fields[timeField];
    if (c.timeFormatError) fields.time_error = c.timeFormatError;
    else if (timeField === null) fields.time_error = 'no @timestamp, timestamp or time field';
    else if (timeValue === undefined) fields.time_error = `no "${timeField}" field`;
    else if (!timeValue.trim()) fields.time_error = `"${timeField}" is empty`;
    else {
      const reading = c.timeReader!(timeValue, c.zone);
      if (reading.ok) [timestamp, timeQuality] = [reading.timestamp, reading.quality];
      else fields.time_error = reading.reason;
    }

    this.sink.event({
      timestamp, timeQuality, dataset: c.dataset, ecs: ecs as EcsValues, fields, line: at.line, offset: at.offset, raw, message,
    });
    return null;
  }

  /** A header or blank line: counted here and reported to the sink. */
  private skip(line: number, why: 'blank' | 'header'): void {
    this.counts[why] += 1;
    this.sink.skipped(line, why);
  }

  private fail(at: SourceLine, raw: Buffer, reason: string): void {
    this.sink.failure({ line: at.line, offset: at.offset, reason, raw });
  }
}

function isBlank(text: string): boolean {
  return text.trim().length === 0;
}

/** Nested objects become dotted keys; arrays stay JSON text; null becomes empty (and maps to nothing). */
function flatten(object: Record<string, unknown>, prefix: string, out: Fields, depth: number): void {
  for (const key of Object.keys(object)) {
    const value = object[key];
    const name = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out[name] = value;
    else if (value === null) out[name] = '';
    else if (typeof value !== 'object') out[name] = String(value);
    else if (Array.isArray(value) || depth >= MAX_FLATTEN_DEPTH) out[name] = jsonText(value);
    else if (Object.keys(value).length === 0) out[name] = '{}';
    else flatten(value as Record<string, unknown>, name, out, depth + 1);
  }
}

/** Pathological nesting overflows even JSON.stringify; the value stays in raw, the field says so. */
function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return '[nested too deep to keep as a field; see the raw line]';
  }
}

function autoTargets(fields: Fields): (readonly [EcsField, string, boolean])[] {
  const targets: (readonly [EcsField, string, boolean])[] = [];
  for (const key in fields) {
    if (ECS_STRING_SET.has(key)) targets.push([key as EcsField, key, false]);
    else if (ECS_NUMBER_SET.has(key)) targets.push([key as EcsField, key, true]);
  }
  return targets;
}

/** ECS columns that follow from others, filled only when the mapping did not fill them itself. */
function derive(ecs: Record<string, string | number>): void {
  const url = ecs['url.original'];
  if (typeof url === 'string') {
    const parts = URL_PARTS.exec(url);
    let domain: string | undefined;
    let path: string | undefined;
    let query: string | undefined;
    if (parts) [domain, path, query] = [parts[1] || undefined, parts[2] || undefined, parts[3] || undefined];
    else if (HOST_PORT.test(url)) domain = url.slice(0, url.lastIndexOf(':')); // proxy CONNECT host:port
    else if (url.startsWith('/')) {
      const q = url.indexOf('?');
      [path, query] = q < 0 ? [url, undefined] : [url.slice(0, q), url.slice(q + 1) || undefined];
    }
    if (domain && ecs['url.domain'] === undefined) ecs['url.domain'] = domain.replace(/^\[|\]$/g, '').toLowerCase();
    if (path && ecs['url.path'] === undefined) ecs['url.path'] = path;
    if (query && ecs['url.query'] === undefined) ecs['url.query'] = query;
  }
  const sent = ecs['source.bytes'];
  const received = ecs['destination.bytes'];
  // Total of what is known: a flow with only bytes_out still shows how much left.
  if (ecs['network.bytes'] === undefined && (sent !== undefined || received !== undefined)) {
    ecs['network.bytes'] = Number(sent ?? 0) + Number(received ?? 0);
  }
}

/** `invalid JSON at column N: …`; V8's own message lacks the position, so jsonc-parser finds it (only on this slow path). */
function jsonError(text: string, error: unknown): string {
  const errors: ParseError[] = [];
  try {
    parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  } catch {
    // Pathological nesting can exhaust the stack here too; the V8 message below still says why.
  }
  const first = errors[0];
  if (!first) return `invalid JSON: ${clip((error as Error).message)}`;
  const why = printParseErrorCode(first.error).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return `invalid JSON at column ${first.offset + 1}: ${why}`;
}

function sniffDelimiter(line: string): string {
  let best = ',';
  let bestCount = count(line, ',');
  for (const candidate of [';', '\t', '|']) {
    const n = count(line, candidate);
    if (n > bestCount) [best, bestCount] = [candidate, n];
  }
  return best;
}

function count(text: string, char: string): number {
  let n = 0;
  for (let i = text.indexOf(char); i >= 0; i = text.indexOf(char, i + 1)) n += 1;
  return n;
}

/** Column names as keys: empty ones get `column_N`, repeats `name_2`, so no cell overwrites another. */
function uniqueNames(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.map((raw, i) => {
    let name = raw || `column_${i + 1}`;
    for (let k = 2; seen.has(name); k++) name = `${raw || `column_${i + 1}`}_${k}`;
    seen.add(name);
    return name;
  });
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function factory(mode: Mode, fixed?: FieldMapping): StructuredParserFactory {
  return (options, sink) => new StructuredParser(sink, options, fixed ?? (options.mapping as FieldMapping | undefined), mode);
}

/** JSON Lines through `options.mapping` (or by ECS names when there is none). */
export const jsonlParser: StructuredParserFactory = factory('json');
/** CSV with a header (or `csv.header` names) through `options.mapping`. */
export const csvLogParser: StructuredParserFactory = factory('csv');
/** Application data-access audit (`app.data_access`), JSONL or CSV. */
export const dataAccessParser: StructuredParserFactory = factory('sniff', DATA_ACCESS_MAPPING);
/** Proxy/firewall flows (`network.flow`), JSONL or CSV. */
export const flowLogParser: StructuredParserFactory = factory('sniff', FLOW_MAPPING);

/** Which built-in structured format a `.jsonl`/`.csv` file holds, from its first non-blank line. */
export function detectStructuredFormat(firstLine: string): 'data-access' | 'flow' | null {
  const text = (firstLine.charCodeAt(0) === 0xfeff ? firstLine.slice(1) : firstLine).trim();
  const keys = new Set<string>();
  if (text.startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      // A truncated head (only the first bytes were read) is still enough to see the keys.
      for (const match of text.matchAll(JSON_KEY)) keys.add(match[1]!);
    }
    if (value && typeof value === 'object' && !Array.isArray(value)) for (const key of Object.keys(value)) keys.add(key);
  } else {
    const record = new CsvRecord();
    record.feed(text, sniffDelimiter(text));
    for (const cell of record.cells) keys.add(cell.trim().toLowerCase());
  }
  if (keys.has('system') && (keys.has('record_id') || keys.has('record_type'))) return 'data-access';
  if (keys.has('src_ip') && keys.has('dst_ip')) return 'flow';
  return null;
}
