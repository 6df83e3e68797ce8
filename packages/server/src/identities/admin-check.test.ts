import { describe, expect, it } from 'vitest';
import { recycleBinCheck } from './identity-checks.js';
import { adminProblem } from './sign-in-problems.js';
import type { SignedInInfo } from './portal-client.js';

const row = { org_id: 'ORG1', portal_name: 'City GIS', portal_url: 'https://city.maps.arcgis.com', name: 'City' };
const info = (user: Partial<SignedInInfo['user']>, portal: Partial<SignedInInfo['portal']> = {}): SignedInInfo => ({
  portal: { isPortal: false, orgId: 'ORG1', portalName: 'City GIS', ...portal },
  user: { username: 'jane', fullName: null, role: 'org_admin', orgId: 'ORG1', ...user },
  recycleBin: { supported: true, enabled: true }
});

describe('adminProblem', () => {
  it('accepts an administrator of the same organization', () => {
    expect(adminProblem(row, info({}))).toBeNull();
  });

  it('refuses a member of another organization, naming both', () => {
    const problem = adminProblem(row, info({ orgId: 'OTHER' }, { orgId: 'OTHER', portalName: 'County GIS' }));
    expect(problem?.code).toBe('wrong_org');
    expect(problem?.message).toBe('"jane" belongs to another organization (County GIS), not to City GIS. Sign in with an administrator account of City GIS (https://city.maps.arcgis.com).');
  });

  it('refuses publishers and users, saying what to do', () => {
    const problem = adminProblem(row, info({ role: 'org_publisher' }));
    expect(problem?.code).toBe('not_admin');
    expect(problem?.message).toMatch(/"jane" is a publisher in City GIS, not an administrator\..*give "jane" the Administrator role/);
    expect(adminProblem(row, info({ role: 'org_user' }))?.message).toMatch(/is a user in City GIS/);
  });

  it('learns the organization from the sign-in when the URL did not say (www.arcgis.com)', () => {
    expect(adminProblem({ ...row, org_id: null }, info({ orgId: 'ORG9' }, { orgId: 'ORG9' }))).toBeNull();
    expect(adminProblem({ ...row, org_id: null }, info({ orgId: null }, { orgId: null }))?.code).toBe('wrong_org');
  });
});

describe('recycleBinCheck', () => {
  it('says what the recycle bin means for Clean and Restore: on, off, absent, Enterprise, not signed in', () => {
    expect(recycleBinCheck(info({}))).toEqual(['ok', expect.stringMatching(/^On: .*bring them back from it with their ids/)]);
    expect(recycleBinCheck({ ...info({}), recycleBin: { supported: true, enabled: false } })).toEqual(['warning', expect.stringMatching(/^Off: deletes are permanent.*new ids/)]);
    expect(recycleBinCheck({ ...info({}), recycleBin: { supported: false, enabled: false } })).toEqual(['warning', expect.stringMatching(/has no recycle bin/)]);
    expect(recycleBinCheck(info({}, { isPortal: true }))).toEqual(['skipped', expect.stringMatching(/ArcGIS Enterprise has no recycle bin/)]);
    expect(recycleBinCheck(undefined)).toEqual(['skipped', 'Skipped: not signed in.']);
  });
});
