/** add-tags: adds tags an item lacks (compared ignoring case; existing tags are kept). Undo puts the old tags back. */
import { setItemTags } from '../../../arcgis/portal/index.js';
import { AppError } from '../../../errors/app-error.js';
import type { FixActionHandler } from './fix-action.js';
import { appliedChange, change, currentOwner, ownerOf, plannedChange, planOnItem, skip } from './fix-support.js';

export const addTagsFix: FixActionHandler = {
  async check(_ctx, options) {
    if ((options.tags ?? []).filter((t) => t.trim() !== '').length === 0) throw AppError.validation({ tags: 'add-tags needs at least one tag: tags.' });
  },

  plan: (ctx, finding, options) =>
    planOnItem(ctx, finding, 'add-tags', (item) => {
      const before = (item.tags ?? []).map(String);
      const have = new Set(before.map((t) => t.toLowerCase()));
      const added: string[] = [];
      for (const tag of options.tags ?? []) {
        const clean = tag.trim();
        if (clean !== '' && !have.has(clean.toLowerCase())) {
          have.add(clean.toLowerCase());
          added.push(clean);
        }
      }
      if (added.length === 0) return skip(finding, 'The item already has these tags.');
      return change(finding, [{ field: 'tags', before, after: [...before, ...added], summary: `Tags: added ${added.map((t) => `"${t}"`).join(', ')}` }], {});
    }),

  async apply(ctx, planned, _options, applied) {
    const tags = plannedChange(planned, 'tags')!;
    await setItemTags({ session: ctx.session, owner: ownerOf(planned), id: planned.target.id, tags: tags.after as string[] });
    applied.push(tags);
  },

  async undo(ctx, result) {
    await setItemTags({ session: ctx.session, owner: await currentOwner(ctx, result.target.id), id: result.target.id, tags: appliedChange(result, 'tags')!.before as string[] });
    return undefined;
  }
};
