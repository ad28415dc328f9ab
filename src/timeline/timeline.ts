import { csvCell } from '../shared/csv-records.js';
import type { EventStore, Row } from '../store/event-store.js';
import { and, col, epochMs, eq, isIn, jsonField, max, min, or, select, val } from '../store/query-node.js';

/**
 * The incident timeline (NetScaler reference §8): every detection as a point in time with its
 * custody, footprint sessions as spans, and markers — configuration changes (NS-R9), exposure
 * starts and patch installs (from the advisory findings). Times are UTC. The same detection found
 * by several hunts appears once. Output is Timesketch-compatible: `message`, `datetime` (ISO 8601),
 * `timestamp` (microseconds) and `timestamp_desc`, plus fields.
 */

export interface TimelineEntry {
  readonly kind: 'detection' | 'session' | 'marker';
  readonly datetime: string;
  /** Spans (sessions) end here; points have none. */
  readonly end: string | null;
  readonly timestamp_desc: string;
  readonly message: string;
  readonly rule: string | null;
  readonly verdict: string | null;
  readonly confidence: string | null;
  readonly fix_relation: string | null;
  readonly host: string | null;
  readonly source_ip: string | null;
  readonly user: string | null;
  readonly session: string | null;
  readonly file: string | null;
  readonly line: number | null;
  readonly offset: number | null;
  readonly evidence_sha256: string | null;
}

export interface TimelineMarker {
  readonly at: string;
  readonly kind: 'Exposure Start' | 'Patch Installed' | 'Disconnected';
  readonly host: string;
  readonly message: string;
}

const CONFIG_CHANGE_RULES = ['NS-R9'];
const iso = (v: unknown) => new Date(Number(v)).toISOString();
const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

const blank = { end: null, rule: null, verdict: null, confidence: null, fix_relation: null, host: null, source_ip: null, user: null, session: null, file: null, line: null, offset: null, evidence_sha256: null } as const;

export async function buildTimeline(store: EventStore, input: { sessions: readonly string[]; markers: readonly TimelineMarker[] }): Promise<TimelineEntry[]> {
  const entries: TimelineEntry[] = [];
  const names = ['rule.id', 'rule.name', 'weerbaar.verdict', 'weerbaar.confidence', 'weerbaar.fix_relation', 'host.name', 'source.ip', 'user.name', 'weerbaar.session_id', 'log.file.path', 'weerbaar.line', 'log.offset', 'weerbaar.evidence_sha256', 'message'];
  const detections = await store.query(
    select({
      from: 'detections',
      columns: [{ expr: epochMs(col('@timestamp')), as: 'at' }, ...names.map((name) => ({ expr: col(name), as: name.replaceAll('.', '_') }))],
      // One row per detection however many hunts found it.
      groupBy: [col('@timestamp'), ...names.map((n) => col(n))],
    }),
  );
  const untimed = detections.filter((d) => d['at'] === null && d['log_offset'] !== null && d['weerbaar_evidence_sha256'] !== null);
  const bounds = await lowerBounds(store, untimed);
  for (const d of detections) {
    const bound = d['at'] === null ? bounds.get(`${String(d['weerbaar_evidence_sha256'])}@${String(d['log_offset'])}`) : undefined;
    if (d['at'] === null && bound === undefined) continue;
    const rule = String(d['rule_id']);
    const config = CONFIG_CHANGE_RULES.includes(rule);
    entries.push({
      kind: config ? 'marker' : 'detection',
      datetime: bound ?? iso(d['at']),
      end: null,
      timestamp_desc: bound !== undefined ? 'Written After' : config ? 'Configuration Change' : 'Event Recorded',
      message: `[${String(d['weerbaar_verdict'])}] ${rule} ${String(d['rule_name'])}: ${String(d['message'] ?? '').slice(0, 500)}`,
      rule,
      verdict: text(d['weerbaar_verdict']),
      confidence: text(d['weerbaar_confidence']),
      fix_relation: text(d['weerbaar_fix_relation']),
      host: text(d['host_name']),
      source_ip: text(d['source_ip']),
      user: text(d['user_name']),
      session: text(d['weerbaar_session_id']),
      file: text(d['log_file_path']),
      line: num(d['weerbaar_line']),
      offset: num(d['log_offset']),
      evidence_sha256: text(d['weerbaar_evidence_sha256']),
    });
  }
  if (input.sessions.length > 0) {
    const spans = await store.query(
      select({
        from: 'events',
        columns: [
          { expr: col('host.name'), as: 'host' },
          { expr: col('weerbaar.session_id'), as: 'session' },
          { expr: min(col('user.name')), as: 'user' },
          { expr: epochMs(min(col('@timestamp'))), as: 'start' },
          { expr: epochMs(max(col('@timestamp'))), as: 'end' },
        ],
        where: and(isIn(col('weerbaar.session_id'), [...input.sessions]), eq(col('event.dataset'), val('netscaler.syslog'))),
        groupBy: [col('host.name'), col('weerbaar.session_id')],
      }),
    );
    for (const s of spans) {
      if (s['start'] === null) continue;
      entries.push({
        ...blank,
        kind: 'session',
        datetime: iso(s['start']),
        end: iso(s['end']),
        timestamp_desc: 'Session',
        message: `VPN session ${String(s['session'])} of ${String(s['user'] ?? 'unknown user')} on ${String(s['host'] ?? 'unknown host')} (in the attacker footprint)`,
        host: text(s['host']),
        user: text(s['user']),
        session: text(s['session']),
      });
    }
  }
  for (const m of input.markers) entries.push({ ...blank, kind: 'marker', datetime: m.at, timestamp_desc: m.kind, message: m.message, host: m.host });
  return entries.sort((a, b) => a.datetime.localeCompare(b.datetime) || a.kind.localeCompare(b.kind) || (a.offset ?? 0) - (b.offset ?? 0));
}

/**
 * Lines without a time of their own (command output in httperror.log) carry the previous timed
 * line's time as a lower bound (`after_time`, see httperror-parser.ts): the timeline places them
 * there, marked `Written After` — a bound, not the moment.
 */
async function lowerBounds(store: EventStore, untimed: readonly Row[]): Promise<Map<string, string>> {
  const bounds = new Map<string, string>();
  if (untimed.length === 0) return bounds;
  const rows = await store.query(
    select({
      from: 'events',
      columns: [
        { expr: col('weerbaar.evidence_sha256'), as: 'sha' },
        { expr: col('log.offset'), as: 'offset' },
        { expr: jsonField('weerbaar.fields', 'after_time'), as: 'after' },
      ],
      where: or(...untimed.slice(0, 1000).map((d) => and(eq(col('weerbaar.evidence_sha256'), val(String(d['weerbaar_evidence_sha256']))), eq(col('log.offset'), val(Number(d['log_offset'])))))),
    }),
  );
  for (const r of rows) {
    const after = typeof r['after'] === 'string' ? Date.parse(r['after']) : NaN;
    if (!Number.isNaN(after)) bounds.set(`${String(r['sha'])}@${String(r['offset'])}`, new Date(after).toISOString());
  }
  return bounds;
}

/** The moments a board summary names: first attempt, first compromise, fixes, renewed activity, last activity. */
export function keyMoments(entries: readonly TimelineEntry[]): { label: string; entry: TimelineEntry }[] {
  const moments: { label: string; entry: TimelineEntry }[] = [];
  const first = (label: string, test: (e: TimelineEntry) => boolean) => {
    const entry = entries.find(test);
    if (entry) moments.push({ label, entry });
  };
  first('vulnerable since', (e) => e.timestamp_desc === 'Exposure Start');
  // The first hit of every rule that attributes (ATTEMPT, COMPROMISE): each is a chapter of the story.
  const rules = new Set<string>();
  for (const e of entries) {
    if (e.kind !== 'detection' || (e.verdict !== 'ATTEMPT' && e.verdict !== 'COMPROMISE') || e.rule === null || rules.has(e.rule)) continue;
    rules.add(e.rule);
    moments.push({ label: `first ${e.verdict === 'ATTEMPT' ? 'attempt' : 'compromise'} (${e.rule})`, entry: e });
  }
  for (const e of entries) if (e.kind === 'session') moments.push({ label: `footprint session ${e.session ?? ''} (until ${e.end ?? '?'})`, entry: e });
  for (const e of entries) if (e.timestamp_desc === 'Patch Installed') moments.push({ label: `patched (${e.host ?? ''})`, entry: e });
  first('first attacker activity after the fix', (e) => e.fix_relation === 'AFTER' && (e.verdict === 'COMPROMISE' || e.verdict === 'ATTEMPT'));
  const last = [...entries].reverse().find((e) => e.kind === 'detection' && (e.verdict === 'COMPROMISE' || e.verdict === 'ATTEMPT'));
  if (last) moments.push({ label: 'last attacker activity', entry: last });
  return moments.sort((a, b) => a.entry.datetime.localeCompare(b.entry.datetime));
}

const TIMESKETCH_COLUMNS = ['message', 'datetime', 'timestamp', 'timestamp_desc'] as const;
const FIELD_COLUMNS = ['kind', 'end', 'rule', 'verdict', 'confidence', 'fix_relation', 'host', 'source_ip', 'user', 'session', 'file', 'line', 'offset', 'evidence_sha256'] as const;

/**
 * Timesketch's CSV import: message, datetime, timestamp (µs), timestamp_desc, then fields. A span
 * becomes two rows (start and end) with the same session. Cells that a spreadsheet would read as a
 * formula (leading = + - @, tab, CR) are prefixed with `'` — log text is attacker-controlled.
 */
export function timelineCsv(entries: readonly TimelineEntry[]): string {
  const rows: string[] = [[...TIMESKETCH_COLUMNS, ...FIELD_COLUMNS].join(',')];
  const emit = (e: TimelineEntry, datetime: string, desc: string) => {
    const values: (string | number | null)[] = [e.message, datetime, Date.parse(datetime) * 1000, desc, ...FIELD_COLUMNS.map((c) => e[c])];
    rows.push(values.map(csvCell).join(','));
  };
  for (const e of entries) {
    if (e.kind === 'session' && e.end) {
      emit(e, e.datetime, 'Session Start');
      emit(e, e.end, 'Session End');
    } else emit(e, e.datetime, e.timestamp_desc);
  }
  return rows.join('\n') + '\n';
}
