import { type Scenario, GATEWAY_VERSION, allAssets } from './example-prosecution-service.js';
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
  /** `<asset> <CVE>` pairs that must be found affected: every gateway, every bulletin CVE (14.1-43.50 predates each fix). */
  readonly affectedFindings: string[];
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
    affectedFindings: scenario.gatewayAssets.flatMap((g) => Object.keys(BULLETIN_CVES).map((cve) => `${g.id} ${cve}`)).sort(),
  };
}
