/**
 * Liveness and readiness for load balancers and container orchestrators. Liveness is the process answering at all;
 * readiness is what serving needs: the database answers, and the job workers take operations. The answers name the
 * checks and whether each passed, nothing more (no database address, version or error text).
 */
import { databaseAnswers, type Db } from '../db/database.js';
import type { OperationsService } from '../operations/operations.service.js';

export type CheckState = 'ok' | 'failing';

export interface Readiness {
  ready: boolean;
  checks: { database: CheckState; workers: CheckState };
}

export class HealthService {
  constructor(private readonly deps: { db: Db; operations: Pick<OperationsService, 'workerRunning'>; timeoutMs?: number }) {}

  async readiness(): Promise<Readiness> {
    const database: CheckState = (await databaseAnswers(this.deps.db, this.deps.timeoutMs ?? 2000)) ? 'ok' : 'failing';
    const workers: CheckState = this.deps.operations.workerRunning ? 'ok' : 'failing';
    return { ready: database === 'ok' && workers === 'ok', checks: { database, workers } };
  }
}
