/**
 * What an item's URL is to the organization, decided once for backup, restore and Clean alike:
 *
 * - `hosted`: a hosted feature layer of the organization: type "Feature Service" with the "Hosted Service" type
 *   keyword AND a URL that is a FeatureServer on one of the organization's hosting servers (org-origins.ts). Its
 *   service (definitions, features, attachments) may be read and written.
 * - `external`: an external reference: a URL on an origin that is not the organization's, or an item that claims to be
 *   a hosted feature layer but whose URL is not one. Anyone who can add items can write both the type keywords and
 *   the URL, so neither decides alone. Its item JSON and parts are kept; its URL is never requested.
 * - `org`: a URL on one of the organization's origins that is not a hosted feature layer (an app on the portal, a
 *   service of a federated server). Nothing in OrgKeeper reads these URLs as services.
 * - `none`: no URL.
 */
import type { IItem } from '@esri/arcgis-rest-portal';
import { type OrgOrigins, urlOrigin } from './org-origins.js';

export type ItemUrlClass =
  | { kind: 'hosted'; serviceUrl: string }
  | { kind: 'external'; url: string; reason: string }
  | { kind: 'org' }
  | { kind: 'none' };

type ClassifiedItem = Pick<IItem, 'type' | 'typeKeywords'> & { url?: unknown };

/** The item says it is a hosted feature layer (type and type keyword). Says nothing about where its URL points. */
export function claimsHostedFeatureService(item: Pick<IItem, 'type' | 'typeKeywords'>): boolean {
  return item.type === 'Feature Service' && Array.isArray(item.typeKeywords) && item.typeKeywords.includes('Hosted Service');
}

export function classifyItem(item: ClassifiedItem, origins: OrgOrigins): ItemUrlClass {
  const url = typeof item.url === 'string' ? item.url.trim() : '';
  if (url === '') return { kind: 'none' };
  if (!origins.allows(url)) {
    const origin = urlOrigin(url);
    return {
      kind: 'external',
      url,
      reason: origin
        ? `its URL is on ${origin}, which is not one of the organization's servers (the portal and the servers it lists)`
        : "its URL is not a plain http(s) URL of one of the organization's servers"
    };
  }
  if (claimsHostedFeatureService(item)) {
    const serviceUrl = origins.hostedFeatureServiceUrl(url);
    if (serviceUrl) return { kind: 'hosted', serviceUrl };
    return { kind: 'external', url, reason: "it is marked as a hosted feature layer, but its URL is not a feature service on one of the organization's hosting servers" };
  }
  return { kind: 'org' };
}

/** The service URL when the item is a hosted feature layer of the organization, else undefined. */
export function hostedServiceUrl(item: ClassifiedItem, origins: OrgOrigins): string | undefined {
  const c = classifyItem(item, origins);
  return c.kind === 'hosted' ? c.serviceUrl : undefined;
}
