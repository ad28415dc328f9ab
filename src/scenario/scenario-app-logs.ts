import type { Scenario } from './example-prosecution-service.js';
import {
  type Activity, type EventSink, PROXY_PATH, RECORD_TYPE, type RecordCategory, SESSION_PREFIX, type StaffMember, type StaffRole,
  FLEET_AGENT, applicationFor, auditLine, auditPath, proxyRow, recordId, wait,
} from './scenario-log-common.js';
import type { SeededRandom } from './seeded-random.js';

/**
 * Normal work in the business applications (one JSON audit line per action) and on the web (one
 * proxy flow per connection), for one stretch of a staff member's day, from the address they work
 * from: their office workstation, or the intranet address their VPN session was given.
 */

/** Per role: which categories a member works with, and how often (weights). */
const ROLE_USE: Record<StaffRole, [RecordCategory, number][]> = {
  'national-officer': [['case-files', 0.35], ['oc-terrorism-files', 0.2], ['crown-witnesses', 0.2], ['informant-files', 0.05], ['shelter-addresses', 0.1], ['staff-directory', 0.1]],
  prosecutor: [['case-files', 0.92], ['staff-directory', 0.08]],
  support: [['case-files', 0.8], ['staff-directory', 0.2]],
  hr: [['hr-files', 0.75], ['staff-directory', 0.25]],
  'victim-care': [['shelter-addresses', 0.6], ['case-files', 0.4]],
  'witness-officer': [['crown-witnesses', 0.5], ['informant-files', 0.2], ['oc-terrorism-files', 0.2], ['case-files', 0.1]],
  'it-admin': [['staff-directory', 1]],
};

export interface CategoryUse {
  readonly category: RecordCategory;
  readonly system: string;
  readonly weight: number;
}

export function categoryUse(scenario: Scenario, member: StaffMember, only?: RecordCategory[]): CategoryUse[] {
  let use = ROLE_USE[member.role];
  if (member.role === 'prosecutor' && member.ocAccess) use = [['case-files', 0.8], ['oc-terrorism-files', 0.14], ['staff-directory', 0.06]];
  if (only) use = use.filter(([c]) => only.includes(c));
  if (use.length === 0) use = [[only?.[0] ?? 'case-files', 1]];
  return use.map(([category, weight]) => ({ category, system: applicationFor(scenario, category), weight }));
}

const ACTIONS: [string, number][] = [['view', 0.5], ['search', 0.22], ['modify', 0.14], ['download', 0.09], ['export', 0.045], ['delete', 0.005]];
const BYTES: Record<string, [number, number]> = {
  view: [4_000, 120_000], search: [1_000, 12_000], modify: [500, 8_000], download: [50_000, 6_000_000], export: [200_000, 30_000_000],
  delete: [200, 600], login: [300, 900], logout: [200, 400],
};

interface WebSite {
  readonly host: string;
  readonly ip: string;
  readonly paths: readonly string[];
  readonly uploads?: boolean;
  readonly blocked?: boolean;
}
const SITES: readonly WebSite[] = [
  { host: 'www.rechtspraak.example', ip: '192.0.2.64', paths: ['/uitspraken/zoeken', '/Organisatie/Rechtbanken'] },
  { host: 'wetten.overheid.example', ip: '192.0.2.65', paths: ['/BWBR0001903/2025-07-01', '/zoeken'] },
  { host: 'teams.collab.example', ip: '192.0.2.66', paths: ['/v1/chats', '/v1/calls', '/files/upload'], uploads: true },
  { host: 'login.identity.example', ip: '192.0.2.67', paths: ['/common/oauth2/v2.0/token', '/common/login'] },
  { host: 'cdn.assets.example', ip: '192.0.2.68', paths: ['/js/app.min.js', '/css/site.css', '/img/logo.svg'] },
  { host: 'nieuws.media.example', ip: '192.0.2.69', paths: ['/binnenland', '/economie', '/'] },
  { host: 'portal.police.example', ip: '192.0.2.70', paths: ['/ketenportaal/zaken', '/ketenportaal/upload'], uploads: true },
  { host: 'update.vendor.example', ip: '192.0.2.71', paths: ['/v2/manifest', '/v2/package'] },
  { host: 'maps.example.com', ip: '192.0.2.72', paths: ['/tiles/12/2104/1350.png', '/search'] },
  { host: 'weer.example.org', ip: '192.0.2.73', paths: ['/verwachting/den-haag'] },
  { host: 'files.judiciary.example', ip: '192.0.2.74', paths: ['/dossiers/upload', '/dossiers/status'], uploads: true },
  { host: 'video.stream.example', ip: '192.0.2.75', paths: ['/watch', '/segment/1080p.ts'], blocked: true },
  { host: 'social.example.net', ip: '192.0.2.76', paths: ['/feed', '/api/v1/timeline'], blocked: true },
];

export interface WorkSpec {
  readonly member: StaffMember;
  readonly start: number;
  readonly end: number;
  readonly ip: string;
  readonly use: readonly CategoryUse[];
  /** Mean proxy flows per hour. */
  readonly flowsPerHour: number;
  readonly device: string;
}

export class WorkPeriod implements Activity {
  readonly activation: number;
  private nextAction: number;
  private nextFlow: number;
  private readonly sessions = new Map<string, { id: string; last: number }>();
  private readonly actionMean: number;
  private readonly flowMean: number;
  private readonly totalWeight: number;

  constructor(
    private readonly spec: WorkSpec,
    private readonly random: SeededRandom,
  ) {
    this.activation = spec.start;
    this.actionMean = 3_600_000 / spec.member.pace;
    this.flowMean = 3_600_000 / Math.max(0.01, spec.flowsPerHour);
    this.totalWeight = spec.use.reduce((n, u) => n + u.weight, 0);
    this.nextAction = spec.start + wait(random, this.actionMean / 4);
    this.nextFlow = spec.start + wait(random, this.flowMean / 2);
  }

  advance(until: number, sink: EventSink): boolean {
    const { spec, random } = this;
    const end = Math.max(spec.end, this.activation);
    const limit = Math.min(until, end);
    while (this.nextAction < limit) {
      this.action(this.nextAction, sink);
      this.nextAction += wait(random, this.actionMean);
    }
    while (this.nextFlow < limit) {
      this.flow(this.nextFlow, sink);
      this.nextFlow += wait(random, this.flowMean);
    }
    if (until < end) return false;
    let t = end;
    for (const [system, session] of this.sessions) {
      if (random.next() < 0.3) continue; // left open: the application times it out without a line
      t += random.int(1_000, 8_000);
      this.audit(sink, t, system, session.id, 'logout', 'session', null);
    }
    return true;
  }

  private action(t: number, sink: EventSink): void {
    const { random } = this;
    let pick = random.next() * this.totalWeight;
    let use = this.spec.use[0]!;
    for (const u of this.spec.use) if ((pick -= u.weight) < 0) {
      use = u;
      break;
    }
    let session = this.sessions.get(use.system);
    if (!session || t - session.last > 40 * 60_000) {
      session = { id: `${SESSION_PREFIX[use.system] ?? 'xx'}-${random.hex(6)}`, last: t };
      this.sessions.set(use.system, session);
      this.audit(sink, t, use.system, session.id, 'login', 'session', null);
      t += random.int(2_000, 12_000);
    }
    session.last = t;
    let roll = random.next();
    let action = 'view';
    for (const [name, weight] of ACTIONS) if ((roll -= weight) < 0) {
      action = name;
      break;
    }
    if (use.category === 'staff-directory' && action !== 'search') action = 'view';
    const n = this.spec.member.index * 7_919 + random.int(0, 40) * 104_729 + (action === 'view' && random.next() < 0.2 ? random.int(0, 1_000_000) : 0);
    this.audit(sink, t, use.system, session.id, action, RECORD_TYPE[use.category], action === 'search' ? null : recordId(use.category, n));
  }

  private audit(sink: EventSink, t: number, system: string, session: string, action: string, recordType: string, id: string | null): void {
    const { random } = this;
    const [low, high] = BYTES[action] ?? [100, 1_000];
    const roll = random.next();
    const outcome = action === 'login' || action === 'logout' ? 'success' : roll < 0.975 ? 'success' : roll < 0.99 ? 'denied' : 'error';
    const bytes = outcome === 'success' ? Math.floor(low + random.next() ** 3 * (high - low)) : random.int(150, 400);
    sink.line(auditPath(system), { t, s: auditLine({ t, system, user: this.spec.member.user, session, ip: this.spec.ip, action, recordType, recordId: id, bytes, outcome, agent: FLEET_AGENT }) });
  }

  private flow(t: number, sink: EventSink): void {
    const { random, spec } = this;
    const site = random.pick(SITES);
    const blocked = site.blocked === true && random.next() < 0.8;
    const upload = site.uploads === true && random.next() < 0.08;
    const out = blocked ? random.int(300, 900) : upload ? random.int(1_000_000, 60_000_000) : 300 + Math.floor(random.next() ** 3 * 20_000);
    const inBytes = blocked ? random.int(200, 1_200) : 1_500 + Math.floor(random.next() ** 4 * 3_000_000);
    sink.line(PROXY_PATH, {
      t,
      s: proxyRow({
        t, device: spec.device, src: spec.ip, srcPort: random.int(49_152, 65_535), dst: site.ip, dstPort: 443, protocol: 'https', out, in: inBytes,
        action: blocked ? 'denied' : 'allowed', user: spec.member.user, url: `https://${site.host}${random.pick(site.paths)}`,
      }),
    });
  }
}
