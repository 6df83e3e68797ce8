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
 * - Chosen items (`itemIds`, `query`) take along what they need to be restored (a survey's service and views, a
 *   view's source: item-dependencies.ts), in rounds after them, unless `withDependencies` is false.
 * - The manifest is written last: `complete`, or `partial` when some items failed.
 */
import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { IItem } from '@esri/arcgis-rest-portal';
import { classifyItem, type ItemUrlClass } from '../arcgis/item-classifier.js';
import { runPool } from '../lib/task-pool.js';
import {
  type GroupEntry,
  type ItemEntry,
  type SharingEntry,
  type SnapshotManifest,
  type Store,
  type StoreLock,
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
import { backupItem, type ItemsRun, itemResult, selectItems } from './backup-items.js';
import type { BackupContext, BackupItemResult, BackupOptions, BackupProgress, BackupResult } from './backup.types.js';
import { takeAlong, type TakeAlongHost } from './take-along.js';
import { accessOf, readSharing } from './item-backup.js';
import { backupUsers, type GroupsResult, type GroupsRun, startGroups } from './principals-backup.js';

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
  const store = await openIdentityStore(options.identity);
  const lock = await acquireLock(store, { kind: 'write', operation: 'backup' });
  const run = new BackupRun(options, store, lock, startedMs);
  try {
    return await run.run();
  } finally {
    await run.end();
  }
}

/** The run this one continues (or a new one): its id, name, start and journal. */
interface RunJournal {
  runId: string;
  name: string;
  startedAt: string;
  resumed: boolean;
  resumedUnits: Map<string, { data?: ItemEntry }>;
  journal: JournalWriter;
}

/** The snapshots before this run: the newest is the parent, their entries are what unchanged items carry over. */
interface EarlierSnapshots {
  count: number;
  parent: SnapshotManifest | undefined;
  previous: Map<string, { entry: ItemEntry; snapshotId: string }>;
}

/** The users being read (wrapped: an async function returning it would wait for it). */
interface UsersRun {
  done: Promise<{ users: UserEntry[]; problems: GroupsResult['problems'] }>;
}

/** One run's state; `run()` goes through its phases, `end()` releases what it holds whatever happened. */
class BackupRun {
  private readonly ctx: BackupContext;
  /** Ends the groups and users still being read when the items fail: nothing of the run outlives it. */
  private readonly ended = new AbortController();
  private journal: JournalWriter | undefined;
  /** Groups and users are read alongside the items; on failure they are stopped and waited for before the lock goes. */
  private readonly background: Promise<unknown>[] = [];
  private itemsDone: () => void = () => undefined;
  private readonly progress: BackupProgress = { phase: 'starting', itemsTotal: 0, itemsDone: 0, bytesRead: 0, newBytes: 0 };
  private readonly problems: BackupResult['problems'] = [];
  private readonly entries: ItemEntry[] = [];
  private readonly results: BackupItemResult[] = [];

  constructor(
    private readonly options: BackupOptions,
    private readonly store: Store,
    private readonly lock: StoreLock,
    private readonly startedMs: number
  ) {
    const signal = AbortSignal.any([this.ended.signal, lock.signal, ...(options.signal ? [options.signal] : [])]);
    // Every request in flight and every retry waiting on its backoff listens to the run's signal: many at once is
    // normal here (items and their parts in parallel), not the leak Node's default warning at 10 listeners guards against.
    setMaxListeners(1000, signal);
    this.ctx = { session: options.session.withSignal(signal), store, signal, counters: { bytesRead: 0, newBytes: 0 }, ...(options.partPolicy ? { partPolicy: options.partPolicy } : {}) };
  }

  async run(): Promise<BackupResult> {
    const { identity } = this.options;
    const journal = await this.openJournal();
    this.report();
    const earlier = await this.earlierSnapshots(journal.runId);

    this.report('enumerating');
    // Which servers are the organization's (asked of the portal once per run): decides what is hosted, what external.
    const origins = await this.ctx.session.orgOrigins();
    const classify = (item: IItem): ItemUrlClass => classifyItem(item, origins);
    const groupsRun = this.startGroups(earlier.parent);
    this.problems.push(...origins.problems.map((reason) => ({ kind: 'organization' as const, id: 'servers', reason })));
    const items = await selectItems(this.ctx, this.options, identity.orgId, (id, entry) => {
      this.entries.push(entry);
      this.results.push(itemResult(entry, { carriedOver: false, resumed: false, durationMs: 0, bytesRead: 0, newBytes: 0 }));
      this.problems.push({ kind: 'enumeration', id, reason: entry.problems?.[0]?.reason ?? 'unreadable' });
    });
    this.progress.itemsTotal = items.length + this.entries.length;
    this.progress.itemsDone = this.entries.length;
    this.report('items');

    const changedOwners = new Set<string>();
    const usersRun = groupsRun ? await this.startUsers(groupsRun, earlier, changedOwners) : undefined;
    const selective = (this.options.itemIds?.length ?? 0) > 0 || (this.options.query ?? '') !== '';
    if (!selective) {
      // Items gone since the last snapshot: their owners' folders may have gone with them.
      const listedIds = new Set(items.map((i) => i.id));
      for (const { entry } of earlier.previous.values()) if (!listedIds.has(entry.id)) changedOwners.add(entry.owner.toLowerCase());
    }
    const itemsRun: ItemsRun = {
      ctx: this.ctx,
      journal: journal.journal,
      resumedUnits: journal.resumedUnits,
      previous: earlier.previous,
      classify,
      sharingOf: sharingFrom(this.ctx, groupsRun),
      changedOwners,
      entries: this.entries,
      results: this.results,
      itemDone: () => {
        this.progress.itemsDone += 1;
        this.report();
      },
      neededBy: new Map()
    };
    try {
      await this.backupItems(items, itemsRun);
      if (selective && (this.options.withDependencies ?? true)) await takeAlong(this.takeAlongHost(itemsRun), items);
    } finally {
      this.itemsDone();
    }
    const principals = await this.principals(groupsRun, usersRun);

    this.report('writing');
    this.ctx.signal.throwIfAborted();
    const manifest = await this.writeSnapshot(journal, earlier.parent, principals, selective);
    await journal.journal.discard();
    this.journal = undefined;
    this.report('done');
    this.results.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const counts = manifest.counts.items;
    return {
      snapshotId: journal.runId,
      name: journal.name,
      status: manifest.status,
      ...(earlier.parent ? { parent: earlier.parent.id } : {}),
      resumed: journal.resumed,
      counts: { ...counts, carriedOver: this.results.filter((r) => r.carriedOver).length, groups: principals.groups.length, users: principals.users.length },
      bytesRead: this.ctx.counters.bytesRead,
      newBytes: this.ctx.counters.newBytes,
      durationMs: Date.now() - this.startedMs,
      items: this.results,
      takenAlong: this.entries.filter((e) => e.neededBy).map((e) => ({ id: e.id, title: e.title, type: e.type, neededBy: e.neededBy! })),
      problems: this.problems
    };
  }

  /** Interrupted or failed: the journal stays so the next run continues where this one stopped. */
  async end(): Promise<void> {
    await this.journal?.close().catch(() => undefined);
    this.ended.abort(new Error('The backup run has ended.'));
    this.itemsDone();
    await Promise.all(this.background);
    await this.lock.release().catch(() => undefined);
  }

  private report(phase?: BackupProgress['phase']): void {
    if (phase) this.progress.phase = phase;
    this.progress.bytesRead = this.ctx.counters.bytesRead;
    this.progress.newBytes = this.ctx.counters.newBytes;
    this.options.onProgress?.({ ...this.progress });
  }

  /** Continues an interrupted run of this store, if there is one (its journaled items are not downloaded again). */
  private async openJournal(): Promise<RunJournal> {
    const interrupted = (await listJournals(this.store)).filter((j) => j.header?.operation === JOURNAL_OPERATION).pop();
    const runId = interrupted?.runId ?? newSnapshotId();
    const resumedUnits = interrupted ? ((await readJournal<ItemEntry>(this.store, runId))?.units ?? new Map()) : new Map<string, { data?: ItemEntry }>();
    const name = this.options.name?.trim() || (interrupted?.header?.data as JournalData | undefined)?.name || defaultName(this.options.identity.name);
    // Synced at least every second: a killed run then loses at most about a second of finished items (the blob fsyncs
    // are batched with it, so this costs a few fsyncs a second, not one per item).
    const journal = await JournalWriter.open(this.store, runId, { operation: JOURNAL_OPERATION, data: { name, identityId: this.options.identity.id } satisfies JournalData }, { syncEveryMs: JOURNAL_SYNC_MS });
    this.journal = journal;
    const startedAt = interrupted?.header?.startedAt ?? snapshotIdTime(runId).toISOString();
    return { runId, name, startedAt, resumed: interrupted !== undefined, resumedUnits, journal };
  }

  /**
   * Earlier entries to carry over unchanged items from: the newest snapshot's, and when that run covered only a
   * selection (--query, --items), also older snapshots' back to the newest whole-organization one, so a small
   * selective run does not make the next full run download everything again.
   */
  private async earlierSnapshots(runId: string): Promise<EarlierSnapshots> {
    const earlier = (await this.store.listSnapshots()).snapshots.filter((s) => s.id !== runId);
    const previous = new Map<string, { entry: ItemEntry; snapshotId: string }>();
    for (const snapshot of [...earlier].reverse()) {
      for await (const entry of this.store.readList(snapshot, 'items')) if (!previous.has(entry.id)) previous.set(entry.id, { entry, snapshotId: snapshot.id });
      if (!snapshot.tags?.includes(SELECTION_TAG)) break;
    }
    return { count: earlier.length, parent: earlier.at(-1), previous };
  }

  /** Groups start at once: their content lists give the items' sharing, and reading them alongside the item search keeps the request slots busy. */
  private startGroups(parent: SnapshotManifest | undefined): GroupsRun | undefined {
    if (!(this.options.includePrincipals ?? true)) return undefined;
    // Every item waits for the groups' content lists (its sharing): their requests go before the feature pages and
    // attachments of the hosted services, which start first and would otherwise fill the queue ahead of them.
    const groupsRun = startGroups({ ...this.ctx, session: this.ctx.session.urgent() }, this.options.identity.orgId, previousGroups(this.store, parent));
    // Awaited later; a fatal error while the items run must not also surface as an unhandled rejection.
    this.background.push(groupsRun.done.catch(() => undefined));
    return groupsRun;
  }

  /**
   * Users run alongside the items too; an unchanged user's folders wait for the items to say whether its content
   * changed (an item added, changed, removed or moved between folders).
   */
  private async startUsers(groupsRun: GroupsRun, earlier: EarlierSnapshots, changedOwners: Set<string>): Promise<UsersRun> {
    const itemsFinished = new Promise<void>((resolve) => (this.itemsDone = resolve));
    const previousUsers = new Map<string, UserEntry>();
    if (earlier.parent) for await (const user of this.store.readList(earlier.parent, 'users')) previousUsers.set(user.username, user);
    const turn = earlier.count % FOLDER_ROTATION;
    const usersRun = backupUsers(this.ctx, {
      memberOf: groupsRun.done.then((g) => g.memberOf),
      previous: previousUsers,
      refreshFolders: async (username) => {
        if (rotationSlot(username) === turn) return true;
        await itemsFinished;
        return changedOwners.has(username.toLowerCase());
      }
    });
    this.background.push(usersRun.catch(() => undefined));
    return { done: usersRun };
  }

  /** Hosted services first: they take longest, and started last they would leave the run waiting on one service. */
  private async backupItems(items: IItem[], run: ItemsRun): Promise<void> {
    const isHosted = (item: IItem) => run.classify(item).kind === 'hosted';
    const ordered = [...items.filter(isHosted), ...items.filter((i) => !isHosted(i))];
    // The session's limiter finds how many requests the organization takes at once (adaptive-limiter.ts); the items
    // in flight follow it, so its slots stay busy as it grows and memory stays bounded when it shrinks.
    const ceiling = Math.max(1, Math.min(64, Math.floor(this.options.concurrency ?? this.ctx.session.concurrencyCeiling)));
    const concurrency = () => Math.min(ceiling, this.ctx.session.concurrency) * ITEMS_PER_SLOT;
    // An item records its own failures; what it throws (a stop, credentials, the store) ends the run.
    await runPool(ordered, { concurrency, onError: 'stop', signal: this.ctx.signal }, (item) => backupItem(run, item));
  }

  /** What taking items along reads and adds to: this run's entries, results, problems, progress and item pool. */
  private takeAlongHost(run: ItemsRun): TakeAlongHost {
    const { ctx, entries, results, problems, progress } = this;
    const counted = (known: number, doneAtOnce: number, taken: number) => {
      Object.assign(progress, { itemsTotal: progress.itemsTotal + known, itemsDone: progress.itemsDone + doneAtOnce, itemsTakenAlong: taken });
      this.report();
    };
    return { ctx, run, entries, results, problems, counted, backupItems: (items) => this.backupItems(items, run), bounds: this.options.dependencyBounds };
  }

  private async principals(groupsRun: GroupsRun | undefined, usersRun: UsersRun | undefined): Promise<{ groups: GroupEntry[]; users: UserEntry[] }> {
    if (!groupsRun || !usersRun) return { groups: [], users: [] };
    this.report('groups');
    const groups = await groupsRun.done;
    this.report('users');
    const users = await usersRun.done;
    this.problems.push(...groups.problems, ...users.problems);
    return { groups: groups.groups, users: users.users };
  }

  /** The lists and the manifest, written last: `complete`, or `partial` when some items failed. */
  private async writeSnapshot(journal: RunJournal, parent: SnapshotManifest | undefined, principals: { groups: GroupEntry[]; users: UserEntry[] }, selective: boolean): Promise<SnapshotManifest> {
    const counts = { ok: 0, skipped: 0, failed: 0 };
    let layers = 0;
    let features = 0;
    let attachments = 0;
    for (const entry of this.entries) {
      counts[entry.status] += 1;
      for (const layer of entry.service?.layers ?? []) {
        layers += 1;
        features += layer.featureCount;
        attachments += layer.attachmentCount ?? 0;
      }
    }
    const lists = {
      items: (await this.store.writeList('items', this.entries)).pages,
      groups: (await this.store.writeList('groups', principals.groups)).pages,
      users: (await this.store.writeList('users', principals.users)).pages
    };
    const { identity } = this.options;
    const manifest: SnapshotManifest = {
      format: MANIFEST_FORMAT,
      version: MANIFEST_VERSION,
      id: journal.runId,
      name: journal.name,
      org: { id: identity.orgId, portalUrl: identity.portalUrl },
      startedAt: journal.startedAt,
      finishedAt: new Date().toISOString(),
      status: counts.failed > 0 ? 'partial' : 'complete',
      ...(parent ? { parent: parent.id } : {}),
      counts: { items: counts, groups: principals.groups.length, users: principals.users.length, layers, features, attachments },
      bytes: { read: this.ctx.counters.bytesRead, newStored: this.ctx.counters.newBytes },
      lists,
      ...(selective ? { tags: [SELECTION_TAG] } : {})
    };
    await this.store.writeSnapshot(manifest);
    return manifest;
  }
}

/** An item's sharing: from the groups' content lists when they are complete, else asked per item. */
function sharingFrom(ctx: BackupContext, groupsRun: GroupsRun | undefined): (item: IItem) => Promise<SharingEntry> {
  return async (item) => {
    const index = groupsRun ? await groupsRun.sharing : undefined;
    if (!index?.complete) return readSharing(ctx, item);
    return { access: accessOf(item), groups: index.groupsOf(item.id) };
  };
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

/** A user's turn in the folder rotation: a stable hash of the name, 0 to FOLDER_ROTATION - 1. */
export function rotationSlot(username: string): number {
  return createHash('sha256').update(username.toLowerCase()).digest().readUInt32BE(0) % FOLDER_ROTATION;
}

function defaultName(identityName: string): string {
  return `${identityName} ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
