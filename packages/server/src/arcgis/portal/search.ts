/**
 * Item search (`search`, rest-js `searchItems`): one page, and a count. Listing every item of a scope, past the
 * 10,000-result cap, is the enumerator's job (org-enumerator.ts).
 */
import { type IItem, type ISearchResult, searchItems } from '@esri/arcgis-rest-portal';
import { type SessionOptions } from './portal-request.js';

export interface SearchItemsOptions extends SessionOptions {
  /** The query (`owner:jdoe AND type:"Web Map"`, `group:<id>`, `orgid:<id>`). */
  q: string;
  /** 1-based. */
  start?: number;
  /** 1 to 100. */
  num?: number;
  sortField?: string;
  sortOrder?: 'asc' | 'desc';
}

export function searchItemsPage({ session, ...search }: SearchItemsOptions): Promise<ISearchResult<IItem>> {
  return session.call('search', () => searchItems({ ...search, ...session.requestOptions, httpMethod: 'GET' }));
}

/** How many items the identity can see that match the query (`total` of a one-result page: Esri documents `num` from 1). */
export async function countItems({ session, q }: SessionOptions & { q: string }): Promise<number> {
  const page = await searchItemsPage({ session, q, start: 1, num: 1 });
  return page.total;
}
