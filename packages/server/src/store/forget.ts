/**
 * `forget`: remove snapshots a retention policy does not keep (restic's semantics). Walking snapshots newest first,
 * each rule keeps the newest snapshot of each of its last N periods (day, ISO week, month, year), `keepLast` the N
 * newest; a snapshot is kept when any rule keeps it. Only manifests are removed: prune frees the blobs afterwards.
 * A snapshot pinned by a reader (a restore, an export; pin.ts) is never removed, whatever the policy says.
 */
import { type StoreLock, acquireLock } from './lock.js';
import type { SnapshotManifest } from './manifest.js';
import { type PinInfo, clearStalePins, deleteUnpinnedSnapshot, pinnedSnapshots } from './pin.js';
import type { Store, UnreadableSnapshot } from './store.js';
import { validatePolicy } from './retention.js';
import { RETENTION_RULES, type ForgetPolicy, type RetentionPeriod } from './retention.types.js';
import { StoreError, describeError } from './store-error.js';

export type { ForgetPolicy } from './retention.types.js';

export interface ForgetOptions {
  dryRun?: boolean;
  /** Calendar periods in the server's local time (default, what an administrator expects) or UTC. */
  timeZone?: 'local' | 'UTC';
  /** A lock the caller already holds; otherwise a write lock is taken for the deletion. */
  lock?: StoreLock;
}

export interface SnapshotTime {
  id: string;
  time: Date;
}

export interface PolicyDecision<S extends SnapshotTime = SnapshotTime> {
  snapshot: S;
  /** Why it is kept (`last 1`, `daily 2026-11-24`, ...); empty for removed snapshots. */
  reasons: string[];
}

export interface ForgetResult {
  dryRun: boolean;
  /** Newest first. A snapshot a reader has pinned is kept with the reason `in use by <operation>`. */
  keep: { id: string; name: string; startedAt: string; reasons: string[] }[];
  remove: { id: string; name: string; startedAt: string }[];
  /** Snapshots actually deleted (empty in a dry run). */
  removed: string[];
  errors: { id: string; error: string }[];
  /** Ignored by the policy: they cannot be read, so neither kept on purpose nor removed. */
  unreadable: UnreadableSnapshot[];
  /** Snapshots pinned by a running reader (restore, export): never removed. */
  inUse: { id: string; operation: string; pid: number; hostname: string; since: string }[];
  /** Pins of readers that are gone, removed (a real run only). */
  stalePinsCleared: number;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** ISO 8601 week of a calendar date given as year, month (0-based), day. */
function isoWeek(year: number, month: number, day: number): string {
  const date = new Date(Date.UTC(year, month, day));
  const weekday = date.getUTCDay() || 7; // Monday 1 ... Sunday 7
  date.setUTCDate(date.getUTCDate() + 4 - weekday); // the Thursday of this week decides the year
  const weekYear = date.getUTCFullYear();
  const week = Math.ceil(((date.getTime() - Date.UTC(weekYear, 0, 1)) / 86_400_000 + 1) / 7);
  return `${weekYear}-W${pad(week)}`;
}

function periodKey(rule: Exclude<RetentionPeriod, 'last'>, time: Date, utc: boolean): string {
  const y = utc ? time.getUTCFullYear() : time.getFullYear();
  const m = utc ? time.getUTCMonth() : time.getMonth();
  const d = utc ? time.getUTCDate() : time.getDate();
  switch (rule) {
    case 'daily':
      return `${y}-${pad(m + 1)}-${pad(d)}`;
    case 'weekly':
      return isoWeek(y, m, d);
    case 'monthly':
      return `${y}-${pad(m + 1)}`;
    default:
      return String(y);
  }
}

/** The policy as a pure function: which snapshots to keep (with reasons) and which to remove. */
export function applyPolicy<S extends SnapshotTime>(snapshots: readonly S[], policy: ForgetPolicy, timeZone: 'local' | 'UTC' = 'local'): { keep: PolicyDecision<S>[]; remove: S[] } {
  validatePolicy(policy);
  const utc = timeZone === 'UTC';
  const newestFirst = [...snapshots].sort((a, b) => b.time.getTime() - a.time.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const remaining = RETENTION_RULES.map(({ key }) => policy[key] ?? 0);
  const last: (string | undefined)[] = RETENTION_RULES.map(() => undefined);
  const keep: PolicyDecision<S>[] = [];
  const remove: S[] = [];
  newestFirst.forEach((snapshot, index) => {
    const reasons: string[] = [];
    RETENTION_RULES.forEach(({ period: rule }, r) => {
      if (remaining[r]! <= 0) return;
      const key = rule === 'last' ? String(index) : periodKey(rule, snapshot.time, utc);
      if (key === last[r]) return; // a newer snapshot of this period was already kept by this rule
      last[r] = key;
      remaining[r]! -= 1;
      reasons.push(rule === 'last' ? `last ${index + 1}` : `${rule} ${key}`);
    });
    if (reasons.length > 0) keep.push({ snapshot, reasons });
    else remove.push(snapshot);
  });
  return { keep, remove };
}

export async function forget(store: Store, policy: ForgetPolicy, options: ForgetOptions = {}): Promise<ForgetResult> {
  validatePolicy(policy);
  const dryRun = options.dryRun ?? false;
  // A dry run changes nothing, not even stale pins; it only ignores them.
  const stalePinsCleared = dryRun ? 0 : (await clearStalePins(store)).length;
  const pinned = await pinnedSnapshots(store);
  const listing = await store.listSnapshots();
  const withTime = listing.snapshots.map((manifest) => ({ id: manifest.id, time: new Date(manifest.startedAt), manifest }));
  const { keep, remove } = applyPolicy(withTime, policy, options.timeZone ?? 'local');
  const summary = (m: SnapshotManifest) => ({ id: m.id, name: m.name, startedAt: m.startedAt });
  const result: ForgetResult = {
    dryRun,
    keep: keep.map((d) => ({ ...summary(d.snapshot.manifest), reasons: d.reasons })),
    remove: [],
    removed: [],
    errors: [],
    unreadable: listing.unreadable,
    inUse: [],
    stalePinsCleared
  };
  const keepInUse = (manifest: SnapshotManifest, holders: readonly PinInfo[]) => {
    const kept = result.keep.find((k) => k.id === manifest.id);
    const reasons = [...new Set(holders.map((h) => `in use by ${h.operation}`))];
    if (kept) kept.reasons.push(...reasons.filter((r) => !kept.reasons.includes(r)));
    else result.keep.push({ ...summary(manifest), reasons });
    for (const h of holders) result.inUse.push({ id: manifest.id, operation: h.operation, pid: h.pid, hostname: h.hostname, since: h.startedAt });
  };
  for (const d of keep) {
    const holders = pinned.get(d.snapshot.id);
    if (holders) keepInUse(d.snapshot.manifest, holders);
  }
  const candidates: SnapshotManifest[] = [];
  for (const s of remove) {
    const holders = pinned.get(s.id);
    if (holders) keepInUse(s.manifest, holders);
    else candidates.push(s.manifest);
  }
  const sortKeep = () => result.keep.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : a.id < b.id ? 1 : -1));
  sortKeep();
  result.remove = candidates.map(summary);
  if (dryRun || candidates.length === 0) return result;
  const lock = options.lock ?? (await acquireLock(store, { kind: 'write', operation: 'forget' }));
  try {
    for (const manifest of candidates) {
      lock.assertHeld();
      try {
        // Re-checks the pins atomically with the deletion: a reader may have pinned it since they were read above.
        const holders = await deleteUnpinnedSnapshot(store, manifest.id);
        if (holders.length > 0) {
          result.remove = result.remove.filter((r) => r.id !== manifest.id);
          keepInUse(manifest, holders);
          sortKeep();
        } else result.removed.push(manifest.id);
      } catch (error) {
        if (error instanceof StoreError && error.code === 'lock_lost') throw error;
        result.errors.push({ id: manifest.id, error: describeError(error) });
      }
    }
  } finally {
    if (!options.lock) await lock.release();
  }
  return result;
}
