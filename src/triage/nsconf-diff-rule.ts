import { hexSafeText, readLatin1 } from './artefact-content.js';
import type { ArtefactFile, ArtefactFinding, ArtefactTree } from './artefact-model.js';
import { artefactFinding, partialReadFinding, type TriageRuleMeta } from './triage-finding.js';

/**
 * R20 — ns.conf diff (reference §7.6, REVIEW). The running config is compared with the newest
 * older copy in the same folder (`ns.conf.0` is the newest rotation, then `.1` …; else the newest
 * `ns.conf.NS<build>` saved at an upgrade) and lines *added* since then are reported when they are
 * of a kind attackers add (R20 and the NCSC `ns_conf` proposal): system/AAA users, portal themes
 * from a URL or a non-stock theme, responder/rewrite policies or actions with URLs,
 * `-clientlessVpnMode ON`, `-clientlessAccess ON`, `-forceCleanup ON`, `-redirURL http`.
 * The comparison is by line content, not position: ns.conf is a set of commands that the appliance
 * rewrites in its own order. Without an older copy the same kinds are reported as low confidence.
 * Password hashes and secrets are redacted in every excerpt and rationale.
 */

export const NSCONF_DIFF_RULE: TriageRuleMeta = Object.freeze({ id: 'NS-R20', title: 'ns.conf change' });
const CONFIG_DIRS = ['/nsconfig/', '/flash/nsconfig/'];
const MAX_BYTES = 64 * 1024 * 1024;
/** Themes that ship with the firmware. */
const STOCK_THEMES = new Set(['default', 'greenbubble', 'x1', 'rfwebui']);

interface Kind {
  readonly name: string;
  readonly test: (line: string) => boolean;
}

const KINDS: readonly Kind[] = [
  { name: 'new system user', test: (l) => /^add system user\s/i.test(l) },
  { name: 'new AAA user', test: (l) => /^add aaa user\s/i.test(l) },
  { name: 'portal theme loaded from a URL', test: (l) => /^add vpn portaltheme\b.*\s-source\s+["']?https?:/i.test(l) },
  {
    name: 'non-stock portal theme',
    test: (l) => {
      const theme = /\s-portaltheme\s+("[^"]*"|\S+)/i.exec(l)?.[1]?.replace(/"/g, '').toLowerCase();
      return theme !== undefined && !STOCK_THEMES.has(theme);
    },
  },
  { name: 'responder/rewrite with a URL', test: (l) => /^add (?:responder|rewrite) (?:action|policy)\b.*https?:\/\//i.test(l) },
  { name: 'clientless VPN mode on', test: (l) => /\s-clientlessVpnMode\s+ON\b/i.test(l) },
  { name: 'clientless access on', test: (l) => /\s-clientlessAccess\s+ON\b/i.test(l) },
  { name: 'force cleanup on', test: (l) => /\s-forceCleanup\s+ON\b/i.test(l) },
  { name: 'redirect URL over http', test: (l) => /\s-redirURL\s+["']?https?:/i.test(l) },
];

/** Options whose value is a secret (the next token, quoted or not). */
const SECRET_OPTIONS = /(\s-(?:password|passwd|ldapBindDnPassword|bindDnPassword|radKey|sharedSecret|secret|passPhrase|keyValue|authKey|privKey|encryptionKey|clientSecret)\s+)("(?:[^"\\]|\\.)*"|\S+)/gi;

/** The line without password hashes (`add system user NAME <hash> -encrypted`) or secret option values. */
export function redactNsConfLine(line: string): string {
  return line.replace(/(\s)("(?:[^"\\]|\\.)*"|\S+)(\s+-encrypted\b)/gi, '$1<redacted>$3').replace(SECRET_OPTIONS, '$1<redacted>');
}

const normalise = (line: string): string => line.trim().replace(/\s+/g, ' ');
/** Users are compared by name, so a changed password hash does not read as a new user. */
const keyOf = (line: string): string => /^add (?:system|aaa) user ("[^"]*"|\S+)/i.exec(line)?.[0].toLowerCase() ?? line;

interface ConfigDir {
  readonly current: ArtefactFile;
  readonly older: ArtefactFile | null;
}

/** `ns.conf.N` with the lowest N, else the `ns.conf.NS<build>` with the latest mtime (or highest build). */
function newestOlder(files: readonly ArtefactFile[], dir: string): ArtefactFile | null {
  const numbered: [number, ArtefactFile][] = [];
  const builds: ArtefactFile[] = [];
  for (const f of files) {
    if (!f.path.startsWith(dir) || f.path.slice(dir.length).includes('/') || f.evidenceSha256 === null) continue;
    const name = f.path.slice(dir.length);
    const n = /^ns\.conf\.(\d+)$/.exec(name);
    if (n) numbered.push([Number(n[1]), f]);
    else if (/^ns\.conf\.NS[\d.-]+$/i.test(name)) builds.push(f);
  }
  numbered.sort((a, b) => a[0] - b[0]);
  if (numbered[0]) return numbered[0][1];
  const buildKey = (f: ArtefactFile): number[] => (f.path.match(/\d+/g) ?? []).map(Number);
  builds.sort((a, b) => {
    const byTime = (b.mtime?.getTime() ?? 0) - (a.mtime?.getTime() ?? 0);
    if (byTime !== 0) return byTime;
    const [x, y] = [buildKey(a), buildKey(b)];
    for (let i = 0; i < Math.max(x.length, y.length); i += 1) if ((y[i] ?? 0) !== (x[i] ?? 0)) return (y[i] ?? 0) - (x[i] ?? 0);
    return 0;
  });
  return builds[0] ?? null;
}

function configDirs(tree: ArtefactTree): ConfigDir[] {
  const out: ConfigDir[] = [];
  const seen = new Set<string>();
  for (const dir of CONFIG_DIRS) {
    const current = tree.files.find((f) => f.path === `${dir}ns.conf` && f.evidenceSha256 !== null);
    // `/nsconfig` is a link to `/flash/nsconfig`: a collection may hold both copies of one file.
    if (!current || seen.has(current.evidenceSha256 as string)) continue;
    seen.add(current.evidenceSha256 as string);
    out.push({ current, older: newestOlder(tree.files, dir) });
  }
  return out;
}

async function dirFindings({ current, older }: ConfigDir): Promise<ArtefactFinding[]> {
  const now = await readLatin1(current, MAX_BYTES);
  if (!now) return [];
  const before = older ? await readLatin1(older, MAX_BYTES) : null;
  const previous = new Map<string, number>();
  for (const raw of before?.text.split('\n') ?? []) {
    const key = keyOf(normalise(raw));
    previous.set(key, (previous.get(key) ?? 0) + 1);
  }
  const out: ArtefactFinding[] = [];
  now.text.split('\n').forEach((raw, i) => {
    const line = normalise(raw);
    if (line === '' || line.startsWith('#')) return;
    if (before) {
      // Multiset difference: a line present in the older copy is consumed once.
      const left = previous.get(keyOf(line)) ?? 0;
      if (left > 0) {
        previous.set(keyOf(line), left - 1);
        return;
      }
    }
    // One finding per line, naming every kind it shows.
    const kinds = KINDS.filter((k) => k.test(line));
    if (kinds.length === 0) return;
    const kind = { name: kinds.map((k) => k.name).join(', ') };
    const safe = redactNsConfLine(line);
    out.push(
      artefactFinding(NSCONF_DIFF_RULE, current, {
        verdict: 'REVIEW',
        confidence: before ? 'medium' : 'low',
        rationale: before && older ? `${kind.name}: added since ${older.path}` : `${kind.name}: no earlier copy to compare, so it may be old and legitimate`,
        offset: null,
        line: i + 1,
        excerpt: hexSafeText(safe.slice(0, 2048)),
      }),
    );
  });
  if (now.truncated) out.push(partialReadFinding(NSCONF_DIFF_RULE, current, `too large to compare fully: only the first ${MAX_BYTES} bytes were read`));
  return out;
}

export async function diffNsConf(tree: ArtefactTree): Promise<ArtefactFinding[]> {
  const findings: ArtefactFinding[] = [];
  for (const dir of configDirs(tree)) findings.push(...(await dirFindings(dir)));
  return findings;
}
