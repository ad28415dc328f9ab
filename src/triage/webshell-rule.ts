import { WEB_ROOTS, inTemp, inWebRoot, type ArtefactFile, type ArtefactFinding, type ArtefactTree } from './artefact-model.js';
import { basenameOf, extensionOf, readForScan } from './artefact-content.js';
import { findingFor, tooLargeFinding, type TriageRuleMeta } from './triage-finding.js';

/**
 * NS-R12 — webshell files (NetScaler reference §7.6). Files the appliance's web server can reach
 * (`inWebRoot`: the §5 web roots minus stock admin_ui and websocketd) are judged by name, metadata
 * and content; one finding per (file, reason). The per-build baseline hash list the reference asks
 * for does not exist yet, so every script in a web root is at least REVIEW.
 */

export const WEBSHELL_RULE: TriageRuleMeta = Object.freeze({ id: 'NS-R12', title: 'Webshell files' });

/** Extensions PHP (or SSI) executes: a new one in a web root is a webshell candidate. */
const SCRIPT_EXTENSIONS = new Set(['.php', '.php3', '.php4', '.php5', '.php6', '.php7', '.phtml', '.pht', '.inc', '.shtml', '.xhtml']);

/** Static-file extensions attackers hide PHP in, served through a handler mapping (R13). */
const DISGUISE_EXTENSIONS = new Set(['.deb', '.sig', '.ico', '.css', '.js']);

/** Text web files worth scanning for the marker strings; media and client packages are not (they run only via R13 mappings). */
const TEXT_EXTENSIONS = new Set(['', '.html', '.htm', '.xml', '.json', '.txt', '.pl', '.cgi', '.sh', '.py']);

/** Names of known implants (Mandiant's `/var/vpn/theme/.theme.php`; nshunt's hidden files). */
const KNOWN_BAD_NAMES = new Set(['.ctxs.receiver', '.local_journal', '.theme.php']);

interface ContentPattern {
  readonly name: string;
  readonly re: RegExp;
  /** PHP-function patterns only count in PHP-capable files; IOC markers count anywhere. */
  readonly phpOnly: boolean;
}

// The reference's alternation, split so each hit can be named. PHP function names are
// case-insensitive in PHP itself, hence `i`; the IOC markers are literal and stay case-sensitive.
// Every pattern starts with a literal and has no nested quantifier, so matching is linear.
const CONTENT_PATTERNS: readonly ContentPattern[] = [
  { name: 'eval($_', re: /eval\s*\(\$_/i, phpOnly: true },
  { name: 'base64_decode(', re: /base64_decode\s*\(/i, phpOnly: true },
  { name: 'array_filter(', re: /array_filter\(/i, phpOnly: true },
  { name: 'http_status_code( / http_response_code(', re: /http_(?:status|response)_code\(/i, phpOnly: true },
  { name: 'str_rot13(', re: /str_rot13\(/i, phpOnly: true },
  { name: '@$_POST', re: /@\$_POST/, phpOnly: true },
  { name: 'passthru(', re: /passthru\(/i, phpOnly: true },
  { name: 'shell_exec(', re: /shell_exec\(/i, phpOnly: true },
  { name: 'system(', re: /system\(/i, phpOnly: true },
  { name: 'proc_open(', re: /proc_open\(/i, phpOnly: true },
  { name: 'assert(', re: /assert\(/i, phpOnly: true },
  { name: 'openssl_public_decrypt (SECRETSAUCE)', re: /openssl_public_decrypt/, phpOnly: false },
  { name: 'NSC_TASS', re: /NSC_TASS/, phpOnly: false },
  { name: 'HTTP_X_UX', re: /HTTP_X_UX/, phpOnly: false },
  { name: 'blv_encode (reGeorg/Neo-reGeorg)', re: /blv_encode/, phpOnly: false },
  { name: 'sayhello (reGeorg/Neo-reGeorg)', re: /sayhello/, phpOnly: false },
  { name: '#nssecret#', re: /#nssecret#/, phpOnly: false },
];

/** PHP open tags. `<?=` must be followed by code-like text so random bytes in a .deb/.ico do not match it. */
const PHP_OPEN = /<\?php|<\?=\s*(?:`|@?\$\w|@?(?:eval|system|passthru|shell_exec|exec|assert|file_put_contents)\s*\()/i;

/**
 * `preg_replace\(.*\/e` without the regex engine's quadratic backtracking on a hostile long line:
 * after each `preg_replace(`, look for `/e` before the end of that line, and skip the rest of a
 * line already searched.
 */
function pregReplaceE(text: string): number {
  const start = /preg_replace\(/gi;
  for (let m = start.exec(text); m; m = start.exec(text)) {
    const lineEnd = text.indexOf('\n', start.lastIndex);
    const end = lineEnd < 0 ? text.length : lineEnd;
    if (text.slice(start.lastIndex, end).includes('/e')) return m.index;
    start.lastIndex = end;
  }
  return -1;
}

/** The path below the web root it sits in, for the hidden-component test. */
function belowRoot(path: string, roots: readonly string[]): string {
  const root = roots.find((r) => path.startsWith(r)) ?? '';
  return path.slice(root.length);
}

export async function findWebshells(tree: ArtefactTree): Promise<ArtefactFinding[]> {
  const findings: ArtefactFinding[] = [];
  for (const file of tree.files) {
    const web = inWebRoot(file.path);
    const temp = inTemp(file.path);
    if (!web && !temp) continue;
    findings.push(...byName(file, web), ...(await byContent(file, web)));
  }
  return findings;
}

function byName(file: ArtefactFile, web: boolean): ArtefactFinding[] {
  const out: ArtefactFinding[] = [];
  const base = basenameOf(file.path);
  const ext = extensionOf(file.path);
  if (KNOWN_BAD_NAMES.has(base)) {
    out.push(findingFor(WEBSHELL_RULE, file, { verdict: 'COMPROMISE', confidence: 'high', rationale: `'${base}' is the name of a known NetScaler implant file (Mandiant, nshunt)` }));
  }
  if (!web) return out;
  const hidden = belowRoot(file.path, WEB_ROOTS)
    .split('/')
    .find((part) => part.startsWith('.') && part !== '.' && part !== '..');
  if (hidden !== undefined && !KNOWN_BAD_NAMES.has(base)) {
    out.push(findingFor(WEBSHELL_RULE, file, { verdict: 'REVIEW', confidence: 'medium', rationale: `hidden path component '${hidden}' in a web root: firmware does not ship dot-files there` }));
  }
  if (SCRIPT_EXTENSIONS.has(ext)) {
    out.push(findingFor(WEBSHELL_RULE, file, { verdict: 'REVIEW', confidence: 'medium', rationale: `script file (${ext}) in a web root outside the stock admin_ui/websocketd; no build baseline to clear it` }));
    if (file.mode !== null && (file.mode & 0o7777) !== 0o444) {
      const mode = (file.mode & 0o7777).toString(8).padStart(4, '0');
      out.push(findingFor(WEBSHELL_RULE, file, { verdict: 'REVIEW', confidence: 'medium', rationale: `script in a web root has mode ${mode}, firmware files are 0444`, excerpt: `${file.path} mode ${mode}` }));
    }
  }
  if (file.owner === 'nobody') {
    out.push(findingFor(WEBSHELL_RULE, file, { verdict: 'REVIEW', confidence: 'medium', rationale: 'owned by nobody, the web server user: written through the web server, not installed by firmware', excerpt: `${file.path} owner nobody` }));
  }
  return out;
}

async function byContent(file: ArtefactFile, web: boolean): Promise<ArtefactFinding[]> {
  const ext = extensionOf(file.path);
  const disguise = DISGUISE_EXTENSIONS.has(ext);
  // Temp folders only matter for PHP hidden in static-file names; web roots for everything text-like.
  if (!disguise && !(web && (SCRIPT_EXTENSIONS.has(ext) || TEXT_EXTENSIONS.has(ext)))) return [];
  const content = await readForScan(file);
  if (!content) return [];
  const out: ArtefactFinding[] = [];
  if (content.truncated) out.push(tooLargeFinding(WEBSHELL_RULE, file));
  const open = content.text.search(PHP_OPEN);
  if (disguise && open >= 0) {
    out.push(
      findingFor(WEBSHELL_RULE, file, {
        verdict: 'COMPROMISE',
        confidence: 'high',
        rationale: `PHP code in a ${ext} file: static files never carry PHP, so this is a webshell disguised as ${ext} (served via an httpd.conf handler, R13)`,
        hit: { bytes: content.bytes, offset: open },
      }),
    );
  }
  if (!web) return out;
  const phpCapable = SCRIPT_EXTENSIONS.has(ext) || open >= 0;
  const hits: { name: string; offset: number }[] = [];
  for (const p of CONTENT_PATTERNS) {
    if (p.phpOnly && !phpCapable) continue;
    const offset = content.text.search(p.re);
    if (offset >= 0) hits.push({ name: p.name, offset });
  }
  if (phpCapable) {
    const offset = pregReplaceE(content.text);
    if (offset >= 0) hits.push({ name: 'preg_replace(…/e', offset });
  }
  if (hits.length === 0) return out;
  hits.sort((a, b) => a.offset - b.offset);
  const first = hits[0]!;
  out.push(
    findingFor(WEBSHELL_RULE, file, {
      verdict: 'COMPROMISE',
      confidence: 'high',
      rationale: `webshell content in a web root: ${hits.map((h) => h.name).join(', ')} (first at byte ${first.offset})`,
      hit: { bytes: content.bytes, offset: first.offset },
    }),
  );
  return out;
}
