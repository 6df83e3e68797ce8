/** JSON schemas of the operations API's answers (operations.routes.ts), checked against the view types. */
import { anyObject, arrayOf, boolean, dateTime, described, integer, nullable, number, object, string, stringEnum, type SchemaAgrees } from '../http/schema-kit.js';
import { OPERATION_KINDS, OPERATION_STATUSES, type OperationItemPage, type OperationItemView, type OperationListView, type OperationStartedView, type OperationView } from './operation.types.js';
import type { WorkerListView } from './worker.types.js';

export const operationViewSchema = object({
  id: string,
  kind: stringEnum(OPERATION_KINDS),
  identityId: nullable(string),
  status: described('queued and running: under way; the others: ended.', stringEnum(OPERATION_STATUSES)),
  params: described('The parameters it was started with (per kind).', anyObject),
  progress: described('Per kind, e.g. a backup\'s phase and item counts; null before it starts.', nullable(anyObject)),
  message: nullable(string),
  result: described('Per kind, once it has ended.', nullable(anyObject)),
  snapshotId: nullable(string),
  createdBy: string,
  createdAt: dateTime,
  startedAt: nullable(dateTime),
  finishedAt: nullable(dateTime),
  cancelRequestedBy: nullable(string),
  attempt: integer,
  resumable: boolean,
  worker: described('The process that runs it (running) or ran it last; null when it never started.', nullable(object({ id: string, host: string, pid: integer })))
});

const workerOperationSchema = object({
  id: string,
  kind: stringEnum(OPERATION_KINDS),
  identityId: nullable(string),
  identityName: nullable(string),
  startedAt: nullable(dateTime),
  progress: nullable(anyObject)
});

export const workerListSchema = object({
  workers: arrayOf(
    object({
      id: string,
      host: string,
      pid: integer,
      version: string,
      kind: described('server: the web server; worker: `orgkeeper worker`; cli: a command running one operation.', stringEnum(['server', 'worker', 'cli'])),
      runsJobs: boolean,
      maxRunning: integer,
      startedAt: dateTime,
      lastSeenAt: dateTime,
      stoppedAt: nullable(dateTime),
      state: described('running: seen lately; stopped: it said so; lost: not seen for longer than the stale limit.', stringEnum(['running', 'stopped', 'lost'])),
      operations: arrayOf(workerOperationSchema)
    })
  ),
  self: described('The process that answered.', string),
  staleAfterSeconds: integer
});

export const operationListSchema = object({ operations: arrayOf(operationViewSchema), nextBefore: nullable(string) });

export const operationStartedSchema = described(
  'Started: follow the operation with GET /api/operations/{id}.',
  object({ operationId: string, operation: operationViewSchema })
);

export const operationItemSchema = object({
  itemId: string,
  title: string,
  type: string,
  owner: string,
  modified: nullable(string),
  status: stringEnum(['ok', 'skipped', 'failed']),
  parts: arrayOf(string),
  carriedOver: boolean,
  bytesRead: integer,
  newBytes: integer,
  error: nullable(string),
  durationMs: number,
  action: nullable(string),
  newId: nullable(string),
  details: nullable(anyObject),
  seq: integer
});

export const operationItemPageSchema = object({ total: integer, start: integer, num: integer, nextStart: integer, items: arrayOf(operationItemSchema) });

/** The `text/event-stream` answer of the live-event routes. */
export const eventStreamResponse = {
  description: 'Server-sent events: `status`, `progress` and `items` events with JSON data, then `end`.',
  content: { 'text/event-stream': { schema: { type: 'string' } } }
} as const;

export const csvResponse = (description: string) => ({ description, content: { 'text/csv': { schema: { type: 'string' } } } }) as const;

const agrees: [
  SchemaAgrees<typeof operationViewSchema, OperationView>,
  SchemaAgrees<typeof operationListSchema, OperationListView>,
  SchemaAgrees<typeof operationStartedSchema, OperationStartedView>,
  SchemaAgrees<typeof operationItemSchema, OperationItemView>,
  SchemaAgrees<typeof operationItemPageSchema, OperationItemPage>,
  SchemaAgrees<typeof workerListSchema, WorkerListView>
] = [true, true, true, true, true, true];
void agrees;
