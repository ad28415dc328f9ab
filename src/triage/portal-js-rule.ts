import type { Confidence, Verdict } from '../detection/detection-rule.js';
import { around, extensionOf, hexSafeText, lineAt, lineStarts, lineText, readLatin1, SCAN_LIMIT, under } from './artefact-content.js';
import { STOCK_WEB_PATHS, type ArtefactFile, type ArtefactFinding, type ArtefactTree } from './artefact-model.js';
import { artefactFinding, partialReadFinding, type TriageRuleMeta } from './triage-finding.js';

/**
 * R19 — portal credential-stealer JS (reference §7.6, §9.1). The NCSC `portal_exfil` regex family
 * (proposed in NCSC-NL/citrix-2025 PR #14) over the logon, theme and portal pages: code that sends
 * data off the appliance (external scripts, fetch/XHR/beacon/image/websocket/event-source to a URL,
 * clipboard writes, redirects) plus `portal_strings` (URLs in theme JSON) and `portal_plugins`
 * (`<plugin src=http` in LogonPoint XML). A hit is REVIEW; it becomes COMPROMISE when the same file
 * handles password fields or changed after `since` — for the weak patterns (also common in stock
 * code: postMessage, clipboard, location.href) only when both hold. URLs whose host is on the
 * organisation's allowlist (CDN, IdP) are not reported. The ctx697096 "burst" grouping adds one
 * finding when ≥ 20 portal files changed within 30 s of each other (a theme rewrite).
 */

export const PORTAL_JS_RULE: TriageRuleMeta = Object.freeze({ id: 'NS-R19', title: 'Portal page sends data off the appliance' });

export interface PortalJsOptions {
  /** Hosts whose URLs are expected (CDN, IdP); a host also allows its subdomains. */
  readonly allowHosts?: readonly string[];
  /** Changes after this time escalate a hit; null = no time escalation. */
  readonly since?: Date | null;
}

/** Logon, theme and portal folders (reference §5, NCSC `portal_exfil` paths); the stock admin UI is skipped. */
const PORTAL_ROOTS = ['/var/netscaler/logon/', '/var/vpn/', '/var/netscaler/portal/', '/netscaler/ns_gui/vpn/', '/netscaler/ns_gui/vpns/', '/netscaler/portal/'];
const EXTENSIONS = new Set(['.html', '.htm', '.xhtml', '.js', '.json', '.xml']);
const MAX_BYTES = SCAN_LIMIT;
const MAX_PER_PATTERN = 20;
const BURST = { files: 20, windowMs: 30_000 } as const;

const URL_LITERAL = String.raw`(?<url>(?:https?:)?\/\/[^\s"'\`<>)]+)`;
const Q = String.raw`["'\`]`;

interface Pattern {
  readonly name: string;
  readonly regex: RegExp;
  /** Strong patterns rarely occur in stock portal code; weak ones do (they need more to escalate). */
  readonly strong: boolean;
  readonly extensions?: readonly string[];
}

const PATTERNS: readonly Pattern[] = [
  { name: 'external or inline script', strong: true, regex: new RegExp(String.raw`<script\b[^>]*\bsrc\s*=\s*["']?\s*(?:${URL_LITERAL}|data:|blob:)`, 'gi') },
  { name: 'fetch to a URL', strong: true, regex: new RegExp(String.raw`\bfetch\s*\(\s*${Q}\s*${URL_LITERAL}`, 'g') },
  { name: 'XMLHttpRequest to a URL', strong: true, regex: new RegExp(String.raw`\bXMLHttpRequest\b[\s\S]{0,500}?\.open\s*\(\s*${Q}\w+${Q}\s*,\s*${Q}\s*${URL_LITERAL}`, 'g') },
  { name: 'navigator.sendBeacon', strong: true, regex: new RegExp(String.raw`\bsendBeacon\s*\((?:\s*${Q}\s*${URL_LITERAL})?`, 'g') },
  { name: 'new Image().src', strong: true, regex: new RegExp(String.raw`\bnew\s+Image\s*\(\s*\)\s*\.src\s*=(?:\s*${Q}\s*${URL_LITERAL})?`, 'g') },
  { name: 'WebSocket', strong: true, regex: new RegExp(String.raw`\bnew\s+WebSocket\s*\(\s*${Q}\s*(?<url>wss?:\/\/[^\s"'\`]+)`, 'g') },
  { name: 'EventSource', strong: true, regex: new RegExp(String.raw`\bnew\s+EventSource\s*\((?:\s*${Q}\s*${URL_LITERAL})?`, 'g') },
  { name: 'URL in a template literal', strong: true, regex: new RegExp(String.raw`\`\s*(?<url>https?:\/\/[^\s\`]+)`, 'g'), extensions: ['.js', '.html', '.htm', '.xhtml'] },
  { name: 'plugin loaded from a URL', strong: true, regex: new RegExp(String.raw`<plugin\b[^>]*\bsrc\s*=\s*["']?\s*${URL_LITERAL}`, 'gi'), extensions: ['.xml'] },
  { name: 'URL in theme JSON', strong: true, regex: new RegExp(String.raw`(?<url>https?:\/\/[^\s"'\\]+)`, 'g'), extensions: ['.json'] },
  { name: 'redirect to a URL', strong: false, regex: new RegExp(String.raw`\blocation\.href\s*=(?!=)\s*${Q}\s*${URL_LITERAL}`, 'g') },
  { name: 'postMessage', strong: false, regex: /\.postMessage\s*\(/g },
  { name: 'clipboard write', strong: false, regex: /\bnavigator\.clipboard\.write(?:Text)?\s*\(/g },
];

/** The file reads or marks password fields (so it can see what users type at logon). */
const PASSWORD = /type\s*=\s*\\?["']?password\b|\bpasswd\b|password["'\]\s)]{0,6}\.value\b|getElementById\(\s*["'][^"']*pass/i;

function hostOf(url: string): string | null {
  try {
    return new URL(url.startsWith('//') ? `https:${url}` : url).hostname.toLowerCase();
  } catch {
    return null;
  }
}

const allowed = (host: string, allow: readonly string[]): boolean => allow.some((a) => host === a || host.endsWith(`.${a}`));

function inScope(file: ArtefactFile): boolean {
  return under(file.path, PORTAL_ROOTS) && !under(file.path, STOCK_WEB_PATHS);
}

async function fileFindings(file: ArtefactFile, allow: readonly string[], since: Date | null): Promise<ArtefactFinding[]> {
  const ext = extensionOf(file.path);
  if (!EXTENSIONS.has(ext)) return [];
  const content = await readLatin1(file, MAX_BYTES);
  if (!content) return [];
  const { text } = content;
  const starts = lineStarts(text);
  const password = PASSWORD.test(text);
  const recent = since !== null && file.mtime !== null && file.mtime.getTime() > since.getTime();
  const out: ArtefactFinding[] = [];
  for (const pattern of PATTERNS) {
    if (pattern.extensions && !pattern.extensions.includes(ext)) continue;
    const hits: { index: number; url: string | null }[] = [];
    for (const match of text.matchAll(pattern.regex)) {
      const url = match.groups?.url ?? null;
      const host = url ? hostOf(url) : null;
      if (host && allowed(host, allow)) continue;
      hits.push({ index: match.index, url });
    }
    const escalate = pattern.strong ? password || recent : password && recent;
    const verdict: Verdict = escalate ? 'COMPROMISE' : 'REVIEW';
    const confidence: Confidence = escalate ? (pattern.strong ? 'high' : 'medium') : pattern.strong ? 'medium' : 'low';
    const why = [password ? 'the file also handles password fields' : '', recent && since ? `it changed after ${since.toISOString()}` : ''].filter(Boolean).join(' and ');
    const more = hits.length > MAX_PER_PATTERN ? `; ${hits.length} such hits in this file, the first ${MAX_PER_PATTERN} are reported` : '';
    for (const hit of hits.slice(0, MAX_PER_PATTERN)) {
      const line = lineAt(starts, hit.index);
      const column = hit.index - (starts[line - 1] as number);
      out.push(
        artefactFinding(PORTAL_JS_RULE, file, {
          verdict,
          confidence,
          rationale: `${pattern.name}${hit.url ? ` (${hit.url.slice(0, 200)})` : ''} in a logon/portal page: a way to send what users type to another host${why ? `; ${why}` : ''}${more}`,
          offset: hit.index,
          line,
          excerpt: hexSafeText(around(lineText(text, starts, line), column, 400)),
        }),
      );
    }
  }
  if (content.truncated) out.push(partialReadFinding(PORTAL_JS_RULE, file, `too large to scan fully: only the first ${MAX_BYTES} bytes were matched`));
  return out;
}

/** Groups of ≥ 20 portal files whose mtimes lie within 30 s of each other (non-overlapping, earliest first). */
function bursts(files: readonly ArtefactFile[], since: Date | null): ArtefactFinding[] {
  const timed = files.filter((f) => f.mtime !== null).sort((a, b) => (a.mtime as Date).getTime() - (b.mtime as Date).getTime());
  const out: ArtefactFinding[] = [];
  let i = 0;
  while (i < timed.length) {
    const first = (timed[i] as ArtefactFile).mtime as Date;
    let j = i;
    while (j + 1 < timed.length && ((timed[j + 1] as ArtefactFile).mtime as Date).getTime() - first.getTime() <= BURST.windowMs) j += 1;
    if (j - i + 1 < BURST.files) {
      i += 1;
      continue;
    }
    const group = timed.slice(i, j + 1);
    const last = (group[group.length - 1] as ArtefactFile).mtime as Date;
    const prefix = commonFolder(group.map((f) => f.path));
    const recent = since !== null && first.getTime() > since.getTime();
    out.push(
      artefactFinding(
        PORTAL_JS_RULE,
        { path: prefix, evidenceSha256: null, mtime: first },
        {
          title: 'Theme rewrite (burst of portal changes)',
          verdict: 'REVIEW',
          confidence: recent ? 'medium' : 'low',
          rationale: `${group.length} portal files under ${prefix} changed between ${first.toISOString()} and ${last.toISOString()} (≥ ${BURST.files} within ${BURST.windowMs / 1000} s): a theme rewrite — check it against the firmware install or an admin change${recent ? `; after ${since?.toISOString()}` : ''}`,
          offset: null,
          line: null,
          excerpt: hexSafeText(group.slice(0, 20).map((f) => f.path).join('\n') + (group.length > 20 ? `\n… and ${group.length - 20} more` : '')),
        },
      ),
    );
    i = j + 1;
  }
  return out;
}

function commonFolder(paths: readonly string[]): string {
  let prefix = paths[0] ?? '/';
  for (const p of paths) while (!p.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix.slice(0, prefix.lastIndexOf('/') + 1) || '/';
}

export async function detectPortalExfil(tree: ArtefactTree, options: PortalJsOptions = {}): Promise<ArtefactFinding[]> {
  const allow = (options.allowHosts ?? []).map((h) => h.toLowerCase().replace(/^\*?\./, ''));
  const since = options.since ?? null;
  const files = tree.files.filter(inScope);
  const findings: ArtefactFinding[] = [];
  for (const file of files) findings.push(...(await fileFindings(file, allow, since)));
  findings.push(...bursts(files, since));
  return findings;
}
