import { type HostedService } from '../features/types.js';
import { Random } from '../util/random.js';
import {
  type AppRegistration,
  type AuthorizationCodeRecord,
  type FolderRecord,
  type GroupRecord,
  type ItemRecord,
  type OrgRecord,
  type RefreshTokenRecord,
  type TokenRecord,
  type UserRecord
} from './types.js';

/**
 * Everything the emulated organization holds. Modules keep their domain logic in their own files and use these
 * maps; lookups that ArcGIS treats case-insensitively (usernames, service names) are keyed lower-case.
 */
export class EmulatorState {
  org: OrgRecord;
  readonly users = new Map<string, UserRecord>();
  readonly groups = new Map<string, GroupRecord>();
  readonly folders = new Map<string, FolderRecord>();
  readonly items = new Map<string, ItemRecord>();
  readonly services = new Map<string, HostedService>();
  readonly tokens = new Map<string, TokenRecord>();
  readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  readonly apps = new Map<string, AppRegistration>();
  readonly authorizationCodes = new Map<string, AuthorizationCodeRecord>();
  /** Relationships between items (`relatedItems`), in creation order. */
  readonly relationships: { type: string; originItemId: string; destinationItemId: string; created: number }[] = [];
  /** Ids for everything created at runtime; seeded so a replayed test creates the same ids. */
  readonly random: Random;

  constructor(org: OrgRecord, seed: number | string = 'orgkeeper') {
    this.org = org;
    this.random = new Random(`${seed}:runtime`);
  }

  newId(): string {
    let id: string;
    do id = this.random.hexId();
    while (this.items.has(id) || this.groups.has(id) || this.folders.has(id));
    return id;
  }

  getUser(username: string): UserRecord | undefined {
    return this.users.get(username.toLowerCase());
  }

  addUser(user: UserRecord): UserRecord {
    this.users.set(user.username.toLowerCase(), user);
    return user;
  }

  addGroup(group: GroupRecord): GroupRecord {
    this.groups.set(group.id, group);
    return group;
  }

  addFolder(folder: FolderRecord): FolderRecord {
    this.folders.set(folder.id, folder);
    return folder;
  }

  addItem(item: ItemRecord): ItemRecord {
    this.items.set(item.json.id, item);
    return item;
  }

  getService(name: string): HostedService | undefined {
    return this.services.get(name.toLowerCase());
  }

  addService(service: HostedService): HostedService {
    this.services.set(service.name.toLowerCase(), service);
    return service;
  }

  foldersOf(username: string): FolderRecord[] {
    const lower = username.toLowerCase();
    return [...this.folders.values()].filter((f) => f.username.toLowerCase() === lower);
  }

  itemsOf(username: string): ItemRecord[] {
    const lower = username.toLowerCase();
    return [...this.items.values()].filter((i) => i.json.owner.toLowerCase() === lower);
  }

  /** Groups the user belongs to (any membership type). */
  groupsOf(username: string): GroupRecord[] {
    const lower = username.toLowerCase();
    return [...this.groups.values()].filter((g) => [...g.members.keys()].some((m) => m.toLowerCase() === lower));
  }
}
