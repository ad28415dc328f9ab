import semver from 'semver';

/**
 * Version schemes. A comparison never guesses: two versions are ordered, or they are
 * `not_comparable` (different release trains or variants), or one is `unparseable`. Vendor
 * profiles encode what a generic comparator gets wrong — NetScaler builds are neither SemVer nor
 * safely dotted-numeric, and FIPS/NDcPP builds are a product line of their own.
 */

export type SchemeName = 'semver' | 'dotted' | 'intdot' | 'netscaler';
export const SCHEME_NAMES: readonly SchemeName[] = ['semver', 'dotted', 'intdot', 'netscaler'];

export type Order = number | 'not_comparable' | 'unparseable';

export interface VersionScheme {
  readonly name: SchemeName;
  /** Orders a and b (negative, zero, positive), or says why it cannot. */
  compare(a: string, b: string): Order;
  /** A key that two versions must share to be comparable (the release train); undefined when unparseable. */
  family(version: string): string | undefined;
  /** Trains whose versions are affected by anything, being out of support (NetScaler 12.1, 13.0). */
  isEndOfLife?(version: string): boolean;
}

function compareNumberLists(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function stripV(text: string): string {
  return text.trim().replace(/^[vV](?=\d)/, '');
}

/** Digits separated by dots, all of it: `4.33`, `V4.33`, `10.0.19045.3803`. */
const dottedPattern = /^\d+(\.\d+)*$/;
function parseDotted(text: string): number[] | undefined {
  const value = stripV(text);
  return dottedPattern.test(value) ? value.split('.').map(Number) : undefined;
}

const dotted: VersionScheme = {
  name: 'dotted',
  compare(a, b) {
    const [x, y] = [parseDotted(a), parseDotted(b)];
    return x && y ? compareNumberLists(x, y) : 'unparseable';
  },
  family: (v) => (parseDotted(v) ? '' : undefined),
};

/** vers `intdot`: digits and dots, interpretation stops at the first other character (vers-spec). */
function parseIntdot(text: string): number[] | undefined {
  const match = /^\d+(\.\d+)*/.exec(text.trim());
  return match ? match[0].split('.').map(Number) : undefined;
}

const intdot: VersionScheme = {
  name: 'intdot',
  compare(a, b) {
    const [x, y] = [parseIntdot(a), parseIntdot(b)];
    return x && y ? compareNumberLists(x, y) : 'unparseable';
  },
  family: (v) => (parseIntdot(v) ? '' : undefined),
};

const semverScheme: VersionScheme = {
  name: 'semver',
  compare(a, b) {
    const [x, y] = [semver.valid(stripV(a)), semver.valid(stripV(b))];
    return x && y ? semver.compare(x, y) : 'unparseable';
  },
  family: (v) => (semver.valid(stripV(v)) ? '' : undefined),
};

export interface NetscalerBuild {
  readonly train: string;
  readonly variant: '' | 'FIPS' | 'NDcPP';
  readonly build: readonly [number, number];
}

/** End-of-life NetScaler trains (no fixes are published for them); 12.1-FIPS is still maintained. */
export const NETSCALER_EOL_TRAINS = ['12.0', '12.1', '13.0'];

/**
 * NetScaler release notation: `14.1-43.56`, `13.1-37.235-FIPS`, `13.1-FIPS 13.1-37.176`,
 * `13.1-NDcPP 13.1-37.235`, and the dotted `13.1.37.262` some advisories use.
 */
export function parseNetscaler(text: string): NetscalerBuild | undefined {
  const value = stripV(text).replace(/\s+/g, ' ');
  const variantOf = (s: string | undefined): NetscalerBuild['variant'] | undefined => {
    if (!s) return '';
    const upper = s.toUpperCase();
    if (upper === 'FIPS') return 'FIPS';
    if (upper === 'NDCPP') return 'NDcPP';
    return undefined;
  };
  let match = /^(\d+\.\d+)-(FIPS|NDcPP) (\d+\.\d+)-(\d+)\.(\d+)$/i.exec(value);
  if (match) {
    const variant = variantOf(match[2]);
    if (variant === undefined || match[1] !== match[3]) return undefined;
    return { train: match[1] ?? '', variant, build: [Number(match[4]), Number(match[5])] };
  }
  match = /^(\d+\.\d+)[-.](\d+)\.(\d+)(?:-(FIPS|NDcPP))?$/i.exec(value);
  if (match) {
    const variant = variantOf(match[4]);
    if (variant === undefined) return undefined;
    return { train: match[1] ?? '', variant, build: [Number(match[2]), Number(match[3])] };
  }
  return undefined;
}

const netscaler: VersionScheme = {
  name: 'netscaler',
  compare(a, b) {
    const [x, y] = [parseNetscaler(a), parseNetscaler(b)];
    if (!x || !y) return 'unparseable';
    if (x.train !== y.train || x.variant !== y.variant) return 'not_comparable';
    return compareNumberLists(x.build, y.build);
  },
  family(version) {
    const build = parseNetscaler(version);
    return build ? `${build.train}${build.variant ? `-${build.variant}` : ''}` : undefined;
  },
  isEndOfLife(version) {
    const build = parseNetscaler(version);
    return build !== undefined && build.variant === '' && NETSCALER_EOL_TRAINS.includes(build.train);
  },
};

export const SCHEMES: Record<SchemeName, VersionScheme> = { semver: semverScheme, dotted, intdot, netscaler };
