import type { Clock } from '../lib/clock.js';
import type { LocalRuns } from './local-runs.js';
import type { OperationEvents } from './operation-events.js';
import type { OperationSignals } from './operation-signals.js';
import type { OperationViews } from './operation-views.js';
import type { OperationRepository } from './operation.repository.js';

/**
 * What the runner's modules share, wired once by OperationsService: the one repository, the runs of this process,
 * its live events, the signals between processes, the row-to-view mapper and the clock.
 */
export interface RunnerParts {
  repository: OperationRepository;
  signals: OperationSignals;
  localRuns: LocalRuns;
  events: OperationEvents;
  views: OperationViews;
  clock: Clock;
}
