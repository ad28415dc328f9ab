import type { Asset, DataCategory, Interface, Partner } from '../inventory/inventory-model.js';
import { SeededRandom } from './seeded-random.js';

/**
 * The fictional Example Prosecution Service just before its two internet-facing NetScaler gateways
 * were breached in July 2025 (CVE-2025-5777, CVE-2025-6543). Everything here is invented; the
 * structure mirrors a national prosecution service: case management, HR, a protected-shelter
 * registry, a witness-protection register, document and file stores, backups, identity, SIEM, and
 * chain partners. The seed varies people, offices and workstation pools; the structure that the
 * questions turn on (two gateways on 14.1-43.50, four sensitive categories and who holds them, five
 * partners) holds for every seed.
 */

export const ORGANISATION = 'Example Prosecution Service';
export const GATEWAY_VERSION = '14.1-43.50';
/** The moment the inventory files describe: before the bulletins of June 2025. */
export const INVENTORY_AS_OF = '2025-06-01T00:00:00.000Z';

/**
 * What happened to the gateways in July 2025: gateway 1 was upgraded past every fix — late, weeks
 * after the bulletins — and gateway 2 was taken off the internet without being upgraded.
 */
export interface PatchRecordTruth {
  readonly asset: string;
  readonly event: 'upgrade' | 'disconnect';
  readonly from_version: string;
  readonly to_version?: string;
  readonly time: string;
  readonly ticket: string;
  readonly actor: string;
}

export const GATEWAY_CHANGES: readonly PatchRecordTruth[] = [
  { asset: 'ns-gw-02', event: 'disconnect', from_version: GATEWAY_VERSION, time: '2025-07-16T10:00:00+02:00', ticket: 'CHG-2025-0716-01', actor: 'network-operations' },
  { asset: 'ns-gw-01', event: 'upgrade', from_version: GATEWAY_VERSION, to_version: '14.1-47.46', time: '2025-07-18T21:30:00+02:00', ticket: 'CHG-2025-0718-03', actor: 'it-operations' },
];

/**
 * When the organisation learnt of the breach, and what it notified: the regulatory clocks' facts.
 * The NIS2 incident notification goes out a few hours after its 72-hour deadline, and no final
 * report follows: the demo's clocks show both.
 */
export const AWARENESS = { at: '2025-07-16T09:30:00+02:00', reason: 'NCSC-NL reported suspicious VPN sessions on ns-gw-01 (NCSC-2025-0716-14)' } as const;
export const NOTIFICATIONS = [
  { regime: 'nis2', obligation: 'early-warning', at: '2025-07-17T07:45:00+02:00', reference: 'CSIRT early warning EW-2025-0717' },
  { regime: 'gdpr', obligation: 'art33-notification', at: '2025-07-18T16:10:00+02:00', reference: 'AP meldnummer M-2025-071801' },
  { regime: 'nis2', obligation: 'incident-notification', at: '2025-07-19T13:20:00+02:00', reference: 'CSIRT incident notification IN-2025-0719' },
] as const;

/**
 * Tripwires the organisation planted in March 2025, before anything happened: a decoy shelter in
 * the registry (a honey record, with a fake address registered as a canary) and a beacon host name
 * in the shelter export template. The attacker opens the decoy; months later the fake address
 * turns up in a leak-site export. The beacon is never resolved.
 */
export const DECOY_SHELTER = { system: 'shelter-registry', recordId: 'SH-0141', address: 'Eikenlaan 41, 3583 KP Utrecht' } as const;
export const CANARIES = [
  { kind: 'honey-record', category: 'shelter-addresses', label: 'decoy shelter 141', value: `${DECOY_SHELTER.system}:${DECOY_SHELTER.recordId}`, placedAt: '2025-03-03T09:00:00Z' },
  { kind: 'address', category: 'shelter-addresses', label: 'decoy shelter 141, address', value: DECOY_SHELTER.address, placedAt: '2025-03-03T09:00:00Z' },
  { kind: 'dns', category: 'shelter-addresses', label: 'export template beacon', value: 'k7q2.beacon.weerbaar-canary.example', placedAt: '2025-03-03T09:00:00Z' },
] as const;

export interface Scenario {
  readonly seed: number;
  readonly organisation: string;
  readonly dataCategories: DataCategory[];
  readonly partners: Partner[];
  readonly interfaces: Interface[];
  /** Written to inventory.yaml. */
  readonly coreAssets: Asset[];
  /** Written to the assets CSV. */
  readonly infrastructureAssets: Asset[];
  /** Written to the CycloneDX BOM. */
  readonly gatewayAssets: Asset[];
  readonly bomSerial: string;
}

const DC = ['DC-Den Haag', 'DC-Zoetermeer'] as const;
const OFFICES = ['Amsterdam', 'Rotterdam', 'Den Haag', 'Utrecht', 'Zwolle', 'Arnhem', 'Den Bosch', 'Leeuwarden', 'Maastricht', 'Haarlem'];
const FIRST_NAMES = ['Anouk', 'Bram', 'Fatima', 'Jeroen', 'Lotte', 'Mehmet', 'Noor', 'Pieter', 'Sanne', 'Thijs', 'Yara', 'Wouter'];
const LAST_NAMES = ['de Vries', 'Jansen', 'Bakker', 'Visser', 'Smit', 'El Amrani', 'Mulder', 'de Boer', 'Yilmaz', 'Dekker', 'Bos', 'Hendriks'];

function asset(fields: Partial<Asset> & Pick<Asset, 'id' | 'name' | 'kind'>): Asset {
  return {
    vendor: null,
    product: null,
    version: null,
    cpe: null,
    purl: null,
    internet_facing: false,
    criticality: 'medium',
    owner: 'IT Operations',
    location: DC[0],
    data_categories: [],
    depends_on: [],
    notes: null,
    model_numbers: [],
    skus: [],
    hashes: [],
    audit_logging: null,
    addresses: [],
    ...fields,
  };
}

const DATA_CATEGORIES: DataCategory[] = [
  { id: 'shelter-addresses', name: 'Addresses of protected shelters', sensitivity: 'secret', personal_data: true, description: 'Locations of shelters for victims of domestic violence and the people staying there.' , selectors: [{ system: 'shelter-registry', record_types: ['shelter-address'], path_prefixes: [], record_ids: [], tags: [] }, { system: 'docstore', record_types: [], path_prefixes: ['/victim-care/shelters/'], record_ids: [], tags: [] }] },
  { id: 'crown-witnesses', name: 'Crown witnesses and relatives', sensitivity: 'secret', personal_data: true, description: 'Identities, addresses and agreements of crown witnesses and their relatives.' , selectors: [{ system: 'witness-register', record_types: ['crown-witness'], path_prefixes: [], record_ids: [], tags: [] }] },
  { id: 'informant-files', name: 'Criminal-intelligence informant files', sensitivity: 'secret', personal_data: true, description: 'Identities and reports of informants of the criminal intelligence units.', selectors: [{ system: 'informant-register', record_types: ['informant-file'], path_prefixes: [], record_ids: [], tags: [] }] },
  { id: 'oc-terrorism-files', name: 'Organised-crime and terrorism files', sensitivity: 'secret', personal_data: true, description: 'Case files of organised-crime and terrorism investigations.' , selectors: [{ system: 'cms-app', record_types: ['oc-terrorism-file'], path_prefixes: [], record_ids: [], tags: [] }, { system: 'docstore', record_types: [], path_prefixes: ['/ocl/'], record_ids: [], tags: [] }] },
  { id: 'hr-files', name: 'HR files of staff', sensitivity: 'confidential', personal_data: true, description: 'Personnel files of staff, prosecutors included.' , selectors: [{ system: 'hr-app', record_types: ['hr-file'], path_prefixes: [], record_ids: [], tags: [] }] },
  { id: 'case-files', name: 'General criminal case files', sensitivity: 'confidential', personal_data: true, description: null , selectors: [{ system: 'cms-app', record_types: ['case-file'], path_prefixes: [], record_ids: [], tags: [] }, { system: 'docstore', record_types: [], path_prefixes: ['/cases/'], record_ids: [], tags: [] }] },
  { id: 'staff-directory', name: 'Staff directory', sensitivity: 'internal', personal_data: true, description: null , selectors: [{ system: 'hr-app', record_types: ['staff-directory-entry'], path_prefixes: [], record_ids: [], tags: [] }] },
  { id: 'public-information', name: 'Public information', sensitivity: 'public', personal_data: false, description: 'Press releases, policy documents.' , selectors: [] },
];

function gateways(): Asset[] {
  return [1, 2].map((n) =>
    asset({
      id: `ns-gw-0${n}`,
      name: `NetScaler Gateway ${n} (remote access)`,
      kind: 'gateway',
      vendor: 'Citrix',
      product: 'NetScaler Gateway',
      version: GATEWAY_VERSION,
      cpe: `cpe:2.3:a:citrix:netscaler_gateway:${GATEWAY_VERSION}:*:*:*:*:*:*:*`,
      internet_facing: true,
      criticality: 'critical',
      location: DC[n - 1],
      depends_on: ['idp-01', 'mfa-01'],
      notes: 'SSL VPN and ICA proxy for staff working remotely; HA pair member.',
    }),
  );
}

/**
 * What each system's audit log records (the exposure analysis's limits): the applications audit
 * every record access; the databases only per table (pgAudit / SQL Server audit object logging);
 * the document store only logins.
 */
const AUDIT_LOGGING: Readonly<Record<string, Asset['audit_logging']>> = {
  'cms-app': { granularity: 'record', enabled_since: '2024-01-01T00:00:00.000Z', retention_days: 365, limits: null },
  'hr-app': { granularity: 'record', enabled_since: '2024-01-01T00:00:00.000Z', retention_days: 365, limits: null },
  'shelter-registry': { granularity: 'record', enabled_since: '2024-03-01T00:00:00.000Z', retention_days: 365, limits: null },
  'witness-register': { granularity: 'record', enabled_since: '2023-06-01T00:00:00.000Z', retention_days: 730, limits: null },
  'informant-register': { granularity: 'record', enabled_since: '2023-09-01T00:00:00.000Z', retention_days: 730, limits: null },
  'cms-db': { granularity: 'table', enabled_since: '2025-01-01T00:00:00.000Z', retention_days: 90, limits: 'pgAudit object logging: per table, best-effort, not transactional' },
  'shelter-db': { granularity: 'table', enabled_since: '2025-01-01T00:00:00.000Z', retention_days: 90, limits: 'pgAudit object logging: per table, best-effort, not transactional' },
  'hr-db': { granularity: 'table', enabled_since: '2025-01-01T00:00:00.000Z', retention_days: 90, limits: 'SQL Server audit: per table' },
  docstore: { granularity: 'none', enabled_since: null, retention_days: null, limits: 'logs logins only; document reads are not audited' },
};

/** Where the servers listen (the VPN sessions' connections go here; the inventory knows their addresses). */
export const SERVER_ADDRESS: Record<string, string> = {
  'cms-app': '10.10.1.20:443',
  'hr-app': '10.10.2.20:443',
  'shelter-registry': '10.10.3.20:443',
  'witness-register': '10.10.4.20:443',
  'informant-register': '10.10.4.30:443',
  'mail-01': '10.10.5.10:443',
  'fs-01': '10.10.6.11:445',
  'fs-02': '10.10.6.12:445',
  'fs-03': '10.10.6.13:445',
  docstore: '10.10.7.10:443',
  proxy: '10.10.8.10:8080',
};

function coreAssets(): Asset[] {
  return coreAssetList().map((a) => {
    const address = SERVER_ADDRESS[a.id]?.split(':')[0];
    return { ...a, ...(AUDIT_LOGGING[a.id] ? { audit_logging: AUDIT_LOGGING[a.id]! } : {}), ...(address ? { addresses: [address] } : {}) };
  });
}

function coreAssetList(): Asset[] {
  return [
    asset({ id: 'idp-01', name: 'Active Directory', kind: 'identity', vendor: 'Microsoft', product: 'Active Directory Domain Services', version: '2019', criticality: 'critical' }),
    asset({ id: 'mfa-01', name: 'RADIUS / MFA server', kind: 'identity', vendor: 'Example Identity BV', product: 'TokenGuard', version: '5.2.1', criticality: 'high', depends_on: ['idp-01'] }),
    asset({ id: 'pki-01', name: 'Internal certificate authority', kind: 'identity', vendor: 'Microsoft', product: 'AD Certificate Services', version: '2019', criticality: 'high', depends_on: ['idp-01'] }),
    asset({ id: 'cms-db', name: 'Case-management database', kind: 'database', vendor: 'PostgreSQL', product: 'PostgreSQL', version: '15.6', criticality: 'critical', data_categories: ['case-files', 'oc-terrorism-files'], owner: 'Functioneel beheer strafrecht' }),
    asset({ id: 'cms-app', name: 'Case-management system', kind: 'application', vendor: 'Example Software BV', product: 'CaseFlow', version: '7.4.2', criticality: 'critical', data_categories: ['case-files', 'oc-terrorism-files'], depends_on: ['cms-db', 'idp-01'], owner: 'Functioneel beheer strafrecht' }),
    asset({ id: 'hr-db', name: 'HR database', kind: 'database', vendor: 'Microsoft', product: 'SQL Server', version: '2019 CU25', criticality: 'high', data_categories: ['hr-files'], owner: 'HR', location: DC[1] }),
    asset({ id: 'hr-app', name: 'HR system', kind: 'application', vendor: 'Example HR Suite', product: 'PeopleCore', version: '2024.2', criticality: 'high', data_categories: ['hr-files', 'staff-directory'], depends_on: ['hr-db', 'idp-01'], owner: 'HR', location: DC[1] }),
    asset({ id: 'shelter-db', name: 'Shelter registry database', kind: 'database', vendor: 'PostgreSQL', product: 'PostgreSQL', version: '14.11', criticality: 'critical', data_categories: ['shelter-addresses'], owner: 'Slachtofferzaken' }),
    asset({ id: 'shelter-registry', name: 'Protected-shelter address registry', kind: 'application', vendor: 'Example Software BV', product: 'SafeHouse', version: '3.1.0', criticality: 'critical', data_categories: ['shelter-addresses'], depends_on: ['shelter-db', 'idp-01'], owner: 'Slachtofferzaken' }),
    asset({ id: 'witness-register', name: 'Witness-protection register', kind: 'application', vendor: 'Example Software BV', product: 'Shield', version: '2.8', criticality: 'critical', data_categories: ['crown-witnesses'], depends_on: ['idp-01'], owner: 'Landelijk Parket', location: DC[1], notes: 'Separate network segment; access by named officers only.' }),
    asset({ id: 'informant-register', name: 'Criminal-intelligence informant register', kind: 'application', vendor: 'Example Software BV', product: 'Shield', version: '2.8', criticality: 'critical', data_categories: ['informant-files'], depends_on: ['idp-01'], owner: 'Landelijk Parket', location: DC[1], notes: 'Separate network segment; backed up only inside its own encrypted, audited store.' }),
    asset({ id: 'witness-backup', name: 'Witness register encrypted backup', kind: 'backup', vendor: 'Example Backup Co', product: 'VaultLine', version: '9.1', criticality: 'high', data_categories: ['crown-witnesses'], depends_on: ['witness-register'], owner: 'Landelijk Parket', location: DC[0] }),
    asset({ id: 'docstore', name: 'Document store', kind: 'document-store', vendor: 'Example DMS', product: 'Archivio', version: '23.4', criticality: 'critical', data_categories: ['case-files', 'oc-terrorism-files', 'shelter-addresses'], depends_on: ['idp-01', 'fs-01'] }),
    asset({ id: 'fs-01', name: 'File server case documents', kind: 'file-server', vendor: 'Microsoft', product: 'Windows Server', version: '2019', criticality: 'high', data_categories: ['case-files', 'oc-terrorism-files'], depends_on: ['idp-01'] }),
    asset({ id: 'fs-02', name: 'File server HR share', kind: 'file-server', vendor: 'Microsoft', product: 'Windows Server', version: '2019', criticality: 'high', data_categories: ['hr-files'], depends_on: ['idp-01'], owner: 'HR', location: DC[1] }),
    asset({ id: 'fs-03', name: 'File server department shares', kind: 'file-server', vendor: 'Microsoft', product: 'Windows Server', version: '2016', data_categories: ['staff-directory', 'public-information'], depends_on: ['idp-01'] }),
    asset({ id: 'backup-01', name: 'Primary backup (disk)', kind: 'backup', vendor: 'Example Backup Co', product: 'VaultLine', version: '9.1', criticality: 'critical', data_categories: ['case-files', 'oc-terrorism-files', 'hr-files', 'shelter-addresses'], depends_on: ['idp-01'], location: DC[1], notes: 'Online, disk-based; 30-day retention.' }),
    asset({ id: 'backup-02', name: 'Immutable offline backup', kind: 'backup', vendor: 'Example Backup Co', product: 'VaultLine Object Lock', version: '9.1', criticality: 'critical', data_categories: ['case-files', 'oc-terrorism-files', 'hr-files', 'shelter-addresses'], location: DC[1], notes: 'Object lock (WORM), 90-day retention, offline copy rotated weekly.' }),
    asset({ id: 'siem-01', name: 'SIEM', kind: 'siem', vendor: 'Elastic', product: 'Elastic Security', version: '8.13.4', criticality: 'high', owner: 'Security Office' }),
    asset({ id: 'log-collector-01', name: 'Syslog collector (gateway and network logs)', kind: 'server', vendor: 'Example Linux', product: 'rsyslog', version: '8.2310', depends_on: ['siem-01'], owner: 'Security Office', notes: 'Receives NetScaler ns.log over syslog; 180-day retention.' }),
    asset({ id: 'mail-01', name: 'Mail server', kind: 'server', vendor: 'Microsoft', product: 'Exchange Server', version: '2019 CU14', criticality: 'high', data_categories: ['staff-directory'], depends_on: ['idp-01'] }),
    asset({ id: 'fines-hub', name: 'Chain exchange hub (fines and verdicts)', kind: 'service', vendor: 'Example Software BV', product: 'ChainLink', version: '4.0.7', criticality: 'high', data_categories: ['case-files'], depends_on: ['cms-app'], notes: 'Sends decisions to the fines agency, receives payment status.' }),
  ];
}

function infrastructureAssets(random: SeededRandom): Asset[] {
  const fixed = [
    asset({ id: 'dns-01', name: 'DNS resolver 1', kind: 'network', vendor: 'ISC', product: 'BIND', version: '9.18.24', criticality: 'high' }),
    asset({ id: 'dns-02', name: 'DNS resolver 2', kind: 'network', vendor: 'ISC', product: 'BIND', version: '9.18.24', criticality: 'high', location: DC[1] }),
    asset({ id: 'fw-int-01', name: 'Internal segmentation firewall', kind: 'firewall', vendor: 'Example Networks', product: 'SegmentWall', version: '7.2.8', criticality: 'critical' }),
    asset({ id: 'core-sw-01', name: 'Core switch Den Haag', kind: 'network', vendor: 'Example Networks', product: 'CoreSwitch 9000', version: '10.3', criticality: 'high' }),
    asset({ id: 'core-sw-02', name: 'Core switch Zoetermeer', kind: 'network', vendor: 'Example Networks', product: 'CoreSwitch 9000', version: '10.3', criticality: 'high', location: DC[1] }),
    asset({ id: 'jump-01', name: 'Admin jump host 1', kind: 'server', vendor: 'Microsoft', product: 'Windows Server', version: '2022', criticality: 'high', depends_on: ['idp-01', 'mfa-01'], owner: 'Security Office' }),
    asset({ id: 'jump-02', name: 'Admin jump host 2', kind: 'server', vendor: 'Microsoft', product: 'Windows Server', version: '2022', criticality: 'high', depends_on: ['idp-01', 'mfa-01'], owner: 'Security Office', location: DC[1] }),
    asset({ id: 'hv-01', name: 'Hypervisor cluster node 1', kind: 'server', vendor: 'Example Virtualisation', product: 'HyperHost', version: '8.0u2', criticality: 'critical' }),
    asset({ id: 'hv-02', name: 'Hypervisor cluster node 2', kind: 'server', vendor: 'Example Virtualisation', product: 'HyperHost', version: '8.0u2', criticality: 'critical', location: DC[1] }),
    asset({ id: 'hv-03', name: 'Hypervisor cluster node 3', kind: 'server', vendor: 'Example Virtualisation', product: 'HyperHost', version: '8.0u2', criticality: 'critical' }),
  ];
  const offices = random.shuffle(OFFICES).slice(0, random.int(5, 9)).sort();
  const pools = offices.map((office) =>
    asset({
      id: `ws-${office.toLowerCase().replace(/\s+/g, '-')}`,
      name: `Workstations ${office} office`,
      kind: 'workstation',
      vendor: 'Microsoft',
      product: 'Windows 11 Enterprise',
      version: '23H2',
      criticality: 'low',
      owner: `Parket ${office}`,
      location: office,
      data_categories: ['case-files', 'staff-directory'],
      depends_on: ['idp-01'],
      notes: `${random.int(40, 220)} managed workstations`,
    }),
  );
  return [...fixed, ...pools];
}

function person(random: SeededRandom): string {
  return `${random.pick(FIRST_NAMES)} ${random.pick(LAST_NAMES)}`;
}

function phone(random: SeededRandom): string {
  return `+31 70 ${random.int(100, 999)} ${random.int(1000, 9999)}`;
}

function partners(random: SeededRandom): Partner[] {
  const contact = (role: string, domain: string) => {
    const name = person(random);
    return { name, role, email: `${name.toLowerCase().replace(/[^a-z]+/g, '.')}@${domain}`, phone: phone(random) };
  };
  return [
    { id: 'police', name: 'National Police', kind: 'police', tlp_max: 'AMBER', contacts: [contact('CERT duty officer', 'police.example'), contact('Chain liaison', 'police.example')] },
    { id: 'judiciary', name: 'Council for the Judiciary (courts)', kind: 'court', tlp_max: 'AMBER', contacts: [contact('CISO', 'judiciary.example')] },
    { id: 'fines-agency', name: 'Central Fine Collection Agency', kind: 'government-agency', tlp_max: 'GREEN', contacts: [contact('Service desk lead', 'fines.example')] },
    { id: 'shelter-federation', name: "Federation of Women's Shelters", kind: 'shelter', tlp_max: 'AMBER+STRICT', contacts: [contact('Security coordinator', 'shelters.example')] },
    { id: 'ncsc', name: 'National Cyber Security Centre', kind: 'csirt', tlp_max: 'RED', contacts: [contact('Incident coordinator', 'ncsc.example'), contact('Liaison officer', 'ncsc.example')] },
  ];
}

const INTERFACES: Interface[] = [
  { id: 'if-siem-ncsc', asset: 'siem-01', partner: 'ncsc', direction: 'outbound', data_categories: [], load_order: 1, description: 'Indicator and incident sharing with the national CSIRT.' },
  { id: 'if-cms-police', asset: 'cms-app', partner: 'police', direction: 'bidirectional', data_categories: ['case-files', 'oc-terrorism-files'], load_order: 2, description: 'Police reports in, decisions and requests out.' },
  { id: 'if-cms-judiciary', asset: 'cms-app', partner: 'judiciary', direction: 'bidirectional', data_categories: ['case-files'], load_order: 3, description: 'Summons and case files to the courts; verdicts back.' },
  { id: 'if-docstore-judiciary', asset: 'docstore', partner: 'judiciary', direction: 'outbound', data_categories: ['case-files'], load_order: 4, description: 'Digital case files for hearings.' },
  { id: 'if-fines-hub-agency', asset: 'fines-hub', partner: 'fines-agency', direction: 'bidirectional', data_categories: ['case-files'], load_order: 5, description: 'Fines and transactions out, payment status in.' },
  { id: 'if-shelter-federation', asset: 'shelter-registry', partner: 'shelter-federation', direction: 'bidirectional', data_categories: ['shelter-addresses'], load_order: 6, description: 'Shelter locations and capacity, protected channel.' },
  { id: 'if-witness-police', asset: 'witness-register', partner: 'police', direction: 'bidirectional', data_categories: ['crown-witnesses'], load_order: 7, description: 'Witness-protection arrangements with the police protection unit.' },
];

export function generateScenario(seed = 20250716): Scenario {
  const random = new SeededRandom(seed);
  const serial = random.hex(32);
  return {
    seed,
    organisation: ORGANISATION,
    dataCategories: DATA_CATEGORIES.map((c) => ({ ...c })),
    partners: partners(random),
    interfaces: INTERFACES.map((i) => ({ ...i, data_categories: [...i.data_categories] })),
    coreAssets: coreAssets(),
    infrastructureAssets: infrastructureAssets(random),
    gatewayAssets: gateways(),
    bomSerial: `urn:uuid:${serial.slice(0, 8)}-${serial.slice(8, 12)}-4${serial.slice(13, 16)}-8${serial.slice(17, 20)}-${serial.slice(20, 32)}`,
  };
}

export function allAssets(scenario: Scenario): Asset[] {
  return [...scenario.coreAssets, ...scenario.infrastructureAssets, ...scenario.gatewayAssets];
}
