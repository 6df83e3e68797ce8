/**
 * A layer's attachments: metadata listed per object-id range (`queryAttachments`, or `<oid>/attachments` per feature
 * where the layer does not support it), bytes downloaded once and stored as blobs. An attachment whose metadata equals
 * the previous snapshot's reuses that blob without a download: ArcGIS never modifies stored attachments silently, an
 * update changes at least its size, name, type or global id.
 */
import { type AttachmentInfo, getFeatureAttachments, queryAttachmentsInRange } from '../arcgis/feature-service/index.js';
import type { ArcGISSession } from '../arcgis/arcgis-session.js';
import { isSafeRelativePath, type AttachmentEntry } from '../store/index.js';
import type { OidRange } from '../store/feature-chunks.js';

export interface ListedAttachment {
  objectId: number;
  info: AttachmentInfo;
}

/** Attachment metadata of the features in one object-id range, sorted by object id then attachment id. */
export async function listAttachmentsInRange(
  session: ArcGISSession,
  layerUrl: string,
  objectIdField: string,
  range: OidRange,
  options: { supportsQueryAttachments: boolean; objectIds: () => Promise<number[]> }
): Promise<ListedAttachment[]> {
  const listed: ListedAttachment[] = [];
  if (options.supportsQueryAttachments) {
    const byOid = await queryAttachmentsInRange({ session, url: layerUrl, objectIdField, fromOid: range.fromOid, toOid: range.toOid });
    for (const [objectId, infos] of byOid) for (const info of infos) listed.push({ objectId, info });
  } else {
    // Older servers: one request per feature (the only way ArcGIS offers there).
    for (const oid of await options.objectIds()) {
      for (const info of await getFeatureAttachments({ session, url: layerUrl, objectId: oid })) listed.push({ objectId: oid, info });
    }
  }
  return listed.sort((a, b) => a.objectId - b.objectId || a.info.id - b.info.id);
}

/** The key that says two listings describe the same stored attachment. */
export function attachmentIdentity(objectId: number, info: Pick<AttachmentInfo, 'id' | 'name' | 'size' | 'contentType' | 'globalId' | 'keywords'>): string {
  // Empty strings and absent values are the same (entries drop empty metadata).
  return JSON.stringify([objectId, info.id, info.name, info.size ?? null, info.contentType || null, info.globalId || null, info.keywords || null]);
}

const RESERVED = /[<>:"|?*\\/]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/g;

/**
 * The name an attachment is stored (and later exported) under: ArcGIS's name when it is a safe file name, otherwise
 * that name with unsafe characters replaced, or `attachment-<id>` when nothing usable is left.
 */
export function attachmentFileName(name: unknown, attachmentId: number): string {
  if (typeof name === 'string' && isSafeRelativePath(name) && !/[\\/]/.test(name)) return name;
  const cleaned = (typeof name === 'string' ? name : '').replace(CONTROL, '').replace(RESERVED, '_').replace(/[. ]+$/, '').trim();
  const candidate = cleaned.slice(0, 200);
  return candidate !== '' && isSafeRelativePath(candidate) ? candidate : `attachment-${attachmentId}`;
}

/** An AttachmentEntry from ArcGIS's metadata and the stored blob. */
export function attachmentEntry(listed: ListedAttachment, blob: { hash: string; size: number }): AttachmentEntry {
  const { info } = listed;
  const entry: AttachmentEntry = {
    hash: blob.hash,
    size: blob.size,
    objectId: listed.objectId,
    attachmentId: info.id,
    name: attachmentFileName(info.name, info.id)
  };
  if (info.contentType) entry.contentType = info.contentType;
  if (info.keywords) entry.keywords = info.keywords;
  if (info.globalId) entry.globalId = info.globalId;
  if (info.exifInfo !== undefined && info.exifInfo !== null) entry.exifInfo = info.exifInfo;
  return entry;
}
