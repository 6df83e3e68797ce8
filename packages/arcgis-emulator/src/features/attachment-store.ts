/**
 * Attachments of one layer, by parent objectId. Lazy layers compute a feature's attachments from its objectId until
 * they are changed (copy on write), so a million-feature layer with attachments costs nothing until touched.
 */
import { type Blob } from '../state/types.js';
import { bufferBlob } from '../util/blob.js';
import { type AttachmentSpec, type LazyAttachments } from './types.js';

export interface StoredAttachment {
  id: number;
  parentObjectId: number;
  globalId: string;
  name: string;
  contentType: string;
  keywords: string;
  blob: Blob;
  /** Server generation of the last change. */
  gen: number;
}

/** What persistence keeps of a store: the id counter and every materialized (changed) list. */
export interface AttachmentSnapshot {
  nextId: number;
  byParent: [number, StoredAttachment[]][];
}

export class AttachmentStore {
  /** Materialized (or changed) attachment lists by parent objectId. */
  private readonly byParent = new Map<number, StoredAttachment[]>();
  private nextId: number;

  /**
   * @param guidFor deterministic globalId of a generated attachment
   * @param lazy generated attachments of base features 1..lazyCount
   */
  constructor(
    private readonly guidFor: (attachmentId: number) => string,
    private readonly lazy: { generator: LazyAttachments; count: number } | null = null,
    /** Inverse of guidFor (attachment id of a generated globalId), to find generated attachments by globalId. */
    private readonly idOfGuid: ((globalId: string) => number | undefined) | null = null
  ) {
    this.nextId = lazy ? (lazy.count + 1) * lazy.generator.perFeatureMax + 1 : 1;
  }

  /** Attachments of a feature, ordered by id. */
  list(parentOid: number): StoredAttachment[] {
    const held = this.byParent.get(parentOid);
    if (held) return held;
    if (this.lazy && parentOid >= 1 && parentOid <= this.lazy.count) return this.generated(parentOid);
    return [];
  }

  get(parentOid: number, attachmentId: number): StoredAttachment | undefined {
    return this.list(parentOid).find((a) => a.id === attachmentId);
  }

  /** Finds an attachment by its globalId (applyEdits with useGlobalIds). */
  findByGlobalId(globalId: string): StoredAttachment | undefined {
    const wanted = globalId.toUpperCase().replace(/^([^{])/, '{$1').replace(/([^}])$/, '$1}');
    for (const list of this.byParent.values()) {
      const hit = list.find((a) => a.globalId.toUpperCase() === wanted);
      if (hit) return hit;
    }
    const id = this.idOfGuid?.(wanted);
    if (id !== undefined && this.lazy) {
      const parent = Math.floor((id - 1) / this.lazy.generator.perFeatureMax);
      if (!this.byParent.has(parent)) return this.get(parent, id);
    }
    return undefined;
  }

  /** Adds attachments from a spec (layer creation) or an upload; returns the stored record. */
  add(parentOid: number, spec: AttachmentSpec, globalId: string | undefined, gen: number): StoredAttachment {
    const list = this.writable(parentOid);
    const id = this.nextId++;
    const record: StoredAttachment = {
      id,
      parentObjectId: parentOid,
      globalId: globalId ?? spec.globalId ?? this.guidFor(id),
      name: spec.name,
      contentType: spec.contentType,
      keywords: spec.keywords ?? '',
      blob: spec.blob ?? bufferBlob(spec.data ?? Buffer.alloc(0), spec.contentType),
      gen
    };
    list.push(record);
    return record;
  }

  replace(parentOid: number, attachmentId: number, next: Omit<StoredAttachment, 'id' | 'parentObjectId' | 'globalId'>): StoredAttachment | undefined {
    const list = this.writable(parentOid);
    const index = list.findIndex((a) => a.id === attachmentId);
    if (index < 0) return undefined;
    const record = { ...list[index]!, ...next };
    list[index] = record;
    return record;
  }

  remove(parentOid: number, attachmentId: number): boolean {
    const list = this.writable(parentOid);
    const index = list.findIndex((a) => a.id === attachmentId);
    if (index < 0) return false;
    list.splice(index, 1);
    return true;
  }

  snapshot(): AttachmentSnapshot {
    return { nextId: this.nextId, byParent: [...this.byParent].map(([oid, list]) => [oid, [...list]]) };
  }

  /**
   * Puts back a snapshot into a store built as the snapshotted one was, so attachment ids (part of URLs) and the
   * next id continue where they stopped.
   */
  restore(snapshot: AttachmentSnapshot): void {
    this.nextId = snapshot.nextId;
    for (const [oid, list] of snapshot.byParent) this.byParent.set(oid, [...list]);
  }

  /** Drops all attachments of a deleted feature. */
  removeAll(parentOid: number): void {
    this.byParent.set(parentOid, []);
  }

  private writable(parentOid: number): StoredAttachment[] {
    let list = this.byParent.get(parentOid);
    if (!list) {
      list = this.lazy && parentOid >= 1 && parentOid <= this.lazy.count ? [...this.generated(parentOid)] : [];
      this.byParent.set(parentOid, list);
    }
    return list;
  }

  private generated(parentOid: number): StoredAttachment[] {
    const { generator } = this.lazy!;
    const specs = generator.generate(parentOid).slice(0, generator.perFeatureMax);
    return specs.map((spec, index) => {
      const id = parentOid * generator.perFeatureMax + index + 1;
      return {
        id,
        parentObjectId: parentOid,
        globalId: spec.globalId ?? this.guidFor(id),
        name: spec.name,
        contentType: spec.contentType,
        keywords: spec.keywords ?? '',
        blob: spec.blob ?? bufferBlob(spec.data ?? Buffer.alloc(0), spec.contentType),
        gen: 0
      };
    });
  }
}
