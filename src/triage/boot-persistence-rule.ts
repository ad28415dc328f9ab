import { WEB_ROOTS, type ArtefactFinding, type ArtefactTree } from './artefact-model.js';
import { basenameOf, readForScan } from './artefact-content.js';
import { findingFor, tooLargeFinding, type TriageRuleMeta } from './triage-finding.js';

/**
 * NS-R14 — boot persistence (NetScaler reference §7.6; NCSC-NL `rc_persistence` proposal and its
 * reversed-string IOCs). The scripts the appliance runs at boot are searched line by line — not
 * anchored, unlike the crontab regexes of §10 — and every indicator is one COMPROMISE/high finding
 * at its first occurrence. Full-line `#` comments do not count; `\`-continued lines are one command.
 */

export const BOOT_PERSISTENCE_RULE: TriageRuleMeta = Object.freeze({ id: 'NS-R14', title: 'Boot persistence' });

const NSCONFIG_SCRIPTS = ['rc.netscaler', 'nsbefore.sh', 'nsafter.sh'];

/** The boot scripts of §5 ("Startup"): nsconfig hooks on both mount points, and FreeBSD's rc files. */
export function isBootScript(path: string): boolean {
  const base = basenameOf(path);
  if (path === `/flash/nsconfig/${base}` || path === `/nsconfig/${base}`) return NSCONFIG_SCRIPTS.includes(base);
  if (path === '/etc/rc' || path === '/etc/rc.local' || path.startsWith('/etc/rc.conf')) return !path.slice('/etc/'.length).includes('/');
  return path.startsWith('/etc/rc.d/');
}

/** Strings the 2025 attackers built by reversal to dodge greps (NCSC-NL `iocs.yar`, `checks.yaml`). */
const REVERSED_IOCS = ['hs/pmt/rav/', 'fnoc.dptth', 'galf_php', 'hctaMselif', 'lufecarg', 'ltcehcapa', 'php.IUnogoL', 'php.xednimt', 'php.xedni', 'tnioPnogoL', 'gifnocsn', 'relacsten'];

/** Where on a line an indicator starts, or -1. Each is linear in the line length. */
type LineTest = (line: string) => number;

const search =
  (re: RegExp): LineTest =>
  (line) =>
    line.search(re);

/** `(curl|wget|fetch).*\|\s*sh` as two linear searches: a downloader, then a pipe into a shell (`sh`, `/bin/bash`…) after it. */
const downloadPipedToShell: LineTest = (line) => {
  const start = line.search(/\b(?:curl|wget|fetch)\b/);
  if (start < 0) return -1;
  // `[^\s|]*` stops at the next pipe, so a hostile run of pipes cannot make this quadratic.
  return line.slice(start).search(/\|\s*(?:[^\s|]*\/)?(?:ba|k|z|c|tc)?sh\b/) >= 0 ? start : -1;
};

/** A public-looking IPv4: octets ≤ 255; loopback, 0.0.0.0 and 255.x netmasks are not indicators. */
const ipv4: LineTest = (line) => {
  for (const m of line.matchAll(/(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])/g)) {
    const octets = m[0].split('.').map(Number);
    if (octets.some((o) => o > 255) || octets[0] === 127 || octets[0] === 255 || octets.every((o) => o === 0)) continue;
    return m.index;
  }
  return -1;
};

const writesWebRootOrHttpdConf: LineTest = (line) => {
  // Tokenize only lines that name a target at all: a 16 MiB line of words is otherwise millions of tokens.
  if (!line.includes('httpd.conf') && !WEB_ROOTS.some((root) => line.includes(root.slice(0, -1)))) return -1;
  const target = writeTargets(line).find((t) => basenameOf(t) === 'httpd.conf' || WEB_ROOTS.some((root) => `${t}/`.startsWith(root)));
  return target === undefined ? -1 : Math.max(0, line.indexOf(target));
};

const INDICATORS: readonly { readonly name: string; readonly test: LineTest }[] = [
  { name: 'python -c (inline Python payload)', test: search(/\bpython[\d.]*\s+-c\b/) },
  { name: 'download piped into a shell', test: downloadPipedToShell },
  { name: 'base64', test: search(/base64/i) },
  { name: 'zlib', test: search(/zlib/i) },
  { name: 'touch -t (timestomping)', test: search(/\btouch\s+-t\b/) },
  { name: 'nohup (detached process)', test: search(/\bnohup\s/) },
  { name: 'screen (detached session)', test: search(/\bscreen\s/) },
  { name: 'URL', test: search(/\b(?:https?|ftp|tftp):\/\//i) },
  { name: 'IPv4 address', test: ipv4 },
  ...REVERSED_IOCS.map((ioc) => ({ name: `reversed-string IOC '${ioc}'`, test: (line: string) => line.indexOf(ioc) })),
  { name: 'writes into a web root or httpd.conf', test: writesWebRootOrHttpdConf },
];

const unquote = (t: string): string => t.replace(/^["']+|["';]+$/g, '');

/**
 * Files a shell line writes: redirection targets, `tee` arguments, the last argument of
 * cp/mv/ln/install, `-o`/`-O` of downloaders, `of=` of dd and the files `sed -i` edits. A
 * whitespace tokenizer, not a shell parser: enough for the one-line forms boot scripts use.
 */
export function writeTargets(line: string): string[] {
  const targets: string[] = [];
  for (const command of line.split(/&&|\|\||[;|&]/)) {
    const words = command.trim().split(/\s+/).filter((w) => w !== '');
    for (let i = 0; i < words.length; i += 1) {
      const w = words[i]!;
      const redirect = w.lastIndexOf('>');
      if (redirect >= 0) {
        const rest = w.slice(redirect + 1);
        const t = rest !== '' ? rest : words[i + 1];
        if (t !== undefined) targets.push(unquote(t));
      }
      if (w.startsWith('of=')) targets.push(unquote(w.slice(3)));
    }
    const [cmd = '', ...args] = words.map(unquote);
    const verb = basenameOf(cmd);
    const paths = args.filter((a) => !a.startsWith('-'));
    if (verb === 'tee' || verb === 'sed' || verb === 'perl') targets.push(...paths);
    if (['cp', 'mv', 'ln', 'install', 'rsync', 'scp'].includes(verb) && paths.length > 0) targets.push(paths[paths.length - 1]!);
    if (['curl', 'wget', 'fetch'].includes(verb)) {
      const o = args.findIndex((a) => a === '-o' || a === '-O' || a === '--output' || a === '--output-document');
      if (o >= 0 && args[o + 1] !== undefined) targets.push(args[o + 1]!);
    }
  }
  return targets.filter((t) => t.startsWith('/'));
}

export async function findBootPersistence(tree: ArtefactTree): Promise<ArtefactFinding[]> {
  const findings: ArtefactFinding[] = [];
  for (const file of tree.files) {
    if (!isBootScript(file.path)) continue;
    const content = await readForScan(file);
    if (!content) continue;
    if (content.truncated) findings.push(tooLargeFinding(BOOT_PERSISTENCE_RULE, file));
    // Same-length replacement keeps string indexes equal to byte offsets.
    const text = content.text.replace(/\\\r?\n/g, (m) => ' '.repeat(m.length));
    const pending = new Set(INDICATORS);
    let start = 0;
    while (start <= text.length && pending.size > 0) {
      const nl = text.indexOf('\n', start);
      const end = nl < 0 ? text.length : nl;
      const line = text.slice(start, end);
      if (!line.trimStart().startsWith('#')) {
        for (const indicator of pending) {
          const at = indicator.test(line);
          if (at < 0) continue;
          pending.delete(indicator);
          findings.push(
            findingFor(BOOT_PERSISTENCE_RULE, file, {
              verdict: 'COMPROMISE',
              confidence: 'high',
              rationale: `boot script runs ${indicator.name}: stock boot scripts carry no such command, so it survives reboots as persistence`,
              hit: { bytes: content.bytes, offset: start + at },
            }),
          );
        }
      }
      start = end + 1;
    }
  }
  return findings;
}
