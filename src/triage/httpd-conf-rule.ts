import type { ArtefactFile, ArtefactFinding, ArtefactTree } from './artefact-model.js';
import { readForScan } from './artefact-content.js';
import { findingFor, tooLargeFinding, type TriageRuleMeta } from './triage-finding.js';

/**
 * NS-R13 — httpd.conf tampering (NetScaler reference §7.6; NCSC-NL live script check 7; nshunt).
 * The appliance's Apache config and every `Include` target present in the tree are parsed as
 * Apache does — continuation lines joined, `#` lines as comments, sections tracked — and each
 * tampering form is one COMPROMISE/high finding at the directive's line. The reference also asks
 * for a diff against the stock file of the build; without a baseline store that is not done here.
 */

export const HTTPD_CONF_RULE: TriageRuleMeta = Object.freeze({ id: 'NS-R13', title: 'httpd.conf tampering' });

const CONFIG_ROOTS: readonly string[] = ['/etc/httpd.conf', '/nsconfig/httpd.conf', '/flash/nsconfig/httpd.conf'];

/** Sections that narrow where a directive applies; `<IfModule>`, `<VirtualHost>` and the like do not. */
const PATH_SECTIONS = new Set(['directory', 'directorymatch', 'location', 'locationmatch', 'files', 'filesmatch', 'proxy', 'proxymatch']);

/** Extensions PHP is meant to handle; mapping anything else to PHP makes static files executable. */
const PHP_EXTENSION = /^\.?(?:php[3-8]?|phtml|pht|phps)$/i;

interface Section {
  readonly name: string;
  readonly arg: string;
}

/** One logical config line: continuation joined, located at its first physical line. */
interface ConfigLine {
  readonly offset: number;
  readonly line: number;
  readonly comment: boolean;
  /** Without the leading whitespace (and without the `#` for comments). */
  readonly text: string;
  readonly scope: readonly Section[];
}

/**
 * Apache's tokenizer: whitespace-separated, double or single quotes group, backslash escapes
 * inside quotes. A loop rather than a regex (a quoted run of escapes overflows the regex stack),
 * and at most `max` tokens, which bounds the work on a hostile line (an `AddType` needs its
 * extension list, never thousands).
 */
export function tokens(text: string, max = 4096): string[] {
  const out: string[] = [];
  const space = /\s/g;
  const nonSpace = /\S/g;
  let i = 0;
  while (out.length < max) {
    nonSpace.lastIndex = i;
    if (!nonSpace.exec(text)) break;
    i = nonSpace.lastIndex - 1;
    const quote = text[i];
    if (quote === '"' || quote === "'") {
      // Slices between escapes, so a long token costs one pass, not one concatenation per char.
      const parts: string[] = [];
      let from = i + 1;
      for (let j = from; ; j += 1) {
        if (j >= text.length || text[j] === quote) {
          parts.push(text.slice(from, j));
          i = j + 1;
          break;
        }
        if (text[j] === '\\' && j + 1 < text.length) {
          parts.push(text.slice(from, j));
          from = j + 1;
          j += 1;
        }
      }
      out.push(parts.join(''));
      continue;
    }
    space.lastIndex = i;
    const end = space.exec(text) ? space.lastIndex - 1 : text.length;
    out.push(text.slice(i, end));
    i = end;
  }
  return out;
}

export function parseApacheConfig(text: string): ConfigLine[] {
  const out: ConfigLine[] = [];
  const scope: Section[] = [];
  let pos = 0;
  let lineNo = 1;
  while (pos < text.length) {
    const start = pos;
    const startLine = lineNo;
    let logical = '';
    // A backslash as the last character continues the line (before comment handling, as Apache does).
    for (;;) {
      const nl = text.indexOf('\n', pos);
      const end = nl < 0 ? text.length : nl;
      const physical = text.slice(pos, end).replace(/\r$/, '');
      pos = nl < 0 ? text.length : nl + 1;
      if (nl >= 0) lineNo += 1;
      if (physical.endsWith('\\') && pos < text.length) {
        logical += `${physical.slice(0, -1)} `;
        continue;
      }
      logical += physical;
      break;
    }
    const trimmed = logical.trim();
    if (trimmed === '') continue;
    if (trimmed.startsWith('#')) {
      out.push({ offset: start, line: startLine, comment: true, text: trimmed.slice(1).trim(), scope: [...scope] });
      continue;
    }
    const close = /^<\/\s*([\w:]+)/.exec(trimmed);
    if (close) {
      const name = close[1]!.toLowerCase();
      const at = scope.map((s) => s.name).lastIndexOf(name);
      if (at >= 0) scope.length = at;
      continue;
    }
    const open = /^<([\w:]+)\s*([^>]*)>?/.exec(trimmed);
    if (open) {
      scope.push({ name: open[1]!.toLowerCase(), arg: open[2]!.trim() });
      continue;
    }
    out.push({ offset: start, line: startLine, comment: false, text: trimmed, scope: [...scope] });
  }
  return out;
}

/** No path-narrowing section, or only `<Directory />`/`<Location />`, which cover the whole server. */
function globalScope(scope: readonly Section[]): boolean {
  return scope.every((s) => !PATH_SECTIONS.has(s.name) || ((s.name === 'directory' || s.name === 'location') && s.arg.replace(/["']/g, '') === '/'));
}

/** Extensions a `<Files>`/`<FilesMatch>` argument names, e.g. `"\.(php|phtml)$"` → php, phtml. */
function sectionExtensions(arg: string): string[] {
  return [...arg.matchAll(/\.(?:\(([\w|]+)\)|(\w+))/g)].flatMap((m) => (m[1] ?? m[2] ?? '').split('|')).filter((e) => e !== '');
}

const suspiciousTarget = (target: string): string | null => {
  const path = target.replace(/\$\d+/g, '');
  const hidden = path.split('/').find((part) => part.startsWith('.') && part !== '.' && part !== '..' && part.length > 1);
  if (hidden !== undefined) return `a hidden path ('${hidden}')`;
  if (/\.(?:sig|deb)$/i.test(path)) return `a ${path.slice(-4)} file`;
  return null;
};

const ontoVpnScripts = (from: string, to: string): boolean => /\/vpn\/scripts(?:\/|$)/i.test(to) && !/^\^?\/vpn\/scripts(?:\/|$)/i.test(from);

/** Why one config line is tampering, or null. */
function tampering(entry: ConfigLine): string | null {
  if (entry.comment) {
    if (/^Require\s+all\s+denied\b/i.test(entry.text)) return "'Require all denied' commented out: the access block it carried is disabled";
    if (/^php_(?:admin_)?flag\s+engine\s+off\b/i.test(entry.text)) return "'php_flag engine off' commented out: PHP runs where the stock config switches it off";
    return null;
  }
  const [name = '', ...args] = tokens(entry.text);
  const directive = name.toLowerCase();
  if ((directive === 'php_flag' || directive === 'php_admin_flag') && /^engine$/i.test(args[0] ?? '') && /^(?:on|1|true)$/i.test(args[1] ?? '')) {
    return globalScope(entry.scope) ? `'${name} engine on' at global scope: PHP runs in every folder, including upload and theme folders` : null;
  }
  if ((directive === 'addtype' || directive === 'addhandler') && /php/i.test(args[0] ?? '')) {
    const foreign = args.slice(1).filter((ext) => !PHP_EXTENSION.test(ext));
    return foreign.length > 0 ? `${name} maps non-PHP extension(s) ${foreign.join(' ')} to ${args[0]}: static-looking files run as PHP` : null;
  }
  if ((directive === 'sethandler' || directive === 'forcetype') && /php/i.test(args[0] ?? '')) {
    const files = [...entry.scope].reverse().find((s) => s.name === 'files' || s.name === 'filesmatch');
    const exts = files ? sectionExtensions(files.arg) : [];
    if (exts.length > 0 && exts.every((e) => /^ph/i.test(e))) return null;
    return `${name} ${args[0]} ${files ? `for <${files.name} ${files.arg}>` : 'for a whole folder'}: files that are not .php run as PHP`;
  }
  if (directive === 'alias' || directive === 'aliasmatch' || directive === 'rewriterule') {
    const [from = '', to = ''] = args;
    if (ontoVpnScripts(from, to)) return `${name} maps ${from} onto /vpn/scripts/ (${to})`;
    const why = suspiciousTarget(to);
    if (why) return `${name} maps ${from} to ${why} (${to}): static URLs served from a disguised file`;
  }
  return null;
}

/** An `Include` glob (`*`, `?`) as a regex body; a plain folder also includes the files under it. */
function globBody(pattern: string): string {
  const glob = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return /[*?]/.test(pattern) ? glob : `${glob.replace(/\/+$/, '')}(?:/.*)?`;
}

/** Absolute includes match from the root; relative ones against ServerRoot, or any folder when it is unknown. */
function includeMatcher(arg: string, serverRoot: string | null): RegExp {
  if (arg.startsWith('/')) return new RegExp(`^${globBody(arg)}$`);
  return serverRoot ? new RegExp(`^${globBody(`${serverRoot}/${arg}`)}$`) : new RegExp(`/${globBody(arg)}$`);
}

export async function findHttpdConfTampering(tree: ArtefactTree): Promise<ArtefactFinding[]> {
  const byPath = new Map(tree.files.map((f) => [f.path, f]));
  const queue: ArtefactFile[] = CONFIG_ROOTS.flatMap((p) => byPath.get(p) ?? []);
  const seen = new Set(queue.map((f) => f.path));
  const findings: ArtefactFinding[] = [];
  for (let file = queue.shift(); file; file = queue.shift()) {
    const content = await readForScan(file);
    if (!content) continue;
    if (content.truncated) findings.push(tooLargeFinding(HTTPD_CONF_RULE, file));
    let serverRoot: string | null = null;
    for (const entry of parseApacheConfig(content.text)) {
      const why = tampering(entry);
      if (why) findings.push(findingFor(HTTPD_CONF_RULE, file, { verdict: 'COMPROMISE', confidence: 'high', rationale: why, hit: { bytes: content.bytes, offset: entry.offset, line: entry.line } }));
      if (entry.comment) continue;
      const [name = '', arg = ''] = tokens(entry.text);
      if (/^ServerRoot$/i.test(name)) serverRoot = arg.replace(/\/+$/, '');
      if (!/^Include(?:Optional)?$/i.test(name) || arg === '') continue;
      const matches = includeMatcher(arg, serverRoot);
      for (const f of tree.files) {
        if (!seen.has(f.path) && matches.test(f.path)) {
          seen.add(f.path);
          queue.push(f);
        }
      }
    }
  }
  return findings;
}
