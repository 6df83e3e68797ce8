/**
 * What every function of the catalogue shares: the options it takes (the identity's ArcGISSession, which brings the
 * limits, retries and token refresh), path segments encoded, and what "does not exist" looks like.
 *
 * rest-js builds its URLs from ids and usernames as given; the catalogue passes them encoded, so a hostile id or name
 * (ArcGIS content is hostile) can never turn one endpoint's path into another's.
 */
import { ArcGISFailure } from '../arcgis-errors.js';
import type { ArcGISSession } from '../arcgis-session.js';

/** The options object every catalogue function takes, extended with that endpoint's parameters. */
export interface SessionOptions {
  session: ArcGISSession;
}

/** One path segment (an id, a username, a folder id), encoded. */
export const segment = encodeURIComponent;

/** A path of several segments (a resource or thumbnail path such as `images/a b.png`), each encoded. */
export function segments(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** `content/users/<owner>/items/<id>`: writes on an item go through its owner's path, as ArcGIS requires. */
export function userItemUrl(session: ArcGISSession, owner: string, id: string): string {
  return `${session.restUrl}/content/users/${segment(owner)}/items/${segment(id)}`;
}

/** `content/items/<id>`: reads of an item and its parts. */
export function itemUrl(session: ArcGISSession, id: string): string {
  return `${session.restUrl}/content/items/${segment(id)}`;
}

/** `community/groups/<id>`. */
export function groupUrl(session: ArcGISSession, id: string): string {
  return `${session.restUrl}/community/groups/${segment(id)}`;
}

export const POST = { httpMethod: 'POST' } as const;

/** Options for a rest-js write: its functions want an authenticated session, and writes need a signed-in identity. */
export function signedIn(session: ArcGISSession): Required<ArcGISSession['requestOptions']> {
  const { authentication, portal } = session.requestOptions;
  if (!authentication) throw new Error('This change needs a signed-in identity; connect it first.');
  return { authentication, portal };
}

/** Whether a failure says the thing asked for does not exist (or is not visible to the identity). */
export function isNotFound(error: unknown): boolean {
  return error instanceof ArcGISFailure && (error.kind === 'not_found' || (error.kind === 'invalid' && /does not exist|not found/i.test(error.message)));
}

/** The answer, or undefined when ArcGIS says it does not exist. */
export async function orUndefined<T>(work: Promise<T>): Promise<T | undefined> {
  try {
    return await work;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Next page's start from a paged answer, or -1 at the end (also when a server repeats a start). */
export function nextStartOf(page: { nextStart?: unknown }, start: number): number {
  const next = Number(page.nextStart ?? -1);
  return next > start ? next : -1;
}
