import type { Scenario } from './example-prosecution-service.js';

/**
 * CSAF 2.0 advisories modelled on the 2025 NetScaler security bulletins (CVE-2025-5349 and
 * CVE-2025-5777 "CitrixBleed 2", fixed in 14.1-43.56 / 13.1-58.32 / 13.1-37.235-FIPS; CVE-2025-6543,
 * fixed in 14.1-47.46 / 13.1-59.19 / 13.1-37.236-FIPS). The fixed builds and dates are the public
 * facts; the documents themselves are ours — published under an example namespace, not Citrix's —
 * and valid CSAF, so the demo and tests exercise the real import, validation and matching.
 */

export interface Bulletin {
  readonly fileName: string;
  readonly document: object;
  /** When the organisation received it (from the CSIRT's mailing, the next morning). */
  readonly receivedAt: string;
}

const PUBLISHER = { category: 'vendor', name: 'Example mirror of the NetScaler security bulletins', namespace: 'https://advisories.example/netscaler' };
const CVSS_CRITICAL = { version: '3.1', vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: 9.8, baseSeverity: 'CRITICAL' };
const CVSS_ADJACENT = { version: '3.1', vectorString: 'CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: 8.8, baseSeverity: 'HIGH' };

interface Fixes {
  readonly '14.1': string;
  readonly '13.1': string;
  readonly '13.1-FIPS': string;
}

function productTree(fixes: Fixes) {
  const version = (id: string, name: string) => ({ category: 'product_version', name, product: { product_id: id, name: `NetScaler ADC and NetScaler Gateway ${name}` } });
  return {
    branches: [
      {
        category: 'vendor',
        name: 'Citrix',
        branches: [
          {
            category: 'product_name',
            name: 'NetScaler Gateway',
            branches: [
              {
                category: 'product_version_range',
                name: `<${fixes['14.1']}|<${fixes['13.1']}|<${fixes['13.1-FIPS']}`,
                product: { product_id: 'NS-AFFECTED', name: 'NetScaler ADC and NetScaler Gateway before the fixed builds' },
              },
              version('NS-FIX-14.1', fixes['14.1']),
              version('NS-FIX-13.1', fixes['13.1']),
              version('NS-FIX-13.1-FIPS', fixes['13.1-FIPS']),
            ],
          },
        ],
      },
    ],
  };
}

function vulnerability(cve: string, title: string, cvss: object, released: string, exploited: string | null, fixes: Fixes) {
  return {
    cve,
    title,
    notes: [{ category: 'description', text: title }],
    product_status: { known_affected: ['NS-AFFECTED'], first_fixed: ['NS-FIX-14.1', 'NS-FIX-13.1', 'NS-FIX-13.1-FIPS'] },
    remediations: [
      {
        category: 'vendor_fix',
        date: released,
        details: `Upgrade to ${fixes['14.1']}, ${fixes['13.1']}, ${fixes['13.1-FIPS']} or later; then end all ICA and PCoIP sessions (kill icaconnection -all, kill pcoipConnection -all).`,
        product_ids: ['NS-AFFECTED'],
      },
    ],
    scores: [{ products: ['NS-AFFECTED'], cvss_v3: cvss }],
    ...(exploited ? { threats: [{ category: 'exploit_status', date: exploited, details: 'Exploitation of unmitigated appliances has been observed.', product_ids: ['NS-AFFECTED'] }] } : {}),
  };
}

function advisory(id: string, title: string, revisions: { date: string; summary: string }[], vulnerabilities: object[], fixes: Fixes) {
  const last = revisions[revisions.length - 1] as { date: string };
  return {
    document: {
      category: 'csaf_security_advisory',
      csaf_version: '2.0',
      distribution: { tlp: { label: 'WHITE' } },
      lang: 'en',
      notes: [{ category: 'summary', text: `${title}. Modelled on the vendor bulletin for the Weerbaar demo; not the vendor's document.` }],
      publisher: PUBLISHER,
      references: [{ category: 'self', summary: 'This advisory', url: `https://advisories.example/netscaler/${id.toLowerCase()}.json` }],
      title,
      tracking: {
        current_release_date: last.date,
        id,
        initial_release_date: revisions[0]?.date,
        revision_history: revisions.map((r, i) => ({ date: r.date, number: String(i + 1), summary: r.summary })),
        status: 'final',
        version: String(revisions.length),
      },
    },
    product_tree: productTree(fixes),
    vulnerabilities,
  };
}

/** The CVEs the bulletins cover, with the 14.1 build that fixes each. */
export const BULLETIN_CVES: Record<string, string> = { 'CVE-2025-5349': '14.1-43.56', 'CVE-2025-5777': '14.1-43.56', 'CVE-2025-6543': '14.1-47.46' };

const BLEED_FIXES: Fixes = { '14.1': '14.1-43.56', '13.1': '13.1-58.32', '13.1-FIPS': '13.1-37.235-FIPS' };
const OVERFLOW_FIXES: Fixes = { '14.1': '14.1-47.46', '13.1': '13.1-59.19', '13.1-FIPS': '13.1-37.236-FIPS' };

/** The bulletins in the order they were published; the first appears twice (revision 2 adds exploitation). */
export function netscalerBulletins(_scenario?: Scenario): Bulletin[] {
  const bleedTitle = 'NetScaler ADC and NetScaler Gateway: CVE-2025-5349 and CVE-2025-5777';
  const bleed = (withExploitation: boolean) =>
    advisory(
      'EXAMPLE-NS-2025-0617',
      bleedTitle,
      [{ date: '2025-06-17T12:00:00.000Z', summary: 'Initial publication.' }, ...(withExploitation ? [{ date: '2025-07-11T09:00:00.000Z', summary: 'Exploitation observed.' }] : [])],
      [
        vulnerability('CVE-2025-5349', 'Improper access control on the NetScaler management interface', CVSS_ADJACENT, '2025-06-17T12:00:00.000Z', null, BLEED_FIXES),
        vulnerability('CVE-2025-5777', 'Insufficient input validation leading to memory overread (CitrixBleed 2)', CVSS_CRITICAL, '2025-06-17T12:00:00.000Z', withExploitation ? '2025-07-10T00:00:00.000Z' : null, BLEED_FIXES),
      ],
      BLEED_FIXES,
    );
  const overflow = advisory(
    'EXAMPLE-NS-2025-0625',
    'NetScaler ADC and NetScaler Gateway: CVE-2025-6543',
    [{ date: '2025-06-25T12:00:00.000Z', summary: 'Initial publication; exploitation observed.' }],
    [vulnerability('CVE-2025-6543', 'Memory overflow leading to unintended control flow and denial of service', CVSS_CRITICAL, '2025-06-25T12:00:00.000Z', '2025-06-25T00:00:00.000Z', OVERFLOW_FIXES)],
    OVERFLOW_FIXES,
  );
  return [
    { fileName: 'example-ns-2025-0617-v1.json', document: bleed(false), receivedAt: '2025-06-18T07:45:00.000Z' },
    { fileName: 'example-ns-2025-0625.json', document: overflow, receivedAt: '2025-06-26T07:30:00.000Z' },
    { fileName: 'example-ns-2025-0617-v2.json', document: bleed(true), receivedAt: '2025-07-11T11:10:00.000Z' },
  ];
}
