import type { LogFormat } from './detect-format.js';
import type { ParserFactory } from './log-event.js';
import { netscalerSyslogParser } from './netscaler-syslog-parser.js';
import { combinedLogParser, netscalerHttpaccessParser } from './web-access-parser.js';
import { netscalerHttperrorParser } from './httperror-parser.js';
import { shellAuditParser } from './shell-audit-parser.js';
import { cronLogParser } from './cron-parser.js';
import { csvLogParser, dataAccessParser, flowLogParser, jsonlParser } from './structured-parser.js';

/** Which parser reads which format, and the `event.dataset` its events and failures carry. */

export type ParseableFormat = Exclude<LogFormat, 'unknown'>;

export function isParseable(format: string): format is ParseableFormat {
  return Object.hasOwn(DATASETS, format);
}

/** The dataset of a format's events; the format itself for one without a parser. */
export function datasetFor(format: string): string {
  return isParseable(format) ? DATASETS[format] : format;
}

const PARSERS: Record<ParseableFormat, ParserFactory> = {
  'netscaler-syslog': netscalerSyslogParser,
  'netscaler-httpaccess': netscalerHttpaccessParser,
  'netscaler-httperror': netscalerHttperrorParser,
  'shell-audit': shellAuditParser,
  cron: cronLogParser,
  combined: combinedLogParser,
  'data-access': dataAccessParser,
  flow: flowLogParser,
  jsonl: jsonlParser,
  csv: csvLogParser,
};

export const DATASETS: Readonly<Record<ParseableFormat, string>> = {
  'netscaler-syslog': 'netscaler.syslog',
  'netscaler-httpaccess': 'netscaler.httpaccess',
  'netscaler-httperror': 'netscaler.httperror',
  'shell-audit': 'netscaler.shell',
  cron: 'netscaler.cron',
  combined: 'web.access',
  'data-access': 'app.data_access',
  flow: 'network.flow',
  jsonl: 'custom',
  csv: 'custom',
};

export function parserFor(format: ParseableFormat): ParserFactory {
  return PARSERS[format];
}
