import { type EmulatorContext } from '../context.js';
import { deleteHostedServiceForItem } from '../features/hosted-service.factory.js';
import { type ItemRecord } from '../state/types.js';

/**
 * The single place where deleting a portal item removes its hosted feature service: ArcGIS deletes the service with
 * its Feature Service item (a view's item removes only the view, whose service has its own item id).
 */
export function removeHostedServiceOf(emu: EmulatorContext, item: ItemRecord): void {
  if (item.json.type !== 'Feature Service') return;
  deleteHostedServiceForItem(emu, item.json.id);
}
