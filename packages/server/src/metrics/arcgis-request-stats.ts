/**
 * ArcGIS request counts per identity for /metrics, without touching the transport: an ArcGISSession counts its
 * requests, retries, throttled answers and token refreshes in its `stats` object (arcgis-session.ts); the sessions
 * ArcGISSessionFactory makes get a stats object whose fields pass each increase on to `report` as well. The session's own
 * figures stay its own (a Clean scan reads `session.stats.requests` for its count).
 */
import type { SessionStats } from '../arcgis/arcgis-session.js';

export type SessionStatName = keyof SessionStats;
export const SESSION_STAT_NAMES: readonly SessionStatName[] = ['requests', 'retries', 'throttled', 'tokenRefreshes'];

/** A session's stats object that also reports every increase of a field. */
export function reportingStats(report: (name: SessionStatName, increase: number) => void): SessionStats {
  const own: SessionStats = { requests: 0, retries: 0, throttled: 0, tokenRefreshes: 0 };
  const stats = {} as SessionStats;
  for (const name of SESSION_STAT_NAMES) {
    Object.defineProperty(stats, name, {
      enumerable: true,
      get: () => own[name],
      set: (value: number) => {
        const increase = value - own[name];
        own[name] = value;
        if (increase > 0) report(name, increase);
      }
    });
  }
  return stats;
}
