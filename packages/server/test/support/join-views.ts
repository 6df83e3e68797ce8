/** Reading join views (viewLayerDefinition.table) back from an emulated organization, for the restore tests. */
import { serviceNameInUrl } from '../../src/arcgis/feature-service/index.js';
import type { RestoreResult } from '../../src/restore/restore.types.js';
import type { EmulatorHandle } from './emulator-harness.js';
import { sessionFor } from './emulator-session.js';
import { RESTORE_RETRY } from './restore-harness.js';

export type Row = Record<string, unknown>;
export const adminUrl = (url: string) => url.replace('/rest/services', '/rest/admin/services');
export const nameOf = (url: string) => serviceNameInUrl(url)!;

/** The join a view layer is defined with, as the target's admin layer JSON says. */
export async function joinAt(emu: EmulatorHandle, viewUrl: string): Promise<Record<string, unknown>> {
  const layer = await sessionFor(emu, { retry: RESTORE_RETRY }).request<{ adminLayerInfo: { viewLayerDefinition: { table: Record<string, unknown> } } }>(`${adminUrl(viewUrl)}/0`);
  return layer.adminLayerInfo.viewLayerDefinition.table;
}

/** Every joined row of layer 0 of a view, in object id order. */
export async function rowsAt(emu: EmulatorHandle, viewUrl: string): Promise<Row[]> {
  const answer = await sessionFor(emu, { retry: RESTORE_RETRY }).request<{ features: { attributes: Row }[] }>(`${viewUrl}/0/query`, { where: '1=1', outFields: '*', orderByFields: 'OBJECTID', returnGeometry: false });
  return answer.features.map((f) => f.attributes);
}

/** The snapshot's join with its service names replaced as `names` says (old name -> new name). */
export function renamed(table: Record<string, unknown>, names: Record<string, string>): Record<string, unknown> {
  const rename = (t: Record<string, unknown>) => ({ ...t, sourceServiceName: names[t.sourceServiceName as string] ?? t.sourceServiceName });
  return { ...rename(table), relatedTables: (table.relatedTables as Record<string, unknown>[]).map(rename) };
}

/** The URL a restore gave the item `id`. */
export const newUrlOf = (result: RestoreResult, id: string) => result.steps.find((s) => s.oldId === id)?.newUrl;
