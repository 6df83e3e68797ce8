import { describe, expect, it } from 'vitest';
import { mapRole, type ArcGISPerson } from './arcgis-role-mapping.js';
import type { RoleMapping } from './arcgis-sign-in.types.js';

const mapping: RoleMapping = {
  adminsRole: 'admin',
  users: [{ username: 'Lee.Analyst', role: 'viewer' }],
  groups: [
    { groupId: 'g-ops', title: 'Operations', role: 'operator' },
    { groupId: 'g-read', title: 'Readers', role: 'viewer' }
  ]
};
const person = (over: Partial<ArcGISPerson>): ArcGISPerson => ({ username: 'someone', role: 'org_user', orgId: 'org', groupIds: [], ...over });

describe('mapRole', () => {
  it('maps administrators, named users (any case) and group members', () => {
    expect(mapRole(mapping, person({ role: 'org_admin' }))).toEqual({ role: 'admin', matched: ['administrators'] });
    expect(mapRole(mapping, person({ username: 'lee.analyst' }))).toEqual({ role: 'viewer', matched: ['user:Lee.Analyst'] });
    expect(mapRole(mapping, person({ groupIds: ['g-ops'] }))).toEqual({ role: 'operator', matched: ['group:Operations'] });
  });

  it('gives the highest role of every matching rule, whatever their order', () => {
    expect(mapRole(mapping, person({ username: 'lee.analyst', groupIds: ['g-read', 'g-ops'] }))?.role).toBe('operator');
    expect(mapRole(mapping, person({ role: 'org_admin', groupIds: ['g-read'] }))).toEqual({ role: 'admin', matched: ['administrators', 'group:Readers'] });
    const reversed: RoleMapping = { ...mapping, groups: [...mapping.groups].reverse() };
    expect(mapRole(reversed, person({ groupIds: ['g-ops', 'g-read'] }))?.role).toBe('operator');
  });

  it('lets nobody else in', () => {
    expect(mapRole(mapping, person({ groupIds: ['g-other'] }))).toBeNull();
    expect(mapRole({ ...mapping, adminsRole: null }, person({ role: 'org_admin' }))).toBeNull();
    expect(mapRole({ adminsRole: null, users: [], groups: [] }, person({ role: 'org_admin', username: 'lee.analyst' }))).toBeNull();
  });
});
