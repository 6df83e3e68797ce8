import { type GroupRecord, type ItemJson, type ItemRecord, type UserRecord } from './types.js';

/**
 * The one place that builds complete user, group and item records with ArcGIS's defaults. Seeds, routes and tests
 * pass only what they know; every other field gets the value a new ArcGIS record has.
 */

/** Privileges ArcGIS gives the built-in roles (a representative subset of the real lists). */
export const PRIVILEGES = {
  org_admin: [
    'features:user:edit',
    'features:user:fullEdit',
    'portal:admin:assignToGroups',
    'portal:admin:changeUserRoles',
    'portal:admin:createUpdateCapableGroup',
    'portal:admin:deleteGroups',
    'portal:admin:deleteItems',
    'portal:admin:deleteUsers',
    'portal:admin:disableUsers',
    'portal:admin:inviteUsers',
    'portal:admin:manageEnterpriseGroups',
    'portal:admin:manageLicenses',
    'portal:admin:manageRoles',
    'portal:admin:manageSecurity',
    'portal:admin:manageServers',
    'portal:admin:manageUtilityServices',
    'portal:admin:manageWebsite',
    'portal:admin:reassignGroups',
    'portal:admin:reassignItems',
    'portal:admin:reassignUsers',
    'portal:admin:shareToGroup',
    'portal:admin:shareToOrg',
    'portal:admin:shareToPublic',
    'portal:admin:updateGroups',
    'portal:admin:updateItemCategorySchema',
    'portal:admin:updateItems',
    'portal:admin:updateMemberCategorySchema',
    'portal:admin:updateUsers',
    'portal:admin:viewGroups',
    'portal:admin:viewItems',
    'portal:admin:viewUsers',
    'portal:publisher:publishFeatures',
    'portal:publisher:publishScenes',
    'portal:publisher:publishServerServices',
    'portal:publisher:publishTiles',
    'portal:user:createGroup',
    'portal:user:createItem',
    'portal:user:joinGroup',
    'portal:user:joinNonOrgGroup',
    'portal:user:shareGroupToOrg',
    'portal:user:shareGroupToPublic',
    'portal:user:shareToGroup',
    'portal:user:shareToOrg',
    'portal:user:shareToPublic',
    'portal:user:viewOrgGroups',
    'portal:user:viewOrgItems',
    'portal:user:viewOrgUsers',
    'premium:user:geocode',
    'premium:user:networkanalysis'
  ],
  org_publisher: [
    'features:user:edit',
    'portal:publisher:publishFeatures',
    'portal:publisher:publishScenes',
    'portal:publisher:publishTiles',
    'portal:user:createGroup',
    'portal:user:createItem',
    'portal:user:joinGroup',
    'portal:user:shareToGroup',
    'portal:user:shareToOrg',
    'portal:user:shareToPublic',
    'portal:user:viewOrgGroups',
    'portal:user:viewOrgItems',
    'portal:user:viewOrgUsers',
    'premium:user:geocode'
  ],
  org_user: [
    'features:user:edit',
    'portal:user:createGroup',
    'portal:user:createItem',
    'portal:user:joinGroup',
    'portal:user:shareToGroup',
    'portal:user:shareToOrg',
    'portal:user:viewOrgGroups',
    'portal:user:viewOrgItems',
    'portal:user:viewOrgUsers'
  ],
  viewer: ['portal:user:joinGroup', 'portal:user:viewOrgGroups', 'portal:user:viewOrgItems', 'portal:user:viewOrgUsers']
} as const;

/** Copies `overrides` without its undefined values, so an absent option never replaces a default. */
function defined<T extends object>(overrides: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

export type UserInit = Pick<UserRecord, 'username' | 'id' | 'orgId' | 'role' | 'created' | 'password'> & Partial<UserRecord>;

/**
 * A user with ArcGIS's defaults: the built-in role's privileges, a Creator license, never signed in (`lastLogin` -1),
 * first and last name split from `fullName` (which defaults to the username).
 */
export function newUserRecord(init: UserInit): UserRecord {
  const fullName = init.fullName ?? init.username;
  const [firstName = fullName, ...rest] = fullName.split(' ');
  return {
    username: init.username,
    id: init.id,
    fullName,
    firstName,
    lastName: rest.join(' '),
    email: `${init.username}@example.test`,
    description: null,
    tags: [],
    culture: 'en',
    region: 'US',
    units: 'english',
    thumbnail: null,
    access: 'org',
    orgId: init.orgId,
    role: init.role,
    roleId: null,
    privileges: [...PRIVILEGES[init.role]],
    userLicenseTypeId: 'creatorUT',
    level: '2',
    disabled: false,
    provider: 'arcgis',
    idpUsername: null,
    created: init.created,
    modified: init.created,
    lastLogin: -1,
    storageQuota: 2199023255552,
    mfaEnabled: false,
    password: init.password,
    ...defined(init)
  };
}

export type GroupInit = Pick<GroupRecord, 'id' | 'title' | 'owner' | 'orgId' | 'created'> & Partial<GroupRecord>;

/** A group with the defaults `community/createGroup` gives: private, sorted by title, the owner its only member. */
export function newGroupRecord(init: GroupInit): GroupRecord {
  return {
    id: init.id,
    title: init.title,
    owner: init.owner,
    description: null,
    snippet: null,
    tags: [],
    phone: null,
    sortField: 'title',
    sortOrder: 'asc',
    isViewOnly: false,
    isInvitationOnly: false,
    thumbnail: null,
    thumbnailBlob: null,
    created: init.created,
    modified: init.created,
    access: 'private',
    capabilities: [],
    isFav: false,
    isReadOnly: false,
    protected: false,
    autoJoin: false,
    notificationsEnabled: false,
    provider: null,
    providerGroupName: null,
    leavingDisallowed: false,
    hiddenMembers: false,
    membershipAccess: 'org',
    isOpenData: false,
    orgId: init.orgId,
    members: new Map([[init.owner, 'owner']]),
    ...defined(init)
  };
}

export type ItemJsonInit = Pick<ItemJson, 'id' | 'owner' | 'orgId' | 'title' | 'type' | 'created'> & Partial<ItemJson>;

/** The JSON of a new item as `addItem` creates it: private, in the root folder, everything optional empty. */
export function newItemJson(init: ItemJsonInit): ItemJson {
  return {
    id: init.id,
    owner: init.owner,
    orgId: init.orgId,
    created: init.created,
    modified: init.created,
    guid: null,
    name: null,
    title: init.title,
    type: init.type,
    typeKeywords: [],
    description: null,
    tags: [],
    snippet: null,
    thumbnail: null,
    documentation: null,
    extent: [],
    categories: [],
    spatialReference: null,
    accessInformation: null,
    licenseInfo: null,
    culture: null,
    properties: null,
    advancedSettings: null,
    url: null,
    proxyFilter: null,
    access: 'private',
    size: 0,
    subInfo: 0,
    appCategories: [],
    industries: [],
    languages: [],
    largeThumbnail: null,
    banner: null,
    screenshots: [],
    listed: false,
    ownerFolder: null,
    protected: false,
    commentsEnabled: false,
    numComments: 0,
    numRatings: 0,
    avgRating: 0,
    numViews: 0,
    scoreCompleteness: 0,
    groupDesignations: null,
    ...defined(init)
  };
}

/** An item record around `json` (see `newItemJson`) with no data, resources, thumbnail, metadata or sharing. */
export function newItemRecord(json: ItemJsonInit, parts: Partial<Omit<ItemRecord, 'json'>> = {}): ItemRecord {
  return {
    json: newItemJson(json),
    data: null,
    resources: new Map(),
    thumbnailBlob: null,
    metadataXml: null,
    groups: new Set(),
    ...defined(parts)
  };
}
