// Following an operation live. Everything that shows a running operation goes through `useOperation`, so the way
// updates arrive (the server's event stream, with polling as the fallback) is decided in this one file.
import { useQuery, useQueryClient, type UseQueryResult } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useApiClient } from '../app/api-context';
import { getOperation, isActive, type Operation, operationKeys } from './operations.api';

/** How often an active operation is read again while polling (no event stream, or while it reconnects). */
export const POLL_INTERVAL_MS = 1000;
/** While events arrive, an occasional read still catches anything a dropped event would have missed. */
const SAFETY_POLL_MS = 10_000;

/** A change to the cached operation, from one event. */
export type OperationUpdate = (current: Operation | undefined) => Operation | undefined;

/**
 * How updates of one operation reach the page: starts listening, reports whether the stream is live, and returns how to
 * stop. This is the one place that knows the transport; `useOperation` falls back to polling whenever it is not live.
 */
export type OperationSubscription = (operationId: string, handlers: { onUpdate: (update: OperationUpdate) => void; onLive: (live: boolean) => void; onEnd: () => void }) => () => void;

/**
 * Server-sent events from `GET /api/operations/:id/events`: `status` (the whole operation), `progress` (its counters,
 * more often than the row is written), `items` (new log rows; the log views read those themselves) and `end`.
 * Same origin, so the session cookie goes along; EventSource reconnects by itself after a dropped connection.
 */
export const serverSentEvents: OperationSubscription = (operationId, { onUpdate, onLive, onEnd }) => {
  if (typeof EventSource === 'undefined') return () => undefined;
  const source = new EventSource(`/api/operations/${encodeURIComponent(operationId)}/events`);
  const parse = (event: Event): unknown => {
    try {
      return JSON.parse((event as MessageEvent<string>).data) as unknown;
    } catch {
      return null;
    }
  };
  source.onopen = () => onLive(true);
  // A refused stream (signed out, no such operation) is closed for good; a dropped one is retried by the browser.
  source.onerror = () => onLive(false);
  source.addEventListener('status', (event) => {
    const data = parse(event) as { operation?: Operation } | null;
    if (data?.operation) onUpdate(() => data.operation);
  });
  source.addEventListener('progress', (event) => {
    const data = parse(event) as { progress?: Record<string, unknown> } | null;
    if (data?.progress) onUpdate((current) => (current ? { ...current, progress: data.progress ?? null } : current));
  });
  source.addEventListener('end', () => {
    source.close();
    onLive(false);
    onEnd();
  });
  return () => source.close();
};

/** The transport in use; polling alone when null. */
const subscribe: OperationSubscription | null = serverSentEvents;

/** An operation, kept up to date while it is queued or running. */
export function useOperation(operationId: string | null | undefined): UseQueryResult<Operation> {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const [live, setLive] = useState(false);
  const query = useQuery({
    queryKey: operationKeys.one(operationId ?? ''),
    queryFn: ({ signal }) => getOperation(client, operationId!, signal),
    enabled: Boolean(operationId),
    staleTime: 0,
    refetchInterval: (q) => (q.state.data && isActive(q.state.data.status) ? (live ? SAFETY_POLL_MS : POLL_INTERVAL_MS) : false),
    refetchIntervalInBackground: false
  });
  const active = query.data ? isActive(query.data.status) : true;
  useEffect(() => {
    if (!operationId || subscribe === null || !active) return undefined;
    const key = operationKeys.one(operationId);
    const stop = subscribe(operationId, {
      onUpdate: (update) => queryClient.setQueryData<Operation>(key, (current) => update(current)),
      onLive: setLive,
      // The final state is read once more, so nothing depends on the last event having arrived.
      onEnd: () => void queryClient.invalidateQueries({ queryKey: key })
    });
    return () => {
      stop();
      setLive(false);
    };
  }, [queryClient, operationId, active]);
  // When it finishes, lists that show it (logs, snapshots) are out of date.
  const status = query.data?.status;
  useEffect(() => {
    if (status && !isActive(status)) {
      void queryClient.invalidateQueries({ queryKey: operationKeys.all, predicate: (q) => q.queryKey[1] === 'list' });
      void queryClient.invalidateQueries({ queryKey: ['snapshots'] });
    }
  }, [status, queryClient]);
  return query;
}

/** An operation's progress counters, read defensively (each kind of work reports its own free-form object). */
export interface ProgressView {
  phase: string;
  /** Items (backup) or steps (restore). */
  unit: 'items' | 'steps';
  total: number;
  done: number;
  bytesRead: number;
  newBytes: number;
  /** What it is working on now (untrusted: may hold an ArcGIS title). */
  current: string | null;
  /** A backup of chosen items: items it took along because the chosen ones need them (counted in total). */
  takenAlong: number;
}

export function operationProgress(operation: Operation): ProgressView {
  const p = operation.progress ?? {};
  const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
  const steps = typeof p.stepsTotal === 'number';
  return {
    phase: typeof p.phase === 'string' ? p.phase : operation.status,
    unit: steps ? 'steps' : 'items',
    total: num(steps ? p.stepsTotal : p.itemsTotal),
    done: num(steps ? p.stepsDone : p.itemsDone),
    bytesRead: num(p.bytesRead),
    newBytes: num(p.newBytes),
    current: typeof p.current === 'string' && p.current !== '' ? p.current : null,
    takenAlong: num(p.itemsTakenAlong)
  };
}
