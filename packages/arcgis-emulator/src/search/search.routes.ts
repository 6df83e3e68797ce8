import { type Ctx, type EmulatorContext } from '../context.js';
import { errors } from '../errors.js';
import { canReadGroup } from '../state/permissions.js';
import { type GroupRecord } from '../state/types.js';
import { type Router } from '../router.js';
import { runItemSearch } from './item-search.js';
import { trackStateWrites } from '../state/track-writes.js';

/**
 * `<rest>/search` (items) and group content search. Anonymous callers see public items only; signed-in users what
 * their access level and group memberships allow (state/permissions.ts).
 */
export function registerSearchRoutes(router: Router, emu: EmulatorContext): void {
  // search results are cached per state version; every change must move it
  trackStateWrites(emu);
  const rest = emu.urls.paths.rest;

  router.any(`${rest}/search`, (ctx) => runItemSearch(ctx.emu, ctx.user, ctx.req.params), { name: 'search' });

  router.any(
    `${rest}/content/groups/:groupId/search`,
    (ctx) => {
      const group = readableGroup(ctx);
      return runItemSearch(ctx.emu, ctx.user, ctx.req.params, { groupId: group.id });
    },
    { name: 'content/groups/search' }
  );

  // "Group Content" (content/groups/<id>): the items shared with the group as a paged list with an `items` array
  // (newest first: Esri documents no order).
  router.any(
    `${rest}/content/groups/:groupId`,
    (ctx) => {
      const group = readableGroup(ctx);
      const { results, query: _query, ...paging } = runItemSearch(
        ctx.emu,
        ctx.user,
        { start: ctx.req.params.start ?? '1', num: ctx.req.params.num ?? '10', sortField: 'created', sortOrder: 'desc' },
        { groupId: group.id }
      );
      return { ...paging, items: results };
    },
    { name: 'content/groups' }
  );
}

function readableGroup(ctx: Ctx): GroupRecord {
  const group = ctx.emu.state.groups.get(ctx.params.groupId ?? '') ?? ctx.emu.state.groups.get((ctx.params.groupId ?? '').toLowerCase());
  if (!group) throw errors.groupNotFound();
  if (!canReadGroup(ctx.user, group)) {
    if (!ctx.user) throw errors.tokenRequired();
    throw errors.groupNotFound();
  }
  return group;
}
