/**
 * A feature service's definitions: the service (rest-js `getService`), every layer and table at once (rest-js
 * `getAllLayersAndTables`) and one layer (rest-js `getLayer`), all read with GET.
 */
import { getAllLayersAndTables, getLayer, getService } from '@esri/arcgis-rest-feature-service';
import { toArcGISFailure } from '../arcgis-errors.js';
import type { SessionOptions } from '../portal/portal-request.js';
import type { LayerInfo, ServiceInfo, ServiceLayers } from './feature-service.types.js';

export interface ServiceOptions extends SessionOptions {
  /** The service's URL (`.../FeatureServer`), or a layer's for `getLayerInfo`. */
  url: string;
}

export function getServiceInfo({ session, url }: ServiceOptions): Promise<ServiceInfo> {
  return session.call(`${url} (service)`, () => getService({ ...session.requestOptions, url, httpMethod: 'GET' }) as unknown as Promise<ServiceInfo>);
}

/**
 * The service's definition, or null when the service does not exist. ArcGIS Server answers a missing service with
 * code 500 ("Service <folder>/<name>/FeatureServer not found"), which the session would retry as a server error:
 * recognised inside the call, it is an answer, not a failure.
 */
export function findServiceInfo({ session, url }: ServiceOptions): Promise<ServiceInfo | null> {
  return session.call(url, async () => {
    try {
      return (await getService({ ...session.requestOptions, url, httpMethod: 'GET' })) as unknown as ServiceInfo;
    } catch (error) {
      const failure = toArcGISFailure(error, url);
      const missing = failure.kind === 'not_found' || failure.code === 404 || (failure.kind === 'invalid' && failure.code === 400);
      if (missing || (failure.code === 500 && /\b(not found|does not exist)\b/i.test(failure.message))) return null;
      throw error;
    }
  });
}

/** Every layer and table of the service with its full definition, in one request (`<service>/layers`). */
export function getLayers({ session, url }: ServiceOptions): Promise<ServiceLayers> {
  return session.call(`${url}/layers`, () => getAllLayersAndTables({ ...session.requestOptions, url, httpMethod: 'GET' }) as unknown as Promise<ServiceLayers>);
}

/** One layer's or table's definition (`<service>/<id>`): `url` is the layer's URL. */
export function getLayerInfo({ session, url }: ServiceOptions): Promise<LayerInfo> {
  return session.call(url, () => getLayer({ ...session.requestOptions, url, httpMethod: 'GET' }) as unknown as Promise<LayerInfo>);
}
