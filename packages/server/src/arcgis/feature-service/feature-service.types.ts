/**
 * The shapes of a feature service's answers, one type each. Only the fields OrgKeeper reads are named; the index
 * signatures keep the rest, because definitions are stored and written back whole.
 */

/** A feature as ArcGIS answers it (JSON, not GeoJSON): attributes by field name, and its geometry. */
export interface EsriFeature {
  attributes: Record<string, unknown>;
  geometry?: unknown;
  [extra: string]: unknown;
}

/** The service resource (`<service>?f=json`). */
export interface ServiceInfo {
  /** A comma-separated list: Query, Create, Update, Delete, Editing, ChangeTracking, Sync, Extract... */
  capabilities?: string;
  maxRecordCount?: number;
  supportsApplyEditsWithGlobalIds?: boolean;
  layers?: { id: number; name?: string }[];
  tables?: { id: number; name?: string }[];
  editingInfo?: { lastEditDate?: number };
  extractChangesCapabilities?: { supportsReturnIdsOnly?: boolean; supportsServerGens?: boolean };
  [extra: string]: unknown;
}

/** A layer or table (`<service>/<id>?f=json`, and each entry of `<service>/layers`). */
export interface LayerInfo {
  id: number;
  name?: string;
  /** `Feature Layer` or `Table`. */
  type?: string;
  objectIdField?: string;
  globalIdField?: string;
  fields?: { name: string; type?: string; alias?: string }[];
  hasAttachments?: boolean;
  maxRecordCount?: number;
  geometryType?: string;
  editingInfo?: { lastEditDate?: number };
  serverGens?: { minServerGen?: number; serverGen?: number };
  advancedQueryCapabilities?: { supportsQueryAttachments?: boolean };
  supportsQueryAttachments?: boolean;
  [extra: string]: unknown;
}

/** `<service>/layers`: every layer and table with its full definition. */
export interface ServiceLayers {
  layers?: LayerInfo[];
  tables?: LayerInfo[];
}

/** One attachment as ArcGIS describes it (`attachmentInfos` of `queryAttachments` and `<oid>/attachments`). */
export interface AttachmentInfo {
  id: number;
  name: string;
  contentType?: string;
  size?: number;
  keywords?: string;
  globalId?: string;
  exifInfo?: unknown;
}

/** One result of an edit (applyEdits, updateFeatures, deleteFeatures, addAttachment, deleteAttachments). */
export interface EditResult {
  objectId?: number;
  globalId?: string | null;
  success: boolean;
  error?: { code?: number; description?: string };
}
