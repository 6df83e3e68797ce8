/**
 * Feature storage for one layer. Two implementations of one contract: an in-memory store, and a lazily generated
 * store for scaled organizations whose features are computed from their objectId on demand, with an overlay of
 * edits and deletes so memory stays bounded until data is touched.
 *
 * Both keep features ordered by objectId so that `objectid > N order by objectid` pages are range scans, and both
 * keep a server generation per feature and tombstones for deletes (change tracking, `extractChanges`).
 */
import { type Feature } from '../state/types.js';

export interface StoredFeature {
  oid: number;
  /** All attributes, including the objectId and globalId fields. */
  attributes: Record<string, unknown>;
  geometry: Record<string, unknown> | null;
  /** Server generation at which the feature was added (0 for features that came with the layer). */
  createdGen: number;
  /** Server generation of the last change. */
  gen: number;
}

export interface Tombstone {
  oid: number;
  globalId: string | null;
  createdGen: number;
  /** Server generation of the delete. */
  gen: number;
}

/**
 * What persistence keeps of a store: every feature of a memory store, the changed (edited or added) features of a
 * lazy one, and the tombstones of both.
 */
export interface FeatureStoreSnapshot {
  features: StoredFeature[];
  tombstones: Tombstone[];
}

export interface FeatureStore {
  readonly kind: 'memory' | 'lazy';
  count(): number;
  get(oid: number): StoredFeature | undefined;
  /** Features with objectId > afterOid, ascending. */
  scan(afterOid?: number): Iterable<StoredFeature>;
  /**
   * The objectId after which a scan skips exactly `skip` features from `afterOid`, when the store can tell without
   * scanning (resultOffset paging on big layers); undefined otherwise.
   */
  skipAfter(afterOid: number, skip: number): number | undefined;
  /** The next objectId to assign (never reused, as in ArcGIS). */
  allocateOid(): number;
  /** Inserts or replaces a feature. */
  put(feature: StoredFeature): void;
  /** Deletes and leaves a tombstone at `gen`; undefined when there is no such feature. */
  delete(oid: number, gen: number): StoredFeature | undefined;
  findByGlobalId(globalId: string): StoredFeature | undefined;
  /** Features whose `gen` is greater than `gen` (added or updated since). */
  changedSince(gen: number): Iterable<StoredFeature>;
  tombstonesSince(gen: number): Tombstone[];
  snapshot(): FeatureStoreSnapshot;
  /**
   * Loads a snapshot into a store built as the snapshotted one was, before any edit: features, deletes and their
   * generations come back, so objectIds are never reused and change tracking continues.
   */
  restore(snapshot: FeatureStoreSnapshot): void;
}

/** Tombstones in the order the deletes happened. */
function inDeleteOrder(tombstones: Tombstone[]): Tombstone[] {
  return [...tombstones].sort((a, b) => a.gen - b.gen || a.oid - b.oid);
}

/** Index of the first element of sorted `values` that is greater than `x`. */
export function upperBound(values: readonly number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function normalizeGuid(g: string): string {
  const s = g.trim().toUpperCase();
  return s.startsWith('{') ? s : `{${s}}`;
}

/** Features held in memory: a Map by objectId plus a sorted objectId array for range scans. */
export class MemoryFeatureStore implements FeatureStore {
  readonly kind = 'memory' as const;
  private readonly byOid = new Map<number, StoredFeature>();
  private readonly byGlobalId = new Map<string, number>();
  /** Sorted; may hold deleted oids until compacted. */
  private oids: number[] = [];
  private stale = 0;
  private nextOid: number;
  private readonly tombstones: Tombstone[] = [];

  constructor(
    private readonly globalIdField: string | null,
    firstOid = 1
  ) {
    this.nextOid = firstOid;
  }

  count(): number {
    return this.byOid.size;
  }

  get(oid: number): StoredFeature | undefined {
    return this.byOid.get(oid);
  }

  *scan(afterOid = 0): Iterable<StoredFeature> {
    const oids = this.oids;
    for (let i = upperBound(oids, afterOid); i < oids.length; i++) {
      const f = this.byOid.get(oids[i]!);
      if (f) yield f;
    }
  }

  skipAfter(afterOid: number, skip: number): number | undefined {
    if (skip <= 0) return afterOid;
    // Only while the sorted index holds no deleted objectIds is position arithmetic exact.
    if (this.oids.length !== this.byOid.size) return undefined;
    const index = upperBound(this.oids, afterOid) + skip - 1;
    return index < this.oids.length ? this.oids[index] : undefined;
  }

  allocateOid(): number {
    return this.nextOid++;
  }

  put(feature: StoredFeature): void {
    const existing = this.byOid.get(feature.oid);
    if (!existing) {
      const last = this.oids[this.oids.length - 1];
      if (last === undefined || feature.oid > last) this.oids.push(feature.oid);
      else this.oids.splice(upperBound(this.oids, feature.oid), 0, feature.oid);
      if (feature.oid >= this.nextOid) this.nextOid = feature.oid + 1;
    } else if (this.globalIdField) {
      const old = existing.attributes[this.globalIdField];
      if (typeof old === 'string') this.byGlobalId.delete(normalizeGuid(old));
    }
    this.byOid.set(feature.oid, feature);
    if (this.globalIdField) {
      const g = feature.attributes[this.globalIdField];
      if (typeof g === 'string') this.byGlobalId.set(normalizeGuid(g), feature.oid);
    }
  }

  delete(oid: number, gen: number): StoredFeature | undefined {
    const existing = this.byOid.get(oid);
    if (!existing) return undefined;
    this.byOid.delete(oid);
    const g = this.globalIdField ? existing.attributes[this.globalIdField] : null;
    if (typeof g === 'string') this.byGlobalId.delete(normalizeGuid(g));
    this.tombstones.push({ oid, globalId: typeof g === 'string' ? g : null, createdGen: existing.createdGen, gen });
    // Compact the oid index once deleted entries dominate, so scans stay proportional to live features.
    if (++this.stale > 1024 && this.stale > this.byOid.size) {
      this.oids = this.oids.filter((o) => this.byOid.has(o));
      this.stale = 0;
    }
    return existing;
  }

  findByGlobalId(globalId: string): StoredFeature | undefined {
    const oid = this.byGlobalId.get(normalizeGuid(globalId));
    return oid === undefined ? undefined : this.byOid.get(oid);
  }

  *changedSince(gen: number): Iterable<StoredFeature> {
    for (const f of this.scan(0)) if (f.gen > gen) yield f;
  }

  tombstonesSince(gen: number): Tombstone[] {
    return this.tombstones.filter((t) => t.gen > gen);
  }

  snapshot(): FeatureStoreSnapshot {
    return { features: [...this.scan(0)], tombstones: this.tombstonesSince(-1) };
  }

  restore(snapshot: FeatureStoreSnapshot): void {
    for (const f of snapshot.features) this.put(f);
    for (const t of inDeleteOrder(snapshot.tombstones)) this.restoreTombstone(t);
  }

  /** A delete that happened before the snapshot: its objectId stays used. */
  restoreTombstone(tombstone: Tombstone): void {
    this.tombstones.push({ ...tombstone });
    if (tombstone.oid >= this.nextOid) this.nextOid = tombstone.oid + 1;
  }
}

/**
 * A layer of `count` generated features (objectIds 1..count) plus an overlay: edited base features, deleted base
 * objectIds, and features added later (held in a MemoryFeatureStore). Nothing is materialized until asked for.
 */
export class LazyFeatureStore implements FeatureStore {
  readonly kind = 'lazy' as const;
  /** Base features that were updated (their current state). */
  private readonly edited = new Map<number, StoredFeature>();
  private readonly deleted = new Set<number>();
  private readonly added: MemoryFeatureStore;
  private readonly tombstones: Tombstone[] = [];

  /**
   * @param baseCount objectIds 1..baseCount are generated
   * @param materialize builds the stored feature of a base objectId (attributes incl. objectId and globalId fields)
   * @param globalIdOf the deterministic globalId of a base objectId, and its inverse
   */
  constructor(
    readonly baseCount: number,
    private readonly materialize: (oid: number) => StoredFeature,
    private readonly globalIds: { of(oid: number): string; oidOf(globalId: string): number | undefined } | null,
    globalIdField: string | null
  ) {
    this.added = new MemoryFeatureStore(globalIdField, baseCount + 1);
  }

  count(): number {
    return this.baseCount - this.deleted.size + this.added.count();
  }

  get(oid: number): StoredFeature | undefined {
    if (!Number.isInteger(oid) || oid < 1) return undefined;
    if (oid > this.baseCount) return this.added.get(oid);
    if (this.deleted.has(oid)) return undefined;
    return this.edited.get(oid) ?? this.materialize(oid);
  }

  *scan(afterOid = 0): Iterable<StoredFeature> {
    const start = Math.max(1, Math.floor(afterOid) + 1);
    for (let oid = start; oid <= this.baseCount; oid++) {
      if (this.deleted.has(oid)) continue;
      yield this.edited.get(oid) ?? this.materialize(oid);
    }
    yield* this.added.scan(Math.max(afterOid, this.baseCount));
  }

  skipAfter(afterOid: number, skip: number): number | undefined {
    const after = Math.max(0, Math.floor(afterOid));
    // Without deletes among the generated features, the n-th one after `after` is simply after + n.
    if (this.deleted.size === 0 && after + skip <= this.baseCount) return after + skip;
    return undefined;
  }

  allocateOid(): number {
    return this.added.allocateOid();
  }

  put(feature: StoredFeature): void {
    if (feature.oid <= this.baseCount) {
      this.deleted.delete(feature.oid);
      this.edited.set(feature.oid, feature);
    } else {
      this.added.put(feature);
    }
  }

  delete(oid: number, gen: number): StoredFeature | undefined {
    if (oid > this.baseCount) return this.added.delete(oid, gen);
    const existing = this.get(oid);
    if (!existing) return undefined;
    this.deleted.add(oid);
    this.edited.delete(oid);
    const g = this.globalIds ? this.globalIds.of(oid) : null;
    this.tombstones.push({ oid, globalId: g, createdGen: existing.createdGen, gen });
    return existing;
  }

  findByGlobalId(globalId: string): StoredFeature | undefined {
    const base = this.globalIds?.oidOf(globalId);
    if (base !== undefined && base >= 1 && base <= this.baseCount) return this.get(base);
    return this.added.findByGlobalId(globalId);
  }

  *changedSince(gen: number): Iterable<StoredFeature> {
    // Base features that were never touched have gen 0, so only the overlay can hold changes.
    const edited = [...this.edited.values()].filter((f) => f.gen > gen).sort((a, b) => a.oid - b.oid);
    yield* edited;
    yield* this.added.changedSince(gen);
  }

  tombstonesSince(gen: number): Tombstone[] {
    return inDeleteOrder([...this.tombstones.filter((t) => t.gen > gen), ...this.added.tombstonesSince(gen)]);
  }

  snapshot(): FeatureStoreSnapshot {
    return { features: [...this.changedSince(0)], tombstones: this.tombstonesSince(-1) };
  }

  restore(snapshot: FeatureStoreSnapshot): void {
    for (const f of snapshot.features) this.put(f);
    for (const t of inDeleteOrder(snapshot.tombstones)) {
      if (t.oid > this.baseCount) {
        this.added.restoreTombstone(t);
      } else {
        this.deleted.add(t.oid);
        this.edited.delete(t.oid);
        this.tombstones.push({ ...t });
      }
    }
  }
}

/** Turns a spec feature into a stored one (copies, so the caller's objects are never shared). */
export function toStored(oid: number, feature: Feature, gen: number): StoredFeature {
  return {
    oid,
    attributes: { ...feature.attributes },
    geometry: feature.geometry ? structuredClone(feature.geometry) : null,
    createdGen: gen,
    gen
  };
}
