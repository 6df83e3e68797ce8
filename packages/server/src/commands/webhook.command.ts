/**
 * `orgkeeper notifications webhook add|list|remove|test`: the webhooks of the Notifications page from the command line.
 * A Slack or Teams URL is a credential, so it can come from standard input (`--url-stdin`) rather than the command
 * line, where other users of the machine could read it; a JSON webhook's signing secret is made by OrgKeeper and
 * printed once (or given with `--secret-stdin`).
 */
import type { Services } from '../services.js';
import type { WebhookDeliveryView, WebhookInput, WebhookKind, WebhookView } from '../notifications/webhook.types.js';
import { WEBHOOK_KINDS } from '../notifications/webhook.types.js';
import { CLI_ACTOR, EXIT_FAILURE, EXIT_OK, UsageError, oneLine, parseCommandArgs, readPasswordFromStdin, type CliIo, isUsageRequest, writeUsage } from './cli-io.js';
import { databaseFlags, findIdentity, withServices } from './command-services.js';

export const WEBHOOK_USAGE = `Usage: orgkeeper notifications webhook <list|add|remove|test> [options]

Webhooks: a signed JSON message, a Slack channel or a Microsoft Teams channel, told when operations end.

  notifications webhook list [--json]                     webhooks with their last delivery
  notifications webhook add --name NAME --kind json|slack|teams (--url URL | --url-stdin)
                            [--secret-stdin] [--on failure,partial,success] [--identities NAME,NAME]
                            [--disabled] [--json]
  notifications webhook remove NAME
  notifications webhook test NAME [--json]                send a test message now and say how it went

  --url-stdin         read the URL from standard input (a Slack or Teams URL is itself the credential)
  --secret-stdin      a JSON webhook's signing secret (16+ characters); without it OrgKeeper makes one and prints it once
  --on LIST           which outcomes are sent: failure (also interrupted), partial, success (default failure,partial)
  --identities LIST   only operations of these identities (names or ids); default every identity
  --data-dir DIR      folder holding the database and key (default ./data)        [ORGKEEPER_DATA_DIR]
  --database-url URL  PostgreSQL database (postgres://...) instead of SQLite      [ORGKEEPER_DATABASE_URL]
`;

const OPTIONS = {
  name: { type: 'string' },
  kind: { type: 'string' },
  url: { type: 'string' },
  'url-stdin': { type: 'boolean' },
  'secret-stdin': { type: 'boolean' },
  on: { type: 'string' },
  identities: { type: 'string' },
  disabled: { type: 'boolean' },
  json: { type: 'boolean' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  help: { type: 'boolean', short: 'h' }
} as const;

const COMMAND = 'notifications webhook';

export async function webhookCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (isUsageRequest(sub)) return writeUsage(io, WEBHOOK_USAGE, sub);
  const { values, positionals } = parseCommandArgs(COMMAND, { args: rest, strict: true, allowPositionals: true, options: OPTIONS });
  if (values.help) {
    io.stdout.write(WEBHOOK_USAGE);
    return EXIT_OK;
  }
  const json = values.json === true;
  const named = (): string => {
    const name = positionals.join(' ').trim() || values.name;
    if (!name) throw new UsageError(`Name the webhook: orgkeeper ${COMMAND} ${sub} NAME.`, COMMAND);
    return name;
  };

  switch (sub) {
    case 'list':
      return withServices(io, databaseFlags(values), async (services) => {
        const hooks = await services.webhooks.list();
        io.stdout.write(json ? `${JSON.stringify(hooks, null, 2)}\n` : describeList(hooks));
        return EXIT_OK;
      });
    case 'add': {
      if (positionals.length > 0) throw new UsageError(`Unexpected "${positionals.join(' ')}"; give the name with --name.`, COMMAND);
      if (!values.name) throw new UsageError('Give the webhook a name: --name NAME.', COMMAND);
      if (!values.kind || !WEBHOOK_KINDS.includes(values.kind as WebhookKind)) throw new UsageError(`--kind is one of ${WEBHOOK_KINDS.join(', ')}.`, COMMAND);
      if ((values.url === undefined) === (values['url-stdin'] !== true)) throw new UsageError('Give the URL with --url or --url-stdin (one of them).', COMMAND);
      if (values['url-stdin'] && values['secret-stdin']) throw new UsageError('Standard input holds one value: give the URL with --url when the secret comes from --secret-stdin.', COMMAND);
      const input: WebhookInput = { name: values.name, kind: values.kind as WebhookKind, enabled: values.disabled !== true };
      if (values.on !== undefined) Object.assign(input, outcomes(values.on));
      input.url = values.url ?? (await readPasswordFromStdin(io, { prompt: 'Webhook URL: ', command: COMMAND }));
      if (values['secret-stdin']) input.secret = await readPasswordFromStdin(io, { prompt: 'Signing secret: ', command: COMMAND });
      return withServices(io, databaseFlags(values), async (services) => {
        if (values.identities !== undefined) input.identityIds = await identityIds(services, values.identities);
        const saved = await services.webhooks.create(input, CLI_ACTOR);
        if (json) io.stdout.write(`${JSON.stringify(saved, null, 2)}\n`);
        else {
          io.stdout.write(`Added webhook "${saved.webhook.name}" (${saved.webhook.kind}, ${saved.webhook.urlDisplay}).\n`);
          if (saved.secret) io.stdout.write(`Signing secret (shown only now; give it to the receiver): ${saved.secret}\n`);
        }
        return EXIT_OK;
      });
    }
    case 'remove':
      return withServices(io, databaseFlags(values), async (services) => {
        const hook = await services.webhooks.findByIdOrName(named());
        await services.webhooks.remove(hook.id, CLI_ACTOR);
        io.stdout.write(`Removed webhook "${hook.name}".\n`);
        return EXIT_OK;
      });
    case 'test':
      return withServices(io, databaseFlags(values), async (services) => {
        const hook = await services.webhooks.findByIdOrName(named());
        const delivery = await services.webhooks.test(hook.id, CLI_ACTOR);
        if (json) io.stdout.write(`${JSON.stringify(delivery, null, 2)}\n`);
        else if (delivery.status === 'delivered') io.stdout.write(`Delivered the test message to "${hook.name}" (HTTP ${delivery.responseStatus}).\n`);
        else io.stderr.write(`The test message to "${hook.name}" was not delivered: ${delivery.error ?? delivery.status}\n`);
        return delivery.status === 'delivered' ? EXIT_OK : EXIT_FAILURE;
      });
    default:
      throw new UsageError(`Unknown webhook command "${sub}".`, COMMAND);
  }
}

/** `--on failure,partial,success` (or `none`) as the three triggers. */
export function outcomes(list: string): Pick<WebhookInput, 'notifyOnFailure' | 'notifyOnPartial' | 'notifyOnSuccess'> {
  const on = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = on.find((o) => !['failure', 'partial', 'success', 'none'].includes(o));
  if (bad) throw new UsageError(`--on takes failure, partial, success (or none), not "${bad}".`, COMMAND);
  return { notifyOnFailure: on.includes('failure'), notifyOnPartial: on.includes('partial'), notifyOnSuccess: on.includes('success') };
}

async function identityIds(services: Services, list: string): Promise<string[]> {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new UsageError('--identities names at least one identity.', COMMAND);
  return Promise.all(names.map(async (name) => (await findIdentity(services, name, COMMAND)).id));
}

function describeList(hooks: WebhookView[]): string {
  if (hooks.length === 0) return `No webhooks. Add one with \`orgkeeper ${COMMAND} add --name NAME --kind slack --url-stdin\`.\n`;
  return hooks
    .map((h) => {
      const on = [h.notifyOnFailure && 'failure', h.notifyOnPartial && 'partial', h.notifyOnSuccess && 'success'].filter(Boolean).join(', ') || 'nothing';
      const scope = h.identityIds === null ? 'every identity' : `${h.identityIds.length} identit${h.identityIds.length === 1 ? 'y' : 'ies'}`;
      return (
        `${h.name}  (${h.kind}, ${h.enabled ? 'enabled' : 'disabled'})\n` +
        `  URL        ${h.urlDisplay}${h.kind === 'json' ? (h.secretSet ? ', signed' : ', not signed') : ''}\n` +
        `  on         ${on}; ${scope}\n` +
        `  last       ${h.lastDelivery ? describeDelivery(h.lastDelivery) : 'no delivery yet'}\n`
      );
    })
    .join('');
}

function describeDelivery(d: WebhookDeliveryView): string {
  const http = d.responseStatus !== null ? `, HTTP ${d.responseStatus}` : '';
  const error = d.error ? `: ${oneLine(d.error)}` : '';
  return `${d.status} (${d.createdAt}, ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}${http}) ${oneLine(d.summary)}${error}`;
}
