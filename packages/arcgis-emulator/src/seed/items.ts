import { newGroupRecord, newItemJson, newUserRecord, PRIVILEGES } from '../state/records.js';
import { type EmulatorState } from '../state/state.js';
import {
  type Access,
  type Blob,
  type FolderRecord,
  type GroupRecord,
  type ItemData,
  type ItemRecord,
  type ResourceRecord,
  type Role,
  type UserRecord
} from '../state/types.js';
import { bufferBlob } from '../util/blob.js';
import { Random } from '../util/random.js';

/** Helpers that build complete state records with ArcGIS's defaults (used by the demo, scale and file seeds). */

export const DAY = 24 * 3600 * 1000;

/** A stable 32-hex id for a named seed object: the same key and random seed give the same id on every start. */
export function seedId(randomSeed: string, key: string): string {
  return new Random(`${randomSeed}:id:${key}`).hexId();
}

export interface UserInput {
  username: string;
  fullName: string;
  role: Role;
  /** 'viewer' gives the Viewer role (roleId iAAAAAAAAAAAAAAA, viewerUT, level 1). */
  viewer?: boolean;
  userLicenseTypeId?: string;
  email?: string;
  description?: string | null;
  created: number;
  lastLogin: number;
  disabled?: boolean;
  password?: string;
  tags?: string[];
}

export const VIEWER_ROLE_ID = 'iAAAAAAAAAAAAAAA';

export function makeUser(state: EmulatorState, id: string, input: UserInput): UserRecord {
  return state.addUser(
    newUserRecord({
      username: input.username,
      id,
      fullName: input.fullName,
      email: input.email ?? `${input.username.replace(/[^a-z0-9._-]/gi, '')}@demo-city.example`,
      description: input.description ?? null,
      tags: input.tags ?? [],
      orgId: state.org.id,
      role: input.viewer ? 'org_user' : input.role,
      roleId: input.viewer ? VIEWER_ROLE_ID : null,
      privileges: input.viewer ? [...PRIVILEGES.viewer] : [...PRIVILEGES[input.role]],
      userLicenseTypeId: input.viewer ? 'viewerUT' : (input.userLicenseTypeId ?? 'creatorUT'),
      level: input.viewer ? '1' : '2',
      disabled: input.disabled ?? false,
      created: input.created,
      lastLogin: input.lastLogin,
      password: input.password ?? `${input.username}-Pass1!`
    })
  );
}

export function makeFolder(state: EmulatorState, id: string, username: string, title: string, created: number): FolderRecord {
  return state.addFolder({ id, title, username, created });
}

export interface GroupInput {
  title: string;
  owner: string;
  access: 'private' | 'org' | 'public';
  description?: string | null;
  snippet?: string | null;
  tags?: string[];
  created: number;
  members?: { username: string; type: 'admin' | 'member' }[];
  isViewOnly?: boolean;
  isInvitationOnly?: boolean;
}

export function makeGroup(state: EmulatorState, id: string, input: GroupInput): GroupRecord {
  const members = new Map<string, 'owner' | 'admin' | 'member'>([[input.owner, 'owner']]);
  for (const m of input.members ?? []) if (m.username !== input.owner) members.set(m.username, m.type);
  return state.addGroup(
    newGroupRecord({
      id,
      title: input.title,
      owner: input.owner,
      description: input.description ?? null,
      snippet: input.snippet ?? null,
      tags: input.tags ?? [],
      sortField: 'modified',
      sortOrder: 'desc',
      isViewOnly: input.isViewOnly ?? false,
      isInvitationOnly: input.isInvitationOnly ?? true,
      created: input.created,
      access: input.access,
      orgId: state.org.id,
      members
    })
  );
}

export interface ItemInput {
  id: string;
  owner: string;
  folderId?: string | null;
  title: string;
  type: string;
  typeKeywords?: string[];
  description?: string | null;
  snippet?: string | null;
  tags?: string[];
  created: number;
  modified: number;
  access?: Access;
  groups?: string[];
  url?: string | null;
  name?: string | null;
  /** ArcGIS's `accessInformation` (credits). */
  credits?: string | null;
  licenseInfo?: string | null;
  numViews?: number;
  extent?: number[][];
  spatialReference?: string | null;
  properties?: Record<string, unknown> | null;
  protected?: boolean;
  data?: ItemData | null;
  thumbnail?: Blob | null;
  metadata?: Blob | null;
  resources?: { path: string; blob: Blob; created?: number }[];
  /** Overrides the size (otherwise the sum of data, resources, thumbnail and metadata). */
  size?: number;
  extra?: Record<string, unknown>;
}

export function jsonData(value: unknown): ItemData {
  return { kind: 'json', text: JSON.stringify(value) };
}

export function fileData(blob: Blob, filename: string): ItemData {
  return { kind: 'file', blob, filename };
}

export function dataSize(data: ItemData | null | undefined): number {
  if (!data) return 0;
  return data.kind === 'json' ? Buffer.byteLength(data.text) : data.blob.size;
}

export function makeItem(state: EmulatorState, input: ItemInput): ItemRecord {
  const resources = new Map<string, ResourceRecord>();
  for (const r of input.resources ?? []) {
    resources.set(r.path, { path: r.path, created: r.created ?? input.created, size: r.blob.size, access: 'inherit', blob: r.blob });
  }
  const thumbnail = input.thumbnail ?? null;
  const metadata = input.metadata ?? null;
  const size =
    input.size ??
    dataSize(input.data) + [...resources.values()].reduce((n, r) => n + r.size, 0) + (thumbnail?.size ?? 0) + (metadata?.size ?? 0);
  const groups = new Set(input.groups ?? []);
  const access: Access = input.access ?? (groups.size > 0 ? 'shared' : 'private');
  const json = newItemJson({
    id: input.id,
    owner: input.owner,
    orgId: state.org.id,
    created: input.created,
    modified: input.modified,
    name: input.name ?? (input.data?.kind === 'file' ? input.data.filename : null),
    title: input.title,
    type: input.type,
    typeKeywords: input.typeKeywords ?? [],
    description: input.description ?? null,
    tags: input.tags ?? [],
    snippet: input.snippet ?? null,
    thumbnail: thumbnail ? 'thumbnail/thumbnail.png' : null,
    extent: input.extent ?? [],
    spatialReference: input.spatialReference ?? null,
    accessInformation: input.credits ?? null,
    licenseInfo: input.licenseInfo ?? null,
    culture: 'en-us',
    properties: input.properties ?? null,
    url: input.url ?? null,
    access,
    size,
    ownerFolder: input.folderId ?? null,
    protected: input.protected ?? false,
    numViews: input.numViews ?? 0,
    scoreCompleteness: completeness(input, !!thumbnail),
    contentStatus: null,
    ...input.extra
  });
  return state.addItem({
    json,
    data: input.data ?? null,
    resources,
    thumbnailBlob: thumbnail,
    metadataXml: metadata,
    groups
  });
}

/** ArcGIS's item "completeness" score, roughly: points for each documentation field that is filled in. */
function completeness(input: ItemInput, hasThumbnail: boolean): number {
  let score = 0;
  if (input.description) score += 25;
  if (input.snippet) score += 15;
  if ((input.tags ?? []).length > 0) score += 15;
  if (hasThumbnail) score += 15;
  if (input.credits) score += 15;
  if (input.licenseInfo) score += 15;
  return score;
}

export { bufferBlob };
