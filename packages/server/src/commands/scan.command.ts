/**
 * `orgkeeper scan`: runs a clean scan of an identity's organization in the foreground (as a `scan` operation, so it
 * shows in the scan history and the operations list like one started from the web app) and prints its findings.
 */
import type { FindingView, ScanView } from '../clean/clean.service.js';
import { SCAN_TYPES } from '../clean/clean.types.js';
import { SCAN_TYPE_INFO, isScanType } from '../clean/scan-options.js';
import { AppError } from '../errors/app-error.js';
import { EXIT_FAILURE, EXIT_OK, UsageError, cliUserActor, oneLine, parseCommandArgs, type CliIo } from './cli-io.js';
import { databaseFlags, findIdentity, withServices } from './command-services.js';
import { runToEnd } from './foreground-run.js';

export const SCAN_USAGE = `Usage: orgkeeper scan --identity NAME --type TYPE [--option NAME=VALUE ...] [--json|--csv]

Scan an organization for clutter and risk and print the findings. The scan is kept in the scan history (compare it with
later scans, allowlist findings, fix them from the web app).

  --identity NAME       the identity (name or id) whose organization is scanned
  --type TYPE           ${SCAN_TYPES.join(', ')}
  --option NAME=VALUE   a scan option (repeat for several); lists are comma-separated, e.g. --option types=CSV,PDF
  --json                print the scan and its findings as JSON (with the ids of the items, users and groups they concern)
  --csv                 print the findings as CSV (readable dates)
  --data-dir DIR        folder holding the database and key (default ./data)        [ORGKEEPER_DATA_DIR]
  --database-url URL    PostgreSQL database (postgres://...) instead of SQLite      [ORGKEEPER_DATABASE_URL]
  -h, --help            show this help (with --type TYPE: that scan's options)

Exit codes: 0 the scan finished (whether or not it found something), 1 the scan failed, 2 wrong usage.
`;

export async function scanCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs('scan', {
    args,
    strict: true,
    allowPositionals: false,
    options: {
      identity: { type: 'string' },
      type: { type: 'string' },
      option: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      csv: { type: 'boolean' },
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    }
  });
  if (values.help) {
    io.stdout.write(SCAN_USAGE);
    if (isScanType(values.type)) io.stdout.write(optionHelp(values.type));
    return EXIT_OK;
  }
  if (!values.identity) throw new UsageError('--identity is required (the name or id of an identity; see `orgkeeper identities list`).', 'scan');
  if (!values.type) throw new UsageError(`--type is required: one of ${SCAN_TYPES.join(', ')}.`, 'scan');
  if (!isScanType(values.type)) throw new UsageError(`Unknown scan type "${values.type}"; use one of ${SCAN_TYPES.join(', ')}.`, 'scan');
  if (values.json && values.csv) throw new UsageError('Use either --json or --csv, not both.', 'scan');
  const options: Record<string, string> = {};
  for (const option of values.option ?? []) {
    const at = option.indexOf('=');
    if (at <= 0) throw new UsageError(`--option needs NAME=VALUE, e.g. --option days=365 (got "${option}").`, 'scan');
    options[option.slice(0, at).trim()] = option.slice(at + 1);
  }
  const type = values.type;
  const identityName = values.identity;

  return withServices(io, databaseFlags(values), async (services) => {
    const identity = await findIdentity(services, identityName, 'scan');
    const actor = cliUserActor();
    let operation;
    try {
      operation = await services.clean.startScan(identity.id, { type, options }, actor);
    } catch (error) {
      if (error instanceof AppError && error.code === 'validation_failed') {
        const detail = Object.values(error.fields ?? {}).join(' ');
        throw new UsageError(detail || error.message, 'scan');
      }
      throw error;
    }
    const finished = await runToEnd(services.operations, operation.id, 'wait');
    const scan = await services.clean.scanOfOperation(operation.id);
    if (finished.status !== 'succeeded' || !scan || scan.status !== 'succeeded') {
      io.stderr.write(`orgkeeper: ${finished.message ?? scan?.message ?? `The scan ended ${finished.status}.`}\n`);
      return EXIT_FAILURE;
    }
    const findings = await services.clean.allFindings(identity.id, scan.id);
    if (values.csv) io.stdout.write((await services.clean.findingsCsv(identity.id, scan.id)).body);
    else if (values.json) io.stdout.write(`${JSON.stringify(jsonReport(scan, findings), null, 2)}\n`);
    else io.stdout.write(textReport(identity.name, scan, findings));
    return EXIT_OK;
  });
}

function jsonReport(scan: ScanView, findings: FindingView[]) {
  const ids = (kind: string) => [...new Set(findings.filter((f) => f.target.kind === kind).map((f) => f.target.id))];
  return { scan, itemIds: ids('item'), userIds: ids('user'), groupIds: ids('group'), findings };
}

function textReport(identity: string, scan: ScanView, findings: FindingView[]): string {
  const lines = [`${SCAN_TYPE_INFO[scan.type].title} scan of ${identity} (scan ${scan.id}): ${scan.message ?? `${scan.findings} findings.`}`];
  if (findings.length > 0) {
    const rows = findings.map((f) => [f.code, f.severity, `${f.target.kind} ${f.target.id}`, oneLine(f.target.title), f.target.owner ?? '', oneLine(f.message)]);
    const header = ['CODE', 'SEVERITY', 'TARGET', 'TITLE', 'OWNER', 'FINDING'];
    const widths = header.map((h, i) => Math.min(i === 3 ? 40 : 60, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
    const format = (cells: string[]) =>
      cells
        .map((c, i) => (i === cells.length - 1 ? c : truncate(c, widths[i]!).padEnd(widths[i]!)))
        .join('  ')
        .trimEnd();
    lines.push('', format(header), ...rows.map(format));
  }
  return `${lines.join('\n')}\n`;
}

function optionHelp(type: keyof typeof SCAN_TYPE_INFO): string {
  const info = SCAN_TYPE_INFO[type];
  const lines = [`\n${info.title}: ${info.description}\n\nOptions of --type ${type}:`];
  for (const o of info.options) {
    const fallback = o.default === undefined ? (o.required ? ' (required)' : '') : ` (default ${Array.isArray(o.default) ? o.default.join(',') || 'none' : String(o.default)})`;
    lines.push(`  ${`${o.name}=${o.kind === 'boolean' ? 'true|false' : o.kind.toUpperCase()}`.padEnd(28)}${o.description}${fallback}`);
  }
  return `${lines.join('\n')}\n`;
}


function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}
