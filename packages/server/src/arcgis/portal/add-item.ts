/**
 * `content/users/<owner>/addItem` (into the owner's root folder; ArcGIS lets users add only to their own content).
 * rest-js's `createItem` serializes an item object (arrays joined, objects as JSON); here the parameters go as given,
 * files as multipart parts.
 *
 * addItem is not idempotent: a retry after an answer was lost (the connection broke after ArcGIS added the item) would
 * add a second item. With a `marker`, a type keyword only the new item carries, every attempt after the first looks for
 * an item of the owner with that keyword first and answers its id instead of adding another.
 */
import { request } from '@esri/arcgis-rest-request';
import type { ArcGISSession } from '../arcgis-session.js';
import { definedParams, type ItemParams } from './item.js';
import { PAGE_SIZE } from './paging.js';
import { nextStartOf, segment, type SessionOptions } from './portal-request.js';
import { fetchUserContentPage } from './user-content.js';

export interface AddItemOptions extends SessionOptions {
  owner: string;
  params: ItemParams;
  /** A type keyword that only the item being added carries (and that is among its `typeKeywords`). */
  marker?: string;
}

/** Adds the item; answers its id. */
export function addItem({ session, owner, params, marker }: AddItemOptions): Promise<string> {
  let attempt = 0;
  return session.call('add item', async () => {
    attempt++;
    if (attempt > 1 && marker) {
      const found = await findMarkedInRoot(session, owner, marker);
      if (found) return found;
    }
    const answer = (await request(`${session.restUrl}/content/users/${segment(owner)}/addItem`, {
      httpMethod: 'POST',
      ...session.requestOptions,
      params: { f: 'json', ...definedParams(params) }
    })) as { id?: string };
    if (!answer.id) throw new Error(`ArcGIS did not return the new item's id when adding "${String(params.title ?? '')}".`);
    return answer.id;
  });
}

/** The marked item in the owner's root folder, read inside the add's own call (plain requests: no nested call). */
async function findMarkedInRoot(session: ArcGISSession, owner: string, marker: string): Promise<string | undefined> {
  for (let start = 1; start > 0; ) {
    const page = await fetchUserContentPage(session.requestOptions, owner, null, start, PAGE_SIZE);
    const hit = (page.items ?? []).find((i) => (i.typeKeywords ?? []).includes(marker));
    if (hit) return hit.id;
    start = nextStartOf(page, start);
  }
  return undefined;
}
