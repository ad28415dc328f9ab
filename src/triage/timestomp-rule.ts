import { hexSafeText, openContent } from './artefact-content.js';
import { inWebRoot, type ArtefactFile, type ArtefactFinding, type ArtefactTree } from './artefact-model.js';
import { artefactFinding, type TriageRuleMeta } from './triage-finding.js';

/**
 * R18 — timestomp (reference §7.6, REVIEW). Three signs that a file's times were set back:
 * - UFS2 keeps a birth time that `touch` cannot change, so `birthtime > mtime` means the mtime was
 *   written after creation (NCSC disk-image check); 1 s of slack absorbs rounding between tools.
 * - Files in the web roots come from the firmware install or the admin, so an mtime before the
 *   running build was installed is suspect. Firmware files can keep their build-time mtimes, so
 *   alone this is low confidence; with a birth time after the install it is medium.
 * - `touch -t/-d/-r` in the shell history (bash.log, sh.log, notice.log and rotations).
 * The ctime−mtime heuristic of Fox-IT is deliberately not used (reference §10: it never fires as
 * written and is noisy once fixed).
 */

export const TIMESTOMP_RULE: TriageRuleMeta = Object.freeze({ id: 'NS-R18', title: 'Timestomp' });

export interface TimestompOptions {
  /** When the running build was installed (first boot after install, reference §6.1); null = unknown. */
  readonly installedAt?: Date | null;
}

const SLACK_MS = 1000;
/** `/var/log/bash.log*`, `sh.log*`, `notice.log*`: the live file and its rotations (`.0`, `.0.gz`). */
const HISTORY = /^\/var\/log\/(?:bash|sh|notice)\.log(?:[.-][^/]*)?$/;
/** `touch` followed by its arguments up to the end of the command (`;`, `&`, `|`, quote or newline). */
const TOUCH = /(?:^|[\s;&|(`"'])touch((?:[ \t]+[^\s;&|`"']+)+)/g;
/** Options that set a time: `-t STAMP`, `-d DATE`, `-r REF`, combined (`-mt`, `-at`) or GNU long forms. */
const setsTime = (arg: string): boolean => /^--(?:date|reference)\b/.test(arg) || /^-[acfhm]*[tdr]/.test(arg);
const MAX_LINE = 64 * 1024;

function finding(file: ArtefactFile, fields: Pick<ArtefactFinding, 'confidence' | 'rationale' | 'line' | 'time' | 'excerpt'>): ArtefactFinding {
  return artefactFinding(TIMESTOMP_RULE, file, { verdict: 'REVIEW', offset: null, ...fields });
}

function metadataFindings(file: ArtefactFile, installedAt: Date | null): ArtefactFinding[] {
  const out: ArtefactFinding[] = [];
  const { mtime, birthtime } = file;
  const times = `mtime ${mtime?.toISOString() ?? 'unknown'}, birthtime ${birthtime?.toISOString() ?? 'unknown'}`;
  if (mtime && birthtime && birthtime.getTime() - mtime.getTime() > SLACK_MS) {
    out.push(
      finding(file, {
        confidence: 'medium',
        rationale: `birth time is ${Math.round((birthtime.getTime() - mtime.getTime()) / 1000)} s after the modification time: the file was created after the time its mtime claims, so the mtime was set back (UFS2 birth time cannot be changed with touch)`,
        line: null,
        // The birth time is when the file really appeared.
        time: birthtime,
        excerpt: times,
      }),
    );
  }
  if (installedAt && mtime && inWebRoot(file.path) && mtime.getTime() < installedAt.getTime()) {
    const bornAfter = birthtime !== null && birthtime.getTime() >= installedAt.getTime();
    out.push(
      finding(file, {
        confidence: bornAfter ? 'medium' : 'low',
        rationale: bornAfter
          ? `in a web root, created after the running build was installed (${installedAt.toISOString()}) yet its mtime is earlier: the mtime was set back`
          : `in a web root with an mtime before the running build was installed (${installedAt.toISOString()}); files there come from the install or the admin — compare with the stock files of the build, firmware files may keep build-time mtimes`,
        line: null,
        time: bornAfter ? birthtime : mtime,
        excerpt: `${times}, installed ${installedAt.toISOString()}`,
      }),
    );
  }
  return out;
}

/** Lines of a shell-history file (gunzipped when needed); an over-long line is cut, its count kept. */
async function* lines(file: ArtefactFile): AsyncGenerator<{ line: number; text: string }> {
  const opened = await openContent(file, { chunkSize: 1 << 20, gunzip: true });
  if (!opened) return;
  let carry = '';
  let line = 1;
  for await (const chunk of opened.chunks) {
    const text = carry + chunk.toString('latin1');
    const parts = text.split('\n');
    carry = parts.pop() ?? '';
    if (carry.length > MAX_LINE) carry = carry.slice(0, MAX_LINE);
    for (const part of parts) yield { line: line++, text: part };
  }
  if (carry !== '') yield { line, text: carry };
}

async function historyFindings(file: ArtefactFile): Promise<ArtefactFinding[]> {
  const out: ArtefactFinding[] = [];
  for await (const { line, text } of lines(file)) {
    if (!text.includes('touch')) continue;
    for (const match of text.matchAll(TOUCH)) {
      const args = (match[1] ?? '').trim().split(/[ \t]+/);
      if (!args.some(setsTime)) continue;
      out.push(
        finding(file, {
          confidence: 'medium',
          rationale: `shell history runs \`touch ${args.join(' ').slice(0, 200)}\`, which sets a file's times to a chosen value (an NCSC IOC string for the 2025 NetScaler intrusions)`,
          line,
          // BSD syslog lines have no year (reference §2.1); the timeline derives it, not this rule.
          time: null,
          excerpt: hexSafeText(text.slice(0, 4096)),
        }),
      );
      break;
    }
  }
  return out;
}

export async function detectTimestomp(tree: ArtefactTree, options: TimestompOptions = {}): Promise<ArtefactFinding[]> {
  const installedAt = options.installedAt ?? null;
  const findings: ArtefactFinding[] = [];
  for (const file of tree.files) {
    findings.push(...metadataFindings(file, installedAt));
    if (HISTORY.test(file.path)) findings.push(...(await historyFindings(file)));
  }
  return findings;
}
