/**
 * A layer's attachments: listing them for a range of features (`queryAttachments`, which rest-js lacks) or for one
 * feature (rest-js `getAttachments`), their bytes, and adding and deleting them (rest-js `addAttachment`,
 * `deleteAttachments`). `url` is the layer's URL.
 */
import { addAttachment as restAddAttachment, deleteAttachments as restDeleteAttachments, getAttachments } from '@esri/arcgis-rest-feature-service';
import { POST } from '../portal/portal-request.js';
import { writeOnce } from './ambiguous-write.js';
import type { AttachmentInfo, EditResult } from './feature-service.types.js';
import type { ServiceOptions } from './service.js';

export interface FeatureOptions extends ServiceOptions {
  objectId: number;
}

export interface QueryAttachmentsOptions extends ServiceOptions {
  objectIdField: string;
  /** The features with object ids in [fromOid, toOid]. */
  fromOid: number;
  toOid: number;
}

/** Attachment metadata of the features whose object ids are in the range, by object id (one request). */
export async function queryAttachmentsInRange({ session, url, objectIdField, fromOid, toOid }: QueryAttachmentsOptions): Promise<Map<number, AttachmentInfo[]>> {
  const response = await session.request<{ attachmentGroups?: { parentObjectId: number; attachmentInfos: AttachmentInfo[] }[] }>(
    `${url}/queryAttachments`,
    { definitionExpression: `${objectIdField} >= ${fromOid} AND ${objectIdField} <= ${toOid}` },
    POST
  );
  const byOid = new Map<number, AttachmentInfo[]>();
  for (const group of response.attachmentGroups ?? []) byOid.set(group.parentObjectId, [...(byOid.get(group.parentObjectId) ?? []), ...group.attachmentInfos]);
  return byOid;
}

/** The attachments of one feature (`<oid>/attachments`: older servers offer only this). */
export async function getFeatureAttachments({ session, url, objectId }: FeatureOptions): Promise<AttachmentInfo[]> {
  const response = await session.call(`${url}/${objectId}/attachments`, () => getAttachments({ ...session.requestOptions, url, featureId: objectId, httpMethod: 'GET' }));
  return (response.attachmentInfos ?? []) as AttachmentInfo[];
}

/** One attachment's bytes (`<oid>/attachments/<id>`); null when ArcGIS answers an empty body. */
export function downloadAttachment({ session, url, objectId, attachmentId }: FeatureOptions & { attachmentId: number }): Promise<{ bytes: Buffer; contentType: string } | null> {
  return session.download(`${url}/${objectId}/attachments/${attachmentId}`);
}

export interface AddAttachmentOptions extends FeatureOptions {
  file: { bytes: Buffer; name: string; contentType: string; keywords?: string };
}

/** Adds one attachment; a failure after the request may have arrived is an AmbiguousWriteError (check, do not resend). */
export async function addAttachment({ session, url, objectId, file }: AddAttachmentOptions): Promise<EditResult> {
  const response = await writeOnce(session, `${url}/${objectId} addAttachment ${file.name}`, () =>
    restAddAttachment({
      ...session.requestOptions,
      url,
      featureId: objectId,
      attachment: new File([new Uint8Array(file.bytes)], file.name, { type: file.contentType }),
      ...(file.keywords ? { params: { keywords: file.keywords } } : {})
    }) as unknown as Promise<{ addAttachmentResult?: EditResult }>
  );
  return response.addAttachmentResult ?? { success: false, error: { description: 'addAttachment answered without a result' } };
}

export async function deleteAttachments({ session, url, objectId, attachmentIds }: FeatureOptions & { attachmentIds: number[] }): Promise<EditResult[]> {
  const response = await session.call(`${url}/${objectId} deleteAttachments`, () =>
    restDeleteAttachments({ ...session.requestOptions, url, featureId: objectId, attachmentIds }) as unknown as Promise<{ deleteAttachmentResults?: EditResult[] }>
  );
  return response.deleteAttachmentResults ?? [];
}
