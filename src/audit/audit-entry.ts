import { canonicalJson, hashCanonical, sha256Hex } from '../shared/hashing.js';

/**
 * The exact bytes of an audit entry. Every stored field is covered: the entry hash is the SHA-256 of
 * the RFC 8785 canonical JSON of all fields except the hash itself (details enter through their own
 * hash, so a listing can show the details hash without the details). The same bytes are the
 * entry's Merkle leaf, so an inclusion proof speaks about exactly what the chain protects.
 */

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntryContent {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly details_hash: string;
  readonly prev_hash: string;
}

export interface AuditEntry extends AuditEntryContent {
  /** Canonical JSON text of the details object. */
  readonly details: string;
  readonly entry_hash: string;
}

export function entryBytes(content: AuditEntryContent): Buffer {
  return Buffer.from(
    canonicalJson({
      seq: content.seq,
      at: content.at,
      actor: content.actor,
      action: content.action,
      subject: content.subject,
      details_hash: content.details_hash,
      prev_hash: content.prev_hash,
    }),
    'utf8',
  );
}

export function entryHash(content: AuditEntryContent): string {
  return sha256Hex(entryBytes(content));
}

export function detailsText(details: unknown): string {
  return canonicalJson(details ?? {});
}

export function detailsHash(details: unknown): string {
  return hashCanonical(details ?? {});
}
