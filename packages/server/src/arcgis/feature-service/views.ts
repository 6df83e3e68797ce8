/**
 * Hosted feature layer views: the services a view reads from (`<view>/sources`, rest-js `getViewSources`), the admin
 * service JSON whose layers carry `adminLayerInfo.viewLayerDefinition` (rest-js `getServiceAdminInfo`), and one view
 * layer's source (`<view>/<layer>/sources`, what the ArcGIS API for Python's clone_items reads). rest-js's own functions
 * take a bare authentication, so these are small typed calls on the session's `request()`.
 */
import type { ServiceOptions } from './service.js';

/** One service of a `/sources` answer. */
export interface ViewSourceService {
  name?: string;
  type?: string;
  url?: string;
  serviceItemId?: string;
}

/** `adminLayerInfo.viewLayerDefinition` of a view layer (what addToDefinition takes). */
export interface ViewLayerDefinition {
  sourceServiceName?: string;
  sourceLayerId?: number | string;
  sourceLayerFields?: '*' | string[] | { name: string }[];
  filter?: unknown;
  /** Join views (advanced views): the main source and its related tables (view-joins.ts). */
  table?: unknown;
  [extra: string]: unknown;
}

export interface AdminLayerInfo {
  id: number;
  adminLayerInfo?: { viewLayerDefinition?: ViewLayerDefinition; [extra: string]: unknown };
  [extra: string]: unknown;
}

export interface AdminServiceInfo {
  layers?: AdminLayerInfo[];
  tables?: AdminLayerInfo[];
  [extra: string]: unknown;
}

/** The services a view reads from. An ordinary service lists none. */
export async function getViewSources({ session, url }: ServiceOptions): Promise<ViewSourceService[]> {
  const answer = await session.request<{ services?: ViewSourceService[] }>(`${url}/sources`);
  return Array.isArray(answer.services) ? answer.services : [];
}

/**
 * The views of a hosted service (`<source>/views`): Esri documents this resource's HTML page only; its JSON is taken
 * to list the views as `/sources` lists sources (`views: [{name, url, serviceItemId}]`).
 */
export async function getServiceViews({ session, url }: ServiceOptions): Promise<ViewSourceService[]> {
  const answer = await session.request<{ views?: ViewSourceService[] }>(`${url}/views`);
  return Array.isArray(answer.views) ? answer.views : [];
}

/** The service's admin JSON (needs the owner or an administrator): layers with their `adminLayerInfo`. */
export function getServiceAdminInfo({ session, url }: ServiceOptions): Promise<AdminServiceInfo> {
  return session.request<AdminServiceInfo>(adminUrlOf(url));
}

/** The source layer of one view layer: `url` is the view layer's URL. */
export async function getViewLayerSource({ session, url }: ServiceOptions): Promise<ViewSourceService & { id?: number } | undefined> {
  const answer = await session.request<{ layers?: (ViewSourceService & { id?: number })[]; tables?: (ViewSourceService & { id?: number })[] }>(`${url}/sources`);
  return [...(answer.layers ?? []), ...(answer.tables ?? [])][0];
}

/** A hosted service's admin URL, as rest-js derives it for addToDefinition and updateDefinition. */
export function adminUrlOf(serviceUrl: string): string {
  return serviceUrl.replace(/\/+$/, '').replace('/rest/services', '/rest/admin/services');
}

/** The service name in a hosted service URL (`.../services/[Hosted/]<name>/FeatureServer`), as `sourceServiceName` wants it. */
export function serviceNameInUrl(url: string): string | undefined {
  const match = /\/services\/(?:Hosted\/)?([^/]+)\/FeatureServer/i.exec(url);
  return match?.[1] ? decodeURIComponent(match[1]) : undefined;
}
