/**
 * The rounds of a backup of chosen items that take along what they need (the table is item-dependencies.ts): each
 * round reads the items the last round's entries name, keeps what fits its rule, backs it up with the run's item pool,
 * and goes on from the items whose rule follows, at most MAX_DEPENDENCY_DEPTH rounds and MAX_DEPENDENCIES items. An
 * item already in the backup is not read again (one taken along gains the new reason); one that cannot be read is a
 * problem of the run and a skipped or failed entry of the snapshot, never silently missing.
 */
import type { IItem } from '@esri/arcgis-rest-portal';
import type { ItemEntry } from '../store/index.js';
import { type ItemsRun, itemResult, readItems } from './backup-items.js';
import type { BackupContext, BackupItemResult, BackupResult } from './backup.types.js';
import { describeNeed, fitsNeed, MAX_DEPENDENCIES, MAX_DEPENDENCY_DEPTH, type Need, needsOf } from './item-dependencies.js';

/** What the rounds read and add to: the run's entries, results, problems, progress and item pool. */
export interface TakeAlongHost {
  ctx: BackupContext;
  run: ItemsRun;
  entries: ItemEntry[];
  results: BackupItemResult[];
  problems: BackupResult['problems'];
  /** Items newly known (added to the total), done at once (unreadable), and taken along so far. */
  counted(known: number, doneAtOnce: number, taken: number): void;
  backupItems(items: IItem[]): Promise<void>;
  bounds?: { depth: number; items: number } | undefined;
}

export async function takeAlong(host: TakeAlongHost, chosen: IItem[]): Promise<void> {
  const items = new Map(chosen.map((item) => [item.id, item]));
  const inBackup = new Set(host.entries.map((e) => e.id));
  let round: IItem[] = chosen;
  let taken = 0;
  const bounds = host.bounds ?? { depth: MAX_DEPENDENCY_DEPTH, items: MAX_DEPENDENCIES };
  for (let depth = 1; depth <= bounds.depth && round.length > 0; depth += 1) {
    const wanted = wantedBy(host, round, inBackup);
    const ids = [...wanted.keys()].sort();
    const room = Math.max(0, bounds.items - taken);
    for (const id of ids.slice(room)) {
      host.problems.push({ kind: 'dependency', id, reason: `Not backed up: ${describeNeed(wanted.get(id)![0]!.neededBy)}, but this backup already took ${bounds.items} items along. Back it up by id, or back up everything.` });
    }
    let unreadable = 0;
    const found = await readItems(host.ctx, ids.slice(0, room), (id, entry) => {
      unreadable += 1;
      inBackup.add(id);
      recordUnreadable(host, entry, wanted.get(id) ?? []);
    });
    const next: IItem[] = [];
    const follow = new Set<string>();
    for (const item of found) {
      // Only what the rule takes: a relationship may also link items that are not needed (a service's upload).
      const fitting = (wanted.get(item.id) ?? []).filter((need) => {
        const needing = items.get(need.neededBy.itemId);
        return needing !== undefined && fitsNeed(need, needing, item);
      });
      if (fitting.length === 0) continue;
      host.run.neededBy.set(item.id, fitting.map((n) => n.neededBy));
      items.set(item.id, item);
      inBackup.add(item.id);
      next.push(item);
      if (fitting.some((n) => n.rule.follow)) follow.add(item.id);
    }
    taken += next.length + unreadable;
    host.counted(next.length + unreadable, unreadable, taken);
    await host.backupItems(next);
    round = next.filter((item) => follow.has(item.id));
  }
}

/** What the round's items need that the backup does not hold yet, by item id; what it holds gains the reason. */
function wantedBy(host: TakeAlongHost, round: IItem[], inBackup: ReadonlySet<string>): Map<string, Need[]> {
  const entries = new Map(host.entries.map((e) => [e.id, e]));
  const wanted = new Map<string, Need[]>();
  for (const item of round) {
    const entry = entries.get(item.id);
    if (!entry) continue;
    for (const need of needsOf(item, entry)) {
      if (!inBackup.has(need.itemId)) wanted.set(need.itemId, [...(wanted.get(need.itemId) ?? []), need]);
      else addReason(entries.get(need.itemId), need);
    }
  }
  return wanted;
}

/** A needed item that could not be read: its entry says why it was wanted, the run's problems why it is missing. */
function recordUnreadable(host: TakeAlongHost, entry: ItemEntry, needs: Need[]): void {
  entry.neededBy = needs.map((n) => n.neededBy);
  host.entries.push(entry);
  host.results.push(itemResult(entry, { carriedOver: false, resumed: false, durationMs: 0, bytesRead: 0, newBytes: 0 }));
  const reason = entry.problems?.[0]?.reason ?? 'unreadable';
  for (const need of needs) host.problems.push({ kind: 'dependency', id: entry.id, reason: `${describeNeed(need.neededBy)} could not be read: ${reason}` });
}

/** A second reason for an item already taken along (a chosen item keeps none: it was chosen). */
function addReason(entry: ItemEntry | undefined, need: Need): void {
  if (!entry?.neededBy || entry.neededBy.some((n) => n.itemId === need.neededBy.itemId && n.need === need.neededBy.need)) return;
  entry.neededBy.push(need.neededBy);
}
