import type { Role } from '../db/schema.js';
import { roleAllows } from './access-control.js';
import type { RoleMapping } from './arcgis-sign-in.types.js';

/** What ArcGIS says about a person (community/self of their own sign-in). */
export interface ArcGISPerson {
  username: string;
  /** org_admin, org_publisher, org_user (custom roles keep their base role here). */
  role: string | null;
  orgId: string | null;
  /** Ids of the groups the person is a member of (any membership). */
  groupIds: string[];
}

export interface MappedRole {
  role: Role;
  /** Every rule that matched, e.g. `administrators`, `user:jdoe`, `group:GIS Team`, for the audit log. */
  matched: string[];
}

/**
 * The OrgKeeper role a person gets: the highest of every rule that matches them (the organization's administrators,
 * their username, a group they belong to); null when none does, and then they do not get in. Usernames compare
 * without regard to case, as ArcGIS's do.
 */
export function mapRole(mapping: RoleMapping, person: ArcGISPerson): MappedRole | null {
  const candidates: { role: Role; rule: string }[] = [];
  if (mapping.adminsRole && person.role === 'org_admin') candidates.push({ role: mapping.adminsRole, rule: 'administrators' });
  const username = person.username.toLowerCase();
  for (const rule of mapping.users) if (rule.username.toLowerCase() === username) candidates.push({ role: rule.role, rule: `user:${rule.username}` });
  const groups = new Set(person.groupIds);
  for (const rule of mapping.groups) if (groups.has(rule.groupId)) candidates.push({ role: rule.role, rule: `group:${rule.title || rule.groupId}` });
  if (candidates.length === 0) return null;
  let best = candidates[0] as { role: Role; rule: string };
  for (const candidate of candidates) if (roleAllows(candidate.role, best.role) && candidate.role !== best.role) best = candidate;
  return { role: best.role, matched: candidates.map((c) => c.rule) };
}
