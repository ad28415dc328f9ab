import { and, col, eq, like, not, or, regex, val } from '../store/query-node.js';
import type { DetectionRule } from './detection-rule.js';
import { HTTPACCESS_RULES } from './httpaccess-rules.js';

/**
 * The log rules of the NetScaler reference (§7.4–7.5) that are row predicates, as data over the
 * event store. Rules that need state across events — session roaming (R4, session-roaming.ts) and
 * concurrency (R5, session-concurrency.ts) — are algorithms. R6's status split is per request, so
 * it is data too (httpaccess-rules.ts). Patterns are the reference's, searched (not anchored:
 * anchored matching is a known bug of older tools), and bound as parameters like every other value.
 */

/**
 * PHP (`<?php`, `<?=`) redirected or tee'd into a web root, or a shell copied and given the setuid
 * bit. Dot-all: a multi-line command (printf '<?php\n…' > …) is one event.
 */
const WEBSHELL_WRITE =
  '(<\\?php|<\\?=).*(>|\\btee\\b)\\s*(-a\\s+)?["\']?/(var/)?(netscaler|vpn)/|cp\\s+/(usr/)?bin/(ba)?sh\\s+\\S+.*chmod\\s+(\\+s|u\\+s|[2467][0-7]{3})';

const contains = (column: string, text: string) => like(col(column), [{ kind: 'anyRun' }, { kind: 'text', text }, { kind: 'anyRun' }]);

export const NETSCALER_LOG_RULES: readonly DetectionRule[] = Object.freeze([
  {
    id: 'NS-R1',
    title: 'CitrixBleed-2 attempt: AAA rejection with non-ASCII bytes in the user name',
    ruleset: 'netscaler',
    level: 'high',
    verdict: 'ATTEMPT',
    confidence: 'high',
    rationale:
      'An AAA Message "Authentication is rejected for" whose user name holds bytes 0x80–0xFF is leaked memory echoed into the log: the CVE-2025-5777 out-of-bounds read was tried. An attempt, not proof of compromise.',
    // Lines with bytes that are not valid UTF-8 are stored as Latin-1 text, so every such byte is
    // a character U+0080–U+00FF; the class below finds any non-ASCII character.
    where: and(eq(col('event.action'), val('aaa.message')), contains('message', 'Authentication is rejected for'), regex(col('message'), '[^\\x00-\\x7f]')),
  },
  {
    id: 'NS-R3',
    title: 'Shell metacharacters in a user name (log poisoning / command injection shape)',
    ruleset: 'netscaler',
    level: 'high',
    verdict: 'ATTEMPT',
    confidence: 'high',
    rationale: 'User names with backticks, $( or ${IFS}, or fake pitboss crash lines followed by shell text, are attacker text written to a log that a root script may later execute.',
    where: and(
      eq(col('event.dataset'), val('netscaler.syslog')),
      or(
        regex(col('user.name'), '`|\\$\\(|\\$\\{IFS\\}|\\|\\s*sh\\b|%60|%24%28'),
        // A fake packet-engine crash message carrying shell text: written to the log for a root
        // script to run later (reference R3; URL-encoded forms too).
        regex(col('message'), 'pitboss.*ppe.*(unexpectedly.*died|missed.*too.*many.*heartbeats).*nsppe.*(;|`|\\$\\(|\\||>|<|&&|%3b|%60|%7c|%24%28|%26%26|%3e|%3c)', { i: true }),
      ),
    ),
  },
  {
    id: 'NS-R8-webshell',
    title: 'Shell command writing a script or a shell into the appliance',
    ruleset: 'netscaler',
    level: 'critical',
    verdict: 'COMPROMISE',
    confidence: 'high',
    rationale:
      'PHP written into a web root, or a shell copied and made setuid: no administrator does this on a NetScaler. The reference puts shell history at "REVIEW or COMPROMISE by list"; these commands are the list.',
    where: and(eq(col('event.dataset'), val('netscaler.shell')), eq(col('event.action'), val('shell_command')), regex(col('process.command_line'), WEBSHELL_WRITE, { s: true })),
  },
  {
    id: 'NS-R8',
    title: 'Shell command of a known post-exploitation kind',
    ruleset: 'netscaler',
    level: 'high',
    verdict: 'REVIEW',
    confidence: 'medium',
    rationale: 'The appliance logs every shell command; these are the commands seen in NetScaler compromises (key theft, webshell drops, persistence, timestomping). Read-only searches are excluded.',
    where: and(
      eq(col('event.dataset'), val('netscaler.shell')),
      eq(col('event.action'), val('shell_command')),
      regex(
        col('process.command_line'),
        'ldapsearch|LDAPTLS_REQCERT|/flash/nsconfig/keys|\\.F[12]\\.key|openssl (des3|base64 -d|s_client)|cp /(usr/)?bin/(ba)?sh|chmod (\\+s|[0-7]?[4-7][0-7]{3}|u\\+s)|echo <\\?php|<\\?php|tee /netscaler/portal|python3? -c|base64 -d|b(64|85)decode|zlib\\.decompress|touch -t|apachectl graceful|httpd -k restart|kill -HUP|nsshutdown -R|/var/tmp/sh|tar -czvf - /var/tmp|whoami$',
      ),
      not(regex(col('process.command_line'), '^\\s*(z?grep|find)\\s')),
      // Those NS-R8-webshell calls a compromise are not listed twice.
      not(regex(col('process.command_line'), WEBSHELL_WRITE, { s: true })),
    ),
  },
  {
    id: 'NS-R9',
    title: 'Administrative command that changes users, policies, the portal or the shell',
    ruleset: 'netscaler',
    level: 'medium',
    verdict: 'REVIEW',
    confidence: 'medium',
    rationale: 'Configuration changes an attacker makes to keep access; a marker on the timeline. Remote_ip 127.0.0.1 (a script on the box) deserves extra attention.',
    where: and(
      regex(col('event.action'), '^(cli|api|gui)\\.cmd_executed$'),
      regex(
        col('process.command_line'),
        '^(add|set|bind|rm|unbind) (system|aaa) (user|cmdpolicy|group)|save ns config|^shell|set vpn parameter|add (responder|rewrite)|bind vpn vserver .* -portaltheme|set .*epaAction .*NO_AUTH',
        { i: true },
      ),
    ),
  },
  {
    id: 'NS-R10',
    title: 'Cron job that downloads, decodes or runs from temporary folders',
    ruleset: 'netscaler',
    level: 'high',
    verdict: 'COMPROMISE',
    confidence: 'high',
    rationale: 'Stock NetScaler cron jobs never fetch from the network, decode base64 or run from /tmp or /var/tmp; such a job is persistence.',
    where: and(
      eq(col('event.dataset'), val('netscaler.cron')),
      eq(col('event.action'), val('cron_command')),
      regex(col('process.command_line'), 'curl|wget|fetch |https?://|\\b\\d{1,3}(\\.\\d{1,3}){3}\\b|/var/tmp|/tmp/|base64|python3? -c'),
    ),
  },
  {
    id: 'NS-R11',
    title: 'Packet engine crash',
    ruleset: 'netscaler',
    level: 'medium',
    verdict: 'REVIEW',
    confidence: 'low',
    rationale: 'Memory-corruption exploits (CVE-2025-6543) crash the packet engine; a crash in the exposure window is worth a look.',
    where: and(eq(col('event.dataset'), val('netscaler.syslog')), regex(col('message'), 'NSPPE.*(unexpectedly died|missed too many heartbeats|exit with orphan rings)|NOT restarting NSPPE')),
  },
  ...HTTPACCESS_RULES,
  {
    id: 'NS-R7',
    title: 'Output of a shell command in the web server error log',
    ruleset: 'netscaler',
    level: 'high',
    verdict: 'COMPROMISE',
    confidence: 'medium',
    rationale:
      'Apache writes the stderr of its children into httperror.log; curl/wget/cat/python errors, tracebacks and curl progress meters there are commands run through a webshell or an injected template.',
    // Raw stderr is its own event (`stderr`); a CGI script's stderr comes as an Apache record `AH01215: …`.
    where: and(
      eq(col('event.dataset'), val('netscaler.httperror')),
      regex(col('message'), '(^|AH01215: )(/(usr/)?bin/)?(curl|wget|chmod|mkdir|rm|bash|sh|cat|python\\d?): |Traceback \\(most recent call last\\)|socket\\.error|% Total +% Received|Xferd'),
    ),
  },
]);
