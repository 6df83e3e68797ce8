/**
 * `orgkeeper restore`: restore items of a snapshot in place, recreate deleted ones, copy them, or clone them into
 * another identity's organization, without the web app. `--dry-run` prints the plan and changes nothing; `--resume OP`
 * continues a restore that stopped (its plan and choices are stored under its operation id).
 */
import { type parseArgs } from 'node:util';
import { newId } from '../lib/ids.js';
import type { PlanStep, RestoreLogRow, RestoreParams, RestorePlan, RestoreProgress } from '../restore/restore.types.js';
import type { Services } from '../services.js';
import { restoreLogCsv } from '../restore/restore.service.js';
import { EXIT_FAILURE, EXIT_OK, UsageError, parseCommandArgs, type CliIo } from './cli-io.js';
import { databaseFlags, findIdentity, withServices } from './command-services.js';

export const RESTORE_USAGE = `Usage: orgkeeper restore --identity NAME --snapshot ID (--items ID,ID | --query Q | --all) --mode MODE [options]

Restore items of a snapshot. Steps run in dependency order (groups, folders, feature layers, maps, then apps,
dashboards, StoryMaps and experiences), and item ids and service URLs inside item data are rewritten wherever a
restored item gets a new id or URL. A restore that stops can be run again with --resume: finished steps are not redone.

  --identity NAME         the identity (name or id) whose snapshot is restored
  --snapshot ID           the snapshot (see \`orgkeeper snapshots\`)
  --items ID,ID           these items of the snapshot
  --query Q               items whose title, type, owner or tags contain every word of Q; field:value limits a word
                          to title, type, owner, tags or id (e.g. 'type:"Web Map" owner:maria'), -word excludes
  --all                   every item of the snapshot (and its groups)
  --mode MODE             in-place    overwrite existing items with the snapshot (deleted ones are recreated)
                          recreate    create only the items that no longer exist (ArcGIS Enterprise keeps their ids)
                          copy        new items beside the originals (see --suffix, --owner, --folder)
                          clone       into another organization (with --target-identity; the default when given)
  --target-identity NAME  clone into this identity's organization
  --owner USER            owner of copies and clones (default: the original owner; for clones, the user of the same
                          name in the target, else the signed-in administrator)
  --owner-map A=B,C=D     clone: source user A's items go to target user B
  --folder NAME           folder of copies and clones (created when missing; default: the original folder)
  --suffix TEXT           appended to the titles of copies (default " (copy)")
  --parts P,P             in place: restore only these parts of the items: item (properties, owner, folder), data,
                          resources, sharing, thumbnail, metadata (see \`orgkeeper snapshot diff ID --live --item ID\`)
  --dry-run               print the plan and change nothing
  --resume OP             continue the restore with this operation id (the other choices are the stored ones)
  --csv                   print the log as CSV
  --json                  print one JSON object (the plan, or the plan and the log)
  --data-dir DIR          folder holding the database and key (default ./data)        [ORGKEEPER_DATA_DIR]
  --database-url URL      PostgreSQL database (postgres://...) instead of SQLite      [ORGKEEPER_DATABASE_URL]
  -h, --help              show this help

Exit codes: 0 every step done or skipped with a reason, 1 some steps failed or the restore stopped, 2 wrong usage.
`;

const OPTIONS = {
  identity: { type: 'string' },
  snapshot: { type: 'string' },
  items: { type: 'string' },
  query: { type: 'string' },
  all: { type: 'boolean' },
  mode: { type: 'string' },
  'target-identity': { type: 'string' },
  owner: { type: 'string' },
  'owner-map': { type: 'string' },
  folder: { type: 'string' },
  suffix: { type: 'string' },
  parts: { type: 'string' },
  'dry-run': { type: 'boolean' },
  resume: { type: 'string' },
  csv: { type: 'boolean' },
  json: { type: 'boolean' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  help: { type: 'boolean', short: 'h' }
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

export async function restoreCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs('restore', { args, strict: true, allowPositionals: false, options: OPTIONS });
  if (values.help) {
    io.stdout.write(RESTORE_USAGE);
    return EXIT_OK;
  }
  checkChoices(values);
  const ownerMap = values['owner-map'] !== undefined ? ownerMapOf(values['owner-map']) : undefined;

  return withServices(io, databaseFlags(values), async (services) => {
    const identity = await findIdentity(services, values.identity!, 'restore');
    const target = values['target-identity'] ? await findIdentity(services, values['target-identity'], 'restore') : undefined;
    const restores = services.restores;
    const controller = new AbortController();
    const stop = watchStop(io, controller);
    try {
      let operationId: string;
      let params: RestoreParams;
      if (values.resume !== undefined) {
        const run = await restores.findRun(values.resume);
        if (!run) throw new UsageError(`There is no restore with operation id ${values.resume}.`, 'restore');
        if (run.identityId !== identity.id) throw new UsageError(`Restore ${values.resume} is of another identity.`, 'restore');
        operationId = run.operationId;
        params = run.params;
      } else {
        params = restores.validate(requestOf(values, target?.id, ownerMap), identity.id);
        operationId = newId();
      }

      if (values['dry-run']) {
        const plan = await restores.plan(identity.id, params, controller.signal);
        if (values.json) io.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
        else io.stdout.write(planText(plan));
        return EXIT_OK;
      }
      return await runRestore(io, values, { restores, operationId, identityId: identity.id, params, signal: controller.signal });
    } catch (error) {
      if (controller.signal.aborted) {
        io.stderr.write('\norgkeeper: restore stopped. Run it again with --resume OPERATION to continue where it stopped.\n');
        return EXIT_FAILURE;
      }
      throw error;
    } finally {
      stop();
    }
  });
}

/** What to restore must be said one way, unless a stopped restore is resumed (its choices are stored). */
function checkChoices(values: Values): void {
  if (!values.identity) throw new UsageError('--identity is required (the name or id of the identity whose snapshot is restored).', 'restore');
  if (values.resume === undefined) {
    if (!values.snapshot) throw new UsageError('--snapshot is required (see `orgkeeper snapshots --identity ...`).', 'restore');
    if (!values.mode && !values['target-identity']) throw new UsageError('--mode is required: in-place, recreate, copy or clone.', 'restore');
    const choices = [values.items !== undefined, values.query !== undefined, values.all === true].filter(Boolean).length;
    if (choices !== 1) throw new UsageError('Choose what to restore with exactly one of --items, --query or --all.', 'restore');
  } else if (values['dry-run']) throw new UsageError('--resume continues a restore; it cannot be a dry run.', 'restore');
}

function ownerMapOf(text: string): Record<string, string> {
  const ownerMap: Record<string, string> = {};
  for (const pair of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [from, to, extra] = pair.split('=');
    if (!from || !to || extra !== undefined) throw new UsageError(`--owner-map takes source=target pairs separated by commas, not "${pair}".`, 'restore');
    ownerMap[from.trim()] = to.trim();
  }
  return ownerMap;
}

/** The restore request the flags make (validated by the restore service, as the REST API's is). */
function requestOf(values: Values, targetIdentityId: string | undefined, ownerMap: Record<string, string> | undefined): Record<string, unknown> {
  return {
    snapshotId: values.snapshot,
    mode: values.mode ?? 'clone',
    ...(values.items !== undefined ? { items: values.items.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
    ...(values.query !== undefined ? { query: values.query } : {}),
    ...(values.all ? { all: true } : {}),
    ...(targetIdentityId ? { targetIdentityId } : {}),
    ...(values.owner !== undefined ? { owner: values.owner } : {}),
    ...(values.folder !== undefined ? { folder: values.folder } : {}),
    ...(values.suffix !== undefined ? { suffix: values.suffix } : {}),
    ...(values.parts !== undefined ? { parts: values.parts.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
    ...(ownerMap ? { ownerMap } : {})
  };
}

/** Runs the restore here with a progress line, then prints its log (text, CSV or JSON). */
async function runRestore(
  io: CliIo,
  values: Values,
  run: { restores: Services['restores']; operationId: string; identityId: string; params: RestoreParams; signal: AbortSignal }
): Promise<number> {
  const { operationId } = run;
  const tty = (io.stderr as { isTTY?: boolean }).isTTY === true && values.json !== true;
  const onProgress = (p: RestoreProgress) => {
    if (tty) io.stderr.write(`\r\x1b[KRestoring: ${p.stepsDone}/${p.stepsTotal} steps${p.current ? `, ${p.current}` : ''}`);
  };
  if (!values.json && !values.csv) io.stdout.write(`Restore ${operationId}${values.resume ? ' (resumed)' : ''}\n`);
  const { plan, result } = await run.restores.run({ operationId, identityId: run.identityId, params: run.params, signal: run.signal, onProgress });
  if (tty) io.stderr.write('\r\x1b[K');
  if (values.json) io.stdout.write(`${JSON.stringify({ operationId, plan, counts: result.counts, log: result.steps, durationMs: result.durationMs }, null, 2)}\n`);
  else if (values.csv) io.stdout.write(restoreLogCsv(result.steps));
  else io.stdout.write(logText(plan, result.steps, result.counts, operationId));
  return result.counts.failed > 0 ? EXIT_FAILURE : EXIT_OK;
}

function watchStop(io: CliIo, controller: AbortController): () => void {
  if (io.stopSignal) {
    void io.stopSignal().then(() => controller.abort(new Error('Stopped on request.')));
    return () => undefined;
  }
  const onSignal = () => controller.abort(new Error('Stopped on request.'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

function stepLine(step: PlanStep, index: number): string[] {
  const what = step.kind === 'item' ? `${step.type} "${step.title}" (${step.sourceId})` : step.kind === 'group' ? `group "${step.title}" (${step.sourceId})` : `folder "${step.title}" of ${step.owner}`;
  const lines = [`${String(index + 1).padStart(3)}. ${step.action.toUpperCase().padEnd(9)} ${what}: ${step.reason}`];
  if (step.kind === 'item' && step.action !== 'skip') lines.push(`       as ${step.owner}${step.folder ? `, folder "${step.folder}"` : ''}${step.targetId ? `, id ${step.targetId}` : ''}`);
  for (const r of step.rewrites) lines.push(`       rewrite ${r.kind === 'item' ? 'id' : 'URL'} ${r.from} -> ${r.to}`);
  for (const w of step.warnings ?? []) lines.push(`       warning: ${w}`);
  const where = { restored: 'restored first by this plan', live: 'in the organization', missing: 'missing' } as const;
  for (const s of step.view?.sources ?? []) {
    lines.push(`       view of ${s.title ? `"${s.title}" ` : ''}${s.url} (${where[s.status]})`);
    for (const l of s.layers ?? []) lines.push(`         view layer ${l.id}${l.name ? ` "${l.name}"` : ''} shows source layer ${l.sourceLayerId}${l.sourceLayerName ? ` "${l.sourceLayerName}"` : ''}`);
  }
  for (const r of step.relationships ?? []) lines.push(`       relationship ${r.type} ${r.direction === 'forward' ? 'to' : 'from'} ${r.title ? `"${r.title}" ` : ''}(${r.itemId})`);
  const refs = step.references ?? [];
  if (refs.length > 0) {
    const count = (a: string) => refs.filter((r) => r.action === a).length;
    lines.push(`       references: ${count('rewrite')} rewritten, ${count('keep')} kept, ${count('list')} listed only`);
    for (const r of refs.filter((x) => x.action !== 'rewrite')) lines.push(`         ${r.action} ${r.label} ${r.part === 'resource' ? `${r.resource ?? ''}: ` : ''}${r.path} ${r.value}: ${r.note}`);
  }
  for (const c of step.cannotRestore ?? []) lines.push(`       cannot restore: ${c}`);
  return lines;
}

export function planText(plan: RestorePlan): string {
  const lines = [
    `Plan: ${plan.mode} restore of snapshot ${plan.snapshotId} into ${plan.target.portalUrl} (signed in as ${plan.target.admin})`,
    `  ${plan.counts.create} to create, ${plan.counts.overwrite} to overwrite, ${plan.counts.skip} to skip. Nothing has been changed.`,
    ...(plan.parts ? [`  Only these parts of each item: ${plan.parts.join(', ')}.`] : []),
    ...(plan.orgRewrites ?? []).map((r) => `  rewrite URL ${r.from} -> ${r.to} (everywhere)`),
    ...plan.steps.flatMap(stepLine)
  ];
  return `${lines.join('\n')}\n`;
}

function logText(plan: RestorePlan, rows: RestoreLogRow[], counts: { ok: number; failed: number; skipped: number }, operationId: string): string {
  const lines = [`${plan.mode} restore of snapshot ${plan.snapshotId}: ${counts.ok} done, ${counts.skipped} skipped, ${counts.failed} failed`];
  for (const r of rows) {
    const ids = r.newId && r.newId !== r.oldId ? ` -> ${r.newId}` : '';
    lines.push(`  ${r.status.toUpperCase().padEnd(7)} ${r.action.padEnd(9)} ${r.kind} "${r.title}" ${r.oldId}${ids}${r.error ? `: ${r.error}` : ''}`);
  }
  if (counts.failed > 0) lines.push(`Run \`orgkeeper restore --identity ... --resume ${operationId}\` to retry the failed steps.`);
  return `${lines.join('\n')}\n`;
}
