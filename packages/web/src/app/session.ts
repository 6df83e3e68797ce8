// Who is signed in, as TanStack Query state. The server is the source of truth (session cookie); the client keeps
// the answer of GET /api/auth/session and updates it on sign-in, sign-out and when any request answers 401.
import { type QueryClient, useQuery } from '@tanstack/react-query';
import { useRef } from 'react';
import type { ApiClient } from '../api/api-client';
import { getSession, getSetupStatus, type SessionInfo, type SessionUser, type SetupStatus } from '../api/auth.api';
import { useApiClient } from './api-context';

/** Why nobody is signed in: shown on the sign-in page. */
export type SignedOutReason = 'none' | 'expired' | 'signed-out';

export type SessionState =
  | { status: 'signed-in'; user: SessionUser }
  | { status: 'signed-out'; reason: SignedOutReason };

export const queryKeys = {
  setupStatus: ['setup-status'] as const,
  session: ['session'] as const
};

const BOOTSTRAP_KEYS = new Set<string>([queryKeys.setupStatus[0], queryKeys.session[0]]);

export function useSetupStatus() {
  const client = useApiClient();
  return useQuery<SetupStatus>({
    queryKey: queryKeys.setupStatus,
    queryFn: ({ signal }) => getSetupStatus(client, signal),
    staleTime: Infinity
  });
}

export function useSession(enabled = true) {
  const client = useApiClient();
  return useQuery<SessionState>({
    queryKey: queryKeys.session,
    queryFn: async ({ signal, client: queryClient }) => {
      const session = await getSession(client, signal);
      if (session) return { status: 'signed-in', user: session.user };
      const previous = queryClient.getQueryData<SessionState>(queryKeys.session);
      if (previous?.status === 'signed-in') {
        // Signed in a moment ago and no longer: the session expired or was ended elsewhere.
        removeSessionData(queryClient);
        return { status: 'signed-out', reason: 'expired' };
      }
      return previous?.status === 'signed-out' ? previous : { status: 'signed-out', reason: 'none' };
    },
    enabled,
    staleTime: 60_000,
    // Notices a session that ended while the tab was in the background (one small request per focus).
    refetchOnWindowFocus: 'always'
  });
}

/** Records a new session (after first-run setup or sign-in). */
export function markSignedIn(queryClient: QueryClient, session: SessionInfo): void {
  queryClient.setQueryData<SetupStatus>(queryKeys.setupStatus, { needsSetup: false });
  const next: SessionState = { status: 'signed-in', user: session.user };
  queryClient.setQueryData(queryKeys.session, next);
}

function removeSessionData(queryClient: QueryClient): void {
  queryClient.removeQueries({ predicate: (query) => !BOOTSTRAP_KEYS.has(String(query.queryKey[0])) });
}

/** Forgets the session and every cached answer that belonged to it, so the next user sees none of it. */
export function markSignedOut(queryClient: QueryClient, apiClient: ApiClient, reason: SignedOutReason): void {
  apiClient.setCsrfToken(null);
  removeSessionData(queryClient);
  const next: SessionState = { status: 'signed-out', reason };
  queryClient.setQueryData(queryKeys.session, next);
}

/** The signed-in user, for pages inside the app shell (the session gate guarantees there is one). */
export function useCurrentUser(): SessionUser {
  const { data } = useSession();
  // Keeps the last user for the one render between a sign-out and the gate leaving the app.
  const last = useRef<SessionUser | null>(null);
  if (data?.status === 'signed-in') last.current = data.user;
  if (last.current === null) throw new Error('useCurrentUser() is only available inside the signed-in app.');
  return last.current;
}
