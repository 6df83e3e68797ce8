import { type HostedService } from '../features/types.js';

/**
 * The emulated organization's state. Public JSON shapes follow ArcGIS; fields that ArcGIS never returns are kept
 * in separate properties (`password`, `blobs`, ...) so a record can never leak them by being serialized whole.
 */

export type Role = 'org_admin' | 'org_publisher' | 'org_user';
export type Access = 'private' | 'shared' | 'org' | 'public';

/** Bytes that may be produced on demand (scaled orgs generate large content lazily). */
export interface Blob {
  contentType: string;
  size: number;
  /** The bytes; generated and cached on first use when lazy. */
  read(): Buffer;
}

export interface UserRecord {
  username: string;
  id: string;
  fullName: string;
  firstName: string;
  lastName: string;
  email: string;
  description: string | null;
  tags: string[];
  culture: string | null;
  region: string | null;
  units: string | null;
  thumbnail: string | null;
  access: 'private' | 'org' | 'public';
  orgId: string;
  role: Role;
  /** Custom role id (e.g. Viewer `iAAAAAAAAAAAAAAA`, Data Editor `iBBBBBBBBBBBBBBB`); null for the built-in roles. */
  roleId: string | null;
  privileges: string[];
  userLicenseTypeId: string;
  level: '1' | '2';
  disabled: boolean;
  provider: 'arcgis' | 'enterprise' | 'saml';
  idpUsername: string | null;
  created: number;
  modified: number;
  /** ms since epoch, -1 when the user never signed in (as ArcGIS reports it). */
  lastLogin: number;
  storageQuota: number;
  mfaEnabled: boolean;
  /** Not part of any answer. */
  password: string;
  /** Kerberos principal mapped to this user in IWA mode (e.g. `svc@OK.TEST`). Not part of any answer. */
  kerberosPrincipal?: string;
}

export interface FolderRecord {
  id: string;
  title: string;
  username: string;
  created: number;
}

export interface GroupRecord {
  id: string;
  title: string;
  owner: string;
  description: string | null;
  snippet: string | null;
  tags: string[];
  phone: string | null;
  sortField: string;
  sortOrder: 'asc' | 'desc';
  isViewOnly: boolean;
  isInvitationOnly: boolean;
  /** The thumbnail's file name, served at `community/groups/<id>/info/<thumbnail>`; null without one. */
  thumbnail: string | null;
  /** The thumbnail's bytes; set together with `thumbnail`. */
  thumbnailBlob: Blob | null;
  created: number;
  modified: number;
  access: 'private' | 'org' | 'public';
  capabilities: string[];
  isFav: boolean;
  isReadOnly: boolean;
  protected: boolean;
  autoJoin: boolean;
  notificationsEnabled: boolean;
  provider: string | null;
  providerGroupName: string | null;
  leavingDisallowed: boolean;
  hiddenMembers: boolean;
  membershipAccess: 'org' | 'collaboration' | 'none';
  isOpenData: boolean;
  orgId: string;
  /** username -> membership type. The owner is an 'owner' member. */
  members: Map<string, 'owner' | 'admin' | 'member'>;
}

/** The item JSON that `content/items/<id>` answers (ArcGIS field names). */
export interface ItemJson {
  id: string;
  owner: string;
  orgId: string;
  created: number;
  modified: number;
  guid: null;
  name: string | null;
  title: string;
  type: string;
  typeKeywords: string[];
  description: string | null;
  tags: string[];
  snippet: string | null;
  thumbnail: string | null;
  documentation: null;
  extent: number[][];
  categories: string[];
  spatialReference: string | null;
  accessInformation: string | null;
  licenseInfo: string | null;
  culture: string | null;
  properties: Record<string, unknown> | null;
  advancedSettings: null;
  url: string | null;
  proxyFilter: null;
  access: Access;
  size: number;
  subInfo: number;
  appCategories: string[];
  industries: string[];
  languages: string[];
  largeThumbnail: null;
  banner: null;
  screenshots: string[];
  listed: boolean;
  ownerFolder: string | null;
  protected: boolean;
  commentsEnabled: boolean;
  numComments: number;
  numRatings: number;
  avgRating: number;
  numViews: number;
  itemControl?: string;
  scoreCompleteness: number;
  groupDesignations: null;
  contentStatus?: string | null;
  [extra: string]: unknown;
}

export type ItemData =
  | { kind: 'json'; text: string }
  | { kind: 'file'; blob: Blob; filename: string };

export interface ResourceRecord {
  /** Path relative to the item's resources, e.g. `images/photo.png`. */
  path: string;
  created: number;
  size: number;
  access: 'inherit' | 'private';
  blob: Blob;
}

export interface RelationshipRecord {
  type: string;
  originItemId: string;
  destinationItemId: string;
  created: number;
  /**
   * Who created it: "Users can only delete relationships they create" (Esri's addRelationship documentation).
   * Absent in states saved before it was recorded; the origin item's owner is then taken as the creator.
   */
  createdBy?: string;
}

export interface ItemRecord {
  json: ItemJson;
  data: ItemData | null;
  /** keyed by path */
  resources: Map<string, ResourceRecord>;
  thumbnailBlob: Blob | null;
  metadataXml: Blob | null;
  /** ids of the groups the item is shared with */
  groups: Set<string>;
}

/** An attribute-and-geometry feature as the REST API carries it. */
export interface Feature {
  attributes: Record<string, unknown>;
  geometry?: Record<string, unknown> | null;
}

export interface AttachmentRecord {
  id: number;
  parentObjectId: number;
  globalId: string;
  parentGlobalId: string | null;
  name: string;
  contentType: string;
  size: number;
  keywords: string;
  exifInfo: null;
  blob: Blob;
}

export interface TokenRecord {
  token: string;
  username: string;
  /** ms since epoch */
  expires: number;
  created: number;
  kind: 'generateToken' | 'oauth' | 'server' | 'app';
  clientId?: string;
  /** the refresh token this access token was issued from, so revoking/exchanging it invalidates the access token */
  refreshToken?: string;
  referer?: string;
}

export interface RefreshTokenRecord {
  token: string;
  username: string;
  clientId: string;
  created: number;
  expires: number;
  revoked: boolean;
}

export interface AppRegistration {
  itemId: string;
  clientId: string;
  clientSecret: string;
  appType: 'browser' | 'native' | 'server' | 'multiple';
  redirectUris: string[];
  registered: number;
  modified: number;
  apnsProdCert: null;
  apnsSandboxCert: null;
  gcmApiKey: null;
  httpReferrers: string[];
  privileges: string[];
}

export interface AuthorizationCodeRecord {
  code: string;
  clientId: string;
  redirectUri: string;
  username: string;
  expires: number;
  codeChallenge: string | null;
  codeChallengeMethod: 'S256' | 'plain' | null;
  /** refresh token lifetime asked for at authorize time (minutes) */
  expiration: number;
  used: boolean;
  /** the refresh token the code was exchanged for, revoked if the code is replayed */
  refreshToken?: string;
}

export interface OrgRecord {
  id: string;
  urlKey: string;
  name: string;
  description: string;
  created: number;
  modified: number;
  customBaseUrl: string;
  culture: string;
  region: string;
  units: 'english' | 'metric';
  defaultBasemapTitle: string;
  maxTokenExpirationMinutes: number;
  allowedRedirectUris: string[];
  authorizedCrossOriginDomains: string[];
  subscriptionInfo: Record<string, unknown> | null;
  /** free-form extra portals/self fields */
  extra: Record<string, unknown>;
  /**
   * ArcGIS Enterprise: servers federated with the portal besides the emulator's own hosting server, as
   * `portals/self/servers` lists them (seed `federatedServers`, or set by tests). Absent in older saved states.
   */
  federatedServers?: FederatedServerRecord[];
  /**
   * ArcGIS Online's recycle bin (src/content/recycle-bin.ts). Absent for ArcGIS Enterprise, which has none, and in
   * states saved before it was emulated (then an Online organization has it on, as new organizations do).
   */
  recycleBin?: RecycleBinSettings;
}

/** One entry of `portals/self/servers` (Esri: users-groups-and-items/servers). */
export interface FederatedServerRecord {
  id: string;
  name: string;
  /** The externally visible URL of the ArcGIS Server site. */
  url: string;
  adminUrl: string;
  isHosted: boolean;
  serverType: 'ArcGIS' | 'ARCGIS_NOTEBOOK_SERVER' | 'ARCGIS_MISSION_SERVER';
  serverRole: 'STANDALONE_SERVER' | 'FEDERATED_SERVER' | 'FEDERATED_SERVER_WITH_RESTRICTED_PUBLISHING' | 'HOSTING_SERVER';
  serverFunction: string;
}

/** How an ArcGIS Online organization's recycle bin behaves. */
export interface RecycleBinSettings {
  /** `recycleBinSupported` of portals/self: false for organization types without a bin (trial organizations). */
  supported: boolean;
  /** `recycleBinEnabled`: on by default for organizations created since June 2024, opt-in for older ones. */
  enabled: boolean;
  /**
   * Item types that never go to the bin: deleted permanently even when `permanentDelete` is false. Esri's list (its
   * FAQ "Why don't all the items I delete go to the recycle bin?") could not be read; see recycle-bin.ts.
   */
  unsupportedTypes: string[];
  /**
   * A restored item's sharing: 'owner' (shared with its owner only, as Esri's community blog describes restored
   * items) or 'kept' (the access and groups it had when deleted). No Esri reference page says which.
   */
  restoredSharing: 'owner' | 'kept';
}

/**
 * An item in the recycle bin: out of `state.items` (no search, no read), kept whole until restored or purged. A hosted
 * feature layer's service waits here too, out of `state.services` (it answers as missing), its rows and its name
 * kept (`EmulatorState.serviceNameInUse`).
 */
export interface RecycledItemRecord {
  item: ItemRecord;
  service?: HostedService;
  /** When it was moved to the bin (emulator clock, ms); purged 14 days (336 hours) later. */
  deletedAt: number;
  /** Who deleted it (the owner, or an administrator). */
  deletedBy: string;
}
