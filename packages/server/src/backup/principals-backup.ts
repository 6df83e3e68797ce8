/**
 * Groups (definition, members, shared items) and users (profile, role, user type, groups, folders) of the organization.
 * A group or user that cannot be read is listed with its problem; it never fails the run's items.
 *
 * The groups' content lists are read once per run and also give every item's sharing (`ItemSharing`): ArcGIS does not
 * change an item's `modified` when it is shared or unshared, so sharing must be read every run, and one paged search
 * per group costs far fewer requests than one `/groups` request per item.
 */
import type { IGroup } from '@esri/arcgis-rest-portal';
import { enumerateOrgItems, getCommunitySelf, getGroupMembers, getUserFolders, groupThumbnailUrl, listOrgGroups, listOrgUsers, type PortalUser, SEARCH_PAGING_CAP } from '../arcgis/portal/index.js';
import type { GroupEntry, PartProblem, UserEntry } from '../store/index.js';
import type { BackupContext } from './backup.types.js';
import { fetchPartToStore, partProblem, putJson } from './part-fetch.js';

export type PrincipalProblem = { kind: 'group' | 'user'; id: string; reason: string };

/** Which groups each item is shared with, from the groups' content lists. */
export interface ItemSharing {
  /** False when some group's content could not be listed completely: then sharing must be read per item. */
  complete: boolean;
  /** Ids of the groups (visible to the identity) the item is shared with, sorted. */
  groupsOf(itemId: string): string[];
}

export interface GroupsResult {
  groups: GroupEntry[];
  /** Group ids per lower-cased username (the users' `groups`). */
  memberOf: Map<string, Set<string>>;
  problems: PrincipalProblem[];
}

export interface GroupsRun {
  /** Settles as soon as every group's content is listed (members may still be being read). Never rejects. */
  sharing: Promise<ItemSharing>;
  /** Every group with its members and items. Rejects only on a fatal error (cancellation, store). */
  done: Promise<GroupsResult>;
}

/**
 * Starts reading the organization's groups: the group search, then per group its content (a `group:<id>` search,
 * split past the search cap like the organization's items) and its members. Groups of other organizations the identity
 * belongs to (partnered collaboration) are not the organization's, but items can be shared with them: their content is
 * read for sharing only.
 */
export function startGroups(ctx: BackupContext, orgId: string, previous: Promise<Map<string, GroupEntry>> = Promise.resolve(new Map())): GroupsRun {
  return new GroupsBackup(ctx, orgId, previous).start();
}

/** One run's reading of the groups, in three phases: the list, each group's content, each group's members. */
class GroupsBackup implements ItemSharing {
  private readonly problems: PrincipalProblem[] = [];
  /** Group ids by item id. */
  private readonly shared = new Map<string, Set<string>>();
  private allListed = true;
  private readonly entries = new Map<string, { entry: GroupEntry; problems: PartProblem[] }>();

  constructor(
    private readonly ctx: BackupContext,
    private readonly orgId: string,
    private readonly previous: Promise<Map<string, GroupEntry>>
  ) {}

  start(): GroupsRun {
    const contents = this.list().then((groups) => this.readContents(groups));
    const done = contents.then((groups) => this.readMembers(groups));
    return { sharing: contents.then((): ItemSharing => this, () => ({ complete: false, groupsOf: () => [] })), done };
  }

  get complete(): boolean {
    return this.allListed;
  }

  groupsOf(itemId: string): string[] {
    return [...(this.shared.get(itemId) ?? [])].sort();
  }

  private addShared(groupId: string, itemIds: Iterable<string>): void {
    for (const id of itemIds) {
      const set = this.shared.get(id) ?? new Set<string>();
      set.add(groupId);
      this.shared.set(id, set);
    }
  }

  private async list(): Promise<IGroup[]> {
    const { ctx } = this;
    try {
      const all = await listOrgGroups({ session: ctx.session, orgId: this.orgId });
      if (all.capped) {
        this.allListed = false;
        this.problems.push({ kind: 'group', id: '*', reason: `The organization has ${all.total} groups; ArcGIS search lists only the first ${SEARCH_PAGING_CAP}.` });
      }
      return all.results;
    } catch (error) {
      // The items are still worth a snapshot; the run reports that its groups are missing, and why.
      this.allListed = false;
      this.problems.push({ kind: 'group', id: '*', reason: `The groups could not be listed: ${partProblem('groups', error, ctx.signal).reason}` });
      return [];
    }
  }

  /** The ids of the items shared with a group; undefined (and a problem) when they could not all be listed. */
  private async contentOf(groupId: string, problemsOut: PartProblem[]): Promise<string[] | undefined> {
    const { ctx } = this;
    const ids: string[] = [];
    try {
      const report = await enumerateOrgItems(ctx.session, { scope: `group:${groupId}`, ...(ctx.signal ? { signal: ctx.signal } : {}) }, (items) => {
        for (const item of items) ids.push(item.id);
      });
      if (report.unreachableRanges.length > 0) {
        problemsOut.push({ part: 'items', status: 'skipped', reason: `Some items shared with the group could not be listed: ${report.unreachableRanges.reduce((n, r) => n + r.total, 0)} were created in the same millisecond, more than ArcGIS search can page.` });
        return undefined;
      }
    } catch (error) {
      problemsOut.push(partProblem('items', error, ctx.signal));
      return undefined;
    }
    return [...new Set(ids)].sort();
  }

  /** Each group's definition and content, and the content of the identity's groups of other organizations. */
  private async readContents(groups: IGroup[]): Promise<IGroup[]> {
    const external = this.readOtherOrganizationsGroups(groups);
    await Promise.all(
      groups.map(async (group) => {
        const problemsOf: PartProblem[] = [];
        const entry: GroupEntry = { id: group.id, title: String(group.title ?? ''), owner: String(group.owner ?? ''), status: 'ok', definition: await putJson(this.ctx, group) };
        const ids = await this.contentOf(group.id, problemsOf);
        if (ids) {
          entry.items = ids;
          this.addShared(group.id, ids);
        } else this.allListed = false;
        this.entries.set(group.id, { entry, problems: problemsOf });
      })
    );
    await external;
    return groups;
  }

  /**
   * The identity's own groups include those of other organizations. Without them the items' groups are not known
   * for sure, so a failure here makes the engine ask each item instead.
   */
  private async readOtherOrganizationsGroups(groups: IGroup[]): Promise<void> {
    const { ctx } = this;
    try {
      const self = await getCommunitySelf({ session: ctx.session });
      const own = new Set(groups.map((g) => g.id));
      const others = (self.groups ?? []).map((g) => g.id).filter((id): id is string => typeof id === 'string' && !own.has(id));
      await Promise.all(
        others.map(async (id) => {
          const ids = await this.contentOf(id, []);
          if (ids) this.addShared(id, ids);
          else this.allListed = false;
        })
      );
    } catch (error) {
      partProblem('groups', error, ctx.signal); // rethrows fatal errors
      this.allListed = false;
    }
  }

  /** Each group's members and thumbnail; the groups' entries are then complete. */
  private async readMembers(groups: IGroup[]): Promise<GroupsResult> {
    const { ctx } = this;
    const memberOf = new Map<string, Set<string>>();
    await Promise.all(
      groups.map(async (group) => {
        const { entry, problems: problemsOf } = this.entries.get(group.id)!;
        const thumbnail = this.previous.then((before) => backupGroupThumbnail(ctx, group, entry, before.get(group.id), problemsOf));
        try {
          const answer = await getGroupMembers({ session: ctx.session, id: group.id });
          entry.members = await putJson(ctx, answer);
          for (const username of new Set([...(answer.owner ? [answer.owner] : []), ...(answer.admins ?? []), ...(answer.users ?? [])])) {
            const set = memberOf.get(username.toLowerCase()) ?? new Set<string>();
            set.add(group.id);
            memberOf.set(username.toLowerCase(), set);
          }
        } catch (error) {
          problemsOf.push(partProblem('members', error, ctx.signal));
        }
        const thumbnailPart = await thumbnail;
        if (thumbnailPart) entry.thumbnail = thumbnailPart;
        if (problemsOf.length > 0) entry.problems = problemsOf;
        entry.status = problemsOf.some((p) => p.status === 'failed') ? 'failed' : 'ok';
        for (const problem of problemsOf) this.problems.push({ kind: 'group', id: group.id, reason: `${problem.part}: ${problem.reason}` });
      })
    );
    return { groups: groups.map((g) => this.entries.get(g.id)!.entry), memberOf, problems: this.problems };
  }
}

/**
 * The group's thumbnail (`community/groups/<id>/info/<thumbnail>`), stored as a blob; undefined without one. A thumbnail
 * that cannot be read is a problem of the group (reported with the run), not a silent gap. When the group's JSON
 * (its `modified` included, which ArcGIS moves when the thumbnail changes) is byte-identical to the previous snapshot's
 * and names the same file, the previous blob is kept and nothing is downloaded.
 */
async function backupGroupThumbnail(ctx: BackupContext, group: IGroup, entry: GroupEntry, before: GroupEntry | undefined, problemsOut: PartProblem[]): Promise<GroupEntry['thumbnail']> {
  const name = typeof group.thumbnail === 'string' ? group.thumbnail : '';
  if (name === '') return undefined;
  const filename = name.split(/[\\/]/).pop() || 'thumbnail.png';
  if (before?.thumbnail && before.thumbnail.filename === filename && before.definition && before.definition.hash === entry.definition?.hash) return before.thumbnail;
  try {
    const file = await fetchPartToStore(ctx, groupThumbnailUrl({ session: ctx.session, id: group.id, name }), 'group thumbnail');
    if (!file) {
      problemsOut.push({ part: 'thumbnail', status: 'skipped', reason: `ArcGIS answered an empty file for the group's thumbnail "${name}".` });
      return undefined;
    }
    // The name is restored as the upload's file name: its last segment only (it is validated as a safe path).
    return { hash: file.hash, size: file.size, filename, contentType: file.contentType };
  } catch (error) {
    problemsOut.push(partProblem('thumbnail', error, ctx.signal));
    return undefined;
  }
}

export interface UsersOptions {
  /** The users' group memberships (from the groups' members). */
  memberOf: Promise<Map<string, Set<string>>>;
  /** The newest earlier snapshot's users, to carry their folders over. */
  previous: Map<string, UserEntry>;
  /**
   * Whether an unchanged user's folders must be read again anyway. ArcGIS lists folders only per user
   * (`content/users/<u>`), and creating or renaming a folder changes neither the user's profile nor any item, so the
   * engine answers from the run's items (the user's content changed) plus a slow rotation over all users.
   */
  refreshFolders: (username: string, previous: UserEntry) => boolean | Promise<boolean>;
}

/**
 * Every user of the organization (`portals/self/users`, which needs an administrator). A user whose profile is
 * byte-identical to the previous snapshot's keeps its folders unless `refreshFolders` says otherwise.
 */
export async function backupUsers(ctx: BackupContext, options: UsersOptions): Promise<{ users: UserEntry[]; problems: PrincipalProblem[] }> {
  const problems: PrincipalProblem[] = [];
  let users: PortalUser[];
  try {
    users = (await listOrgUsers({ session: ctx.session })).results;
  } catch (error) {
    // portals/self/users needs an administrator: say so rather than fail the items' backup.
    problems.push({ kind: 'user', id: '*', reason: `The users could not be listed (this needs an administrator): ${partProblem('users', error, ctx.signal).reason}` });
    users = [];
  }
  const entries = await Promise.all(
    users.map(async (user) => {
      const entry = await backupUser(ctx, user, options);
      for (const problem of entry.problems ?? []) problems.push({ kind: 'user', id: entry.username, reason: `${problem.part}: ${problem.reason}` });
      return entry;
    })
  );
  return { users: entries, problems };
}

async function backupUser(ctx: BackupContext, user: PortalUser, options: UsersOptions): Promise<UserEntry> {
  const username = String(user.username);
  const profile = await putJson(ctx, user);
  const before = options.previous.get(username);
  const reuse = before !== undefined && before.status === 'ok' && !before.problems && before.folders !== undefined && before.profile?.hash === profile.hash && !(await options.refreshFolders(username, before));
  const entry: UserEntry = {
    username,
    ...(typeof user.fullName === 'string' ? { fullName: user.fullName } : {}),
    ...(typeof user.role === 'string' ? { role: user.role } : {}),
    ...(typeof user.userLicenseTypeId === 'string' ? { userLicenseTypeId: user.userLicenseTypeId } : {}),
    status: 'ok',
    profile,
    groups: []
  };
  if (reuse) entry.folders = before.folders!;
  else {
    try {
      entry.folders = (await getUserFolders({ session: ctx.session, username })).sort((a, b) => (a.id < b.id ? -1 : 1));
    } catch (error) {
      const problem = partProblem('folders', error, ctx.signal);
      entry.problems = [problem];
      entry.status = problem.status === 'failed' ? 'failed' : 'ok';
    }
  }
  entry.groups = [...((await options.memberOf).get(username.toLowerCase()) ?? [])].sort();
  // Same key order as a freshly read entry, so an unchanged user serializes identically (list pages deduplicate).
  const { problems, folders, ...rest } = entry;
  return { ...rest, ...(problems ? { problems } : {}), ...(folders ? { folders } : {}) } as UserEntry;
}
