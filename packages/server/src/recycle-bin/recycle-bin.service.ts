/**
 * An identity's view of ArcGIS Online's recycle bin: what each member's bin holds, who deleted it and when (known
 * when OrgKeeper did it: ArcGIS's listing does not say), the earliest it may be purged, whether a backup holds it; and
 * bringing items back with their ids.
 *
 * Esri documents no organization-wide listing URL, so the bin is listed member by member (`content/users/<u>?
 * inRecycleBin=true&foldersContent=true`, as the ArcGIS API for Python does): one request per member, which is why
 * the page asks for it rather than showing it on every visit. A restore from the bin asks `canRestore` first and
 * brings views back after their sources (ArcGIS refuses the other order).
 */
import type { Actor, AuditService } from '../audit/audit.service.js';
import { actorName } from '../audit/audit.service.js';
import type { ArcGISSession } from '../arcgis/arcgis-session.js';
import {
  canRestoreItem,
  getPortalSelf,
  getUserFolders,
  isNotFound,
  listOrgUsers,
  listRecycleBin,
  RECYCLE_BIN_RETENTION_MS,
  recycleBinState,
  restoreRecycledItem,
  type RecycledItem
} from '../arcgis/portal/index.js';
import type { SnapshotBrowser } from '../backup/index.js';
import type { SnapshotIndexRepository } from '../backup/snapshot-index.repository.js';
import { reasonOf } from '../clean/fixes/actions/index.js';
import type { FixRepository } from '../clean/fixes/fix.repository.js';
import { AppError } from '../errors/app-error.js';
import type { ArcGISSessionFactory } from '../identities/index.js';
import type { Clock } from '../lib/clock.js';
import { runPool } from '../lib/task-pool.js';
import type { RecycleBinRestoreItemResult, RecycleBinRestoreResult, RecycleBinStatus, RecycleBinView, RecycledItemView } from './recycle-bin.types.js';

export interface RecycleBinServiceDeps {
  sessions: ArcGISSessionFactory;
  snapshots: SnapshotBrowser;
  index: SnapshotIndexRepository;
  fixes: FixRepository;
  audit: AuditService;
  clock: Clock;
}

/** Members whose bins are read at once (the session still bounds requests in flight). */
const CONCURRENCY = 4;
const ITEM_ID = /^[0-9A-Za-z]{1,64}$/;
/** Items restored in one request. */
export const MAX_RESTORE_ITEMS = 100;

/** An item of a member's bin to restore: its owner, and the folder it was deleted from. */
interface BinItem {
  id: string;
  owner: string;
  folderId: string | null;
}

export interface RestoreRequestItem {
  id: string;
  /** The item's owner; found by listing the bins when not given. */
  owner?: string;
}

export class RecycleBinService {
  constructor(private readonly deps: RecycleBinServiceDeps) {}

  /** Whether the organization has the bin and has it on (`portals/self` only: one request). */
  async status(identityId: string): Promise<RecycleBinStatus> {
    const session = await this.deps.sessions.sessionFor(identityId);
    const self = await getPortalSelf({ session });
    return { identityId, ...recycleBinState(self), isEnterprise: self.isPortal === true };
  }

  async list(identityId: string): Promise<RecycleBinView> {
    const session = await this.deps.sessions.sessionFor(identityId);
    const self = await getPortalSelf({ session });
    const bin = recycleBinState(self);
    const view: RecycleBinView = { identityId, ...bin, message: null, retentionHours: RECYCLE_BIN_RETENTION_MS / 3600_000, items: [], problems: [], backupNote: null };
    if (!bin.supported) {
      view.message =
        self.isPortal === true
          ? 'ArcGIS Enterprise has no recycle bin: a deleted item is gone, and only a backup can bring it back (with a new id unless Enterprise keeps it).'
          : 'This ArcGIS Online organization has no recycle bin (trial organizations do not): a deleted item is gone, and only a backup can bring it back, with a new id.';
      return view;
    }
    if (!bin.enabled) view.message = 'The recycle bin is off: deletes are permanent. Items it held before it was switched off can still be restored until they are purged.';
    const { items, problems } = await this.binItems(session);
    view.problems = problems;
    const ids = items.map((i) => i.id);
    const deletes = new Map<string, { username: string; fixId: string; at: string | null }>();
    for (const row of await this.deps.fixes.deletesOf(identityId, ids)) {
      if (!deletes.has(row.item_id) && appliedDelete(row.applied)) deletes.set(row.item_id, { username: row.created_by, fixId: row.fix_id, at: row.finished_at });
    }
    let backups = new Map<string, string>();
    try {
      // The index follows the store on every listing: snapshots written since (a CLI backup) count too.
      await this.deps.snapshots.listSnapshots(identityId);
      if (ids.length > 0) backups = await this.deps.index.newestSnapshotsWith(identityId, ids);
    } catch (error) {
      view.backupNote = `Backups could not be looked at: ${reasonOf(error)}`;
    }
    view.items = items.map((item): RecycledItemView => {
      const deleted = deletes.get(item.id);
      const at = deleted?.at ?? null;
      return {
        id: item.id,
        title: String(item.title ?? ''),
        type: String(item.type ?? ''),
        owner: String(item.owner ?? ''),
        folderId: typeof item.ownerFolder === 'string' && item.ownerFolder !== '' ? item.ownerFolder : null,
        size: typeof item.size === 'number' ? item.size : null,
        deletedBy: deleted ? { username: deleted.username, fixId: deleted.fixId } : null,
        deletedAt: at,
        purgeAfter: at ? new Date(Date.parse(at) + RECYCLE_BIN_RETENTION_MS).toISOString() : null,
        backupSnapshotId: backups.get(item.id) ?? null
      };
    });
    view.items.sort((a, b) => (b.deletedAt ?? '').localeCompare(a.deletedAt ?? '') || a.title.localeCompare(b.title) || a.id.localeCompare(b.id));
    return view;
  }

  /** Every member's bin (members whose bin cannot be read are reported, the others listed). */
  private async binItems(session: ArcGISSession): Promise<{ items: RecycledItem[]; problems: { owner: string; error: string }[] }> {
    const users = await listOrgUsers({ session });
    const items: RecycledItem[] = [];
    const problems: { owner: string; error: string }[] = [];
    await runPool(users.results, { concurrency: CONCURRENCY, onError: 'stop' }, async (user) => {
      try {
        items.push(...(await listRecycleBin({ session, username: user.username })));
      } catch (error) {
        problems.push({ owner: user.username, error: reasonOf(error) });
      }
    });
    if (users.capped) problems.push({ owner: '', error: `Only the first ${users.results.length} of ${users.total} members could be listed; the bins of the others are not shown.` });
    return { items, problems };
  }

  /**
   * Restores items from the bin with their ids, each into the folder it was deleted from when that folder still exists
   * (else the root folder). Views wait for their sources in the same request; what cannot be restored says why.
   */
  async restore(identityId: string, requested: RestoreRequestItem[], actor: Actor): Promise<RecycleBinRestoreResult> {
    if (requested.length === 0 || requested.length > MAX_RESTORE_ITEMS) throw AppError.validation({ items: `Name 1 to ${MAX_RESTORE_ITEMS} items to restore.` });
    const bad = requested.find((r) => !ITEM_ID.test(r.id));
    if (bad) throw AppError.validation({ items: `"${bad.id.slice(0, 80)}" is not an item id (letters and digits, as \`recycle-bin list\` shows them).` });
    const session = await this.deps.sessions.sessionFor(identityId);
    const wanted = await this.withOwners(session, requested);
    const results = new Map<string, RecycleBinRestoreItemResult>();
    let pending = [...wanted];
    // Passes: each restores what ArcGIS allows now; a view blocked only by sources restored in this pass goes next.
    while (pending.length > 0) {
      const waiting: typeof pending = [];
      for (const item of pending) {
        const outcome = await this.restoreOne(session, item, pending);
        if (outcome === 'wait') waiting.push(item);
        else results.set(item.id, outcome);
      }
      if (waiting.length === pending.length) {
        for (const item of waiting) results.set(item.id, { itemId: item.id, status: 'failed', error: 'ArcGIS restores it only after items that could not be restored here (see the others).' });
        break;
      }
      pending = waiting;
    }
    const ordered = [...new Set(requested.map((r) => r.id))].map(
      (id) => results.get(id) ?? { itemId: id, status: 'failed' as const, error: 'It is not in the recycle bin of any member (purged, restored already, or deleted for good), or not in the bin of the owner named.' }
    );
    await this.deps.audit.record({
      actor,
      action: 'recycle-bin.restore',
      target: identityId,
      result: ordered.some((r) => r.status === 'ok') ? 'success' : 'failure',
      details: { results: ordered.map((r) => ({ itemId: r.itemId, status: r.status, error: r.error })), by: actorName(actor) }
    });
    return {
      results: ordered,
      note: 'ArcGIS Online shares a restored item with its owner only and drops its categories. To put them back as they were, restore the item in place from a snapshot that holds it.'
    };
  }

  /**
   * Each requested item as its owner's bin lists it (owner, and the folder it was deleted from). The bins are listed
   * even when the owner is given: the folder comes only from there. Items in no bin are left out (reported missing).
   */
  private async withOwners(session: ArcGISSession, requested: RestoreRequestItem[]): Promise<BinItem[]> {
    const { items } = await this.binItems(session);
    const listed = new Map(items.map((i) => [i.id, i]));
    const out = new Map<string, BinItem>();
    for (const r of requested) {
      const found = listed.get(r.id);
      if (!found || out.has(r.id)) continue;
      if (r.owner && r.owner.toLowerCase() !== String(found.owner).toLowerCase()) continue;
      out.set(r.id, { id: r.id, owner: String(found.owner), folderId: typeof found.ownerFolder === 'string' && found.ownerFolder !== '' ? found.ownerFolder : null });
    }
    return [...out.values()];
  }

  /** One item: restored, failed with the reason, or `wait` for another item of this request ArcGIS wants first. */
  private async restoreOne(
    session: ArcGISSession,
    item: BinItem,
    pending: readonly BinItem[]
  ): Promise<RecycleBinRestoreItemResult | 'wait'> {
    try {
      const check = await canRestoreItem({ session, owner: item.owner, id: item.id });
      if (!check.ok) {
        if (check.offendingItems.length > 0 && check.offendingItems.every((o) => pending.some((p) => p.id === o.itemId && p.id !== item.id))) return 'wait';
        const names = check.offendingItems.map((o) => `"${o.title ?? o.itemId}" (${o.itemId})`).join(', ');
        return { itemId: item.id, status: 'failed', error: names ? `ArcGIS restores it only after ${names}: restore that first.` : check.message };
      }
      const folders = item.folderId ? await getUserFolders({ session, username: item.owner }) : [];
      const folderId = folders.some((f) => f.id === item.folderId) ? item.folderId : null;
      await restoreRecycledItem({ session, owner: item.owner, id: item.id, folder: folderId });
      return { itemId: item.id, status: 'ok', error: null, folderId };
    } catch (error) {
      if (isNotFound(error)) return { itemId: item.id, status: 'failed', error: 'It is not in the recycle bin (purged, restored already, or deleted for good).' };
      return { itemId: item.id, status: 'failed', error: reasonOf(error) };
    }
  }
}

/** Whether a delete-items result's applied changes include the delete itself (not only the unprotect before it). */
function appliedDelete(applied: string): boolean {
  try {
    return (JSON.parse(applied) as { field?: string }[]).some((c) => c.field === 'item');
  } catch {
    return false;
  }
}
