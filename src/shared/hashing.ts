import { createHash } from 'node:crypto';
import canonicalizeJson from 'canonicalize';

/**
 * Hashing helpers. Anything that is hashed and later re-verified is serialised with RFC 8785
 * (JSON Canonicalization Scheme) first, so that the hashed bytes are specified exactly and no
 * field has to be left out of a hash "to avoid serialisation inconsistency".
 */

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** RFC 8785 canonical JSON of a value; throws on values JSON cannot represent. */
export function canonicalJson(value: unknown): string {
  const text = canonicalizeJson(value);
  if (text === undefined) throw new TypeError('value has no canonical JSON form');
  return text;
}

export function hashCanonical(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
