/**
 * The backup engine: one run backs up an organization's items (every part), groups and users into the identity's
 * store and publishes a snapshot.
 *
 * - The store is the identity's File Location (created on first use, bound to the organization's portal id).
 * - The store's write lock is held for the whole run; losing it (or `signal`) stops the run.
 * - Every finished item is written to the run's journal with its entry. A killed run leaves its journal; the next run
 *   of the same store continues it (same snapshot id) and reuses each journaled item whose `modified` is unchanged.
 * - Incremental: an item whose `modified` equals its entry in the newest earlier snapshot (status ok) is carried over
 *   without downloading its parts again. Sharing is taken afresh for every item (sharing changes do not change
 *   `modified` in ArcGIS): its access level from the search result, its groups from the groups' content lists, read
 *   once per run (one paged search per group instead of one request per item). Hosted feature services are always
 *   handed to `backupHostedService` with their previous entry (feature edits do not change the item's `modified`
 *   either; that function decides per layer, two requests for an unchanged service).
 * - Hosted or external: an item is a hosted feature layer of the organization only when its URL is a FeatureServer
 *   on one of the hosting servers the portal lists (arcgis/item-classifier.ts), whatever its type keywords say. Any
 *   other item with a URL off the organization is an external reference: its item JSON and parts are kept, marked
 *   `external`, and its URL is never requested (a member can register any URL with any keywords).
 * - Groups and users are read while the items are: group content first (it gives the items' sharing), users' folders
 *   only for users whose profile or content changed (plus a slow rotation, see FOLDER_ROTATION).
 * - Pipelined: several items per request slot are in flight, hosted services (the longest) first, so the session's
 *   request slots stay busy until the end of the run.
 * - The manifest is written last: `complete`, or `partial` when some items failed.
 */
import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { type IItem, getItem } from '@esri/arcgis-rest-portal';
import {
  type GroupEntry,
  type HostedServiceEntry,
  type ItemEntry,
  type PartProblem,
  type SharingEntry,
  type SnapshotManifest,
  type Store,
  type UserEntry,
  JournalWriter,
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  acquireLock,
  initStore,
  listJournals,
  newSnapshotId,
  readJournal,
  snapshotIdTime
} from '../store/index.js';
import { classifyItem, type ItemUrlClass } from '../arcgis/item-classifier.js';
import type { BackupContext, BackupItemResult, BackupOptions, BackupProgress, BackupResult } from './backup.types.js';
import { backupHostedService } from './hosted-service.backup.js';
import { accessOf, backupItemParts, entryHeader, readSharing, statusOf } from './item-backup.js';
import { enumerateOrgItems } from './org-enumerator.js';
import { isFatal, partProblem } from './part-fetch.js';
import { backupUsers, type GroupsResult, startGroups } from './principals-backup.js';

export const DEFAULT_BACKUP_CONCURRENCY = 8;
/**
 * Items in flight per unit of `concurrency`. An item's requests come in a few dependent rounds (item JSON, then its
 * parts, then its resources), and storing what it read takes CPU: with several items per request slot, the session
 * always has requests queued and its slots never idle between one item's rounds.
 */
const ITEMS_PER_SLOT = 4;
/**
 * Unchanged users' folders are re-read on a rotation: each run, the users whose name hashes to the run's turn (1 in
 * FOLDER_ROTATION). Creating or renaming an empty folder changes nothing else ArcGIS reports, so this bounds how many
 * runs such a change can go unnoticed, at about 1/FOLDER_ROTATION of the users' folder requests per run.
 */
export const FOLDER_ROTATION = 30;
const JOURNAL_OPERATION = 'backup';
const JOURNAL_SYNC_MS = 1000;
/** Tag of snapshots that hold only a selection of the organization's items (--query, --items). */
export const SELECTION_TAG = 'selection';

interface JournalData {
  name: string;
  identityId: string;
}

/** Opens the identity's store, creating it in an empty File Location on first use. Refuses another org's store. */
export async function openIdentityStore(identity: BackupOptions['identity']): Promise<Store> {
  if (identity.openStore) return identity.openStore();
  return initStore(identity.fileLocation, { id: identity.orgId, portalUrl: identity.portalUrl, name: identity.portalName ?? identity.name });
}

export async function runBackup(options: BackupOptions): Promise<BackupResult> {
  const startedMs = Date.now();
  const { identity, session } = options;
  const concurrency = Math.max(1, Math.min(64, Math.floor(options.concurrency ?? DEFAULT_BACKUP_CONCURRENCY)));
  const store = await openIdentityStore(identity);
  const lock = await acquireLock(store, { kind: 'write', operation: 'backup' });
  // Ends the groups and users still being read when the items fail: nothing of the run outlives it.
  const ended = new AbortController();
  const signal = AbortSignal.any([ended.signal, lock.signal, ...(options.signal ? [options.signal] : [])]);
  // Every request in flight and every retry waiting on its backoff listens to the run's signal: many at once is
  // normal here (items and their parts in parallel), not the leak Node's default warning at 10 listeners guards against.
  setMaxListeners(1000, signal);
  const runSession = session.withSignal(signal);
  const ctx: BackupContext = { session: runSession, store, signal, counters: { bytesRead: 0, newBytes: 0 } };
  let journal: JournalWriter | undefined;
  // Groups and users are read alongside the items; on failure they are stopped and waited for before the lock goes.
  const background: Promise<unknown>[] = [];
  let itemsDone: () => void = () => undefined;
  try {
    // Continue an interrupted run of this store, if there is one (its journaled items are not downloaded again).
    const interrupted = (await listJournals(store)).filter((j) => j.header?.operation === JOURNAL_OPERATION).pop();
    const runId = interrupted?.runId ?? newSnapshotId();
    const resumedUnits = interrupted ? ((await readJournal<ItemEntry>(store, runId))?.units ?? new Map()) : new Map<string, { data?: ItemEntry }>();
    const name = options.name?.trim() || (interrupted?.header?.data as JournalData | undefined)?.name || defaultName(identity.name);
    // Synced at least every second: a killed run then loses at most about a second of finished items (the blob fsyncs
    // are batched with it, so this costs a few fsyncs a second, not one per item).
    journal = await JournalWriter.open(store, runId, { operation: JOURNAL_OPERATION, data: { name, identityId: identity.id } satisfies JournalData }, { syncEveryMs: JOURNAL_SYNC_MS });
    const startedAt = interrupted?.header?.startedAt ?? snapshotIdTime(runId).toISOString();

    const progress: BackupProgress = { phase: 'starting', itemsTotal: 0, itemsDone: 0, bytesRead: 0, newBytes: 0 };
    const report = (phase?: BackupProgress['phase']) => {
      if (phase) progress.phase = phase;
      progress.bytesRead = ctx.counters.bytesRead;
      progress.newBytes = ctx.counters.newBytes;
      options.onProgress?.({ ...progress });
    };
    report();

    // Earlier entries to carry over unchanged items from: the newest snapshot's, and when that run covered only a
    // selection (--query, --items), also older snapshots' back to the newest whole-organization one, so a small
    // selective run does not make the next full run download everything again.
    const earlier = (await store.listSnapshots()).snapshots.filter((s) => s.id !== runId);
    const parent = earlier.at(-1);
    const previous = new Map<string, { entry: ItemEntry; snapshotId: string }>();
    for (const snapshot of [...earlier].reverse()) {
      for await (const entry of store.readList(snapshot, 'items')) if (!previous.has(entry.id)) previous.set(entry.id, { entry, snapshotId: snapshot.id });
      if (!snapshot.tags?.includes(SELECTION_TAG)) break;
    }

    report('enumerating');
    // Which servers are the organization's (asked of the portal once per run): decides what is hosted, what external.
    const origins = await runSession.orgOrigins();
    const classify = (item: IItem): ItemUrlClass => classifyItem(item, origins);
    const includePrincipals = options.includePrincipals ?? true;
    // Groups start at once: their content lists give the items' sharing, and reading them alongside the item search
    // keeps the request slots busy.
    const groupsRun = includePrincipals ? startGroups(ctx, identity.orgId, previousGroups(store, parent)) : undefined;
    // Awaited below; a fatal error while the items run must not also surface as an unhandled rejection.
    if (groupsRun) background.push(groupsRun.done.catch(() => undefined));
    const sharingOf = async (item: IItem): Promise<SharingEntry> => {
      const index = groupsRun ? await groupsRun.sharing : undefined;
      // Without complete group lists (no principals, or a group that could not be listed): ask per item.
      if (!index?.complete) return readSharing(ctx, item);
      return { access: accessOf(item), groups: index.groupsOf(item.id) };
    };

    const problems: BackupResult['problems'] = origins.problems.map((reason) => ({ kind: 'organization' as const, id: 'servers', reason }));
    const entries: ItemEntry[] = [];
    const results: BackupItemResult[] = [];
    const items = await selectItems(ctx, options, identity.orgId, (id, entry) => {
      entries.push(entry);
      results.push(itemResult(entry, { carriedOver: false, resumed: false, durationMs: 0, bytesRead: 0, newBytes: 0 }));
      problems.push({ kind: 'enumeration', id, reason: entry.problems?.[0]?.reason ?? 'unreadable' });
    });
    progress.itemsTotal = items.length + entries.length;
    progress.itemsDone = entries.length;
    report('items');

    // Users run alongside the items too; an unchanged user's folders wait for the items to say whether its content
    // changed (an item added, changed, removed or moved between folders).
    const itemsFinished = new Promise<void>((resolve) => (itemsDone = resolve));
    const changedOwners = new Set<string>();
    const previousUsers = new Map<string, UserEntry>();
    if (includePrincipals && parent) for await (const user of store.readList(parent, 'users')) previousUsers.set(user.username, user);
    const turn = earlier.length % FOLDER_ROTATION;
    const usersRun = includePrincipals
      ? backupUsers(ctx, {
          memberOf: groupsRun!.done.then((g) => g.memberOf),
          previous: previousUsers,
          refreshFolders: async (username) => {
            if (rotationSlot(username) === turn) return true;
            await itemsFinished;
            return changedOwners.has(username.toLowerCase());
          }
        })
      : undefined;
    if (usersRun) background.push(usersRun.catch(() => undefined));
    const selective = (options.itemIds?.length ?? 0) > 0 || (options.query ?? '') !== '';
    if (!selective) {
      // Items gone since the last snapshot: their owners' folders may have gone with them.
      const listedIds = new Set(items.map((i) => i.id));
      for (const { entry } of previous.values()) if (!listedIds.has(entry.id)) changedOwners.add(entry.owner.toLowerCase());
    }

    const backupOne = async (item: IItem) => {
      const itemStarted = Date.now();
      const own = childCounters(ctx.counters);
      const itemCtx: BackupContext = { ...ctx, counters: own };
      const key = `item:${item.id}`;
      const modified = Number(item.modified ?? 0);
      const journaled = resumedUnits.get(key)?.data;
      let entry: ItemEntry;
      let carriedOver = false;
      let resumed = false;
      const found = previous.get(item.id);
      const before = found?.entry;
      const urlClass = classify(item);
      const owner = (typeof item.owner === 'string' ? item.owner : '').toLowerCase();
      // The owner's folders may have changed: new, changed, moved or re-owned items (moves do not change `modified`).
      if (!before || before.modified !== modified || before.folderId !== entryHeader(item).folderId || before.owner.toLowerCase() !== owner) {
        changedOwners.add(owner);
        if (before) changedOwners.add(before.owner.toLowerCase());
      }
      if (journaled && journaled.modified === modified && journaled.status === 'ok') {
        entry = journaled;
        if (journaled.sharing) {
          try {
            entry = { ...journaled, sharing: await sharingOf(item) };
          } catch (error) {
            partProblem('sharing', error, signal); // rethrows fatal errors; otherwise the interrupted run's sharing stands
          }
        }
        resumed = true;
      } else {
        if (found && before && before.status === 'ok' && before.modified === modified && modified > 0) {
          entry = await carryOver(itemCtx, item, urlClass, before, found.snapshotId, sharingOf);
          carriedOver = true;
        } else {
          entry = await backupItemParts(itemCtx, item, sharingOf);
          // Only when the item itself could be read (a vanished item has no service to read either).
          if (urlClass.kind === 'hosted' && entry.item) await addHostedService(itemCtx, item, urlClass.serviceUrl, entry, before?.service);
          markExternal(entry, urlClass);
        }
        // Carried entries keep no timings: an unchanged organization then writes byte-identical list pages, which
        // deduplicate (the run's result still reports each item's figures).
        if (!carriedOver) entry.stats = { bytesRead: own.bytesRead, newBytesStored: own.newBytes, durationMs: Date.now() - itemStarted };
        await journal!.append(key, entryBlobs(entry), entry);
      }
      entries.push(entry);
      results.push(itemResult(entry, { carriedOver, resumed, durationMs: Date.now() - itemStarted, bytesRead: own.bytesRead, newBytes: own.newBytes }));
      progress.itemsDone += 1;
      report();
    };
    // Hosted services first: they take longest, and started last they would leave the run waiting on one service.
    const isHosted = (item: IItem) => classify(item).kind === 'hosted';
    const ordered = [...items.filter(isHosted), ...items.filter((i) => !isHosted(i))];
    try {
      await runPool(ordered, concurrency * ITEMS_PER_SLOT, signal, backupOne);
    } finally {
      itemsDone();
    }

    const principals: { groups: GroupsResult['groups']; users: UserEntry[] } = { groups: [], users: [] };
    if (groupsRun && usersRun) {
      report('groups');
      const groups = await groupsRun.done;
      report('users');
      const users = await usersRun;
      principals.groups = groups.groups;
      principals.users = users.users;
      problems.push(...groups.problems, ...users.problems);
    }

    report('writing');
    signal.throwIfAborted();
    const counts = { ok: 0, skipped: 0, failed: 0 };
    let layers = 0;
    let features = 0;
    let attachments = 0;
    for (const entry of entries) {
      counts[entry.status] += 1;
      for (const layer of entry.service?.layers ?? []) {
        layers += 1;
        features += layer.featureCount;
        attachments += layer.attachmentCount ?? 0;
      }
    }
    const lists = {
      items: (await store.writeList('items', entries)).pages,
      groups: (await store.writeList('groups', principals.groups)).pages,
      users: (await store.writeList('users', principals.users)).pages
    };
    const status = counts.failed > 0 ? 'partial' : 'complete';
    const manifest: SnapshotManifest = {
      format: MANIFEST_FORMAT,
      version: MANIFEST_VERSION,
      id: runId,
      name,
      org: { id: identity.orgId, portalUrl: identity.portalUrl },
      startedAt,
      finishedAt: new Date().toISOString(),
      status,
      ...(parent ? { parent: parent.id } : {}),
      counts: { items: counts, groups: principals.groups.length, users: principals.users.length, layers, features, attachments },
      bytes: { read: ctx.counters.bytesRead, newStored: ctx.counters.newBytes },
      lists,
      ...(selective ? { tags: [SELECTION_TAG] } : {})
    };
    await store.writeSnapshot(manifest);
    await journal.discard();
    journal = undefined;
    report('done');
    results.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return {
      snapshotId: runId,
      name,
      status,
      ...(parent ? { parent: parent.id } : {}),
      resumed: interrupted !== undefined,
      counts: { ...counts, carriedOver: results.filter((r) => r.carriedOver).length, groups: principals.groups.length, users: principals.users.length },
      bytesRead: ctx.counters.bytesRead,
      newBytes: ctx.counters.newBytes,
      durationMs: Date.now() - startedMs,
      items: results,
      problems
    };
  } finally {
    // Interrupted or failed: the journal stays so the next run continues where this one stopped.
    await journal?.close().catch(() => undefined);
    ended.abort(new Error('The backup run has ended.'));
    itemsDone();
    await Promise.all(background);
    await lock.release().catch(() => undefined);
  }
}

/** The items to back up: the given ids (each read with getItem), or every item of the org matching the query. */
async function selectItems(ctx: BackupContext, options: BackupOptions, orgId: string, unreadable: (id: string, entry: ItemEntry) => void): Promise<IItem[]> {
  if (options.itemIds && options.itemIds.length > 0) {
    const ids = [...new Set(options.itemIds)];
    const found: IItem[] = [];
    await runPool(ids, 8, ctx.signal, async (id) => {
      try {
        found.push(await ctx.session.call('item', () => getItem(id, { ...ctx.session.requestOptions, httpMethod: 'GET' })));
      } catch (error) {
        const problem = partProblem('item', error, ctx.signal);
        unreadable(id, { id, title: '', type: '', owner: '', modified: 0, status: problem.status, problems: [problem] });
      }
    });
    return found;
  }
  const items: IItem[] = [];
  await enumerateOrgItems(ctx.session, { orgId, ...(options.query ? { query: options.query } : {}), signal: ctx.signal }, (page) => {
    items.push(...page);
  });
  return items;
}

/**
 * Reuse an unchanged item's stored parts; take its sharing afresh (and its hosted service, which decides itself). An
 * item that is no longer a hosted service of the organization (or never was: a snapshot taken before OrgKeeper checked
 * URLs may hold a "service" read from another origin) loses the stored service and becomes an external reference.
 */
async function carryOver(ctx: BackupContext, item: IItem, urlClass: ItemUrlClass, before: ItemEntry, parentId: string, sharingOf: (item: IItem) => Promise<SharingEntry>): Promise<ItemEntry> {
  const { stats: _stats, problems: _problems, service: _service, external: _external, ...kept } = before;
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

/** The previous snapshot's groups by id (to keep their unchanged thumbnails); empty without one. */
async function previousGroups(store: Store, parent: SnapshotManifest | undefined): Promise<Map<string, GroupEntry>> {
  const groups = new Map<string, GroupEntry>();
  try {
    if (parent) for await (const group of store.readList(parent, 'groups')) groups.set(group.id, group);
  } catch {
    // Only an optimisation: without the previous groups every thumbnail is downloaded again.
    groups.clear();
  }
  return groups;
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

function itemResult(entry: ItemEntry, extra: { carriedOver: boolean; resumed: boolean; durationMs: number; bytesRead: number; newBytes: number }): BackupItemResult {
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
    durationMs: extra.durationMs
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

/** Runs `work` over `inputs` with at most `limit` at once; the first fatal error stops the pool and is thrown. */
async function runPool<T>(inputs: readonly T[], limit: number, signal: AbortSignal, work: (input: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < inputs.length) {
      if (signal.aborted) {
        failure ??= signal.reason;
        return;
      }
      const input = inputs[next++] as T;
      try {
        await work(input);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, inputs.length) }, worker));
  if (failure !== undefined) throw isFatal(failure, signal) && signal.aborted ? (signal.reason ?? failure) : failure;
}

/** A user's turn in the folder rotation: a stable hash of the name, 0 to FOLDER_ROTATION - 1. */
export function rotationSlot(username: string): number {
  return createHash('sha256').update(username.toLowerCase()).digest().readUInt32BE(0) % FOLDER_ROTATION;
}

function defaultName(identityName: string): string {
  return `${identityName} ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
