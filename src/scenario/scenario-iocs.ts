import { createHash } from 'node:crypto';
import type { AttackGroundTruth } from './scenario-attack.js';

/**
 * The indicators a national CSIRT would share after this attack, as a STIX 2.1 bundle (TLP:AMBER):
 * the exploit and hijack addresses as sources, the upload destination as a destination, one
 * network range the actor is known to rent, and indicators that occur nowhere in our logs (other
 * victims' observations) — so a hunt with them must match exactly the attacker's own lines.
 * Ids are derived from the values (UUIDv5-like, stable for the seed).
 */

const TLP_AMBER = 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82';
const CREATED = '2025-07-21T09:00:00.000Z';

function stixId(type: string, seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${type}--${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function partnerIocBundle(truth: AttackGroundTruth): object {
  const identity = stixId('identity', 'ncsc');
  const indicator = (name: string, pattern: string, confidence: number) => ({
    type: 'indicator',
    spec_version: '2.1',
    id: stixId('indicator', pattern),
    created_by_ref: identity,
    created: CREATED,
    modified: CREATED,
    name,
    pattern_type: 'stix',
    pattern,
    valid_from: '2025-07-01T00:00:00Z',
    confidence,
    object_marking_refs: [TLP_AMBER],
  });
  const { exploit, hijack, exfiltration } = truth.attackerIps;
  return {
    type: 'bundle',
    id: stixId('bundle', `${exploit}|${hijack}|${exfiltration}`),
    objects: [
      { type: 'identity', spec_version: '2.1', id: identity, created: CREATED, modified: CREATED, name: 'NCSC', identity_class: 'organization' },
      indicator('CitrixBleed-2 exploitation source', `[network-traffic:src_ref.type = 'ipv4-addr' AND network-traffic:src_ref.value = '${exploit}']`, 85),
      indicator('Session hijack source', `[network-traffic:src_ref.type = 'ipv4-addr' AND network-traffic:src_ref.value = '${hijack}']`, 90),
      indicator('Exfiltration destination', `[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '${exfiltration}']`, 80),
      indicator('Actor hosting range (seen at other victims)', "[ipv4-addr:value ISSUBSET '198.51.100.128/25']", 60),
      indicator('Scanner seen at other victims', "[ipv4-addr:value = '203.0.113.250']", 50),
      indicator('Webshell client', "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'Mozilla/5.0 (compatible; CitrixCheck/0.1)']", 70),
    ],
  };
}
