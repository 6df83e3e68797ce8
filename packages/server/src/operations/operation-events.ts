/** Live events of the operations this process runs or changes (SSE, the CLI's progress, watchers in this process). */
import { EventEmitter } from 'node:events';
import type { OperationItemView, OperationView } from './operation.types.js';

export type OperationEvent =
  | { type: 'status'; operation: OperationView }
  | { type: 'progress'; operationId: string; identityId: string | null; progress: Record<string, unknown> }
  | { type: 'items'; operationId: string; identityId: string | null; items: OperationItemView[] };

export class OperationEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: (event: OperationEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  emit(event: OperationEvent): void {
    this.emitter.emit('event', event);
  }
}

/** The operation an event is about. */
export function eventOperationId(event: OperationEvent): string {
  return event.type === 'status' ? event.operation.id : event.operationId;
}

/** The identity of the operation an event is about. */
export function eventIdentityId(event: OperationEvent): string | null {
  return event.type === 'status' ? event.operation.identityId : event.identityId;
}
