/**
 * Table types of the case store, shared by SQLite and PostgreSQL. Portability choices: times are
 * UTC ISO-8601 text (exact round trip, hashable as stored), booleans are integers 0/1, and JSON is
 * canonical text — so that both engines return byte-identical rows for the audit chain to verify.
 */

export interface AuditLogTable {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  details: string;
  details_hash: string;
  prev_hash: string;
  entry_hash: string;
}

/** One row (id = 1): the last appended entry. Appends update it first, which serialises writers. */
export interface AuditHeadTable {
  id: number;
  seq: number;
  entry_hash: string;
}

export interface AuditCheckpointTable {
  tree_size: number;
  root_hash: string;
  signed_at: string;
  signer: string;
  note: string;
}

export interface DataCategoryTable {
  id: string;
  name: string;
  sensitivity: string;
  personal_data: number;
  description: string | null;
  /** JSON array of CategorySelector: which audit events touch the category. */
  selectors: string;
  created_at: string;
  updated_at: string;
}

export interface AssetTable {
  id: string;
  name: string;
  kind: string;
  vendor: string | null;
  product: string | null;
  version: string | null;
  cpe: string | null;
  purl: string | null;
  internet_facing: number;
  criticality: string;
  owner: string | null;
  location: string | null;
  notes: string | null;
  /** Canonical JSON arrays of strings (hashes as `<algorithm>:<hex>`). */
  model_numbers: string;
  skus: string;
  hashes: string;
  /** JSON of AuditLogging (granularity, enabled since, retention, limits), null when unknown. */
  audit_logging: string | null;
  /** JSON array of addresses and networks. */
  addresses: string;
  created_at: string;
  updated_at: string;
}

export interface AssetDataCategoryTable {
  asset_id: string;
  category_id: string;
}

export interface AssetDependencyTable {
  asset_id: string;
  depends_on_id: string;
}

export interface PartnerTable {
  id: string;
  name: string;
  kind: string;
  tlp_max: string;
  /** Canonical JSON array of contacts. */
  contacts: string;
  created_at: string;
  updated_at: string;
}

export interface InterfaceTable {
  id: string;
  asset_id: string;
  partner_id: string;
  direction: string;
  load_order: number | null;
  description: string | null;
  created_at: string;
  updated_at: string;
}

export interface InterfaceDataCategoryTable {
  interface_id: string;
  category_id: string;
}

export interface AdvisoryTable {
  /** `<publisher namespace>#<tracking id>`: tracking ids are unique per publisher only. */
  id: string;
  publisher: string;
  publisher_namespace: string;
  tracking_id: string;
  title: string;
  csaf_version: string;
  latest_sha256: string;
  first_seen_at: string;
}

export interface AdvisoryRevisionTable {
  advisory_id: string;
  sha256: string;
  version: string;
  status: string;
  initial_release_date: string;
  current_release_date: string;
  /** When we received this revision: the start of "when did we learn of it". */
  received_at: string;
  /** File path or URL it came from. */
  source: string;
  /** The document exactly as received (UTF-8 text). */
  document: string;
}

export interface AdvisoryRetrievalTable {
  id: string;
  at: string;
  source: string;
  sha256: string | null;
  /** imported | unchanged | rejected */
  result: string;
  advisory_id: string | null;
  reason: string | null;
}

export interface FindingTable {
  /** `<asset id>|<vulnerability>`. */
  id: string;
  asset_id: string;
  /** The CVE, else the advisory's own vulnerability id. */
  vulnerability: string;
  cve: string | null;
  /** The advisory whose revision decided the status. */
  advisory_id: string;
  advisory_sha256: string;
  status: string;
  confidence: number;
  cvss: number | null;
  reason: string;
  /** Canonical JSON arrays. */
  evidence: string;
  remediations: string;
  exploitation: string;
  /** Every advisory that spoke about this pair, with its status. */
  sources: string;
  first_seen_at: string;
  updated_at: string;
}

export interface AssetVersionHistoryTable {
  id: string;
  asset_id: string;
  /** When the asset started running `version` (or was disconnected / reconnected). */
  at: string;
  /** observed (seen in an inventory import) | upgrade (a patch record) | disconnect | reconnect */
  event: string;
  version: string | null;
  /** The file the record came from. */
  source: string;
  ticket: string | null;
  actor: string;
}

export interface FindingTransitionTable {
  id: string;
  finding_id: string;
  /** received | assessed | remediating | remediated | hunted */
  state: string;
  at: string;
  actor: string;
  note: string | null;
}

export interface FindingExceptionTable {
  id: string;
  finding_id: string;
  reason: string;
  at: string;
  actor: string;
}

export interface AdvisoryProviderTable {
  metadata_url: string;
  publisher: string;
  /** The newest entry date (changes.csv / ROLIE `updated`) already processed: the next sync starts after it. */
  last_entry_at: string | null;
  last_sync_at: string;
}

export interface AdvisoryQuarantineTable {
  id: string;
  at: string;
  source: string;
  sha256: string;
  reason: string;
  /** The bytes as received (UTF-8 text as far as decodable), kept for inspection. */
  document: string;
}

export interface EvidenceParseTable {
  sha256: string;
  dataset: string;
  lines: number;
  bytes: number;
  events: number;
  failures: number;
  /** Blank lines and CSV headers: neither events nor failures. */
  skipped: number;
  first_event: string | null;
  last_event: string | null;
  /** JSON object: time quality → number of events. */
  time_quality: string;
  read_error: string | null;
  parsed_at: string;
}

export interface EvidenceFileTable {
  sha256: string;
  size: number;
  /** The detected or declared log format (see src/ingest/detect-format.ts). */
  format: string;
  /** gzip when the stored bytes are compressed (a rotated log). */
  compression: string | null;
  /** Where it came from: a path, or `<archive>!/<entry path>` for a file inside a triage tarball. */
  original_path: string;
  container_sha256: string | null;
  host: string | null;
  timezone: string | null;
  date_order: string | null;
  added_by: string;
  added_at: string;
  /** Relative to the workspace. */
  vault_path: string;
  /** The file's own mtime (or its tar entry's), ISO UTC. */
  source_mtime: string | null;
  /** JSON of the field mapping for generic JSONL/CSV evidence. */
  field_mapping: string | null;
}

/** One entry of a triage tarball, as the collection recorded it (content by hash in evidence_file). */
export interface EvidenceEntryTable {
  container_sha256: string;
  /** The entry's path in the archive (relative, as packed). */
  path: string;
  type: 'file' | 'symlink' | 'directory' | 'other';
  /** Content hash for files; null for other entry types. */
  sha256: string | null;
  size: number;
  /** Permission bits including setuid/setgid/sticky. */
  mode: number | null;
  /** User name, else the numeric uid. */
  owner: string | null;
  mtime: string | null;
  link_target: string | null;
}

/** One `weerbaar hunt` run; `report` is its JSON summary. */
export interface HuntTable {
  id: string;
  started_at: string;
  finished_at: string;
  actor: string;
  /** `--since` as given (an ISO time or `last`). */
  since: string | null;
  /** Events with a larger id were in scope (`--since last`). */
  after_event_id: number | null;
  /** The largest event id when the hunt ran: where the next `--since last` starts. */
  last_event_id: number | null;
  report: string;
}

/** An analyst's decision on a footprint entity; the latest per (kind, value) holds. */
export interface FootprintDecisionTable {
  id: string;
  kind: string;
  value: string;
  decision: 'confirmed' | 'excluded';
  reason: string;
  actor: string;
  decided_at: string;
}

/** The exposure window an analyst chose, with the reason; the latest holds (issue 6 §4). */
export interface ExposureWindowTable {
  id: string;
  window_start: string;
  window_end: string | null;
  reason: string;
  actor: string;
  decided_at: string;
}

/** Awareness of the breach and notifications submitted: the facts the regulatory clocks run from. */
export interface RegulatoryRecordTable {
  id: string;
  kind: 'awareness' | 'submission';
  regime: string | null;
  obligation: string | null;
  at: string;
  /** The awareness reason, or the submission's reference. */
  text: string;
  actor: string;
  recorded_at: string;
}

/** A canary or honey record: values only as keyed fingerprints (exposure/canary-fingerprint.ts). */
export interface CanaryTable {
  id: string;
  category: string | null;
  kind: string;
  label: string;
  /** Honey records: where the decoy lives (ids are not secrets). */
  system: string | null;
  record_id: string | null;
  fingerprint: string | null;
  normalisation_version: number | null;
  placed_at: string;
  actor: string;
  recorded_at: string;
}

/** An account whose credentials were exposed (an input list): its accesses from then on are suspect. */
export interface ExposedAccountTable {
  id: string;
  account: string;
  exposed_since: string;
  reason: string;
  actor: string;
  recorded_at: string;
}

/** A signed manifest of a file tree (issue 7): its entries in a file in the workspace, its root signed. */
export interface ManifestTable {
  id: string;
  name: string;
  kind: string;
  source: string;
  created_at: string;
  actor: string;
  entries: number;
  files: number;
  bytes: number;
  errors: number;
  root_hash: string;
  /** The signed checkpoint (C2SP signed note) over the entries' Merkle root. */
  note: string;
  /** Relative to the workspace. */
  file: string;
  /** Registered as a baseline: the moment its state reflects, and why it is trusted (null: not a baseline). */
  baseline_at: string | null;
  baseline_reason: string | null;
}

/** A backup set (issue 7 §5): a folder, an archive or a restored copy, and what it holds. */
export interface BackupSetTable {
  id: string;
  name: string;
  kind: string;
  location: string;
  /** The baselined source it is a backup of (a manifest's source), if known. */
  source: string | null;
  taken_at: string | null;
  /** The signed manifest of its content when it was written (what L3 checks against). */
  manifest_id: string | null;
  /** Rotation: partial checks must cover every member within this many days. */
  cycle_days: number;
  registered_at: string;
  actor: string;
}

/** The last read of one member of a backup set: rotation order and coverage within the cycle. */
export interface BackupMemberTable {
  backup_id: string;
  path: string;
  size: number;
  sha256: string | null;
  /** What identified the member's content when it was read (see backup-rotation.ts): a read counts only while it is unchanged. */
  stamp: string;
  /** read | unreadable */
  result: string;
  error: string | null;
  read_at: string;
}

export interface BackupCheckTable {
  id: string;
  backup_id: string;
  checked_at: string;
  actor: string;
  /** 0–5, null when not even L0 holds. */
  level: number | null;
  bytes_read: number;
  /** The whole assurance report, JSON. */
  report: string;
}

/** A declared immutability fact (WORM / object lock / append-only), with the evidence it rests on. */
export interface BackupImmutabilityTable {
  id: string;
  backup_id: string;
  mode: string;
  retain_until: string | null;
  /** The evidence file in custody (e.g. the object-lock configuration as exported). */
  evidence_sha256: string | null;
  statement: string;
  actor: string;
  recorded_at: string;
}

/** A restore test: performed here (restored, scanned, compared) or stated (done elsewhere). */
export interface RestoreTestTable {
  id: string;
  backup_id: string;
  tested_at: string;
  /** 1: performed by weerbaar; 0: stated by the actor. */
  performed: number;
  /** passed | failed */
  result: string;
  restored_to: string | null;
  baseline_id: string | null;
  /** JSON: counts, differences against the backup's content and the baseline. */
  report: string;
  actor: string;
  recorded_at: string;
}

/** Facts about the store itself; `workspace_id` binds it to one workspace. */
export interface StoreMetaTable {
  key: string;
  value: string;
}

export interface CaseDatabase {
  store_meta: StoreMetaTable;
  advisory: AdvisoryTable;
  advisory_revision: AdvisoryRevisionTable;
  advisory_retrieval: AdvisoryRetrievalTable;
  finding: FindingTable;
  asset_version_history: AssetVersionHistoryTable;
  finding_transition: FindingTransitionTable;
  finding_exception: FindingExceptionTable;
  advisory_provider: AdvisoryProviderTable;
  advisory_quarantine: AdvisoryQuarantineTable;
  evidence_file: EvidenceFileTable;
  evidence_parse: EvidenceParseTable;
  evidence_entry: EvidenceEntryTable;
  hunt: HuntTable;
  footprint_decision: FootprintDecisionTable;
  exposure_window: ExposureWindowTable;
  regulatory_record: RegulatoryRecordTable;
  canary: CanaryTable;
  exposed_account: ExposedAccountTable;
  manifest: ManifestTable;
  backup_set: BackupSetTable;
  backup_member: BackupMemberTable;
  backup_check: BackupCheckTable;
  backup_immutability: BackupImmutabilityTable;
  restore_test: RestoreTestTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  audit_checkpoint: AuditCheckpointTable;
  data_category: DataCategoryTable;
  asset: AssetTable;
  asset_data_category: AssetDataCategoryTable;
  asset_dependency: AssetDependencyTable;
  partner: PartnerTable;
  interface: InterfaceTable;
  interface_data_category: InterfaceDataCategoryTable;
}
