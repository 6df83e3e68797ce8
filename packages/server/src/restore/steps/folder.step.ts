/** A folder step, and the folder lookups item steps make: a user's folder found by title, or created for the admin. */
import { createFolder, listUserContent } from '../../arcgis/portal/index.js';
import type { PlanStep } from '../restore.types.js';
import type { StepContext } from './step-context.js';

/** Folder lookups and creations in flight, per run and folder: two steps needing the same new folder create it once. */
const folderWork = new WeakMap<Map<string, string>, Map<string, Promise<string | null>>>();

export async function ensureFolder(ctx: StepContext, owner: string, title: string): Promise<string | null> {
  const key = `${owner}/${title}`.toLowerCase();
  const known = ctx.folders.get(key);
  if (known) return known;
  let inFlight = folderWork.get(ctx.folders);
  if (!inFlight) folderWork.set(ctx.folders, (inFlight = new Map()));
  const pending = inFlight.get(key);
  if (pending) return pending;
  const work = findOrCreateFolder(ctx, owner, title, key).finally(() => inFlight.delete(key));
  inFlight.set(key, work);
  return work;
}

async function findOrCreateFolder(ctx: StepContext, owner: string, title: string, key: string): Promise<string | null> {
  const { folders } = await listUserContent({ session: ctx.input.session, username: owner });
  const found = folders.find((f) => f.title.toLowerCase() === title.toLowerCase());
  if (found) {
    ctx.folders.set(key, found.id);
    return found.id;
  }
  // Only a user creates their own folders; another user's folder is created when an item is reassigned into it.
  if (owner.toLowerCase() !== ctx.input.plan.target.admin.toLowerCase()) return null;
  const created = await createFolder({ session: ctx.input.session, username: owner, title: title });
  ctx.folders.set(key, created.id);
  return created.id;
}

export async function restoreFolder(ctx: StepContext, step: PlanStep): Promise<void> {
  const id = await ensureFolder(ctx, step.owner, step.title);
  await ctx.save({ new_id: id });
}
