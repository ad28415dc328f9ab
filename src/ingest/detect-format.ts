import { basename } from 'node:path';

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
  for (const [pattern, format] of BY_NAME) if (pattern.test(name)) return format;
  const firstLine = head.subarray(0, Math.max(0, head.indexOf(0x0a) >= 0 ? head.indexOf(0x0a) : head.length)).toString('latin1');
  if (/^<\d{1,3}>/.test(firstLine) || /\b(SSLVPN|AAA|AAATM|UI|TCP|SSLLOG|EVENT) [A-Z_]+ \d+ /.test(firstLine)) return 'netscaler-syslog';
  if (/^\S+ \S+ \S+ \[[^\]]+\] "[A-Z]+ /.test(firstLine)) return 'combined';
  if (/^\s*\{/.test(firstLine)) return 'jsonl';
  return 'unknown';
}
