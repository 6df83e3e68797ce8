/**
 * Groups (definition, members, shared items) and users (profile, role, user type, groups, folders) of the organization.
 * A group or user that cannot be read is listed with its problem; it never fails the run's items.
 */
import { getGroupUsers, type IGroup, type IItem, type ISearchResult, searchGroupContent, searchGroups } from '@esri/arcgis-rest-portal';
import type { GroupEntry, PartProblem, UserEntry } from '../store/index.js';
import type { BackupContext } from './backup.types.js';
import { partProblem, putJson } from './part-fetch.js';

const PAGE = 100;
/** Search pages only the first 10,000 results; groups and a group's items beyond that are reported, not lost silently. */
const SEARCH_CAP = 10_000;

interface Paged<T> {
  total: number;
  nextStart: number;
  results: T[];
}

/** Pages `fetchPage` from start 1 until nextStart is -1 (or the 10,000 search cap). */
async function pageAll<T>(fetchPage: (start: number) => Promise<Paged<T>>): Promise<{ results: T[]; total: number }> {
  const results: T[] = [];
  let total = 0;
  for (let start = 1; start > 0 && start <= SEARCH_CAP; ) {
    const page = await fetchPage(start);
    total = page.total;
    results.push(...page.results);
    start = page.nextStart > start ? page.nextStart : -1;
  }
  return { results, total };
}

export interface GroupMembers {
  owner?: string;
  admins?: string[];
  users?: string[];
}

export interface PrincipalsResult {
  groups: GroupEntry[];
  users: UserEntry[];
  problems: { kind: 'group' | 'user'; id: string; reason: string }[];
}

/** Every group of the organization, then every user (their `groups` come from the members read for the groups). */
export async function backupPrincipals(ctx: BackupContext, orgId: string, onPhase: (phase: 'groups' | 'users') => void): Promise<PrincipalsResult> {
  const result: PrincipalsResult = { groups: [], users: [], problems: [] };
  onPhase('groups');
  let listed: { results: IGroup[]; total: number };
  try {
    listed = await pageAll<IGroup>((start) =>
      ctx.session.call('groups', () =>
        searchGroups({ q: `orgid:${orgId}`, start, num: PAGE, sortField: 'title', sortOrder: 'asc', ...ctx.session.requestOptions, httpMethod: 'GET' }) as Promise<ISearchResult<IGroup>>
      )
    );
  } catch (error) {
    // The items are still worth a snapshot; the run reports that its groups are missing, and why.
    result.problems.push({ kind: 'group', id: '*', reason: `The groups could not be listed: ${partProblem('groups', error, ctx.signal).reason}` });
    listed = { results: [], total: 0 };
  }
  if (listed.total > SEARCH_CAP) {
    result.problems.push({ kind: 'group', id: '*', reason: `The organization has ${listed.total} groups; ArcGIS search lists only the first ${SEARCH_CAP}.` });
  }
  const memberOf = new Map<string, Set<string>>();
  await Promise.all(
    listed.results.map(async (group) => {
      const entry = await backupGroup(ctx, group);
      result.groups.push(entry.entry);
      for (const username of entry.members) {
        const set = memberOf.get(username.toLowerCase()) ?? new Set<string>();
        set.add(group.id);
        memberOf.set(username.toLowerCase(), set);
      }
      for (const problem of entry.entry.problems ?? []) result.problems.push({ kind: 'group', id: group.id, reason: `${problem.part}: ${problem.reason}` });
    })
  );

  onPhase('users');
  let users: { results: Record<string, unknown>[]; total: number };
  try {
    users = await pageAll<Record<string, unknown>>(async (start) => {
      const page = await ctx.session.request<{ total: number; nextStart: number; users: Record<string, unknown>[] }>(`${ctx.session.restUrl}/portals/self/users`, {
        start,
        num: PAGE,
        sortField: 'username',
        sortOrder: 'asc'
      });
      return { total: page.total, nextStart: page.nextStart, results: page.users ?? [] };
    });
  } catch (error) {
    // portals/self/users needs an administrator: say so rather than fail the items' backup.
    result.problems.push({ kind: 'user', id: '*', reason: `The users could not be listed (this needs an administrator): ${partProblem('users', error, ctx.signal).reason}` });
    users = { results: [], total: 0 };
  }
  await Promise.all(
    users.results.map(async (user) => {
      const entry = await backupUser(ctx, user, [...(memberOf.get(String(user.username).toLowerCase()) ?? [])].sort());
      result.users.push(entry);
      for (const problem of entry.problems ?? []) result.problems.push({ kind: 'user', id: entry.username, reason: `${problem.part}: ${problem.reason}` });
    })
  );
  return result;
}

async function backupGroup(ctx: BackupContext, group: IGroup): Promise<{ entry: GroupEntry; members: string[] }> {
  const problems: PartProblem[] = [];
  const entry: GroupEntry = { id: group.id, title: String(group.title ?? ''), owner: String(group.owner ?? ''), status: 'ok', definition: await putJson(ctx, group) };
  let members: string[] = [];
  try {
    const answer = (await ctx.session.call('group users', () => getGroupUsers(group.id, { ...ctx.session.requestOptions, httpMethod: 'GET' }))) as GroupMembers;
    entry.members = await putJson(ctx, answer);
    members = [...new Set([...(answer.owner ? [answer.owner] : []), ...(answer.admins ?? []), ...(answer.users ?? [])])];
  } catch (error) {
    problems.push(partProblem('members', error, ctx.signal));
  }
  try {
    const items = await pageAll<IItem>((start) =>
      ctx.session.call('group content', () =>
        searchGroupContent({ groupId: group.id, q: '*', start, num: PAGE, sortField: 'created', sortOrder: 'asc', ...ctx.session.requestOptions, httpMethod: 'GET' }) as Promise<ISearchResult<IItem>>
      )
    );
    entry.items = [...new Set(items.results.map((i) => i.id))].sort();
    if (items.total > SEARCH_CAP) problems.push({ part: 'items', status: 'skipped', reason: `The group holds ${items.total} items; ArcGIS search lists only the first ${SEARCH_CAP}.` });
  } catch (error) {
    problems.push(partProblem('items', error, ctx.signal));
  }
  if (problems.length > 0) entry.problems = problems;
  entry.status = problems.some((p) => p.status === 'failed') ? 'failed' : 'ok';
  return { entry, members };
}

async function backupUser(ctx: BackupContext, user: Record<string, unknown>, groups: string[]): Promise<UserEntry> {
  const username = String(user.username);
  const entry: UserEntry = {
    username,
    ...(typeof user.fullName === 'string' ? { fullName: user.fullName } : {}),
    ...(typeof user.role === 'string' ? { role: user.role } : {}),
    ...(typeof user.userLicenseTypeId === 'string' ? { userLicenseTypeId: user.userLicenseTypeId } : {}),
    status: 'ok',
    profile: await putJson(ctx, user),
    groups
  };
  try {
    // One page of the root folder is enough: the answer lists every folder whatever the page.
    const content = await ctx.session.request<{ folders?: { id?: unknown; title?: unknown }[] }>(`${ctx.session.restUrl}/content/users/${encodeURIComponent(username)}`, { start: 1, num: 1 });
    entry.folders = (content.folders ?? [])
      .filter((f): f is { id: string; title: string } => typeof f.id === 'string' && typeof f.title === 'string')
      .map((f) => ({ id: f.id, title: f.title }))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  } catch (error) {
    const problem = partProblem('folders', error, ctx.signal);
    entry.problems = [problem];
    entry.status = problem.status === 'failed' ? 'failed' : 'ok';
  }
  return entry;
}
