/**
 * `orgkeeper schedules list|add|enable|disable|remove|run`: schedules from the command line. The running server fires
 * them; `run` starts one now (here, with progress, or queued for the server with --queue).
 */
import type { ScheduleInput, ScheduleTiming, ScheduleView } from '../schedules/schedule.types.js';
import { KEEP_FLAG_OPTIONS, policyFromFlags } from '../store/index.js';
import { CLI_ACTOR, EXIT_OK, keyValues, UsageError, type CliIo } from './cli-io.js';
import { findIdentity, onlyOperand, startSubcommand, type SubcommandCall, type SubcommandValues } from './command-services.js';
import { runOrQueue } from './operations.command.js';

export const SCHEDULES_USAGE = `Usage: orgkeeper schedules <list|add|enable|disable|remove|run> [options]

Backups and scans the OrgKeeper server starts at set times. A run missed while the server was stopped starts once when
it is back. Only identities whose credentials are stored can be scheduled.

  schedules list [--identity NAME] [--json]
  schedules add --identity NAME --name NAME WHEN [--time-zone TZ] WHAT [--disabled] [--json]
      WHEN:  --daily HH:MM | --weekly DAY@HH:MM (DAY: mon..sun) | --monthly DAY@HH:MM (DAY: 1-31 or last)
             | --cron "MIN HOUR DOM MON DOW"
      TZ:    an IANA time zone such as Europe/Zurich (default: this computer's, ${Intl.DateTimeFormat().resolvedOptions().timeZone})
      WHAT:  --backup [--items ID,ID | --query Q [--no-dependencies]] [--backup-name NAME]
                      [--keep-last N] [--keep-daily N] [--keep-weekly N] [--keep-monthly N] [--keep-yearly N]
             | --scan TYPE [--option key=value ...]
  schedules enable ID | disable ID | remove ID
  schedules run ID [--queue]      start it now (here with progress, or --queue: by the running server)

  --json                machine-readable output
  --data-dir DIR        folder holding the database and key (default ./data)        [ORGKEEPER_DATA_DIR]
  --database-url URL    PostgreSQL database (postgres://...) instead of SQLite      [ORGKEEPER_DATABASE_URL]
`;

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const OPTIONS = {
  identity: { type: 'string' },
  name: { type: 'string' },
  daily: { type: 'string' },
  weekly: { type: 'string' },
  monthly: { type: 'string' },
  cron: { type: 'string' },
  'time-zone': { type: 'string' },
  backup: { type: 'boolean' },
  items: { type: 'string' },
  query: { type: 'string' },
  'no-dependencies': { type: 'boolean' },
  'backup-name': { type: 'string' },
  ...KEEP_FLAG_OPTIONS,
  scan: { type: 'string' },
  option: { type: 'string', multiple: true },
  disabled: { type: 'boolean' },
  queue: { type: 'boolean' },
  json: { type: 'boolean' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  help: { type: 'boolean', short: 'h' }
} as const;

type Values = SubcommandValues<typeof OPTIONS>;
type Call = SubcommandCall<Values>;

export async function schedulesCommand(args: string[], io: CliIo): Promise<number> {
  const call = startSubcommand('schedules', SCHEDULES_USAGE, args, io, OPTIONS);
  if (typeof call === 'number') return call;
  const { sub } = call;
  switch (sub) {
    case 'list':
      return listSchedules(call);
    case 'add':
      return addSchedule(call);
    case 'enable':
    case 'disable': {
      const id = onlyOperand(call, 'schedule id');
      return call.run(async (services) => {
        print(call, await services.schedules.update(id, { enabled: sub === 'enable' }, CLI_ACTOR));
        return EXIT_OK;
      });
    }
    case 'remove': {
      const id = onlyOperand(call, 'schedule id');
      return call.run(async (services) => {
        await services.schedules.delete(id, CLI_ACTOR);
        io.stdout.write(call.json ? `${JSON.stringify({ removed: id })}\n` : `Removed schedule ${id}.\n`);
        return EXIT_OK;
      });
    }
    case 'run': {
      const id = onlyOperand(call, 'schedule id');
      return call.run(async (services) => {
        const operation = await services.schedules.runNow(id, CLI_ACTOR);
        return runOrQueue(services, operation, io, call.json, call.values.queue === true);
      });
    }
    default:
      throw new UsageError(`Unknown schedules command "${sub}".`, 'schedules');
  }
}

function print(call: Call, s: ScheduleView): void {
  call.io.stdout.write(call.json ? `${JSON.stringify(s, null, 2)}\n` : describe(s));
}

async function listSchedules({ values, io, json, run }: Call): Promise<number> {
  return run(async (services) => {
    const identity = values.identity ? await findIdentity(services, values.identity, 'schedules') : undefined;
    const list = await services.schedules.list(identity?.id);
    if (json) io.stdout.write(`${JSON.stringify({ schedules: list }, null, 2)}\n`);
    else if (list.length === 0) io.stdout.write('No schedules. Add one with `orgkeeper schedules add`.\n');
    else for (const s of list) io.stdout.write(describe(s));
    return EXIT_OK;
  });
}

async function addSchedule(call: Call): Promise<number> {
  const { values } = call;
  const identityName = values.identity;
  if (!identityName) throw new UsageError('--identity is required.', 'schedules');
  if (!values.name) throw new UsageError('--name is required (e.g. --name "Nightly backup").', 'schedules');
  const input: ScheduleInput = {
    name: values.name,
    enabled: values.disabled !== true,
    timing: timingOf(values),
    timeZone: values['time-zone'] ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    action: actionOf(values)
  };
  return call.run(async (services) => {
    const identity = await findIdentity(services, identityName, 'schedules');
    const created = await services.schedules.create(identity.id, input, CLI_ACTOR);
    print(call, created);
    return EXIT_OK;
  });
}

function timingOf(values: Values): ScheduleTiming {
  const given = (['daily', 'weekly', 'monthly', 'cron'] as const).filter((k) => values[k] !== undefined);
  if (given.length !== 1) throw new UsageError('Give exactly one of --daily HH:MM, --weekly DAY@HH:MM, --monthly DAY@HH:MM or --cron EXPR.', 'schedules');
  if (values.daily !== undefined) return { preset: 'daily', time: values.daily };
  if (values.cron !== undefined) return { preset: 'cron', cron: values.cron };
  const raw = (values.weekly ?? values.monthly) as string;
  const [day, time] = raw.split('@');
  if (!day || !time) throw new UsageError(`Write the day and time as DAY@HH:MM, e.g. ${values.weekly !== undefined ? 'mon@02:00' : '1@02:00 or last@02:00'}.`, 'schedules');
  if (values.weekly !== undefined) {
    const weekday = /^\d$/.test(day) ? Number(day) : DAYS.indexOf(day.slice(0, 3).toLowerCase());
    if (weekday < 0 || weekday > 6) throw new UsageError(`"${day}" is not a weekday (mon, tue, ... sun).`, 'schedules');
    return { preset: 'weekly', time, weekday };
  }
  return { preset: 'monthly', time, dayOfMonth: day === 'last' ? 'last' : Number(day) };
}

function actionOf(values: Values): ScheduleInput['action'] {
  if ((values.backup === true) === (values.scan !== undefined)) throw new UsageError('Give either --backup or --scan TYPE.', 'schedules');
  if (values.scan !== undefined) {
    const options = keyValues(values.option ?? [], '--option', 'schedules');
    return { kind: 'scan', type: values.scan, ...(Object.keys(options).length > 0 ? { options } : {}) };
  }
  if (values.items !== undefined && values.query !== undefined) throw new UsageError('Give either --items or --query, not both.', 'schedules');
  if (values['no-dependencies'] && values.items === undefined && values.query === undefined) {
    throw new UsageError('--no-dependencies applies to --items or --query; a backup of everything holds every item.', 'schedules');
  }
  const flags = policyFromFlags(values);
  if ('problem' in flags) throw new UsageError(flags.problem, 'schedules');
  const retention = flags.policy;
  return {
    kind: 'backup',
    target: values.items !== undefined ? 'selection' : values.query !== undefined ? 'query' : 'everything',
    ...(values.items !== undefined ? { items: values.items.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
    ...(values.query !== undefined ? { query: values.query } : {}),
    ...(values['no-dependencies'] ? { withDependencies: false } : {}),
    ...(values['backup-name'] !== undefined ? { backupName: values['backup-name'] } : {}),
    ...(Object.keys(retention).length > 0 ? { retention } : {})
  };
}

function describe(s: ScheduleView): string {
  const what =
    s.action.kind === 'backup'
      ? `backup ${s.action.target === 'selection' ? `${s.action.items?.length ?? 0} items` : s.action.target === 'query' ? `query ${s.action.query ?? ''}` : 'everything'}${s.action.withDependencies === false ? ', without what they need' : ''}${s.action.retention ? `, keep ${JSON.stringify(s.action.retention)}` : ''}`
      : `scan ${s.action.type}`;
  return (
    `${s.id}  "${s.name}"  ${s.enabled ? 'enabled' : 'disabled'}  cron "${s.cron}" (${s.timeZone})  ${what}\n` +
    `    next run ${s.nextRunAt ?? '-'}, last run ${s.lastRunAt ?? '-'}${s.lastError ? `\n    ${s.lastError}` : ''}\n`
  );
}
