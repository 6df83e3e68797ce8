/**
 * `orgkeeper notifications show|set|test`: the email settings from the command line (the same settings the web app
 * shows). The SMTP password is read from standard input only, and stored encrypted.
 */
import type { EmailSettingsInput, EmailSettingsView, TlsMode } from '../notifications/notification.types.js';
import { CLI_ACTOR, EXIT_OK, parseCommandArgs, readPasswordFromStdin, UsageError, type CliIo, isUsageRequest, writeUsage } from './cli-io.js';
import { databaseFlags, findIdentity, withServices } from './command-services.js';
import { webhookCommand } from './webhook.command.js';

export const NOTIFICATIONS_USAGE = `Usage: orgkeeper notifications <show|set|test|webhook> [options]

Email messages (and webhooks: \`orgkeeper notifications webhook --help\`) when operations (backups, restores, scans,
...) end.

  notifications show [--json]
  notifications set [--smtp-host HOST] [--smtp-port N] [--tls none|starttls|tls] [--smtp-user USER]
                    [--password-stdin | --no-password] [--from ADDRESS] [--to ADDRESS,ADDRESS]
                    [--on failure,partial,success] [--identities NAME,NAME | --all-identities]
                    [--enable | --disable] [--json]
  notifications test [--to ADDRESS,ADDRESS]     send a test message with the saved settings
  notifications webhook list|add|remove|test    webhooks (JSON signed, Slack, Teams)

  --on LIST           which outcomes send a message: failure (also interrupted), partial, success
  --identities LIST   only operations of these identities (names or ids); --all-identities: every identity
  --password-stdin    read the SMTP password from standard input (stored encrypted; never shown again)
  --data-dir DIR      folder holding the database and key (default ./data)        [ORGKEEPER_DATA_DIR]
  --database-url URL  PostgreSQL database (postgres://...) instead of SQLite      [ORGKEEPER_DATABASE_URL]
`;

const OPTIONS = {
  'smtp-host': { type: 'string' },
  'smtp-port': { type: 'string' },
  tls: { type: 'string' },
  'smtp-user': { type: 'string' },
  'password-stdin': { type: 'boolean' },
  'no-password': { type: 'boolean' },
  from: { type: 'string' },
  to: { type: 'string' },
  on: { type: 'string' },
  identities: { type: 'string' },
  'all-identities': { type: 'boolean' },
  enable: { type: 'boolean' },
  disable: { type: 'boolean' },
  json: { type: 'boolean' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  help: { type: 'boolean', short: 'h' }
} as const;

export async function notificationsCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (isUsageRequest(sub)) return writeUsage(io, NOTIFICATIONS_USAGE, sub);
  if (sub === 'webhook' || sub === 'webhooks') return webhookCommand(rest, io);
  const parsed = parseCommandArgs('notifications', { args: rest, strict: true, allowPositionals: false, options: OPTIONS });
  const values = parsed.values;
  if (values.help) {
    io.stdout.write(NOTIFICATIONS_USAGE);
    return EXIT_OK;
  }
  const json = values.json === true;
  const print = (s: EmailSettingsView) => io.stdout.write(json ? `${JSON.stringify(s, null, 2)}\n` : describe(s));
  const to = values.to?.split(',').map((s) => s.trim()).filter(Boolean);

  switch (sub) {
    case 'show':
      return withServices(io, databaseFlags(values), async (services) => {
        print(await services.notifications.getEmail());
        return EXIT_OK;
      });
    case 'set': {
      const input: EmailSettingsInput = {};
      if (values['smtp-host'] !== undefined) input.host = values['smtp-host'];
      if (values['smtp-port'] !== undefined) {
        const port = Number(values['smtp-port']);
        if (!Number.isInteger(port)) throw new UsageError(`--smtp-port needs a port number, not "${values['smtp-port']}".`, 'notifications');
        input.port = port;
      }
      if (values.tls !== undefined) {
        if (!['none', 'starttls', 'tls'].includes(values.tls)) throw new UsageError('--tls is none, starttls or tls.', 'notifications');
        input.tlsMode = values.tls as TlsMode;
      }
      if (values['smtp-user'] !== undefined) input.user = values['smtp-user'];
      if (values['password-stdin'] && values['no-password']) throw new UsageError('Give either --password-stdin or --no-password.', 'notifications');
      if (values['no-password']) input.password = null;
      if (values.from !== undefined) input.from = values.from;
      if (to !== undefined) input.recipients = to;
      if (values.on !== undefined) {
        const on = values.on.split(',').map((s) => s.trim()).filter(Boolean);
        const bad = on.find((o) => !['failure', 'partial', 'success', 'none'].includes(o));
        if (bad) throw new UsageError(`--on takes failure, partial, success (or none), not "${bad}".`, 'notifications');
        input.notifyOnFailure = on.includes('failure');
        input.notifyOnPartial = on.includes('partial');
        input.notifyOnSuccess = on.includes('success');
      }
      if (values.enable && values.disable) throw new UsageError('Give either --enable or --disable.', 'notifications');
      if (values.enable) input.enabled = true;
      if (values.disable) input.enabled = false;
      if (values['password-stdin']) input.password = await readPasswordFromStdin(io, { prompt: 'SMTP password: ', command: 'notifications' });
      if (values.identities !== undefined && values['all-identities']) throw new UsageError('Give either --identities or --all-identities.', 'notifications');
      if (values['all-identities']) input.identityIds = null;
      return withServices(io, databaseFlags(values), async (services) => {
        if (values.identities !== undefined) {
          const names = values.identities.split(',').map((s) => s.trim()).filter(Boolean);
          if (names.length === 0) throw new UsageError('--identities names at least one identity.', 'notifications');
          input.identityIds = await Promise.all(names.map(async (name) => (await findIdentity(services, name, 'notifications')).id));
        }
        print(await services.notifications.setEmail(input, CLI_ACTOR));
        return EXIT_OK;
      });
    }
    case 'test':
      return withServices(io, databaseFlags(values), async (services) => {
        const result = await services.notifications.sendTest(CLI_ACTOR, to);
        io.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : `Sent a test message to ${result.accepted.join(', ')}.\n`);
        return EXIT_OK;
      });
    default:
      throw new UsageError(`Unknown notifications command "${sub}".`, 'notifications');
  }
}

function describe(s: EmailSettingsView): string {
  if (!s.configured) return 'Email notifications are not set up. Set them with `orgkeeper notifications set --smtp-host ... --from ... --to ...`.\n';
  const scope = s.identityIds === null ? 'every identity' : `${s.identityIds.length} ${s.identityIds.length === 1 ? 'identity' : 'identities'}`;
  const on = [s.notifyOnFailure && 'failure', s.notifyOnPartial && 'partial', s.notifyOnSuccess && 'success'].filter(Boolean).join(', ') || 'nothing';
  return (
    `Email notifications: ${s.enabled ? 'enabled' : 'disabled'}\n` +
    `  SMTP server  ${s.host}:${s.port} (${s.tlsMode})${s.user ? `, user ${s.user}${s.passwordSet ? ' (password stored)' : ''}` : ''}\n` +
    `  from         ${s.from}\n` +
    `  to           ${s.recipients.join(', ')}\n` +
    `  on           ${on}; ${scope}\n`
  );
}
