/**
 * Reading and writing a layer's features through rest-js (`queryFeatures`, `applyEdits`, `updateFeatures`,
 * `deleteFeatures`). `url` is the layer's URL. Adds go through writeOnce (a lost answer is not sent again);
 * updates to given values and deletes are idempotent, so the session retries them like reads.
 */
import { applyEdits, deleteFeatures as restDeleteFeatures, queryFeatures, updateFeatures as restUpdateFeatures } from '@esri/arcgis-rest-feature-service';
import { writeOnce } from './ambiguous-write.js';
import { numberAttribute, stringAttribute } from './feature-attributes.js';
import type { EditResult, EsriFeature } from './feature-service.types.js';
import type { ServiceOptions } from './service.js';

export interface FeatureKeysOptions extends ServiceOptions {
  objectIdField: string;
  globalIdField: string | undefined;
  /** Features per page (at most the layer's maxRecordCount). */
  pageSize: number;
}

/** Object ids (and global ids where the layer has them) of every feature of a layer, paged by object id. */
export async function listFeatureKeys({ session, url, objectIdField, globalIdField, pageSize }: FeatureKeysOptions): Promise<{ oid: number; globalId?: string }[]> {
  const keys: { oid: number; globalId?: string }[] = [];
  let after = -Infinity;
  for (;;) {
    const where = after === -Infinity ? '1=1' : `${objectIdField} > ${after}`;
    const page = await session.call(`${url} (keys)`, () =>
      queryFeatures({
        ...session.requestOptions,
        url,
        where,
        outFields: globalIdField ? [objectIdField, globalIdField] : [objectIdField],
        returnGeometry: false,
        orderByFields: objectIdField,
        resultRecordCount: pageSize,
        httpMethod: 'POST'
      }) as unknown as Promise<{ features: EsriFeature[]; exceededTransferLimit?: boolean }>
    );
    let max = after;
    for (const f of page.features) {
      const oid = numberAttribute(f, objectIdField);
      if (oid === undefined) continue;
      const gid = globalIdField ? stringAttribute(f, globalIdField) : undefined;
      keys.push(gid === undefined ? { oid } : { oid, globalId: gid });
      if (oid > max) max = oid;
    }
    if (!page.exceededTransferLimit || max === after) break;
    after = max;
  }
  return keys;
}

/** Features by object id (with geometry), at most `objectIds.length` per call: callers keep that below maxRecordCount. */
export async function getFeaturesByIds({ session, url, objectIds }: ServiceOptions & { objectIds: number[] }): Promise<EsriFeature[]> {
  if (objectIds.length === 0) return [];
  const page = await session.call(`${url} (features by id)`, () =>
    queryFeatures({ ...session.requestOptions, url, objectIds, outFields: '*', returnGeometry: true, httpMethod: 'POST' }) as unknown as Promise<{ features: EsriFeature[] }>
  );
  return page.features;
}

export interface AddFeaturesOptions extends ServiceOptions {
  features: EsriFeature[];
  useGlobalIds: boolean;
  rollbackOnFailure: boolean;
}

/** Adds features (`applyEdits` with adds); a failure after the request may have arrived is an AmbiguousWriteError. */
export async function addFeatures({ session, url, features, useGlobalIds, rollbackOnFailure }: AddFeaturesOptions): Promise<EditResult[]> {
  const response = await writeOnce(session, `${url} applyEdits (${features.length} adds)`, () =>
    applyEdits({ ...session.requestOptions, url, adds: features as never, useGlobalIds, rollbackOnFailure }) as unknown as Promise<{ addResults?: EditResult[] }>
  );
  return response.addResults ?? [];
}

export async function updateFeatures({ session, url, features }: ServiceOptions & { features: EsriFeature[] }): Promise<EditResult[]> {
  // Setting attributes to given values is idempotent: a retried update gives the same feature.
  const response = await session.call(`${url} updateFeatures (${features.length})`, () =>
    restUpdateFeatures({ ...session.requestOptions, url, features: features as never, rollbackOnFailure: false }) as unknown as Promise<{ updateResults?: EditResult[] }>
  );
  return response.updateResults ?? [];
}

export async function deleteFeatures({ session, url, objectIds }: ServiceOptions & { objectIds: number[] }): Promise<EditResult[]> {
  // A retried delete of an already deleted feature reports "not found", which the caller counts as deleted.
  const response = await session.call(`${url} deleteFeatures (${objectIds.length})`, () =>
    restDeleteFeatures({ ...session.requestOptions, url, objectIds, rollbackOnFailure: false }) as unknown as Promise<{ deleteResults?: EditResult[] }>
  );
  return response.deleteResults ?? [];
}
