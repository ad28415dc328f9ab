import { basename } from 'node:path';
import { detectStructuredFormat } from './structured-parser.js';

/**
 * Which log format a file holds, from its path first (NetScaler writes fixed file names, rotated
 * as `ns.log.0.gz`) and its first bytes second. The answer only routes a file to a parser; a wrong
 * guess shows as parse failures, never as silently dropped lines, and `--format` overrides it.
 */

export const LOG_FORMATS = [
  'netscaler-syslog',
  'netscaler-httpaccess',
  'netscaler-httperror',
  'shell-audit',
  'cron',
  'combined',
  'data-access',
  'flow',
  'jsonl',
  'csv',
  'unknown',
] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

const BY_NAME: [RegExp, LogFormat][] = [
  [/^ns\.log(\.\d+)?$/, 'netscaler-syslog'],
  [/^(messages|syslog)(\.\d+)?$/, 'netscaler-syslog'],
  [/^httpaccess(-vpn)?\.log(\.\d+)?$/, 'netscaler-httpaccess'],
  [/^httperror(-vpn)?\.log(\.\d+)?$/, 'netscaler-httperror'],
  [/^(bash|sh|notice)\.log(\.\d+)?$/, 'shell-audit'],
  [/^cron(\.\d+)?$/, 'cron'],
  [/^(access[._]log|access\.log)(\.\d+)?$/, 'combined'],
  [/\.jsonl$|\.ndjson$/, 'jsonl'],
  [/\.csv$/, 'csv'],
];

/** The name without compression suffixes: `ns.log.3.gz` → `ns.log.3`. */
export function uncompressedName(path: string): string {
  return basename(path).replace(/\.gz$/i, '');
}

export function detectFormat(path: string, head: Buffer): LogFormat {
  const name = uncompressedName(path).toLowerCase();
  const text = head.toString('latin1');
  const firstLine = text.split('\n').find((line) => line.trim() !== '') ?? '';
  // A `.json` file is one document (a report, a fixture), not a log of one object per line.
  if (/\.json$/.test(name)) return 'unknown';
  for (const [pattern, format] of BY_NAME) {
    if (!pattern.test(name)) continue;
    // JSONL and CSV are containers: the keys or header say whether it is an audit or a flow log.
    if (format === 'jsonl' || format === 'csv') return detectStructuredFormat(firstLine) ?? format;
    return format;
  }
  if (/^<\d{1,3}>/.test(firstLine) || /\b(SSLVPN|AAA|AAATM|UI|TCP|SSLLOG|EVENT) [A-Z_]+ \d+ /.test(firstLine)) return 'netscaler-syslog';
  if (/^\S+ \S+ \S+ \[[^\]]+\] "[A-Z]+ /.test(firstLine)) return 'combined';
  if (/^\s*\{/.test(firstLine)) return detectStructuredFormat(firstLine) ?? 'jsonl';
  return 'unknown';
}
