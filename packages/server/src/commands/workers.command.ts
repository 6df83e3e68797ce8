import type { WorkerListView, WorkerView } from '../operations/worker.types.js';
import { EXIT_OK, parseCommandArgs, textTable, type CliIo } from './cli-io.js';
import { databaseFlags, withServices } from './command-services.js';

export const WORKERS_USAGE = `Usage: orgkeeper workers [--json] [options]

List the OrgKeeper processes that share the database: servers, workers and commands running an operation, with
their host, process id, version, state (running; lost: not seen within the stale limit, its operations are taken
over; stopped), when they were last seen and what they run. Processes stopped more than a day ago are left out.

Options:
  --json                 One JSON object ({workers, self, staleAfterSeconds})
  --data-dir DIR         Folder holding the database and key (default ./data)    [ORGKEEPER_DATA_DIR]
  --database-url URL     PostgreSQL database (postgres://...) instead of SQLite  [ORGKEEPER_DATABASE_URL]
  -h, --help             Show this help
`;

export async function workersCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs('workers', {
    args,
    strict: true,
    allowPositionals: false,
    options: {
      json: { type: 'boolean' },
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    }
  });
  if (values.help) {
    io.stdout.write(WORKERS_USAGE);
    return EXIT_OK;
  }
  return withServices(io, databaseFlags(values), async (services) => {
    const list = await services.operations.listWorkers();
    io.stdout.write(values.json ? `${JSON.stringify(list, null, 2)}\n` : workersTable(list));
    return EXIT_OK;
  });
}

/** The workers as a table, each one's operations on the lines below it. */
export function workersTable(list: WorkerListView): string {
  if (list.workers.length === 0) return 'No OrgKeeper process has run operations on this database in the last day.\n';
  const table = [
    ['HOST', 'PID', 'KIND', 'STATE', 'LAST SEEN (UTC)', 'VERSION', 'RUNNING'],
    ...list.workers.map((w) => [w.host, String(w.pid), kindText(w), w.state, utc(w.lastSeenAt), w.version, `${w.operations.length}${w.runsJobs ? ` of ${w.maxRunning}` : ''}`])
  ];
  const lines = textTable(table);
  let out = `${lines[0]}\n`;
  list.workers.forEach((worker, i) => {
    out += `${lines[i + 1]}\n`;
    for (const op of worker.operations) out += `    ${op.kind} ${op.id}${op.identityName ? ` of "${op.identityName}"` : ''}${op.startedAt ? `, since ${utc(op.startedAt)}` : ''}\n`;
  });
  return out;
}

function kindText(worker: WorkerView): string {
  if (worker.kind === 'server') return worker.runsJobs ? 'server' : 'server (no jobs)';
  return worker.kind === 'cli' ? 'command' : 'worker';
}

const utc = (iso: string) => iso.slice(0, 19).replace('T', ' ');
