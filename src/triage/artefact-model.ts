import type { Confidence, Verdict } from '../detection/detection-rule.js';

/**
 * The triage rules' view of a collected NetScaler file tree (NetScaler reference §7.6, R12–R20):
 * files from a triage tarball or a copied folder, each with the appliance path it had, its custody
 * (the evidence file's SHA-256) and whatever metadata the collection kept — tar headers keep mode,
 * owner and mtime; a bodyfile (fls/dissect) adds MACB times and setuid bits for files that were not
 * copied. Rules never touch the file system themselves: they read through `read`/`stream`, so the
 * same rules run over a vault, a folder or a test's in-memory tree.
 */

export interface ArtefactFile {
  /** The path on the appliance, POSIX and absolute: `/var/netscaler/logon/LogonPoint/x.php`. */
  readonly path: string;
  /** Custody: the SHA-256 of the evidence file holding the content; null for metadata-only entries. */
  readonly evidenceSha256: string | null;
  readonly size: number;
  /** Permission bits including setuid/setgid/sticky (0o7777), null when the collection did not keep them. */
  readonly mode: number | null;
  /** User name, or the numeric uid as text, null when unknown. */
  readonly owner: string | null;
  readonly mtime: Date | null;
  /** UFS2/ext4 birth time when a bodyfile supplies it. */
  readonly birthtime: Date | null;
  /** The whole content; null for metadata-only entries (listed by a bodyfile, not collected). */
  read(): Promise<Buffer> | null;
  /** The content as a stream of chunks, for files too large to read at once; null for metadata-only entries. */
  stream(): AsyncIterable<Buffer> | null;
}

export interface ArtefactTree {
  /** The appliance the collection came from (the tarball's host), when known. */
  readonly host: string | null;
  readonly files: readonly ArtefactFile[];
}

export interface ArtefactFinding {
  /** `NS-R12` … `NS-R20`. */
  readonly ruleId: string;
  readonly title: string;
  readonly verdict: Verdict;
  readonly confidence: Confidence;
  /** Why this file means what the verdict says, specific to the hit. */
  readonly rationale: string;
  readonly path: string;
  readonly evidenceSha256: string | null;
  /** Byte offset of the hit in the file, when the hit is in its content. */
  readonly offset: number | null;
  /** 1-based line of the hit, for text files. */
  readonly line: number | null;
  /** When it happened, as far as the artefact says: usually the file's mtime. */
  readonly time: Date | null;
  /** The matching text, hex-escaped outside printable ASCII (never raw bytes), at most a few KiB. */
  readonly excerpt: string;
}

/** Folders served by the appliance's web server (reference §5), where a new script is a webshell. */
export const WEB_ROOTS: readonly string[] = Object.freeze([
  '/var/netscaler/logon/',
  '/var/netscaler/gui/',
  '/var/netscaler/portal/',
  '/var/netscaler/websocketd/',
  '/netscaler/ns_gui/',
  '/var/vpn/',
  '/netscaler/portal/',
  '/vpn/',
]);

/** Stock parts of the web roots that the rules skip (the admin UI and websocket daemon ship with the firmware). */
export const STOCK_WEB_PATHS: readonly string[] = Object.freeze(['/var/netscaler/gui/admin_ui/', '/netscaler/ns_gui/admin_ui/', '/var/netscaler/websocketd/']);

/** Temporary and staging folders (reference §5). */
export const TEMP_ROOTS: readonly string[] = Object.freeze(['/tmp/', '/var/tmp/', '/var/nstmp/']);

export const inWebRoot = (path: string): boolean => WEB_ROOTS.some((root) => path.startsWith(root)) && !STOCK_WEB_PATHS.some((stock) => path.startsWith(stock));
export const inTemp = (path: string): boolean => TEMP_ROOTS.some((root) => path.startsWith(root));

/** Bytes as text that is safe to print and store: printable ASCII kept, everything else `\xNN`. */
export function hexSafe(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : b === 0x5c ? '\\\\' : `\\x${b.toString(16).padStart(2, '0')}`;
  return out;
}

/** An in-memory tree for tests and small collections. */
export function memoryTree(host: string | null, entries: readonly (Partial<Omit<ArtefactFile, 'read' | 'stream'>> & { path: string; content?: string | Buffer | null })[]): ArtefactTree {
  return {
    host,
    files: entries.map((e) => {
      const content = e.content === undefined || e.content === null ? null : Buffer.isBuffer(e.content) ? e.content : Buffer.from(e.content, 'utf8');
      return Object.freeze({
        path: e.path,
        evidenceSha256: e.evidenceSha256 ?? (content ? `sha-${e.path}` : null),
        size: e.size ?? content?.length ?? 0,
        mode: e.mode ?? null,
        owner: e.owner ?? null,
        mtime: e.mtime ?? null,
        birthtime: e.birthtime ?? null,
        read: () => (content ? Promise.resolve(content) : null),
        stream: () =>
          content
            ? (async function* () {
                yield content;
              })()
            : null,
      });
    }),
  };
}
