import type { VersionEvent } from '../inventory/inventory-store.js';

/**
 * The exposure window of one finding: from the first moment the asset ran a vulnerable version
 * until it ran a fixed one or was disconnected — read from the asset's version history. When the
 * history begins with the asset already vulnerable, the true start is earlier than we can see:
 * `startIsLowerBound` says so, and a report must say "at the latest since".
 */

export interface ExposureWindow {
  readonly start: string | null;
  readonly startIsLowerBound: boolean;
  readonly end: string | null;
  readonly endReason: 'fixed' | 'disconnected' | null;
  /** Versions whose state could not be decided (not comparable, unparseable): the window may be wrong. */
  readonly undecided: readonly string[];
}

export function exposureWindow(history: readonly VersionEvent[], isVulnerable: (version: string) => boolean | undefined): ExposureWindow {
  const events = [...history].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  let start: string | null = null;
  let startIsLowerBound = false;
  let end: string | null = null;
  let endReason: ExposureWindow['endReason'] = null;
  let vulnerable = false;
  let connected = true;
  const undecided = new Set<string>();
  events.forEach((event, index) => {
    if (event.event === 'disconnect') connected = false;
    else if (event.event === 'reconnect') connected = true;
    let versionVulnerable = false;
    if (event.version !== null) {
      const verdict = isVulnerable(event.version);
      if (verdict === undefined) undecided.add(event.version);
      versionVulnerable = verdict === true;
    }
    const now = connected && versionVulnerable;
    if (now && !vulnerable) {
      if (start === null) {
        start = event.at;
        startIsLowerBound = index === 0 && event.event === 'observed';
      }
      end = null;
      endReason = null;
    } else if (!now && vulnerable) {
      end = event.at;
      endReason = connected ? 'fixed' : 'disconnected';
    }
    vulnerable = now;
  });
  return { start, startIsLowerBound, end, endReason, undecided: [...undecided] };
}
