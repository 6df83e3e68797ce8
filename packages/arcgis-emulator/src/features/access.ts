/**
 * Finding a hosted service, layer and feature for a request, with ArcGIS's access rules: a service can be used by
 * whoever can read its item (anonymous users only when the item is public); its definition can be changed by the
 * item's owner or an administrator.
 */
import { type Ctx } from '../context.js';
import { ArcGISError, errors } from '../errors.js';
import { canEditItem, canReadItem } from '../state/permissions.js';
import { type ItemRecord } from '../state/types.js';
import { featureErrors } from './feature-errors.js';
import { type HostedLayer, type HostedService } from './types.js';

export interface ServiceAccess {
  service: HostedService;
  item: ItemRecord;
}

/** The service named in the URL, readable by the caller; ArcGIS answers 499 to anonymous and 403 to others. */
export function readableService(ctx: Ctx, admin = false): ServiceAccess {
  const service = ctx.emu.state.getService(ctx.params.name ?? '');
  const item = service ? ctx.emu.state.items.get(service.itemId) : undefined;
  if (!service || !item) throw featureErrors.serviceNotFound(ctx.emu, ctx.params.name ?? '', admin);
  if (!canReadItem(ctx.emu.state, ctx.user, item)) {
    if (!ctx.user) throw errors.tokenRequired();
    throw errors.forbidden();
  }
  return { service, item };
}

/** The service, for owner/administrator operations (admin URL). */
export function administrableService(ctx: Ctx): ServiceAccess {
  const access = readableService(ctx, true);
  if (!ctx.user) throw errors.tokenRequired();
  if (!canEditItem(ctx.user, access.item)) throw errors.forbidden();
  return access;
}

/** Names of POST-only operations that a GET would otherwise reach as a layer id or objectId. */
const POST_ONLY = new Set(
  ['applyEdits', 'addFeatures', 'updateFeatures', 'deleteFeatures', 'extractChanges', 'addAttachment', 'updateAttachment', 'deleteAttachments', 'addToDefinition', 'updateDefinition', 'deleteFromDefinition'].map((s) => s.toLowerCase())
);

/** ArcGIS's answer to GET on a POST-only operation (same wording as the router's). */
export function rejectGetOnPostOnly(segment: string | undefined): void {
  if (segment && POST_ONLY.has(segment.toLowerCase())) {
    throw new ArcGISError(405, 'Method not supported.', { details: ['This operation is only supported via POST.'] });
  }
}

export function layerOf(service: HostedService, layerIdText: string | undefined): HostedLayer {
  rejectGetOnPostOnly(layerIdText);
  const id = Number(layerIdText);
  const layer = Number.isInteger(id) ? service.layers.get(id) : undefined;
  if (!layer) throw featureErrors.layerNotFound();
  return layer;
}

export function parseOid(text: string | undefined): number {
  rejectGetOnPostOnly(text);
  const oid = Number(text);
  if (!Number.isInteger(oid)) throw featureErrors.invalidParams([`'${String(text)}' is not a valid objectId.`]);
  return oid;
}

/** Query needs the Query capability; owners and administrators may query anyway (as ArcGIS lets them). */
export function requireQuery(ctx: Ctx, access: ServiceAccess): void {
  const caps = String(access.service.definition.capabilities ?? '').split(',').map((c) => c.trim());
  if (caps.includes('Query')) return;
  if (ctx.user && canEditItem(ctx.user, access.item)) return;
  throw featureErrors.notSupported('Query');
}
