import { extname } from 'node:path';
import { z } from 'zod';
import { InvalidInputError } from '../shared/errors.js';
import { type StructuredSource, parseJsonSource, parseYamlSource } from '../shared/structured-source.js';
import { readTextFile } from '../shared/text-input.js';
import { validateAt } from '../shared/validation.js';
import {
  ECS_NUMBER_FIELDS,
  ECS_STRING_FIELDS,
  type EcsNumberField,
  type EcsStringField,
} from '../store/event-schema.js';
import type { TimeQuality } from './log-event.js';
import { MONTHS, civilToUtc, qualityOf } from './log-time.js';

/**
 * The field-mapping file that tells the generic JSONL/CSV parser how to read one kind of structured
 * log: which field holds the time and how it is written, which source fields fill which ECS columns,
 * and how the CSV is laid out. The two built-in formats (data-access audit, flow logs) are mappings
 * too, so one engine (structured-parser.ts) does all structured work and a fix there fixes all.
 *
 * Example (YAML; JSON with the same shape is accepted when the file ends in `.json`):
 *
 *   dataset: crm.audit
 *   time: { field: when, format: '%d/%m/%Y %H:%M:%S %z', zone: Europe/Amsterdam }
 *   fields:
 *     user.name: actor.login       # dotted path into nested JSON, or a CSV column name
 *     source.ip: client_ip
 *     network.bytes: size
 *   csv: { delimiter: ';', header: true }
 *   required: [when, actor.login]   # rows without these become failures naming the field
 *   vocabulary:
 *     event.action: [view, export]  # other values are kept but flagged fields.action_unknown=true
 */

export type EcsField = EcsStringField | EcsNumberField;

export const ECS_STRING_SET: ReadonlySet<string> = new Set(ECS_STRING_FIELDS);
export const ECS_NUMBER_SET: ReadonlySet<string> = new Set(ECS_NUMBER_FIELDS);

export interface TimeSpec {
  /** Source field (CSV column, JSON key or dotted JSON path). */
  readonly field: string;
  /** `auto` | `iso8601` | `epoch_s` | `epoch_ms` | a strftime-like pattern (`%d/%m/%Y %H:%M:%S %z`). */
  readonly format: string;
  /** IANA zone for times without an offset; the operator's `--tz` still wins. */
  readonly zone?: string;
}

export interface CsvSpec {
  readonly delimiter?: string;
  /** `true`: the first non-blank line names the columns; a list: the file has no header line; `false`: `column_1`… */
  readonly header?: true | false | readonly string[];
}

export interface FieldMapping {
  /** `event.dataset` of every event read with this mapping. */
  readonly dataset: string;
  /** Absent: `@timestamp`, `timestamp` or `time`, whichever exists, read as ISO 8601 or epoch. */
  readonly time?: TimeSpec;
  /** ECS column → source field. */
  readonly fields: Readonly<Partial<Record<EcsField, string>>>;
  readonly csv?: CsvSpec;
  /** Source fields that must be present and non-empty; otherwise the record is a failure naming them. */
  readonly required?: readonly string[];
  /** Known values of an ECS string column; others are kept and flagged `fields.<last segment>_unknown`. */
  readonly vocabulary?: Readonly<Partial<Record<EcsStringField, readonly string[]>>>;
}

// ---------------------------------------------------------------------------------------------
// Time formats. Compiled once per mapping (never per line): a reader takes the field's text and the
// zone to assume, and says when and how exactly.

export type TimeReading =
  | { readonly ok: true; readonly timestamp: number; readonly quality: TimeQuality }
  | { readonly ok: false; readonly reason: string };

export type TimeReader = (value: string, zone: string | undefined) => TimeReading;

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;
const EPOCH = /^-?\d+(?:\.\d+)?$/;
/** ±275,760 years is what Date can hold; anything beyond is garbage, not a time. */
const MAX_EPOCH_MS = 8.64e15;

/** `Z`, `+02`, `+0200`, `-05:30` → minutes east of UTC; null when not an offset. */
function offsetOf(text: string): number | null {
  if (text === 'Z' || text === 'z') return 0;
  const hours = Number(text.slice(1, 3));
  const rest = text.length > 3 ? text.slice(text[3] === ':' ? 4 : 3) : '00';
  const minutes = Number(rest);
  if (!(hours <= 18) || !(minutes < 60) || rest.length !== 2) return null;
  const total = hours * 60 + minutes;
  return text[0] === '-' ? -total : total;
}

function fraction(digits: string | undefined): number {
  return digits ? Number(digits.slice(0, 3).padEnd(3, '0')) : 0;
}

function civilReading(
  year: number, month: number, day: number, hour: number, minute: number, second: number, millisecond: number,
  offset: string | undefined, zone: string | undefined,
): TimeReading {
  if (offset !== undefined) {
    const minutes = offsetOf(offset);
    if (minutes === null) return { ok: false, reason: `"${offset}" is not a UTC offset` };
    const utc = civilToUtc({ year, month, day, hour, minute, second, millisecond });
    if (Number.isNaN(utc)) return { ok: false, reason: 'no such date or time' };
    return { ok: true, timestamp: utc - minutes * 60_000, quality: qualityOf(true, hour) };
  }
  let utc: number;
  try {
    utc = civilToUtc({ year, month, day, hour, minute, second, millisecond }, zone);
  } catch {
    return { ok: false, reason: `unknown time zone "${zone}"` };
  }
  if (Number.isNaN(utc)) return { ok: false, reason: 'no such date or time' };
  return { ok: true, timestamp: utc, quality: qualityOf(false, hour) };
}

function readIso(value: string, zone: string | undefined): TimeReading {
  const m = ISO_8601.exec(value.trim());
  if (!m) return { ok: false, reason: `"${clip(value)}" is not an ISO 8601 time` };
  return civilReading(
    Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), fraction(m[7]),
    m[8], zone,
  );
}

function readEpoch(value: string, scale: number): TimeReading {
  const text = value.trim();
  if (!EPOCH.test(text)) return { ok: false, reason: `"${clip(value)}" is not an epoch number` };
  const ms = Math.round(Number(text) * scale);
  if (!(Math.abs(ms) <= MAX_EPOCH_MS)) return { ok: false, reason: `epoch ${clip(value)} is out of range` };
  // An epoch is an instant: no zone is involved, so it is exact by construction.
  return { ok: true, timestamp: ms, quality: 'exact' };
}

/** Epoch when all digits (12+ integer digits: milliseconds, as seconds reach 12 digits only in year 5138), else ISO 8601. */
function readAuto(value: string, zone: string | undefined): TimeReading {
  const text = value.trim();
  if (EPOCH.test(text)) return readEpoch(text, (text.indexOf('.') < 0 ? text.length : text.indexOf('.')) - (text[0] === '-' ? 1 : 0) >= 12 ? 1 : 1000);
  return readIso(text, zone);
}

type Role = 'Y' | 'm' | 'b' | 'd' | 'H' | 'M' | 'S' | 'f' | 'z';

const PATTERN_TOKENS: Record<string, { regex: string; role: Role }> = {
  Y: { regex: '(\\d{4})', role: 'Y' },
  m: { regex: '(\\d{1,2})', role: 'm' },
  b: { regex: '([A-Za-z]{3})', role: 'b' },
  d: { regex: '(\\d{1,2})', role: 'd' },
  H: { regex: '(\\d{1,2})', role: 'H' },
  M: { regex: '(\\d{2})', role: 'M' },
  S: { regex: '(\\d{2})', role: 'S' },
  f: { regex: '(\\d+)', role: 'f' },
  z: { regex: '([Zz]|[+-]\\d{2}(?::?\\d{2})?)', role: 'z' },
};

/**
 * Compiles a strftime-like pattern. `%S` also accepts a fraction (`22.123`); `%z` (with the space
 * before it) is optional, so one pattern reads lines with and without an offset and the quality
 * says which. `%T` is `%H:%M:%S`, `%%` a percent sign; other characters must match literally.
 */
function compilePattern(pattern: string): TimeReader | string {
  const roles: Role[] = [];
  let source = '';
  let lastWasSpace = false;
  const text = pattern.replaceAll('%T', '%H:%M:%S');
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '%') {
      const code = text[++i];
      if (code === '%') source += '%';
      else {
        const token = code === undefined ? undefined : PATTERN_TOKENS[code];
        if (!token) return `unsupported directive %${code ?? ''} (supported: %Y %m %b %d %H %M %S %f %z %T %%)`;
        if (roles.includes(token.role)) return token.role === 'f' ? '%f is not needed: %S already reads a fraction' : `directive %${code} appears twice`;
        roles.push(token.role);
        if (token.role === 'z') {
          if (lastWasSpace) source = source.slice(0, -'\\s+'.length);
          source += `(?:${lastWasSpace ? '\\s*' : ''}${token.regex})?`;
        } else source += token.role === 'S' ? `${token.regex}(?:[.,](\\d+))?` : token.regex;
        if (token.role === 'S') roles.push('f');
      }
      lastWasSpace = false;
    } else if (char === ' ' || char === '\t') {
      if (!lastWasSpace) source += '\\s+';
      lastWasSpace = true;
    } else {
      source += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      lastWasSpace = false;
    }
  }
  for (const need of ['Y', 'd', 'H', 'M'] as const) if (!roles.includes(need)) return `pattern lacks %${need}`;
  if (!roles.includes('m') && !roles.includes('b')) return 'pattern lacks %m or %b';
  const regex = new RegExp(`^${source}$`);
  const index = (role: Role): number => roles.indexOf(role) + 1;
  const [iY, im, ib, id, iH, iM, iS, iF, iz] = (['Y', 'm', 'b', 'd', 'H', 'M', 'S', 'f', 'z'] as const).map(index);
  return (value, zone) => {
    const m = regex.exec(value.trim());
    if (!m) return { ok: false, reason: `"${clip(value)}" does not match "${pattern}"` };
    const month = ib ? MONTHS[m[ib]!.toLowerCase()] : Number(m[im!]);
    if (month === undefined) return { ok: false, reason: `"${m[ib!]}" is not a month` };
    return civilReading(
      Number(m[iY!]), month, Number(m[id!]), Number(m[iH!]), Number(m[iM!]), iS ? Number(m[iS]) : 0, iF ? fraction(m[iF]) : 0,
      iz ? m[iz] : undefined, zone,
    );
  };
}

/** The reader for a format name or pattern, or why it cannot be one. */
export function compileTimeFormat(format: string): { reader: TimeReader } | { error: string } {
  switch (format) {
    case 'auto': return { reader: readAuto };
    case 'iso8601': return { reader: readIso };
    case 'epoch_s': return { reader: (value) => readEpoch(value, 1000) };
    case 'epoch_ms': return { reader: (value) => readEpoch(value, 1) };
  }
  if (!format.includes('%')) return { error: `"${format}" is not a time format: use auto, iso8601, epoch_s, epoch_ms or a pattern such as "%Y-%m-%d %H:%M:%S"` };
  const compiled = compilePattern(format);
  return typeof compiled === 'string' ? { error: compiled } : { reader: compiled };
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

// ---------------------------------------------------------------------------------------------
// The file.

const KNOWN_TARGETS = `${ECS_STRING_FIELDS.length + ECS_NUMBER_FIELDS.length} ECS columns, e.g. user.name, source.ip, network.bytes`;

const TimeSchema = z
  .object({
    field: z.string().min(1),
    format: z.string().min(1).default('auto'),
    zone: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((time, ctx) => {
    const compiled = compileTimeFormat(time.format);
    if ('error' in compiled) ctx.addIssue({ code: 'custom', path: ['format'], message: compiled.error });
    if (time.zone !== undefined && !isTimeZone(time.zone)) ctx.addIssue({ code: 'custom', path: ['zone'], message: `unknown time zone "${time.zone}" (use an IANA name such as Europe/Amsterdam)` });
  });

const FieldMappingSchema = z
  .object({
    dataset: z.string().regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*$/, 'dataset must be lower-case words joined by dots, e.g. crm.audit').default('custom'),
    time: TimeSchema.optional(),
    fields: z.record(z.string(), z.string().min(1)).default({}),
    csv: z
      .object({
        delimiter: z.string().transform((d) => (d === 'tab' ? '\t' : d)).refine((d) => d.length === 1 && d !== '"' && d !== '\n' && d !== '\r', 'delimiter must be one character (or "tab"), not a quote or newline').optional(),
        header: z.union([z.boolean(), z.array(z.string().min(1)).min(1)]).optional(),
      })
      .strict()
      .optional(),
    required: z.array(z.string().min(1)).optional(),
    vocabulary: z.record(z.string(), z.array(z.string()).min(1)).optional(),
  })
  .strict()
  .superRefine((mapping, ctx) => {
    for (const target of Object.keys(mapping.fields)) {
      if (!ECS_STRING_SET.has(target) && !ECS_NUMBER_SET.has(target)) {
        ctx.addIssue({ code: 'custom', path: ['fields', target], message: `"${target}" is not an ECS column of the event store (${KNOWN_TARGETS}); unmapped source fields are kept in fields anyway` });
      }
    }
    for (const target of Object.keys(mapping.vocabulary ?? {})) {
      if (!ECS_STRING_SET.has(target)) ctx.addIssue({ code: 'custom', path: ['vocabulary', target], message: `"${target}" is not an ECS text column` });
    }
  });

/** Validates an already parsed mapping document; problems name the file and line. */
export function parseFieldMapping(source: StructuredSource): FieldMapping {
  const result = validateAt(FieldMappingSchema, source, [], source.value ?? {});
  if (!result.ok) throw new InvalidInputError(`${source.file}: not a valid field mapping`, result.problems);
  return result.value as FieldMapping;
}

/** Parses mapping text: JSON when the name ends in `.json`, YAML otherwise. */
export function parseFieldMappingText(file: string, text: string): FieldMapping {
  const source = extname(file).toLowerCase() === '.json' ? parseJsonSource(file, text) : parseYamlSource(file, text);
  return parseFieldMapping(source);
}

export async function loadFieldMapping(path: string): Promise<FieldMapping> {
  return parseFieldMappingText(path, await readTextFile(path, 1024 * 1024));
}

// ---------------------------------------------------------------------------------------------
// Built-in mappings (issue 4). The demo generator writes exactly these keys.

export const DATA_ACCESS_ACTIONS = ['view', 'search', 'export', 'download', 'modify', 'delete', 'login', 'logout'] as const;

export const DATA_ACCESS_MAPPING: FieldMapping = Object.freeze({
  dataset: 'app.data_access',
  time: { field: 'timestamp', format: 'iso8601' },
  fields: {
    'service.name': 'system',
    'user.name': 'user',
    'weerbaar.session_id': 'session',
    'source.ip': 'source_ip',
    'user_agent.original': 'user_agent',
    'event.action': 'action',
    'weerbaar.record.type': 'record_type',
    'weerbaar.record.id': 'record_id',
    'network.bytes': 'bytes',
    'event.outcome': 'outcome',
  },
  csv: { delimiter: ',', header: true },
  // Without a time, a system and an action an audit row cannot say who touched what when: it must be visible as a failure.
  required: ['timestamp', 'system', 'action'],
  vocabulary: { 'event.action': DATA_ACCESS_ACTIONS },
});

/** `bytes_out` is what the source sent: the exfiltration direction when the source is inside. */
export const FLOW_MAPPING: FieldMapping = Object.freeze({
  dataset: 'network.flow',
  time: { field: 'timestamp', format: 'iso8601' },
  fields: {
    'host.name': 'device',
    'source.ip': 'src_ip',
    'source.port': 'src_port',
    'destination.ip': 'dst_ip',
    'destination.port': 'dst_port',
    'source.bytes': 'bytes_out',
    'destination.bytes': 'bytes_in',
    'event.action': 'action',
    'user.name': 'user',
    'url.original': 'url',
  },
  csv: { delimiter: ',', header: true },
});
