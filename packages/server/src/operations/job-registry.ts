/**
 * The job handlers of this process, one per kind. services.ts registers every feature's handler, then `verify()`
 * checks at start-up that the catalogue's kinds (job-kinds.types.ts) and the handlers match one to one.
 */
import { AppError } from '../errors/app-error.js';
import type { JobHandler, JobKind } from './job.types.js';

export class JobRegistry {
  private readonly handlers = new Map<JobKind, JobHandler>();

  register<K extends JobKind>(handler: JobHandler<K>): void {
    if (this.handlers.has(handler.kind)) throw new Error(`A job handler for "${handler.kind}" is already registered; each kind has exactly one.`);
    this.handlers.set(handler.kind, handler);
  }

  get<K extends JobKind>(kind: K): JobHandler<K> | undefined {
    // register() files each handler under its own kind, so the entry of K is a JobHandler<K>.
    return this.handlers.get(kind) as JobHandler<K> | undefined;
  }

  /** The handler of a kind, or 400 `bad_request` when this OrgKeeper has none. */
  require<K extends JobKind>(kind: K): JobHandler<K> {
    const handler = this.get(kind);
    if (!handler) throw new AppError('bad_request', `This OrgKeeper cannot run "${kind}" operations.`);
    return handler;
  }

  /** The kinds with a handler. */
  kinds(): JobKind[] {
    return [...this.handlers.keys()];
  }

  /** Throws, naming them, when a kind has no handler or a handler runs a kind the catalogue does not list. */
  verify(kinds: readonly JobKind[]): void {
    const missing = kinds.filter((kind) => !this.handlers.has(kind));
    const unknown = this.kinds().filter((kind) => !kinds.includes(kind));
    const problems = [
      ...(missing.length > 0 ? [`no handler is registered for ${missing.map((k) => `"${k}"`).join(', ')}`] : []),
      ...(unknown.length > 0 ? [`${unknown.map((k) => `"${k}"`).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not in the job catalogue`] : [])
    ];
    if (problems.length > 0) {
      throw new Error(`The job handlers do not match the job kinds: ${problems.join('; ')}. Each kind in job-kinds.types.ts needs exactly one handler, registered in services.ts.`);
    }
  }
}
