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
  type RecycledItemRecord,
  type RelationshipRecord,
  type TokenRecord,
  type UserRecord
} from './types.js';

/** A Map whose every change counts as a change of the state (see `EmulatorState.version`). */
class VersionedMap<K, V> extends Map<K, V> {
  constructor(private readonly changed: () => void) {
    super();
  }

  override set(key: K, value: V): this {
    super.set(key, value);
    // Map's constructor calls set only when given entries; this one is built empty, so `changed` is always there.
    this.changed();
    return this;
  }

  override delete(key: K): boolean {
    const had = super.delete(key);
    if (had) this.changed();
    return had;
  }

  override clear(): void {
    super.clear();
    this.changed();
  }
}

/** What an owner has: items in creation order and their total size (ArcGIS's `storageUsage`). */
export interface OwnedContent {
  readonly items: readonly ItemRecord[];
  readonly storage: number;
}

const NO_CONTENT: OwnedContent = { items: [], storage: 0 };
/** Derived values kept per version; past this many, the least recently used goes (a search result is up to 80 kB). */
const MAX_DERIVED = 128;

/**
 * Everything the emulated organization holds. Modules keep their domain logic in their own files and use these
 * maps; lookups that ArcGIS treats case-insensitively (usernames, service names) are keyed lower-case.
 *
 * Reads that would walk every item (storage per user, groups per user, search results) are derived once per
 * `version` and reused until the state changes. The version moves when a user, group, folder or item is added or
 * removed, and on `touch()`; code that changes a record in place must call `touch()` (routes do, through
 * `emu.markDirty()`, see state/track-writes.ts).
 */
export class EmulatorState {
  org: OrgRecord;
  private changes = 0;
  private readonly bump = () => {
    this.changes++;
  };
  readonly users: Map<string, UserRecord> = new VersionedMap<string, UserRecord>(this.bump);
  readonly groups: Map<string, GroupRecord> = new VersionedMap<string, GroupRecord>(this.bump);
  readonly folders: Map<string, FolderRecord> = new VersionedMap<string, FolderRecord>(this.bump);
  readonly items: Map<string, ItemRecord> = new VersionedMap<string, ItemRecord>(this.bump);
  /**
   * ArcGIS Online's recycle bin, by item id. Its items are not in `items` nor their hosted services in `services`:
   * both wait in the entry (the data kept, the service name still taken) until restored or purged.
   */
  readonly recycleBin: Map<string, RecycledItemRecord> = new VersionedMap<string, RecycledItemRecord>(this.bump);
  readonly services = new Map<string, HostedService>();
  readonly tokens = new Map<string, TokenRecord>();
  readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  readonly apps = new Map<string, AppRegistration>();
  readonly authorizationCodes = new Map<string, AuthorizationCodeRecord>();
  /** Relationships between items (`relatedItems`), in creation order. */
  readonly relationships: RelationshipRecord[] = [];
  /** Ids for everything created at runtime; seeded so a replayed test creates the same ids. */
  readonly random: Random;

  constructor(org: OrgRecord, seed: number | string = 'orgkeeper') {
    this.org = org;
    this.random = new Random(`${seed}:runtime`);
  }

  /** Counts changes of users, groups, folders and items; derived values are valid for one version. */
  get version(): number {
    return this.changes;
  }

  /** Records that something changed in place (a field of an item, a group's members, a user's role...). */
  touch(): void {
    this.changes++;
  }

  private derivedVersion = -1;
  private readonly derivedValues = new Map<string, unknown>();

  /** The value remembered under `key` at the current version, if any. Callers must not change it. */
  recall<T>(key: string): T | undefined {
    if (this.derivedVersion !== this.changes) return undefined;
    const value = this.derivedValues.get(key) as T | undefined;
    if (value !== undefined) {
      // most recently used last, so the indexes every search reads outlive one-off queries
      this.derivedValues.delete(key);
      this.derivedValues.set(key, value);
    }
    return value;
  }

  /** Remembers `value` (computed from the current state) under `key` until the state changes. */
  remember<T>(key: string, value: T): T {
    if (this.derivedVersion !== this.changes) {
      this.derivedValues.clear();
      this.derivedVersion = this.changes;
    }
    this.derivedValues.delete(key);
    this.derivedValues.set(key, value);
    if (this.derivedValues.size > MAX_DERIVED) this.derivedValues.delete(this.derivedValues.keys().next().value!);
    return value;
  }

  /** What `build` computes from the current state, computed once per version and key. */
  derive<T>(key: string, build: () => T): T {
    const known = this.recall<T>(key);
    return known !== undefined ? known : this.remember(key, build());
  }

  newId(): string {
    let id: string;
    do id = this.random.hexId();
    while (this.items.has(id) || this.recycleBin.has(id) || this.groups.has(id) || this.folders.has(id));
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

  /** Whether a hosted service has this name, live or waiting in the recycle bin (whose names stay reserved). */
  serviceNameInUse(name: string): boolean {
    if (this.getService(name)) return true;
    const lower = name.toLowerCase();
    for (const entry of this.recycleBin.values()) if (entry.service?.name.toLowerCase() === lower) return true;
    return false;
  }

  addService(service: HostedService): HostedService {
    this.services.set(service.name.toLowerCase(), service);
    return service;
  }

  foldersOf(username: string): FolderRecord[] {
    const lower = username.toLowerCase();
    return [...this.folders.values()].filter((f) => f.username.toLowerCase() === lower);
  }

  /** The user's items, in creation order (a new array). */
  itemsOf(username: string): ItemRecord[] {
    return [...this.contentOf(username).items];
  }

  /** The user's items and their total size, from an index built once per version. */
  contentOf(username: string): OwnedContent {
    const byOwner = this.derive('index:itemsByOwner', () => {
      const index = new Map<string, { items: ItemRecord[]; storage: number }>();
      for (const item of this.items.values()) {
        const owner = item.json.owner.toLowerCase();
        let entry = index.get(owner);
        if (!entry) index.set(owner, (entry = { items: [], storage: 0 }));
        entry.items.push(item);
        if (item.json.size > 0) entry.storage += item.json.size;
      }
      return index as ReadonlyMap<string, OwnedContent>;
    });
    return byOwner.get(username.toLowerCase()) ?? NO_CONTENT;
  }

  /** Items shared with the group (by its exact id), in creation order; do not change the array. */
  itemsSharedWith(groupId: string): readonly ItemRecord[] {
    const byGroup = this.derive('index:itemsByGroup', () => {
      const index = new Map<string, ItemRecord[]>();
      for (const item of this.items.values()) {
        for (const id of item.groups) {
          const list = index.get(id);
          if (list) list.push(item);
          else index.set(id, [item]);
        }
      }
      return index as ReadonlyMap<string, readonly ItemRecord[]>;
    });
    return byGroup.get(groupId) ?? [];
  }

  /** Groups the user belongs to (any membership type), in creation order (a new array). */
  groupsOf(username: string): GroupRecord[] {
    const byMember = this.derive('index:groupsByMember', () => {
      const index = new Map<string, GroupRecord[]>();
      for (const group of this.groups.values()) {
        for (const member of group.members.keys()) {
          const lower = member.toLowerCase();
          const list = index.get(lower);
          // two member keys differing only in case still list the group once
          if (!list) index.set(lower, [group]);
          else if (list[list.length - 1] !== group) list.push(group);
        }
      }
      return index as ReadonlyMap<string, readonly GroupRecord[]>;
    });
    return [...(byMember.get(username.toLowerCase()) ?? [])];
  }
}
