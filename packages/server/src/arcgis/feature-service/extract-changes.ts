/**
 * `<service>/extractChanges` (needs the ChangeTracking capability): which features changed in the given layers since
 * a server generation. rest-js has no function for it.
 */
import { POST } from '../portal/portal-request.js';
import type { EsriFeature } from './feature-service.types.js';
import type { ServiceOptions } from './service.js';

export interface ExtractChangesOptions extends ServiceOptions {
  /** Per layer, the server generation the changes are asked since. */
  since: { id: number; serverGen: number }[];
  /** Only object ids, not whole features (when the service supports it: `extractChangesCapabilities.supportsReturnIdsOnly`). */
  idsOnly: boolean;
}

export interface ExtractChangesResponse {
  edits?: {
    id: number;
    objectIds?: { adds?: number[]; updates?: number[]; deletes?: number[] };
    features?: { adds?: EsriFeature[]; updates?: EsriFeature[]; deleteIds?: number[] };
  }[];
}

export function extractChanges({ session, url, since, idsOnly }: ExtractChangesOptions): Promise<ExtractChangesResponse> {
  return session.request<ExtractChangesResponse>(
    `${url}/extractChanges`,
    {
      layers: JSON.stringify(since.map((s) => s.id)),
      layerServerGens: JSON.stringify(since),
      returnInserts: true,
      returnUpdates: true,
      returnDeletes: true,
      returnIdsOnly: idsOnly,
      // Embedded: the changes in this answer, not a file to fetch later.
      transportType: 'esriTransportTypeEmbedded',
      dataFormat: 'json'
    },
    POST
  );
}
