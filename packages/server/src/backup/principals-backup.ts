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
  const problems: PrincipalProblem[] = [];
  const shared = new Map<string, Set<string>>();
  let complete = true;
  const addShared = (groupId: string, itemIds: Iterable<string>) => {
    for (const id of itemIds) {
      const set = shared.get(id) ?? new Set<string>();
      set.add(groupId);
      shared.set(id, set);
    }
  };
  const sharing: ItemSharing = {
    get complete() {
      return complete;
    },
    groupsOf: (itemId) => [...(shared.get(itemId) ?? [])].sort()
  };

  const listed = (async () => {
    try {
      const all = await listOrgGroups({ session: ctx.session, orgId });
      if (all.capped) {
        complete = false;
        problems.push({ kind: 'group', id: '*', reason: `The organization has ${all.total} groups; ArcGIS search lists only the first ${SEARCH_PAGING_CAP}.` });
      }
      return all.results;
    } catch (error) {
      // The items are still worth a snapshot; the run reports that its groups are missing, and why.
      complete = false;
      problems.push({ kind: 'group', id: '*', reason: `The groups could not be listed: ${partProblem('groups', error, ctx.signal).reason}` });
      return [];
    }
  })();

  /** The ids of the items shared with a group; undefined (and a problem) when they could not all be listed. */
  const contentOf = async (groupId: string, problemsOut: PartProblem[]): Promise<string[] | undefined> => {
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
  };

  const entries = new Map<string, { entry: GroupEntry; problems: PartProblem[] }>();
  const contents = listed.then(async (groups) => {
    const external = (async () => {
      // The identity's own groups include those of other organizations. Without them the items' groups are not known
      // for sure, so a failure here makes the engine ask each item instead.
      try {
        const self = await getCommunitySelf({ session: ctx.session });
        const own = new Set(groups.map((g) => g.id));
        const others = (self.groups ?? []).map((g) => g.id).filter((id): id is string => typeof id === 'string' && !own.has(id));
        await Promise.all(
          others.map(async (id) => {
            const ids = await contentOf(id, []);
            if (ids) addShared(id, ids);
            else complete = false;
          })
        );
      } catch (error) {
        partProblem('groups', error, ctx.signal); // rethrows fatal errors
        complete = false;
      }
    })();
    await Promise.all(
      groups.map(async (group) => {
        const problemsOf: PartProblem[] = [];
        const entry: GroupEntry = { id: group.id, title: String(group.title ?? ''), owner: String(group.owner ?? ''), status: 'ok', definition: await putJson(ctx, group) };
        const ids = await contentOf(group.id, problemsOf);
        if (ids) {
          entry.items = ids;
          addShared(group.id, ids);
        } else complete = false;
        entries.set(group.id, { entry, problems: problemsOf });
      })
    );
    await external;
    return groups;
  });

  const done = contents.then(async (groups) => {
    const memberOf = new Map<string, Set<string>>();
    await Promise.all(
      groups.map(async (group) => {
        const { entry, problems: problemsOf } = entries.get(group.id)!;
        const thumbnail = previous.then((before) => backupGroupThumbnail(ctx, group, entry, before.get(group.id), problemsOf));
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
        for (const problem of problemsOf) problems.push({ kind: 'group', id: group.id, reason: `${problem.part}: ${problem.reason}` });
      })
    );
    return { groups: groups.map((g) => entries.get(g.id)!.entry), memberOf, problems };
  });
  return { sharing: contents.then(() => sharing, () => ({ complete: false, groupsOf: () => [] })), done };
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
