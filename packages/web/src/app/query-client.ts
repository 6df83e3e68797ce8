import { QueryClient } from '@tanstack/react-query';
import { isApiError } from '../api/api-client';

/** Retry only what may succeed on its own: lost connections and server errors, never a refusal (4xx). */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (failureCount >= 2) return false;
  if (!isApiError(error)) return false;
  return error.code === 'network_error' || error.status >= 500;
}

export function createAppQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: shouldRetry,
        retryDelay: (attempt) => Math.min(500 * 2 ** attempt, 4000),
        staleTime: 15_000
      },
      mutations: {
        // Repeating a state-changing request could do the work twice.
        retry: false
      }
    }
  });
}
