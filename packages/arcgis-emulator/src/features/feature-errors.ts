/**
 * Errors of feature-service operations, worded as hosted services word them. Esri does not document these bodies;
 * they follow responses of live services: ArcGIS Online (SQL Server-backed hosted layers) answers bad query
 * parameters with "Cannot perform query. Invalid query parameters." and ArcGIS Enterprise (ArcGIS Server) with
 * "Unable to complete operation."; both put what is wrong in `details` ("'where' parameter is invalid",
 * "'Invalid field: X' parameter is invalid").
 */
import { type EmulatorContext } from '../context.js';
import { ArcGISError } from '../errors.js';

export function invalidQuery(emu: EmulatorContext, detail: string): ArcGISError {
  if (emu.options.kind === 'online') {
    return new ArcGISError(400, 'Cannot perform query. Invalid query parameters.', {
      details: [detail],
      extra: { extendedCode: -2147220985 }
    });
  }
  return new ArcGISError(400, 'Unable to complete operation.', { details: [detail] });
}

export const featureErrors = {
  invalidWhere: (emu: EmulatorContext) => invalidQuery(emu, "'where' parameter is invalid"),
  invalidField: (emu: EmulatorContext, field: string) => invalidQuery(emu, `'Invalid field: ${field}' parameter is invalid`),
  invalidParameter: (emu: EmulatorContext, name: string) => invalidQuery(emu, `'${name}' parameter is invalid`),
  /**
   * A service that does not exist. ArcGIS Online answers "Invalid URL" (also in Esri's rest-js mocks); ArcGIS Server
   * answers with code 500 and names the service, on the services directory ("Service <folder>/<name>/FeatureServer
   * not found ", trailing space included, as captured from live servers) and on the admin one ("Service '<name>'.
   * 'FeatureServer' does not exist in folder '<folder>'.").
   */
  serviceNotFound: (emu: EmulatorContext, name: string, admin = false) => {
    if (emu.options.kind === 'online') return new ArcGISError(400, 'Invalid URL', { details: ['Invalid URL'] });
    return admin
      ? new ArcGISError(500, `Service '${name}'.'FeatureServer' does not exist in folder 'Hosted'.`, { details: [] })
      : new ArcGISError(500, `Service Hosted/${name}/FeatureServer not found `, { details: [] });
  },
  layerNotFound: () => new ArcGISError(400, 'Invalid or missing input parameters.', { details: ['Invalid layer ID'] }),
  featureNotFound: (oid: number | string) =>
    new ArcGISError(404, 'Requested resource not found.', { details: [`Feature with objectId ${String(oid)} does not exist or is inaccessible.`] }),
  attachmentNotFound: () => new ArcGISError(404, 'Requested resource not found.', { details: ['Attachment does not exist or is inaccessible.'] }),
  /** Operation not allowed by the service's capabilities (ArcGIS Server: code 400, "Requested operation is not supported by this service."). */
  notSupported: (operation: string) =>
    new ArcGISError(400, 'Requested operation is not supported by this service.', {
      details: [`The requested capability '${operation}' is not supported.`]
    }),
  invalidParams: (details: string[] = []) => new ArcGISError(400, 'Invalid or missing input parameters.', { details }),
  unableToComplete: (details: string[] = []) => new ArcGISError(400, 'Unable to complete operation.', { details })
};
