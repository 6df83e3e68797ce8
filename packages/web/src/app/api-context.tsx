import { createContext, type ReactNode, useContext } from 'react';
import type { ApiClient } from '../api/api-client';

const ApiClientContext = createContext<ApiClient | null>(null);

export function ApiClientProvider({ client, children }: { client: ApiClient; children: ReactNode }) {
  return <ApiClientContext.Provider value={client}>{children}</ApiClientContext.Provider>;
}

/** The app's API client (session cookie + CSRF token); use it in query and mutation functions. */
export function useApiClient(): ApiClient {
  const client = useContext(ApiClientContext);
  if (client === null) throw new Error('useApiClient() must be used inside <ApiClientProvider>.');
  return client;
}
