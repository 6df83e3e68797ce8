/**
 * The portal calls of signing in with ArcGIS, one small typed function each (to join the ArcGIS endpoint catalogue).
 * Everything the portal answers is hostile: only the fields used here are read, each checked for its type.
 */
import type { ArcGISSession } from '../arcgis/arcgis-session.js';
import type { ArcGISPerson } from './arcgis-role-mapping.js';
import type { OrgGroupView } from './arcgis-sign-in.types.js';

/**
 * `community/self` with the person's own token: who they are, their role, their organization and their groups. ArcGIS
 * returns `groups` only to the user themselves (or an administrator of their organization), which is why the person's
 * own sign-in is used.
 */
export async function fetchPerson(session: ArcGISSession): Promise<ArcGISPerson & { disabled: boolean }> {
  const self = await session.request<{ username?: unknown; role?: unknown; orgId?: unknown; disabled?: unknown; groups?: unknown }>(
    `${session.restUrl}/community/self`
  );
  const groups = Array.isArray(self.groups) ? self.groups : [];
  return {
    username: typeof self.username === 'string' ? self.username : '',
    role: typeof self.role === 'string' ? self.role : null,
    orgId: typeof self.orgId === 'string' && self.orgId ? self.orgId : null,
    disabled: self.disabled === true,
    groupIds: groups.flatMap((g: unknown) => {
      const id = (g as { id?: unknown } | null)?.id;
      return typeof id === 'string' && id ? [id] : [];
    })
  };
}

/** `community/groups` of the organization whose title matches `text` (for choosing group rules), by title. */
export async function searchOrgGroups(session: ArcGISSession, options: { orgId: string; text: string; num?: number }): Promise<OrgGroupView[]> {
  // ArcGIS search syntax: the text is quoted (and its quotes and backslashes dropped) so it cannot add clauses.
  const text = options.text.replace(/["\\]/g, ' ').trim();
  const q = `orgid:${options.orgId}${text ? ` AND title:"${text}"` : ''}`;
  const answer = await session.request<{ results?: unknown }>(`${session.restUrl}/community/groups`, {
    q,
    num: options.num ?? 50,
    start: 1,
    sortField: 'title',
    sortOrder: 'asc'
  });
  const results = Array.isArray(answer.results) ? answer.results : [];
  return results.flatMap((g: unknown) => {
    const group = g as { id?: unknown; title?: unknown; owner?: unknown } | null;
    if (typeof group?.id !== 'string' || !group.id) return [];
    return [{ id: group.id, title: typeof group.title === 'string' ? group.title : group.id, owner: typeof group.owner === 'string' ? group.owner : '' }];
  });
}
