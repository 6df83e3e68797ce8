import type { IdentityRepository } from '../identities/index.js';

/**
 * Checks a channel's choice of identities (email, a webhook): null means every identity; a list names existing
 * identities, at least one. Problems go into `fields.identityIds`; returns the list without repeats.
 */
export async function checkIdentityIds(identities: Pick<IdentityRepository, 'findById'>, value: unknown, fields: Record<string, string>): Promise<string[] | null> {
  if (value === null) return null;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    fields.identityIds = 'identityIds is a list of identity ids, or null for every identity.';
    return null;
  }
  const ids = [...new Set(value as string[])];
  if (ids.length === 0) {
    fields.identityIds = 'Choose at least one identity, or choose every identity.';
    return null;
  }
  if (ids.length > 500) {
    fields.identityIds = 'At most 500 identities; choose every identity instead.';
    return null;
  }
  for (const id of ids) {
    if (!(await identities.findById(id))) {
      fields.identityIds = `There is no identity with the id "${id.slice(0, 100)}"; it may have been deleted.`;
      return null;
    }
  }
  return ids;
}
