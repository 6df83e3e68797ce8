/**
 * `orgkeeper fix` and `orgkeeper undo`: fix a scan's findings in bulk (or preview the fix with --dry-run), and undo a
 * fix, in the foreground, as `fix` / `undo` operations like those started from the web app.
 */
import type { FixAction } from '../clean/clean.types.js';
import type { FixDetail } from '../clean/fixes/fix.service.js';
import { FIX_ACTIONS, type FixOptions, type FixPreview, type FixRequest } from '../clean/fixes/fix.types.js';
import { AppError } from '../errors/app-error.js';
import type { Services } from '../services.js';
import { EXIT_FAILURE, EXIT_OK, UsageError, cliUserActor, oneLine, parseCommandArgs, type CliIo } from './cli-io.js';
import { databaseFlags, withServices } from './command-services.js';

export const FIX_USAGE = `Usage: orgkeeper fix --scan ID (--findings ID,ID | --all) --action ACTION [--option NAME=VALUE ...] [--dry-run]

Fix findings of a scan in bulk. --dry-run shows exactly what would change (before and after, per finding) and changes
nothing. A changing fix first backs up what it changes into the identity's File Location; \`orgkeeper undo --fix ID\`
puts it back.

  --scan ID             the scan whose findings are fixed (\`orgkeeper scan\` prints its id)
  --findings ID,ID      the findings to fix (ids from \`orgkeeper scan --json\`)
  --all                 every finding of the scan
  --action ACTION       ${FIX_ACTIONS.join(', ')}
  --option NAME=VALUE   an option of the action (repeat for several):
                          delete-items: override-protection=true (unprotect protected items, then delete them)
                                        permanent-delete=true (delete for good, skipping ArcGIS Online's
                                        recycle bin: Undo then recreates the items with new ids)
                          reassign: target-username=USER [target-folder=FOLDER]
                          move: folder=FOLDER (a folder title of the item's owner, / for the root folder)
                          unshare: from=everyone|org|groups [groups=ID,ID] (default everyone; groups: all when none given)
                          add-tags: tags=TAG,TAG
                          transfer-and-delete-user: target-username=USER [target-folder=FOLDER]
                          notify-owners: [message=TEXT]
  --dry-run             show the preview only
  --no-backup           go ahead although no backup can be taken first (the identity has no usable File Location)
  --preview-hash HASH   fix only if the plan is still the one a --dry-run showed (its hash); otherwise change nothing
  --json                print JSON instead of text
  --data-dir DIR        folder holding the database and key (default ./data)        [ORGKEEPER_DATA_DIR]
  --database-url URL    PostgreSQL database (postgres://...) instead of SQLite      [ORGKEEPER_DATABASE_URL]
  -h, --help            show this help

Exit codes: 0 every finding fixed or skipped with a reason (or the preview was shown), 1 some findings failed or the fix
stopped, 2 wrong usage.
`;

export const UNDO_USAGE = `Usage: orgkeeper undo --fix ID [--json]

Undo a fix: put back what it changed, from the values recorded before the fix (sharing, protection, tags, content
status, owners and folders, disabled users). Deleted items come back from the backup taken before the fix when the
restore engine is available.

  --fix ID              the fix (its id is printed when it is applied)
  --json                print JSON instead of text
  --data-dir DIR        folder holding the database and key (default ./data)        [ORGKEEPER_DATA_DIR]
  --database-url URL    PostgreSQL database (postgres://...) instead of SQLite      [ORGKEEPER_DATABASE_URL]

Exit codes: 0 everything put back, 1 some findings could not be put back (each is listed with the reason), 2 wrong usage.
`;

const BOOLEAN_OPTIONS = new Set(['overrideProtection', 'permanentDelete']);
const LIST_OPTIONS = new Set(['groups', 'tags']);

export async function fixCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs('fix', {
    args,
    strict: true,
    allowPositionals: false,
    options: {
      scan: { type: 'string' },
      findings: { type: 'string' },
      all: { type: 'boolean' },
      action: { type: 'string' },
      option: { type: 'string', multiple: true },
      'dry-run': { type: 'boolean' },
      'no-backup': { type: 'boolean' },
      'preview-hash': { type: 'string' },
      json: { type: 'boolean' },
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    }
  });
  if (values.help) {
    io.stdout.write(FIX_USAGE);
    return EXIT_OK;
  }
  if (!values.scan) throw new UsageError('--scan is required (the id of a scan; `orgkeeper scan` prints it).', 'fix');
  if (!values.findings === !values.all) throw new UsageError('Give either --findings ID,ID or --all.', 'fix');
  if (!values.action) throw new UsageError(`--action is required: one of ${FIX_ACTIONS.join(', ')}.`, 'fix');
  if (!FIX_ACTIONS.includes(values.action as FixAction)) throw new UsageError(`Unknown action "${values.action}"; use one of ${FIX_ACTIONS.join(', ')}.`, 'fix');
  const findings = values.all ? 'all' : splitList(values.findings ?? '');
  if (findings !== 'all' && findings.length === 0) throw new UsageError('--findings needs at least one finding id.', 'fix');
  const request: FixRequest = {
    scanId: values.scan,
    findings,
    action: values.action as FixAction,
    options: parseOptions(values.option ?? []),
    ...(values['no-backup'] ? { confirmNoBackup: true } : {}),
    ...(values['preview-hash'] ? { previewHash: values['preview-hash'] } : {})
  };

  return withServices(io, databaseFlags(values), async (services) => {
    const identityId = await usage(() => services.fixes.identityOfScan(request.scanId));
    if (values['dry-run']) {
      const preview = await usage(() => services.fixes.preview(identityId, request));
      io.stdout.write(values.json ? `${JSON.stringify(preview, null, 2)}\n` : previewText(preview));
      return EXIT_OK;
    }
    const actor = cliUserActor();
    const started = await usage(() => services.fixes.apply(identityId, request, actor));
    const finished = await services.operations.runHere(started.operationId);
    const detail = await services.fixes.get(identityId, started.fixId);
    io.stdout.write(values.json ? `${JSON.stringify(detail, null, 2)}\n` : resultText(detail, finished.message));
    return finished.status === 'succeeded' ? EXIT_OK : EXIT_FAILURE;
  });
}

export async function undoCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs('undo', {
    args,
    strict: true,
    allowPositionals: false,
    options: { fix: { type: 'string' }, json: { type: 'boolean' }, 'data-dir': { type: 'string' }, 'database-url': { type: 'string' }, help: { type: 'boolean', short: 'h' } }
  });
  if (values.help) {
    io.stdout.write(UNDO_USAGE);
    return EXIT_OK;
  }
  if (!values.fix) throw new UsageError('--fix is required (the id printed when the fix was applied).', 'undo');
  const fixId = values.fix;
  return withServices(io, databaseFlags(values), async (services: Services) => {
    const identityId = await usage(() => services.fixes.identityOfFix(fixId), 'undo');
    const actor = cliUserActor();
    const started = await usage(() => services.fixes.undo(identityId, fixId, actor), 'undo');
    const finished = await services.operations.runHere(started.operationId);
    const detail = await services.fixes.get(identityId, fixId);
    if (values.json) io.stdout.write(`${JSON.stringify(detail, null, 2)}\n`);
    else {
      const lines = [`Undo of fix ${fixId} (${detail.fix.action}): ${finished.message ?? finished.status}`];
      for (const r of detail.results) {
        if (!r.undo) continue;
        lines.push(`  ${r.undo.status.toUpperCase().padEnd(7)} ${r.target.kind} ${r.target.id} ${oneLine(r.target.title)}${r.undo.error ? `: ${oneLine(r.undo.error)}` : ''}`);
      }
      io.stdout.write(`${lines.join('\n')}\n`);
    }
    return finished.status === 'succeeded' ? EXIT_OK : EXIT_FAILURE;
  });
}

/** `--option k=v`: kebab-case or camelCase names; lists comma-separated; booleans true/false. */
function parseOptions(pairs: string[]): FixOptions {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--option needs NAME=VALUE, e.g. --option target-username=jdoe (got "${pair}").`, 'fix');
    const name = pair.slice(0, at).trim().replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    const value = pair.slice(at + 1);
    if (BOOLEAN_OPTIONS.has(name)) {
      if (value !== 'true' && value !== 'false') throw new UsageError(`--option ${pair.slice(0, at)} takes true or false.`, 'fix');
      out[name] = value === 'true';
    } else if (LIST_OPTIONS.has(name)) out[name] = splitList(value);
    else out[name] = value;
  }
  return out as FixOptions;
}

/** Validation errors of the request are usage errors (exit 2) with the per-field messages. */
async function usage<T>(work: () => Promise<T>, command = 'fix'): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError && (error.code === 'validation_failed' || error.code === 'not_found')) {
      const detail = Object.entries(error.fields ?? {})
        .map(([field, message]) => `${field.replace(/^options\./, 'option ')}: ${message}`)
        .join(' ');
      throw new UsageError(detail ? `${error.message === detail ? '' : `${error.message} `}${detail}`.trim() : error.message, command);
    }
    throw error;
  }
}

function previewText(preview: FixPreview): string {
  const lines = [
    `Preview ${preview.hash} of ${preview.action} on ${preview.findings.length} finding${preview.findings.length === 1 ? '' : 's'} of scan ${preview.scanId}: ${preview.counts.change} will change, ${preview.counts.skip} skipped.`,
    preview.backup.needed
      ? preview.backup.possible
        ? `A backup of ${preview.backup.itemIds.length} item${preview.backup.itemIds.length === 1 ? '' : 's'}${preview.backup.principals ? ' and the users and groups' : ''} is taken first (Undo restores it).`
        : `No backup can be taken first: ${preview.backup.reason} Apply with --no-backup to go ahead anyway.`
      : (preview.backup.reason ?? ''),
    ''
  ];
  for (const p of preview.findings) {
    lines.push(`${p.status === 'change' ? 'CHANGE' : 'SKIP  '} ${p.target.kind} ${p.target.id} ${oneLine(p.target.title)} (finding ${p.findingId})`);
    for (const c of p.changes) lines.push(`         ${oneLine(c.summary)}`);
    if (p.reason) lines.push(`         ${oneLine(p.reason)}`);
  }
  return `${lines.join('\n')}\n`;
}

function resultText(detail: FixDetail, message: string | null): string {
  const lines = [`Fix ${detail.fix.id} (${detail.fix.action}): ${message ?? detail.fix.message ?? detail.fix.status}`];
  for (const r of detail.results) {
    lines.push(`  ${r.status.toUpperCase().padEnd(7)} ${r.target.kind} ${r.target.id} ${oneLine(r.target.title)}${r.error ? `: ${oneLine(r.error)}` : ''}`);
    for (const c of r.applied) lines.push(`          ${oneLine(c.summary)}`);
  }
  if (detail.fix.snapshotId) lines.push('', `Undo with: orgkeeper undo --fix ${detail.fix.id}`);
  return `${lines.join('\n')}\n`;
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
