import { describe, expect, it } from 'vitest';
import { newGroupRecord, newItemJson, newItemRecord, newUserRecord, PRIVILEGES } from './records.js';

describe('record factories', () => {
  it('fills a user with the defaults of a new ArcGIS member', () => {
    const user = newUserRecord({ username: 'jdoe', id: 'u1', fullName: 'Jane Q Doe', orgId: 'ORG', role: 'org_publisher', created: 5, password: 'pw' });
    expect(user).toMatchObject({ firstName: 'Jane', lastName: 'Q Doe', modified: 5, lastLogin: -1, roleId: null, level: '2', userLicenseTypeId: 'creatorUT', disabled: false });
    expect(user.privileges).toEqual(PRIVILEGES.org_publisher);
    expect(newUserRecord({ username: 'solo', id: 'u2', orgId: 'ORG', role: 'org_user', created: 1, password: 'pw' })).toMatchObject({ fullName: 'solo', firstName: 'solo', lastName: '' });
  });

  it('fills a group as community/createGroup creates it, the owner its only member', () => {
    const group = newGroupRecord({ id: 'g1', title: 'Parks', owner: 'jdoe', orgId: 'ORG', created: 7 });
    expect(group).toMatchObject({ access: 'private', sortField: 'title', sortOrder: 'asc', isInvitationOnly: false, modified: 7 });
    expect([...group.members]).toEqual([['jdoe', 'owner']]);
  });

  it('fills an item as addItem creates it; given values win, undefined ones do not replace defaults', () => {
    const json = newItemJson({ id: 'i1', owner: 'jdoe', orgId: 'ORG', title: 'Map', type: 'Web Map', created: 9, tags: ['a'], snippet: undefined });
    expect(json).toMatchObject({ modified: 9, access: 'private', ownerFolder: null, tags: ['a'], snippet: null, size: 0, culture: null });
    expect('contentStatus' in json).toBe(false);
  });

  it('never shares collections between records', () => {
    const init = { id: 'i1', owner: 'jdoe', orgId: 'ORG', title: 'Map', type: 'Web Map', created: 1 };
    const a = newItemRecord(init);
    const b = newItemRecord(init);
    a.json.tags.push('x');
    a.groups.add('g');
    a.resources.set('p', { path: 'p', created: 1, size: 0, access: 'inherit', blob: { contentType: 'text/plain', size: 0, read: () => Buffer.alloc(0) } });
    expect(b.json.tags).toEqual([]);
    expect(b.groups.size).toBe(0);
    expect(b.resources.size).toBe(0);
    const u = newUserRecord({ username: 'x', id: 'x', orgId: 'O', role: 'org_admin', created: 1, password: 'p' });
    u.privileges.push('extra');
    expect(PRIVILEGES.org_admin).not.toContain('extra');
  });
});
