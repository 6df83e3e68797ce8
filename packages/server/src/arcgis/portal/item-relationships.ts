/**
 * Item relationships (`content/users/<user>/addRelationship`, rest-js `addItemRelationship`): the user in the path
 * acts, so it is the origin item's owner (an administrator may call for them).
 */
import { POST, segment, type SessionOptions } from './portal-request.js';

export interface AddRelationshipOptions extends SessionOptions {
  /** The user the request acts as (the origin item's owner). */
  owner: string;
  originItemId: string;
  destinationItemId: string;
  relationshipType: string;
}

/** Adds a relationship; ArcGIS answers success when it exists already, so a retried call is harmless. */
export async function addRelationship({ session, owner, originItemId, destinationItemId, relationshipType }: AddRelationshipOptions): Promise<void> {
  const answer = await session.request<{ success?: boolean }>(
    `${session.restUrl}/content/users/${segment(owner)}/addRelationship`,
    { originItemId, destinationItemId, relationshipType },
    POST
  );
  if (answer.success === false) throw new Error(`addRelationship ${relationshipType} ${originItemId} -> ${destinationItemId} did not succeed.`);
}
