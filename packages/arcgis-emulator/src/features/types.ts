/**
 * Hosted feature services. Owned by the feature-service module; the state holds them by lower-cased service name.
 * (Initial contract; the feature-service module may extend it.)
 */
export interface HostedService {
  /** Service name as it appears in the URL (`.../services/<name>/FeatureServer`). */
  name: string;
  /** The Feature Service item that represents it in the portal. */
  itemId: string;
  /** Service-level definition (the JSON of `<service>?f=json`, minus `layers`/`tables`, which come from `layers`). */
  definition: Record<string, unknown>;
  /** Layers and tables by id. */
  layers: Map<number, unknown>;
}
