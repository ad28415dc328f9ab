import { type Expr, and, col, compare, eq, exists, isIn, isNull, not, or, regex, val } from '../store/query-node.js';
import type { Confidence, DetectionRule, Verdict } from './detection-rule.js';

/**
 * NS-R6 (NetScaler reference §7.4, Mandiant's 2019 log scanner): path-based exploitation in
 * httpaccess.log, split by what the appliance answered, so that a scan, a failed attempt and a
 * request the appliance served are never folded into one count. A rule has one verdict, so each
 * signature × status class is its own rule, `NS-R6-<signature>-<class>`:
 *
 *   success  2xx or 304          the appliance served the request
 *   attempt  401 or 404          it refused or had no such file
 *   scan     any other status, or none logged
 *
 * Signatures (searched in url.path, which holds the request target as logged — not URL-decoded —
 * so every letter of a keyword also matches its %XX form: `%76%70%6e%73` is `vpns`):
 *
 *   script          .php/.xhtml/.phtml under /vpn, /vpns, /logon, /theme(s): webshell use or hunting
 *   b64-agent       a User-Agent that is only base64, or `INDEX:<base64>` (webshell C2 channels)
 *   oidc-long-host  /oauth/idp/.well-known/openid-configuration with a Host of ≥ 150 characters
 *                   (CVE-2023-4966, SigmaHQ). The httpaccess formats do not log the Host header;
 *                   url.domain has it only for absolute-form targets (`GET http://host/…`), so
 *                   this fires only then, or for a log format with `%{Host}i` mapped to url.domain.
 *   oidc            the same path with no Host known: success only, REVIEW (SigmaHQ's status-200 rule)
 *   vpns-template   CVE-2019-19781: a .xml under /vpns/portal/ — a bookmark template the exploit
 *                   wrote with newbm.pl; served (2xx/304) means it was rendered, i.e. its commands ran
 *   vpns-traversal  CVE-2019-19781: `/../vpns/` (other than a template, which the rule above takes)
 *
 * `script` served (200) is ATTEMPT, not COMPROMISE: it is compromise only when the file exists in
 * the image and is not stock, which the triage rules (webshell files, R12) decide.
 */

type StatusClass = 'success' | 'attempt' | 'scan';
type Judgement = { readonly verdict: Verdict; readonly confidence: Confidence; readonly why: string };

interface Signature {
  readonly name: string;
  readonly title: string;
  readonly where: Expr;
  readonly classes: Partial<Record<StatusClass, Judgement>>;
}

const PORTAL_FOLDERS = ['vpns', 'vpn', 'logon', 'themes', 'theme'];
const SCRIPT_EXTENSIONS = ['php', 'xhtml', 'phtml'];

/** `text` as a regex in which each character may also be percent-encoded; used with the `i` flag. */
export function encodable(text: string): string {
  return [...text]
    .map((c) => {
      const literal = /[A-Za-z0-9]/.test(c) ? c : `\\${c}`;
      return `(?:${literal}|%${c.charCodeAt(0).toString(16).padStart(2, '0')})`;
    })
    .join('');
}

const anyOf = (words: readonly string[]) => `(?:${words.map(encodable).join('|')})`;

export const HTTPACCESS_PATTERNS = Object.freeze({
  script: `^/+${anyOf(PORTAL_FOLDERS)}${encodable('/')}.*${encodable('.')}${anyOf(SCRIPT_EXTENSIONS)}(?:${encodable('/')}|$)`,
  vpnsTemplate: `${encodable('/vpns/portal/')}[^/]*${encodable('.xml')}$`,
  vpnsTraversal: encodable('/../vpns/'),
  oidc: `^/+${encodable('oauth/idp/.well-known/openid-configuration')}(?:${encodable('/')})?$`,
  // Whole value base64 (in 4-character groups, padded), at least 16 characters, not letters only.
  b64Agent: '^(?:[A-Za-z0-9+/]{4}){4,}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$|^INDEX:[A-Za-z0-9+/]+={0,2}$',
});

const path = col('url.path');
const status = col('http.response.status_code');
const served = or(and(compare('>=', status, val(200)), compare('<=', status, val(299))), eq(status, val(304)));
const refused = isIn(status, [401, 404]);
const CLASSES: Record<StatusClass, { readonly where: Expr; readonly label: string }> = {
  success: { where: served, label: 'served (2xx/304)' },
  attempt: { where: refused, label: 'refused or not found (401/404)' },
  scan: { where: or(isNull(status), not(or(served, refused))), label: 'answered otherwise' },
};

const pathMatches = (pattern: string) => regex(path, pattern, { i: true });
const template = pathMatches(HTTPACCESS_PATTERNS.vpnsTemplate);
const oidcPath = pathMatches(HTTPACCESS_PATTERNS.oidc);

const SIGNATURES: readonly Signature[] = [
  {
    name: 'script',
    title: 'PHP/XHTML script requested under the Gateway portal folders',
    where: pathMatches(HTTPACCESS_PATTERNS.script),
    classes: {
      success: { verdict: 'ATTEMPT', confidence: 'medium', why: 'A stock appliance serves no such script there; a served one may be a webshell. Compromise only if the file is in the image and not stock (triage rules decide).' },
      attempt: { verdict: 'REVIEW', confidence: 'low', why: 'Someone looked for a webshell that is not there: a scanner, or an actor checking for another actor’s shell.' },
      scan: { verdict: 'REVIEW', confidence: 'low', why: 'A script request with an unusual answer (403, 500: it may exist and fail).' },
    },
  },
  {
    name: 'b64-agent',
    title: 'User-Agent that is only base64, or INDEX:<base64>',
    where: and(exists(col('user_agent.original')), regex(col('user_agent.original'), HTTPACCESS_PATTERNS.b64Agent), regex(col('user_agent.original'), '[0-9+/=]')),
    classes: {
      success: { verdict: 'ATTEMPT', confidence: 'medium', why: 'Webshells take commands in an encoded User-Agent; this one was answered. Decode the value to see the command.' },
      attempt: { verdict: 'REVIEW', confidence: 'low', why: 'An encoded-command User-Agent on a missing or refused path: a webshell client looking for its shell.' },
      scan: { verdict: 'REVIEW', confidence: 'low', why: 'An encoded-command User-Agent with an unusual answer.' },
    },
  },
  {
    name: 'oidc-long-host',
    title: 'CitrixBleed (CVE-2023-4966): OpenID configuration requested with an overlong Host',
    where: and(oidcPath, regex(col('url.domain'), '.{150}')),
    classes: {
      success: { verdict: 'ATTEMPT', confidence: 'high', why: 'The overlong Host makes a vulnerable build return memory with session tokens; it was answered. Check for roaming sessions (NS-R4) after it.' },
      attempt: { verdict: 'ATTEMPT', confidence: 'medium', why: 'The CVE-2023-4966 request shape, refused.' },
      scan: { verdict: 'ATTEMPT', confidence: 'low', why: 'The CVE-2023-4966 request shape with an unusual answer.' },
    },
  },
  {
    name: 'oidc',
    title: 'OpenID configuration served, Host not logged',
    where: and(oidcPath, not(exists(col('url.domain')))),
    classes: {
      success: { verdict: 'REVIEW', confidence: 'low', why: 'CVE-2023-4966 is this request with an overlong Host, which this log format does not record; legitimate OAuth clients make it too.' },
    },
  },
  {
    name: 'vpns-template',
    title: 'CVE-2019-19781: bookmark template under /vpns/portal/ requested',
    where: template,
    classes: {
      success: { verdict: 'COMPROMISE', confidence: 'medium', why: 'The exploit writes a template with newbm.pl and runs its commands by requesting it; it was rendered.' },
      attempt: { verdict: 'ATTEMPT', confidence: 'medium', why: 'The second stage of the exploit, for a template that was not there or was refused.' },
      scan: { verdict: 'ATTEMPT', confidence: 'low', why: 'The second stage of the exploit with an unusual answer (403: the mitigation policy).' },
    },
  },
  {
    name: 'vpns-traversal',
    title: 'CVE-2019-19781: path traversal into /vpns/',
    where: and(pathMatches(HTTPACCESS_PATTERNS.vpnsTraversal), not(template)),
    classes: {
      success: { verdict: 'ATTEMPT', confidence: 'high', why: 'The traversal reached the scripts behind the login: the appliance was vulnerable and probed or exploited (Mandiant: successful scanning).' },
      attempt: { verdict: 'ATTEMPT', confidence: 'low', why: 'The traversal was tried and refused.' },
      scan: { verdict: 'INFO', confidence: 'low', why: 'The traversal was answered otherwise (403: the mitigation policy blocked it).' },
    },
  },
];

const LEVELS: Record<Verdict, string> = { COMPROMISE: 'critical', ATTEMPT: 'high', REVIEW: 'medium', INFO: 'low' };

export const HTTPACCESS_RULES: readonly DetectionRule[] = Object.freeze(
  SIGNATURES.flatMap((signature) =>
    (Object.entries(signature.classes) as [StatusClass, Judgement][]).map(([name, judgement]) => ({
      id: `NS-R6-${signature.name}-${name}`,
      title: `${signature.title}, ${CLASSES[name].label}`,
      ruleset: 'netscaler',
      level: LEVELS[judgement.verdict],
      verdict: judgement.verdict,
      confidence: judgement.confidence,
      rationale: judgement.why,
      where: and(eq(col('event.dataset'), val('netscaler.httpaccess')), signature.where, CLASSES[name].where),
    })),
  ),
);
