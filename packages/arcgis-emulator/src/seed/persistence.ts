import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { type EmulatorContext } from '../context.js';
import { AttachmentStore, type StoredAttachment } from '../features/attachment-store.js';
import { type FeatureStore, MemoryFeatureStore, type StoredFeature, type Tombstone } from '../features/feature-store.js';
import { numberedGuid } from '../features/layer-builder.js';
import { type HostedLayer, type HostedService } from '../features/types.js';
import { type ResolvedOptions } from '../options.js';
import { EmulatorState } from '../state/state.js';
import { type Blob, type ItemData, type ItemRecord, type ResourceRecord } from '../state/types.js';
import { bufferBlob } from '../util/blob.js';
import { buildInitialState, type SeedResult } from './seed.js';
import { seededKey } from './seed-registry.js';

/**
 * Keeps the organization's state in a folder across restarts (`--state-dir`).
 *
 * Layout: `state.json` (every record; format `arcgis-emulator-state/1`) and `blobs/<2 hex>/<sha256>` (item data files,
 * resources, thumbnails, metadata, attachments), each written to a temporary file, fsynced and renamed, so a crash
 * leaves either the old or the new state, never half of one. `state.json` is written last. Saves are debounced after
 * `markDirty()` and done on `close()`.
 *
 * On start the saved state replaces seeding; URLs that contained the old origin (host:port) are rewritten to the new
 * one. Layers of scaled organizations (lazily generated features) are saved as the seed that generates them plus
 * their overlay (edits, adds, deletes, touched attachments) and regenerated on load.
 */
export class StatePersistence {
  private emu: EmulatorContext | undefined;
  private timer: NodeJS.Timeout | undefined;
  private saving: Promise<void> | undefined;
  private dirty = false;
  /** The seed the current state grew from (needed to regenerate lazy layers). */
  private seedInfo: SeedInfo | undefined;
  private generation = 0;
  private readonly blobRefs = new WeakMap<Blob, BlobRef>();
  private readonly written = new Set<string>();
  /** Debounce delay in ms (tests may shorten it). */
  debounceMs = 300;
  /** Duration of the last save (ms). */
  lastSaveMs = 0;
  /** The last save's error, if it failed (the next markDirty retries). */
  lastError: Error | undefined;

  constructor(readonly dir: string) {}

  /** The saved state, or undefined when the folder holds none yet (then `now` is remembered as the seed's time). */
  async load(options: ResolvedOptions, origin: string, now: number): Promise<SeedResult | undefined> {
    const file = join(this.dir, 'state.json');
    if (!existsSync(file)) {
      this.seedInfo = { seed: options.seed, scale: options.scale, randomSeed: options.randomSeed, kind: options.kind, now };
      return undefined;
    }
    let saved: SavedState;
    let oldOrigin: string;
    try {
      const text = readFileSync(file, 'utf8');
      const parsed = JSON.parse(text) as SavedState;
      if (parsed.format !== FORMAT) throw new Error(`unknown format ${JSON.stringify(parsed.format)}`);
      oldOrigin = parsed.origin;
      // Every URL the state holds was built from the old origin: rewrite them in one pass over the text.
      saved = parsed.origin === origin ? parsed : (JSON.parse(text.split(parsed.origin).join(origin)) as SavedState);
    } catch (error) {
      throw new Error(
        `--state-dir ${this.dir}: state.json cannot be read (${(error as Error).message}); move the folder away or delete it to start from the seed again`
      );
    }
    if (saved.seedInfo.kind !== options.kind) {
      throw new Error(`--state-dir ${this.dir} holds an ArcGIS ${saved.seedInfo.kind} organization; start with --kind ${saved.seedInfo.kind} or use another folder`);
    }
    this.seedInfo = saved.seedInfo;
    this.generation = saved.generation + 1;
    return this.restore(saved, options, oldOrigin, origin);
  }

  attach(emu: EmulatorContext): void {
    this.emu = emu;
    this.seedInfo ??= { seed: emu.options.seed, scale: emu.options.scale, randomSeed: emu.options.randomSeed, kind: emu.options.kind, now: emu.clock.now() };
    // A fresh folder gets the seeded state right away, so a crash before the first change still restarts the same org.
    if (!existsSync(join(this.dir, 'state.json'))) this.markDirty();
  }

  markDirty(): void {
    this.dirty = true;
    if (this.timer || !this.emu) return;
    // Big states take a while to write: wait long enough that saving never takes more than ~1/5 of the time.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch(() => {});
    }, Math.max(this.debounceMs, this.lastSaveMs * 4));
    this.timer.unref();
  }

  /** Saves now if anything changed since the last save (waits for a save in progress first). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.saving) await this.saving;
    if (!this.dirty || !this.emu) return;
    this.dirty = false;
    // save() is synchronous today: clearing `saving` inside the async body would run before the assignment below and
    // leave a settled promise behind forever, so only the code that set it clears it.
    const saving = (async () => {
      try {
        const started = performance.now();
        this.save(this.emu!);
        this.lastSaveMs = performance.now() - started;
        this.lastError = undefined;
      } catch (error) {
        this.dirty = true;
        this.lastError = error as Error;
        throw error;
      }
    })();
    this.saving = saving;
    try {
      await saving;
    } finally {
      if (this.saving === saving) this.saving = undefined;
    }
  }

  // ------------------------------------------------------------------ save

  private save(emu: EmulatorContext): void {
    mkdirSync(join(this.dir, 'blobs'), { recursive: true });
    const s = emu.state;
    const blob = (b: Blob | null): BlobRef | null => (b ? this.storeBlob(b) : null);
    const items = [...s.items.values()].map((item) => this.saveItem(item));
    // The recycle bin's items are saved whole, with the hosted service that waits with them.
    const recycleBin = [...s.recycleBin.values()].map(
      (entry): SavedRecycled => ({
        deletedAt: entry.deletedAt,
        deletedBy: entry.deletedBy,
        item: this.saveItem(entry.item),
        ...(entry.service ? { service: this.saveService(entry.service) } : {})
      })
    );
    const doc: SavedState = {
      format: FORMAT,
      savedAt: new Date().toISOString(),
      origin: originOf(emu.urls.portalUrl),
      generation: this.generation,
      seedInfo: this.seedInfo!,
      org: s.org,
      users: [...s.users.values()],
      groups: [...s.groups.values()].map((g) => ({ ...g, thumbnailBlob: blob(g.thumbnailBlob), members: [...g.members] })),
      folders: [...s.folders.values()],
      items,
      recycleBin,
      services: [...s.services.values()].map((svc) => this.saveService(svc)),
      tokens: [...s.tokens.values()],
      refreshTokens: [...s.refreshTokens.values()],
      apps: [...s.apps.values()],
      authorizationCodes: [...s.authorizationCodes.values()],
      relationships: s.relationships
    };
    writeAtomic(join(this.dir, 'state.json'), Buffer.from(JSON.stringify(doc)));
  }

  private saveItem(item: ItemRecord): SavedItem {
    const blob = (b: Blob | null): BlobRef | null => (b ? this.storeBlob(b) : null);
    return {
      json: item.json,
      data: this.saveData(item.data),
      resources: [...item.resources.values()].map((r) => {
        const key = seededKey(r.blob);
        // Seeded binary resources holding URLs (a survey's XLSForm) are regenerated with the current origin.
        return key
          ? { path: r.path, created: r.created, size: r.size, access: r.access, seed: key }
          : { path: r.path, created: r.created, size: r.size, access: r.access, blob: this.storeBlob(r.blob) };
      }),
      thumbnail: blob(item.thumbnailBlob),
      metadata: blob(item.metadataXml),
      groups: [...item.groups]
    };
  }

  private saveData(data: ItemData | null): SavedItem['data'] {
    if (data === null) return null;
    const key = seededKey(data);
    if (key) return { kind: 'seed', key, filename: data.kind === 'file' ? data.filename : null };
    return data.kind === 'json' ? { kind: 'json', text: data.text } : { kind: 'file', filename: data.filename, blob: this.storeBlob(data.blob) };
  }

  private saveService(svc: HostedService): SavedService {
    const { layers, ...plain } = svc;
    return {
      plain: plain as Record<string, unknown>,
      layers: [...layers.values()].map((layer) => {
        const { store, attachments, ...layerPlain } = layer;
        const saved: SavedLayer = {
          plain: layerPlain as Record<string, unknown>,
          store: savedStore(store),
          attachments: this.saveAttachments(attachments)
        };
        return saved;
      })
    };
  }

  private saveAttachments(store: AttachmentStore): SavedAttachments {
    const { nextId, byParent } = store.snapshot();
    return {
      nextId,
      byParent: byParent.map(([oid, list]) => [oid, list.map(({ blob, ...rest }) => ({ ...rest, blob: this.storeBlob(blob) }))])
    };
  }

  private storeBlob(b: Blob): BlobRef {
    const known = this.blobRefs.get(b);
    if (known && this.written.has(known.sha256)) return known;
    const bytes = b.read();
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const ref: BlobRef = { sha256, size: bytes.length, contentType: b.contentType };
    if (!this.written.has(sha256)) {
      const path = this.blobPath(sha256);
      if (!existsSync(path) || statSync(path).size !== bytes.length) {
        mkdirSync(join(this.dir, 'blobs', sha256.slice(0, 2)), { recursive: true });
        writeAtomic(path, bytes);
      }
      this.written.add(sha256);
    }
    this.blobRefs.set(b, ref);
    return ref;
  }

  private blobPath(sha256: string): string {
    return join(this.dir, 'blobs', sha256.slice(0, 2), sha256);
  }

  // ------------------------------------------------------------------ load

  private async restore(saved: SavedState, options: ResolvedOptions, oldOrigin: string, origin: string): Promise<SeedResult> {
    const state = new EmulatorState(saved.org, `${saved.seedInfo.randomSeed}:restart${this.generation}`);
    const blob = (ref: BlobRef): Blob => this.loadBlob(ref, oldOrigin, origin);
    for (const u of saved.users) state.addUser(u);
    // States saved before group thumbnails were emulated have no `thumbnailBlob`.
    for (const g of saved.groups) {
      state.addGroup({ ...g, thumbnailBlob: g.thumbnailBlob ? blob(g.thumbnailBlob) : null, members: new Map(g.members) });
    }
    for (const f of saved.folders) state.addFolder(f);
    // Lazy layers and lazily generated item data come back from the seed that generated them (built once).
    let regenerated: EmulatorState | undefined;
    // States saved before the recycle bin was emulated have none.
    const recycled = saved.recycleBin ?? [];
    const needsSeed =
      [...saved.items, ...recycled.map((r) => r.item)].some((it) => it.data?.kind === 'seed' || it.resources.some((r) => 'seed' in r)) ||
      [...saved.services, ...recycled.flatMap((r) => (r.service ? [r.service] : []))].some((svc) => svc.layers.some((l) => l.store.kind === 'lazy'));
    if (needsSeed) {
      const info = saved.seedInfo;
      const seeded = await buildInitialState({ ...options, seed: info.seed, scale: info.scale, randomSeed: info.randomSeed, kind: info.kind }, origin, info.now);
      regenerated = seeded.state;
    }
    const seededResource = (itemId: string, path: string, key: string): Blob => {
      const resource = regenerated?.items.get(itemId)?.resources.get(path);
      if (!resource || seededKey(resource.blob) !== key) throw new Error(`--state-dir ${this.dir}: resource '${key}' was generated by the seed, which no longer generates it`);
      return resource.blob;
    };
    const seededData = (key: string): ItemData => {
      const match = /^item:([0-9a-f]{32}):data$/.exec(key);
      const data = match ? regenerated?.items.get(match[1]!)?.data : undefined;
      if (!data || seededKey(data) !== key) throw new Error(`--state-dir ${this.dir}: item data '${key}' was generated by the seed, which no longer generates it`);
      return data;
    };
    const loadItem = (it: SavedItem): ItemRecord => {
      const data: ItemData | null =
        it.data === null
          ? null
          : it.data.kind === 'seed'
            ? seededData(it.data.key)
            : it.data.kind === 'json'
              ? { kind: 'json', text: it.data.text }
              : { kind: 'file', filename: it.data.filename, blob: blob(it.data.blob) };
      const resources = new Map<string, ResourceRecord>();
      for (const r of it.resources) {
        resources.set(r.path, { path: r.path, created: r.created, size: r.size, access: r.access, blob: 'seed' in r ? seededResource(it.json.id, r.path, r.seed) : blob(r.blob) });
      }
      return {
        json: it.json,
        data,
        resources,
        thumbnailBlob: it.thumbnail ? blob(it.thumbnail) : null,
        metadataXml: it.metadata ? blob(it.metadata) : null,
        groups: new Set(it.groups)
      };
    };
    for (const it of saved.items) state.addItem(loadItem(it));
    for (const r of recycled) {
      const service = r.service ? this.restoreService(r.service, regenerated, blob) : undefined;
      state.recycleBin.set(r.item.json.id, { deletedAt: r.deletedAt, deletedBy: r.deletedBy, item: loadItem(r.item), ...(service ? { service } : {}) });
    }
    for (const t of saved.tokens) state.tokens.set(t.token, t);
    for (const t of saved.refreshTokens) state.refreshTokens.set(t.token, t);
    for (const a of saved.apps) state.apps.set(a.clientId, a);
    for (const c of saved.authorizationCodes) state.authorizationCodes.set(c.code, c);
    state.relationships.push(...saved.relationships);

    for (const svc of saved.services) state.addService(this.restoreService(svc, regenerated, blob));

    const admin = saved.users.find((u) => u.role === 'org_admin' && !u.disabled) ?? saved.users[0];
    if (!admin) throw new Error(`--state-dir ${this.dir}: the saved organization has no users`);
    const app = saved.apps[0];
    return { state, admin: state.getUser(admin.username)!, appId: app?.clientId ?? '' };
  }

  private restoreService(saved: SavedService, regenerated: EmulatorState | undefined, blob: (ref: BlobRef) => Blob): HostedService {
    const service = { ...(saved.plain as Omit<HostedService, 'layers'>), layers: new Map<number, HostedLayer>() } as HostedService;
    for (const savedLayer of saved.layers) {
      const plain = savedLayer.plain as Omit<HostedLayer, 'store' | 'attachments'>;
      let store: FeatureStore;
      let attachments: AttachmentStore;
      if (savedLayer.store.kind === 'lazy') {
        const base = regenerated?.getService(service.name)?.layers.get(plain.id);
        if (!base || base.store.kind !== 'lazy') {
          throw new Error(`--state-dir ${this.dir}: layer ${plain.id} of '${service.name}' was generated by the seed, which no longer generates it`);
        }
        store = base.store;
        attachments = base.attachments;
        store.restore({ features: savedLayer.store.changed, tombstones: savedLayer.store.tombstones });
      } else {
        store = new MemoryFeatureStore(plain.globalIdField);
        store.restore(savedLayer.store);
        // The same globalIds for new attachments as the layer builder gives (`<service>:<layer>:attachment`).
        const prefix = `${service.name.toLowerCase()}:${plain.id}:attachment`;
        attachments = new AttachmentStore((id) => numberedGuid(prefix, id));
      }
      attachments.restore({
        nextId: savedLayer.attachments.nextId,
        byParent: savedLayer.attachments.byParent.map(([oid, list]) => [oid, list.map((a) => ({ ...a, blob: blob(a.blob) }))])
      });
      service.layers.set(plain.id, { ...plain, store, attachments } as HostedLayer);
    }
    return service;
  }

  private loadBlob(ref: BlobRef, oldOrigin: string, newOrigin: string): Blob {
    const path = this.blobPath(ref.sha256);
    if (!existsSync(path)) throw new Error(`--state-dir ${this.dir}: blob ${ref.sha256} is missing; the folder is damaged (restore it or delete it to start from the seed)`);
    this.written.add(ref.sha256);
    const textual = /json|text|xml|javascript/.test(ref.contentType);
    if (textual && ref.size < 4 * 1024 * 1024 && oldOrigin !== newOrigin) {
      // Resources such as a story's draft.json or an experience's config.json hold service URLs too.
      const text = readFileSync(path, 'utf8');
      if (text.includes(oldOrigin)) return bufferBlob(text.split(oldOrigin).join(newOrigin), ref.contentType);
    }
    const b: Blob = { contentType: ref.contentType, size: ref.size, read: () => readFileSync(path) };
    this.blobRefs.set(b, ref);
    return b;
  }
}

/** The saved form of a layer's features (file format `arcgis-emulator-state/1`). */
function savedStore(store: FeatureStore): SavedLayer['store'] {
  const { features, tombstones } = store.snapshot();
  return store.kind === 'memory' ? { kind: 'memory', features, tombstones } : { kind: 'lazy', changed: features, tombstones };
}

function writeAtomic(path: string, bytes: Buffer): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  // Make the rename itself durable.
  try {
    const dirFd = openSync(join(path, '..'), 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic.
  }
}

function originOf(url: string): string {
  return new URL(url).origin;
}

const FORMAT = 'arcgis-emulator-state/1';

interface SeedInfo {
  seed: string;
  scale: number;
  randomSeed: string;
  kind: 'online' | 'enterprise';
  /** The clock time the seed was built at (dates and lazily generated features derive from it). */
  now: number;
}

interface BlobRef {
  sha256: string;
  size: number;
  contentType: string;
}

interface SavedItem {
  json: ItemRecord['json'];
  data: { kind: 'json'; text: string } | { kind: 'file'; filename: string; blob: BlobRef } | { kind: 'seed'; key: string; filename: string | null } | null;
  resources: ({ path: string; created: number; size: number; access: ResourceRecord['access'] } & ({ blob: BlobRef } | { seed: string }))[];
  thumbnail: BlobRef | null;
  metadata: BlobRef | null;
  groups: string[];
}

interface SavedRecycled {
  item: SavedItem;
  service?: SavedService;
  deletedAt: number;
  deletedBy: string;
}

interface SavedAttachments {
  nextId: number;
  byParent: [number, (Omit<StoredAttachment, 'blob'> & { blob: BlobRef })[]][];
}

interface SavedLayer {
  plain: Record<string, unknown>;
  store: { kind: 'memory'; features: StoredFeature[]; tombstones: Tombstone[] } | { kind: 'lazy'; changed: StoredFeature[]; tombstones: Tombstone[] };
  attachments: SavedAttachments;
}

interface SavedService {
  plain: Record<string, unknown>;
  layers: SavedLayer[];
}

type StateOf<K extends keyof EmulatorState> = EmulatorState[K] extends Map<string, infer V> ? V : never;

interface SavedState {
  format: typeof FORMAT;
  savedAt: string;
  origin: string;
  generation: number;
  seedInfo: SeedInfo;
  org: EmulatorState['org'];
  users: StateOf<'users'>[];
  groups: (Omit<StateOf<'groups'>, 'members' | 'thumbnailBlob'> & { thumbnailBlob?: BlobRef | null; members: [string, 'owner' | 'admin' | 'member'][] })[];
  folders: StateOf<'folders'>[];
  items: SavedItem[];
  /** Absent in states saved before the recycle bin was emulated. */
  recycleBin?: SavedRecycled[];
  services: SavedService[];
  tokens: StateOf<'tokens'>[];
  refreshTokens: StateOf<'refreshTokens'>[];
  apps: StateOf<'apps'>[];
  authorizationCodes: StateOf<'authorizationCodes'>[];
  relationships: EmulatorState['relationships'];
}
