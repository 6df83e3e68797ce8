/**
 * What email and webhooks say when an operation ends, and whether a channel wants it: the same triggers for both
 * (failed or interrupted, partial, succeeded; every identity or chosen ones), the same words.
 */
import type { OperationView } from '../operations/operation.types.js';

export interface NotificationTriggers {
  notifyOnFailure: boolean;
  notifyOnPartial: boolean;
  notifyOnSuccess: boolean;
  /** null: every identity (and operations that belong to none). */
  identityIds: string[] | null;
}

/** Whether a channel with these triggers tells about this operation's end. */
export function wantsOperation(triggers: NotificationTriggers, operation: Pick<OperationView, 'status' | 'identityId'>): boolean {
  const outcome =
    ((operation.status === 'failed' || operation.status === 'interrupted') && triggers.notifyOnFailure) ||
    (operation.status === 'partial' && triggers.notifyOnPartial) ||
    (operation.status === 'succeeded' && triggers.notifyOnSuccess);
  if (!outcome) return false;
  if (triggers.identityIds === null) return true;
  return operation.identityId !== null && triggers.identityIds.includes(operation.identityId);
}

const OUTCOME: Record<OperationView['status'], string> = {
  succeeded: 'succeeded',
  partial: 'partly failed',
  failed: 'failed',
  interrupted: 'was interrupted',
  cancelled: 'was cancelled',
  queued: 'is queued',
  running: 'is running'
};

/** An operation's end in a few words and facts, as plain text (messages may carry text from ArcGIS). */
export interface OperationNotice {
  /** e.g. `Backup of City GIS failed`. */
  title: string;
  operation: OperationView;
  identity: { id: string; name: string } | null;
  /** The operation's own message, if any. */
  message: string | null;
  /** Label and value pairs for people (operation id, who started it, times, duration). */
  facts: { name: string; value: string }[];
  /** The operation's log in the web app, when OrgKeeper knows its public URL. */
  logUrl: string | null;
  durationSeconds: number | null;
}

export function operationNotice(operation: OperationView, identity: { id: string; name: string } | null, publicUrl: string | undefined): OperationNotice {
  const what = `${operation.kind.charAt(0).toUpperCase()}${operation.kind.slice(1)}${identity ? ` of ${identity.name}` : ''}`;
  const started = operation.startedAt ?? operation.createdAt;
  const durationSeconds = operation.finishedAt ? Math.max(0, (Date.parse(operation.finishedAt) - Date.parse(started)) / 1000) : null;
  const facts = [
    { name: 'Operation', value: operation.id },
    { name: 'Started by', value: operation.createdBy },
    { name: 'Started', value: started },
    { name: 'Finished', value: operation.finishedAt ?? '' }
  ];
  if (durationSeconds !== null) facts.push({ name: 'Duration', value: formatDuration(durationSeconds) });
  return {
    title: `${what} ${OUTCOME[operation.status]}`,
    operation,
    identity,
    message: operation.message,
    facts,
    logUrl: publicUrl ? `${publicUrl.replace(/\/$/, '')}/logs/${encodeURIComponent(operation.id)}` : null,
    durationSeconds
  };
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
