/** Reading a feature's attributes the way ArcGIS writes them: field names in any case, GlobalIDs with or without braces. */
import type { EsriFeature } from './feature-service.types.js';

export function numberAttribute(feature: EsriFeature, field: string): number | undefined {
  const value = attribute(feature, field);
  return typeof value === 'number' ? value : undefined;
}

export function stringAttribute(feature: EsriFeature, field: string): string | undefined {
  const value = attribute(feature, field);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** An attribute whatever case the server used for the field name. */
export function attribute(feature: EsriFeature, field: string): unknown {
  if (field in feature.attributes) return feature.attributes[field];
  const lower = field.toLowerCase();
  for (const [key, value] of Object.entries(feature.attributes)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

/** GlobalIDs compare without braces and case. */
export function normalizeGuid(value: string): string {
  return value.replace(/[{}]/g, '').toUpperCase();
}
