import { WEB_ROOTS, inTemp, type ArtefactFile, type ArtefactFinding, type ArtefactTree } from './artefact-model.js';
import { basenameOf, extensionOf, readHead, under } from './artefact-content.js';
import { findingFor, type TriageRuleMeta } from './triage-finding.js';

/**
 * NS-R16 — staged data (NetScaler reference §7.6): captures, archives and config copies left
 * where the attacker could collect them — in temp folders, or in a web root, where a plain GET
 * downloads them. Every check looks at the start of the file only, read through `stream()`, so
 * multi-GB cores and traces cost a few bytes (ns.conf copies: their first MiB).
 */

export const STAGED_DATA_RULE: TriageRuleMeta = Object.freeze({ id: 'NS-R16', title: 'Staged data' });

/** Enough for every magic below: tar's `ustar` sits at 257–261. */
const MAGIC_BYTES = 512;

/** ns.conf writes `set ns config` and `add ns ip` among its first commands; a copy shows them early. */
const NSCONF_PREFIX = 1024 * 1024;

/** Classic pcap in both byte orders, micro- and nanosecond (NCSC-NL lists the little-endian two). */
const PCAP_MAGICS = new Set(['d4c3b2a1', 'a1b2c3d4', '4d3cb2a1', 'a1b23c4d']);
/** pcapng: Section Header Block type, then the byte-order magic at offset 8 (four bytes of `\n\r\r\n` alone start many text files). */
const PCAPNG_BLOCK = '0a0d0d0a';
const PCAPNG_BYTE_ORDER = new Set(['1a2b3c4d', '4d3c2b1a']);

/** Extensions a web server hands out as-is: an archive inside one is exfiltration in disguise. */
const WEB_EXTENSIONS = new Set(['.js', '.css', '.png', '.gif', '.ico', '.html', '.xhtml', '.php', '.txt']);

const hex = (bytes: Buffer, from: number, to: number): string => bytes.subarray(from, to).toString('hex');

function captureKind(head: Buffer): string | null {
  if (PCAP_MAGICS.has(hex(head, 0, 4))) return 'pcap';
  if (hex(head, 0, 4) === PCAPNG_BLOCK && PCAPNG_BYTE_ORDER.has(hex(head, 8, 12))) return 'pcapng';
  return null;
}

function archiveKind(head: Buffer): { kind: string; offset: number } | null {
  if (hex(head, 0, 2) === '1f8b') return { kind: 'gzip', offset: 0 };
  if (hex(head, 0, 4) === '504b0304') return { kind: 'zip', offset: 0 };
  if (head.subarray(257, 262).toString('latin1') === 'ustar') return { kind: 'tar', offset: 257 };
  return null;
}

/** Where `set ns config` / `add ns ip` or the `#NS<build>` header show the content is an ns.conf, or -1. */
function nsconfOffset(text: string): number {
  if (/^#NS\d/.test(text)) return 0;
  return text.search(/^(?:set ns config|add ns ip)\b/m);
}

export async function findStagedData(tree: ArtefactTree): Promise<ArtefactFinding[]> {
  const findings: ArtefactFinding[] = [];
  for (const file of tree.files) findings.push(...(await stagedIn(file)));
  return findings;
}

async function stagedIn(file: ArtefactFile): Promise<ArtefactFinding[]> {
  const out: ArtefactFinding[] = [];
  const web = under(file.path, WEB_ROOTS);
  const temp = inTemp(file.path);
  const place = web ? 'a web root' : temp ? 'a temp folder' : null;
  const ext = extensionOf(file.path);

  if (file.path.startsWith('/var/vpn/themes/') && ext === '.js') {
    out.push(findingFor(STAGED_DATA_RULE, file, { verdict: 'REVIEW', confidence: 'medium', rationale: 'JavaScript under /var/vpn/themes: Mandiant saw this folder used for data staging; compare with the theme the admin installed' }));
  }
  if (temp && /^c\d+\.txt$/i.test(basenameOf(file.path))) {
    out.push(findingFor(STAGED_DATA_RULE, file, { verdict: 'REVIEW', confidence: 'low', rationale: 'c<N>.txt in a temp folder: the naming of the dumps seen staged in NetScaler compromises' }));
  }

  const head = await readHead(file, MAGIC_BYTES);
  if (!head) return out;
  const capture = captureKind(head);
  if (capture) {
    out.push(
      findingFor(STAGED_DATA_RULE, file, {
        verdict: place ? 'COMPROMISE' : 'REVIEW',
        confidence: 'medium',
        rationale: place
          ? `${capture} capture in ${place}: captured traffic (credentials, session tokens) staged for collection`
          : `${capture} capture: check whether an admin took it (nstrace writes to /var/nstrace) or an attacker sniffed traffic`,
        hit: { bytes: head, offset: 0, line: null },
      }),
    );
  }
  const archive = place ? archiveKind(head) : null;
  if (archive && (ext === '' || WEB_EXTENSIONS.has(ext))) {
    out.push(
      findingFor(STAGED_DATA_RULE, file, {
        verdict: 'COMPROMISE',
        confidence: 'medium',
        rationale: `${archive.kind} archive ${ext === '' ? 'without an extension' : `named ${ext}`} in ${place}: an archive disguised for download, the way /flash/nsconfig was exfiltrated`,
        hit: { bytes: head, offset: archive.offset, line: null },
      }),
    );
  }
  if (place && !capture && !archive) {
    const prefix = head.length < MAGIC_BYTES ? head : await readHead(file, NSCONF_PREFIX);
    const offset = prefix ? nsconfOffset(prefix.toString('latin1')) : -1;
    if (prefix && offset >= 0) {
      out.push(
        findingFor(STAGED_DATA_RULE, file, {
          verdict: web ? 'COMPROMISE' : 'REVIEW',
          confidence: 'medium',
          rationale: web
            ? 'ns.conf copy in a web root: the appliance config (hashed passwords, keys, LDAP binds) is downloadable — staged exfiltration (Mandiant copied-ns-conf)'
            : 'ns.conf copy in a temp folder: the appliance config staged outside /nsconfig; check who made it',
          hit: { bytes: prefix, offset },
        }),
      );
    }
  }
  return out;
}
