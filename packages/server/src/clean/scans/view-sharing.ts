/**
 * Over-shared hosted feature layer views. A view has its own sharing: a public view of a private layer publishes the
 * rows the view shows (and, if it is editable, lets anyone add or change rows of that private layer: Survey123's
 * public submission views). So the over-shared scan reports what a public view exposes of its source, whatever the
 * source's own sharing, and says which source that is (one `<view>/sources` request per public view).
 */
import type { IItem } from '@esri/arcgis-rest-portal';
import { getViewSources } from '../../arcgis/feature-service/index.js';
import type { Finding } from '../clean.types.js';
import { findingKey, isRecoverable, itemTarget, type ScanContext } from './scan-context.js';

export interface ViewSourceInfo {
  url: string;
  itemId?: string;
  title?: string;
  access?: string;
}

/** The sources of a public view, with their titles and sharing from the organization's listing; [] when unreadable. */
export async function viewSourcesOf(ctx: ScanContext, item: IItem, url: string, byId: ReadonlyMap<string, IItem>): Promise<ViewSourceInfo[]> {
  try {
    const sources = await getViewSources({ session: ctx.reader.session, url });
    return sources
      .filter((s): s is typeof s & { url: string } => typeof s.url === 'string')
      .map((s) => {
        const source = s.serviceItemId ? byId.get(s.serviceItemId) : undefined;
        return { url: s.url, ...(s.serviceItemId ? { itemId: s.serviceItemId } : {}), ...(source ? { title: source.title, access: source.access } : {}) };
      });
  } catch (error) {
    if (!isRecoverable(error, ctx)) throw error;
    ctx.reader.problems.push(`The sources of the public view "${item.title}" (${item.id}) could not be read: ${(error as Error).message}`);
    return [];
  }
}

export function describeSources(sources: ViewSourceInfo[]): string {
  if (sources.length === 0) return 'a layer that could not be read';
  return sources.map((s) => `${s.title ? `"${s.title}"` : s.url}${s.access ? ` (${s.access === 'shared' ? 'shared with groups' : s.access})` : ''}`).join(', ');
}

/** A public read-only view of a layer that is not public itself: its rows, as the view shows them, are public. */
export function publicReadOnlyView(ctx: ScanContext, item: IItem, sources: ViewSourceInfo[]): Finding | undefined {
  if (sources.length > 0 && sources.every((s) => s.access === 'public')) return undefined;
  const target = itemTarget(ctx, item);
  return {
    key: findingKey('over-shared', 'public-view', target),
    scanType: 'over-shared',
    target,
    code: 'public-view',
    message: `Is a public read-only view of ${describeSources(sources)}: anyone can read the rows and fields the view shows without signing in, though the layer itself is not public.`,
    severity: 'warning',
    details: { url: item.url ?? null, view: { editable: false, sources } }
  };
}
