import { GATEWAY_CHANGES, GATEWAY_VERSION, INVENTORY_AS_OF, type Scenario, allAssets } from './example-prosecution-service.js';
import { BULLETIN_CVES } from './netscaler-bulletins.js';

/**
 * What the scenario contains, derived from the generated data (never typed in twice), so that the
 * demo and the tests check results against one source. Later modules add their facts here (the
 * attack timeline, the touched records, the tampered document …).
 */

export const SENSITIVE_CATEGORY_IDS = ['shelter-addresses', 'crown-witnesses', 'oc-terrorism-files', 'hr-files'] as const;

export interface GroundTruth {
  readonly organisation: string;
  readonly assetCount: number;
  readonly assetIdsByKind: Record<string, string[]>;
  readonly internetFacingIds: string[];
  readonly gatewayIds: string[];
  readonly gatewayVersion: string;
  readonly holdersByCategory: Record<string, string[]>;
  readonly partnerIds: string[];
  readonly interfaceCount: number;
  readonly interfacesByPartner: Record<string, string[]>;
  readonly dependencyEdgeCount: number;
  /** `<asset> <CVE>` pairs still affected after the July changes (the gateway's last build predates the fix). */
  readonly affectedFindings: string[];
  /** `<asset> <CVE>` pairs fixed by the July changes. */
  readonly fixedFindings: string[];
  /** Per gateway: when its exposure window closes and why (every CVE alike: all share the gateway). */
  readonly windowEnds: Record<string, { end: string; reason: 'fixed' | 'disconnected' }>;
  /** Windows open at the inventory snapshot, which the history cannot see beyond: a lower bound. */
  readonly windowStart: string;
  /**
   * The patch-SLA verdict of every finding under the default policy: breached, because every July
   * change came after the last possible deadline (a week after a release, or 72 hours after
   * exploitation news; scenario.test.ts checks this against the bulletins themselves).
   */
  readonly slaVerdict: 'breached';
}

/** 14.1 build order, for the scenario's own facts only (the product's comparison lives in advisory/). */
function buildBefore(a: string, b: string): boolean {
  const [x = 0, y = 0] = (a.split('-')[1] ?? '').split('.').map(Number);
  const [u = 0, v = 0] = (b.split('-')[1] ?? '').split('.').map(Number);
  return x < u || (x === u && y < v);
}

export function groundTruth(scenario: Scenario): GroundTruth {
  const assets = allAssets(scenario);
  const group = (keys: [string, string][]) => {
    const map: Record<string, string[]> = {};
    for (const [key, value] of keys) (map[key] ??= []).push(value);
    for (const list of Object.values(map)) list.sort();
    return map;
  };
  return {
    organisation: scenario.organisation,
    assetCount: assets.length,
    assetIdsByKind: group(assets.map((a) => [a.kind, a.id])),
    internetFacingIds: assets.filter((a) => a.internet_facing).map((a) => a.id).sort(),
    gatewayIds: scenario.gatewayAssets.map((a) => a.id).sort(),
    gatewayVersion: GATEWAY_VERSION,
    holdersByCategory: group(assets.flatMap((a) => a.data_categories.map((c): [string, string] => [c, a.id]))),
    partnerIds: scenario.partners.map((p) => p.id).sort(),
    interfaceCount: scenario.interfaces.length,
    interfacesByPartner: group(scenario.interfaces.map((i) => [i.partner, i.id])),
    dependencyEdgeCount: assets.reduce((n, a) => n + a.depends_on.length, 0),
    ...findingsTruth(scenario),
  };
}

function findingsTruth(scenario: Scenario) {
  const lastVersion = (id: string) => [...GATEWAY_CHANGES].reverse().find((c) => c.asset === id && c.event === 'upgrade')?.to_version ?? GATEWAY_VERSION;
  const pairs = scenario.gatewayAssets.flatMap((g) => Object.entries(BULLETIN_CVES).map(([cve, fix]) => ({ pair: `${g.id} ${cve}`, affected: buildBefore(lastVersion(g.id), fix) })));
  const windowEnds: Record<string, { end: string; reason: 'fixed' | 'disconnected' }> = {};
  for (const change of GATEWAY_CHANGES) windowEnds[change.asset] = { end: new Date(change.time).toISOString(), reason: change.event === 'upgrade' ? 'fixed' : 'disconnected' };
  return {
    affectedFindings: pairs.filter((p) => p.affected).map((p) => p.pair).sort(),
    fixedFindings: pairs.filter((p) => !p.affected).map((p) => p.pair).sort(),
    windowEnds,
    windowStart: INVENTORY_AS_OF,
    slaVerdict: 'breached' as const,
  };
}
