/**
 * The items phase of a backup run: which items (the given ids, or the organization's search), and for each one its
 * entry: the interrupted run's journaled entry, the earlier snapshot's entry carried over unchanged, or its parts read
 * afresh (its hosted service read or carried over layer by layer).
 */
import type { IItem } from '@esri/arcgis-rest-portal';
import type { ItemUrlClass } from '../arcgis/item-classifier.js';
import { runPool } from '../lib/task-pool.js';
import type { HostedServiceEntry, ItemEntry, JournalWriter, NeededBy, PartProblem, SharingEntry } from '../store/index.js';
import type { BackupContext, BackupItemResult, BackupOptions } from './backup.types.js';
import { backupHostedService } from './hosted-service.backup.js';
import { backupItemParts, entryHeader, statusOf } from './item-backup.js';
import { enumerateOrgItems, getItem } from '../arcgis/portal/index.js';
import { partProblem } from './part-fetch.js';

/** What backing up one item of a run reads, and where it adds its entry and result. */
export interface ItemsRun {
  ctx: BackupContext;
  journal: JournalWriter;
  /** The interrupted run's journaled entries, by journal key (`item:<id>`). */
  resumedUnits: Map<string, { data?: ItemEntry }>;
  /** Each item's newest entry in the earlier snapshots, and the snapshot that holds it. */
  previous: Map<string, { entry: ItemEntry; snapshotId: string }>;
  classify: (item: IItem) => ItemUrlClass;
  sharingOf: (item: IItem) => Promise<SharingEntry>;
  /** Owners (lower case) whose folders may have changed (their users' folders are read again). */
  changedOwners: Set<string>;
  entries: ItemEntry[];
  results: BackupItemResult[];
  /** Called as each item is done. */
  itemDone: () => void;
  /** Items taken along because others need them, and why (item-dependencies.ts); chosen items are not in it. */
  neededBy: Map<string, NeededBy[]>;
}

/** The items to back up: the given ids (each read with getItem), or every item of the org matching the query. */
export async function selectItems(ctx: BackupContext, options: BackupOptions, orgId: string, unreadable: (id: string, entry: ItemEntry) => void): Promise<IItem[]> {
  if (options.itemIds && options.itemIds.length > 0) return readItems(ctx, options.itemIds, unreadable);
  const items: IItem[] = [];
  await enumerateOrgItems(ctx.session, { orgId, ...(options.query ? { query: options.query } : {}), signal: ctx.signal }, (page) => {
    items.push(...page);
  });
  return items;
}

/** The items of these ids, each read with getItem; one that cannot be read goes to `unreadable` with its problem. */
export async function readItems(ctx: BackupContext, itemIds: readonly string[], unreadable: (id: string, entry: ItemEntry) => void): Promise<IItem[]> {
  const ids = [...new Set(itemIds)];
  const found: IItem[] = [];
  await runPool(ids, { concurrency: 8, onError: 'stop', signal: ctx.signal }, async (id) => {
    try {
      found.push(await getItem({ session: ctx.session, id }));
    } catch (error) {
      const problem = partProblem('item', error, ctx.signal);
      unreadable(id, { id, title: '', type: '', owner: '', modified: 0, status: problem.status, problems: [problem] });
    }
  });
  return found;
}

/** Backs up one item and records its entry in the journal (unless the journal already had it) and in `run`. */
export async function backupItem(run: ItemsRun, item: IItem): Promise<void> {
  const { ctx } = run;
  const itemStarted = Date.now();
  const own = childCounters(ctx.counters);
  const itemCtx: BackupContext = { ...ctx, counters: own };
  const key = `item:${item.id}`;
  const modified = Number(item.modified ?? 0);
  const journaled = run.resumedUnits.get(key)?.data;
  let entry: ItemEntry;
  let carriedOver = false;
  let resumed = false;
  const found = run.previous.get(item.id);
  const before = found?.entry;
  const urlClass = run.classify(item);
  noteOwnerChanges(run, item, before);
  if (journaled && journaled.modified === modified && journaled.status === 'ok') {
    entry = await resumedEntry(run, item, journaled);
    resumed = true;
  } else {
    if (found && before && before.status === 'ok' && before.modified === modified && modified > 0) {
      entry = await carryOver(itemCtx, item, urlClass, before, found.snapshotId, run.sharingOf);
      carriedOver = true;
    } else {
      entry = await backupItemParts(itemCtx, item, run.sharingOf);
      // Only when the item itself could be read (a vanished item has no service to read either).
      if (urlClass.kind === 'hosted' && entry.item) await addHostedService(itemCtx, item, urlClass.serviceUrl, entry, before?.service);
      markExternal(entry, urlClass);
    }
    // Carried entries keep no timings: an unchanged organization then writes byte-identical list pages, which
    // deduplicate (the run's result still reports each item's figures).
    if (!carriedOver) entry.stats = { bytesRead: own.bytesRead, newBytesStored: own.newBytes, durationMs: Date.now() - itemStarted };
    withNeededBy(entry, run.neededBy.get(item.id));
    await run.journal.append(key, entryBlobs(entry), entry);
  }
  // A resumed entry may have been taken along in the interrupted run and chosen in this one, or the other way round.
  withNeededBy(entry, run.neededBy.get(item.id));
  run.entries.push(entry);
  run.results.push(itemResult(entry, { carriedOver, resumed, durationMs: Date.now() - itemStarted, bytesRead: own.bytesRead, newBytes: own.newBytes }));
  run.itemDone();
}

/** Marks an entry as taken along for these reasons, or as chosen (no reasons). */
export function withNeededBy(entry: ItemEntry, neededBy: NeededBy[] | undefined): void {
  if (neededBy && neededBy.length > 0) entry.neededBy = neededBy;
  else delete entry.neededBy;
}

/** The owner's folders may have changed: new, changed, moved or re-owned items (moves do not change `modified`). */
function noteOwnerChanges(run: ItemsRun, item: IItem, before: ItemEntry | undefined): void {
  const owner = (typeof item.owner === 'string' ? item.owner : '').toLowerCase();
  if (!before || before.modified !== Number(item.modified ?? 0) || before.folderId !== entryHeader(item).folderId || before.owner.toLowerCase() !== owner) {
    run.changedOwners.add(owner);
    if (before) run.changedOwners.add(before.owner.toLowerCase());
  }
}

/** The interrupted run's entry of an unchanged item, with its sharing taken afresh when it had any. */
async function resumedEntry(run: ItemsRun, item: IItem, journaled: ItemEntry): Promise<ItemEntry> {
  if (!journaled.sharing) return journaled;
  try {
    return { ...journaled, sharing: await run.sharingOf(item) };
  } catch (error) {
    partProblem('sharing', error, run.ctx.signal); // rethrows fatal errors; otherwise the interrupted run's sharing stands
    return journaled;
  }
}

/**
 * Reuse an unchanged item's stored parts; take its sharing afresh (and its hosted service, which decides itself). An
 * item that is not a hosted service of the organization (any more, or ever: see ItemEntry.service) loses the stored
 * service and becomes an external reference.
 */
async function carryOver(ctx: BackupContext, item: IItem, urlClass: ItemUrlClass, before: ItemEntry, parentId: string, sharingOf: (item: IItem) => Promise<SharingEntry>): Promise<ItemEntry> {
  const { stats: _stats, problems: _problems, service: _service, external: _external, neededBy: _neededBy, ...kept } = before;
  const entry: ItemEntry = { ...kept, ...entryHeader(item), carriedFrom: before.carriedFrom ?? parentId, status: 'ok' };
  const problems: PartProblem[] = [];
  try {
    entry.sharing = await sharingOf(item);
  } catch (error) {
    problems.push(partProblem('sharing', error, ctx.signal));
  }
  if (problems.length > 0) entry.problems = problems;
  entry.status = statusOf(problems);
  if (urlClass.kind === 'hosted') await addHostedService(ctx, item, urlClass.serviceUrl, entry, before.service);
  markExternal(entry, urlClass);
  return entry;
}

/** Records an external reference on its entry (its URL and why it is not the organization's). */
function markExternal(entry: ItemEntry, urlClass: ItemUrlClass): void {
  if (urlClass.kind === 'external') entry.external = { url: urlClass.url, reason: urlClass.reason };
}

/** Backs up the hosted service at `serviceUrl` (the classifier's canonical URL: exactly what was checked is requested). */
async function addHostedService(ctx: BackupContext, item: IItem, serviceUrl: string, entry: ItemEntry, previous: HostedServiceEntry | undefined): Promise<void> {
  try {
    // Its progress is cumulative for the service: add what is new since the last report to this item's counters.
    let seen = { bytesRead: 0, newBytes: 0 };
    entry.service = await backupHostedService(
      {
        session: ctx.session,
        store: ctx.store,
        signal: ctx.signal,
        onProgress: (progress) => {
          ctx.counters.bytesRead += Math.max(0, progress.bytesRead - seen.bytesRead);
          ctx.counters.newBytes += Math.max(0, progress.newBytes - seen.newBytes);
          seen = { bytesRead: Math.max(seen.bytesRead, progress.bytesRead), newBytes: Math.max(seen.newBytes, progress.newBytes) };
        }
      },
      { ...item, url: serviceUrl },
      previous
    );
    const broken = entry.service.layers.filter((layer) => layer.status !== 'ok');
    if (broken.length > 0) {
      const problems = entry.problems ?? [];
      for (const layer of broken) {
        const reasons = (layer.problems ?? []).map((p) => p.reason).join('; ');
        problems.push({ part: `layer:${layer.id}`, status: layer.status === 'failed' ? 'failed' : 'skipped', reason: reasons || `Layer ${layer.id} (${layer.name}) was not fully backed up.` });
      }
      entry.problems = problems;
    }
  } catch (error) {
    entry.problems = [...(entry.problems ?? []), partProblem('service', error, ctx.signal)];
  }
  entry.status = statusOf(entry.problems ?? []);
}

/** Every blob an entry references (journaled with it, so prune keeps them while the run is resumable). */
export function entryBlobs(entry: ItemEntry): string[] {
  const hashes = new Set<string>();
  const add = (ref: { hash: string } | undefined) => ref && hashes.add(ref.hash);
  add(entry.item);
  add(entry.data);
  add(entry.thumbnail);
  add(entry.metadata);
  for (const resource of entry.resources ?? []) add(resource);
  if (entry.service) {
    add(entry.service.definition);
    for (const layer of entry.service.layers) {
      add(layer.definition);
      add(layer.attachments);
      for (const chunk of layer.chunks) add(chunk);
    }
  }
  return [...hashes];
}

export function itemResult(entry: ItemEntry, extra: { carriedOver: boolean; resumed: boolean; durationMs: number; bytesRead: number; newBytes: number }): BackupItemResult {
  return {
    id: entry.id,
    title: entry.title,
    type: entry.type,
    status: entry.status,
    carriedOver: extra.carriedOver,
    resumed: extra.resumed,
    problems: entry.problems ?? [],
    bytesRead: extra.bytesRead,
    newBytes: extra.newBytes,
    durationMs: extra.durationMs,
    ...(entry.neededBy ? { neededBy: entry.neededBy } : {})
  };
}

/** Counters of one item that also add to the run's totals as they grow (so progress moves during a large file). */
function childCounters(parent: BackupContext['counters']): BackupContext['counters'] {
  let bytesRead = 0;
  let newBytes = 0;
  return {
    get bytesRead() {
      return bytesRead;
    },
    set bytesRead(value: number) {
      parent.bytesRead += value - bytesRead;
      bytesRead = value;
    },
    get newBytes() {
      return newBytes;
    },
    set newBytes(value: number) {
      parent.newBytes += value - newBytes;
      newBytes = value;
    }
  };
}
