// The identity list as TanStack Query state: one query (and one cache entry) for every page that lists or chooses
// identities.
import { useQuery } from '@tanstack/react-query';
import { useApiClient } from '../app/api-context';
import { identitiesQueryKey, listIdentities } from './identities.api';

/** The identities OrgKeeper knows, with the redirect URI to register on their App IDs. */
export function useIdentities() {
  const client = useApiClient();
  return useQuery({ queryKey: identitiesQueryKey, queryFn: ({ signal }) => listIdentities(client, signal) });
}
