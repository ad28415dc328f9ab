import { type PathSegment, type StructuredSource, formatPath } from '../shared/structured-source.js';
import {
  type IocSet,
  type IocType,
  type Tlp,
  addIoc,
  emptyIocSet,
  readIocJson,
  normaliseAddress,
  normaliseIoc,
  parseTlpLabel,
  reject,
  strictestTlp,
  unsupported,
} from './ioc-model.js';

/**
 * Reads MISP events (MISP core format: `{"Event": {...}}`, a list of those, or a REST search
 * response `{"response": [{"Event": …}]}`) into an {@link IocSet}. Attributes of the event and of
 * its objects are flattened. Only attributes with `to_ids: true` are loaded; the others are counted
 * as not-for-detection, deleted ones as revoked. TLP comes from `tlp:` tags (the attribute's tags
 * over the event's).
 */

type Mapping = { kind: 'ip'; role: 'src' | 'dst' | null } | { kind: 'type'; type: IocType; role: 'src' | 'dst' | null };

/** Parts of a composite value `a|b` that are matched; `port` parts are not. */
const MISP_TYPES: Readonly<Record<string, { parts: readonly (Mapping | 'ignore')[]; note?: string }>> = {
  'ip-src': { parts: [{ kind: 'ip', role: 'src' }] },
  'ip-dst': { parts: [{ kind: 'ip', role: 'dst' }] },
  'ip-src|port': { parts: [{ kind: 'ip', role: 'src' }, 'ignore'] },
  'ip-dst|port': { parts: [{ kind: 'ip', role: 'dst' }, 'ignore'] },
  domain: { parts: [{ kind: 'type', type: 'domain', role: null }] },
  hostname: { parts: [{ kind: 'type', type: 'domain', role: null }] },
  'hostname|port': { parts: [{ kind: 'type', type: 'domain', role: null }, 'ignore'] },
  'domain|ip': { parts: [{ kind: 'type', type: 'domain', role: null }, { kind: 'ip', role: null }] },
  url: { parts: [{ kind: 'type', type: 'url', role: null }] },
  md5: { parts: [{ kind: 'type', type: 'md5', role: null }] },
  sha1: { parts: [{ kind: 'type', type: 'sha1', role: null }] },
  sha256: { parts: [{ kind: 'type', type: 'sha256', role: null }] },
  sha512: { parts: [{ kind: 'type', type: 'sha512', role: null }] },
  'filename|md5': { parts: ['ignore', { kind: 'type', type: 'md5', role: null }] },
  'filename|sha1': { parts: ['ignore', { kind: 'type', type: 'sha1', role: null }] },
  'filename|sha256': { parts: ['ignore', { kind: 'type', type: 'sha256', role: null }] },
  'filename|sha512': { parts: ['ignore', { kind: 'type', type: 'sha512', role: null }] },
  'user-agent': { parts: [{ kind: 'type', type: 'user-agent', role: null }] },
  'email-src': { parts: [{ kind: 'type', type: 'email', role: 'src' }] },
  'email-dst': { parts: [{ kind: 'type', type: 'email', role: 'dst' }] },
  email: { parts: [{ kind: 'type', type: 'email', role: null }] },
  filename: { parts: [{ kind: 'type', type: 'filename', role: null }] },
};

export const SUPPORTED_MISP_TYPES: readonly string[] = Object.keys(MISP_TYPES);

export function readMispEvents(file: string, input: string | Uint8Array): IocSet {
  const set = emptyIocSet(file);
  const source = readIocJson(set, input, 'a MISP event');
  if (!source) return set;
  const reader = new MispReader(set, source);
  const root = source.value;
  if (Array.isArray(root)) root.forEach((entry, index) => reader.wrapper(entry, [index]));
  else if (isObject(root) && Array.isArray(root.response)) root.response.forEach((entry, index) => reader.wrapper(entry, ['response', index]));
  else reader.wrapper(root, []);
  return set;
}

class MispReader {
  constructor(
    private readonly set: IocSet,
    private readonly source: StructuredSource,
  ) {}

  at(path: PathSegment[]) {
    return { file: this.set.file, line: this.source.lineOf(path), path: formatPath(path) };
  }

  wrapper(value: unknown, path: PathSegment[]): void {
    if (!isObject(value) || !isObject(value.Event)) {
      this.set.problems.push({ location: this.at(path), reason: 'expected a MISP event: an object with an "Event" object' });
      return;
    }
    this.event(value.Event, [...path, 'Event']);
  }

  event(event: Record<string, unknown>, path: PathSegment[]): void {
    const eventTlp = tagsTlp(event.Tag);
    const info = typeof event.info === 'string' ? event.info : null;
    const eventId = typeof event.uuid === 'string' ? event.uuid : typeof event.id === 'string' ? event.id : null;
    this.attributes(event.Attribute, [...path, 'Attribute'], { eventTlp, info, eventId });
    if (event.Object !== undefined) {
      if (!Array.isArray(event.Object)) {
        this.set.problems.push({ location: this.at([...path, 'Object']), reason: '"Object" must be a list' });
        return;
      }
      event.Object.forEach((object, index) => {
        const objectPath = [...path, 'Object', index];
        if (!isObject(object)) {
          this.set.problems.push({ location: this.at(objectPath), reason: 'a MISP object must be a JSON object' });
          return;
        }
        if (object.deleted === true) {
          this.set.counts.revoked++;
          return;
        }
        const name = typeof object.name === 'string' ? object.name : null;
        this.attributes(object.Attribute, [...objectPath, 'Attribute'], { eventTlp, info: name && info ? `${info} (${name})` : info, eventId });
      });
    }
  }

  attributes(list: unknown, path: PathSegment[], context: { eventTlp: Tlp | null; info: string | null; eventId: string | null }): void {
    if (list === undefined) return;
    if (!Array.isArray(list)) {
      this.set.problems.push({ location: this.at(path), reason: '"Attribute" must be a list' });
      return;
    }
    list.forEach((attribute, index) => this.attribute(attribute, [...path, index], context));
  }

  attribute(attribute: unknown, path: PathSegment[], context: { eventTlp: Tlp | null; info: string | null; eventId: string | null }): void {
    const set = this.set;
    if (!isObject(attribute)) {
      set.problems.push({ location: this.at(path), reason: 'a MISP attribute must be a JSON object' });
      return;
    }
    const id = typeof attribute.uuid === 'string' ? attribute.uuid : typeof attribute.id === 'string' ? attribute.id : (context.eventId ?? formatPath(path));
    const issue = (field: string | null, reason: string) => ({ location: this.at(field === null ? path : [...path, field]), id, reason });
    if (attribute.deleted === true || attribute.deleted === '1') {
      set.counts.revoked++;
      return;
    }
    const toIds = attribute.to_ids;
    if (!(toIds === true || toIds === '1' || toIds === 1)) {
      set.counts.notForDetection++;
      return;
    }
    const type = attribute.type;
    if (typeof type !== 'string') {
      reject(set, issue('type', 'attribute without a "type"'));
      return;
    }
    if (typeof attribute.value !== 'string') {
      reject(set, issue('value', `attribute of type "${type}" without a string "value"`));
      return;
    }
    const mapping = MISP_TYPES[type];
    if (!mapping) {
      unsupported(set, issue('type', `MISP type "${type}" is not supported for IOC matching`));
      return;
    }
    const parts = mapping.parts.length === 1 ? [attribute.value] : attribute.value.split('|');
    if (parts.length !== mapping.parts.length) {
      reject(set, issue('value', `"${type}" expects ${mapping.parts.length} parts separated by "|", got ${parts.length}`));
      return;
    }
    const tlp = tagsTlp(attribute.Tag) ?? context.eventTlp;
    const description = typeof attribute.comment === 'string' && attribute.comment !== '' ? attribute.comment : context.info;
    const location = this.at([...path, 'value']);
    const source = { file: set.file, id, line: location.line, path: location.path };
    mapping.parts.forEach((part, index) => {
      if (part === 'ignore') return;
      const raw = parts[index] ?? '';
      const result = part.kind === 'ip' ? normaliseAddress(raw.trim()) : normaliseIoc(part.type, raw);
      if (!result.ok) {
        reject(set, { location, id, reason: `${type}: ${result.reason}` });
        return;
      }
      addIoc(set, { type: result.type, value: result.value, role: part.role, confidence: null, source, validUntil: null, tlp, description });
    });
  }
}

function tagsTlp(tags: unknown): Tlp | null {
  if (!Array.isArray(tags)) return null;
  const levels: Tlp[] = [];
  for (const tag of tags) {
    const name = isObject(tag) ? tag.name : undefined;
    if (typeof name === 'string' && /^\s*tlp\s*:/i.test(name)) {
      const level = parseTlpLabel(name);
      if (level) levels.push(level);
    }
  }
  return strictestTlp(levels);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
