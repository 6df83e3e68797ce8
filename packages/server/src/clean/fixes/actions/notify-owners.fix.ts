/**
 * notify-owners: emails each owner one plain-text message listing their findings (titles from ArcGIS are untrusted
 * and never put into HTML). Changes nothing in ArcGIS, so no backup is taken and there is nothing to undo.
 */
import { getUser } from '../../../arcgis/portal/index.js';
import type { PlannedFix } from '../fix.types.js';
import type { FixActionHandler, PlanRow } from './fix-action.js';
import { change, reasonOf, resultOf, skip } from './fix-support.js';

export const notifyOwnersFix: FixActionHandler = {
  changesNothing: true,
  notUndoable: 'An email that was sent cannot be taken back.',

  async plan(ctx, finding) {
    const target = finding.target;
    const recipient = target.kind === 'user' ? target.id : target.owner;
    if (!recipient) return skip(finding, 'The finding names no owner to notify.');
    ctx.cache.mailProblem ??= ctx.mailer ? ctx.mailer.ready() : Promise.resolve('No email (SMTP) server is configured in OrgKeeper, so no one can be notified.');
    const problem = await ctx.cache.mailProblem;
    if (problem) return skip(finding, problem);
    const key = recipient.toLowerCase();
    let user = ctx.cache.users.get(key);
    if (!user) {
      user = getUser({ session: ctx.session, username: recipient }).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
      ctx.cache.users.set(key, user);
    }
    const found = await user;
    if (found instanceof Error) return skip(finding, `The owner "${recipient}" could not be read: ${reasonOf(found)}`);
    if (!found.email) return skip(finding, `The owner "${recipient}" has no email address in ArcGIS.`);
    return change(finding, [{ field: 'email', before: null, after: found.email, summary: `Email to ${recipient} <${found.email}> listing this finding` }], { recipient });
  },

  /** One email per owner, listing all of that owner's findings. */
  async applyAll(ctx, options, rows, finish) {
    const byRecipient = new Map<string, { email: string; rows: PlanRow[] }>();
    for (const row of rows) {
      const recipient = row.planned.context.recipient ?? '';
      const email = String(row.planned.changes[0]?.after ?? '');
      const entry = byRecipient.get(recipient.toLowerCase()) ?? { email, rows: [] };
      entry.rows.push(row);
      byRecipient.set(recipient.toLowerCase(), entry);
    }
    for (const [, { email, rows: mine }] of byRecipient) {
      ctx.signal?.throwIfAborted();
      const recipient = mine[0]!.planned.context.recipient ?? '';
      try {
        if (!ctx.mailer) throw new Error('No email (SMTP) server is configured in OrgKeeper.');
        await ctx.mailer.send({ to: email, ...ownerEmail(ctx.orgName, recipient, mine.map((r) => r.planned), options.message) });
        for (const { planned, index } of mine) await finish(index, { ...resultOf(planned), status: 'ok', error: null, applied: planned.changes });
      } catch (error) {
        if (ctx.signal?.aborted) throw error;
        for (const { planned, index } of mine) await finish(index, { ...resultOf(planned), status: 'failed', error: `The email to ${email} was not sent: ${reasonOf(error)}`, applied: [] });
      }
    }
  }
};

/** The email an owner gets: plain text, one line per finding with its link. */
export function ownerEmail(orgName: string, username: string, plans: PlannedFix[], note?: string): { subject: string; text: string } {
  const count = plans.length;
  const lines = [
    `Hello ${username},`,
    '',
    ...(note?.trim() ? [note.trim(), ''] : []),
    `An administrator of ${orgName} reviewed the organization's content and found ${count} thing${count === 1 ? '' : 's'} about content you own that may need your attention:`,
    ''
  ];
  for (const plan of plans) {
    const t = plan.target;
    lines.push(`- ${t.title || t.id}${t.type ? ` (${t.type})` : ''}`);
    if (plan.message) lines.push(`  ${plan.message}`);
    if (t.portalUrl) lines.push(`  ${t.portalUrl}`);
  }
  lines.push('', 'Please review these items, or reply to your administrator if they should stay as they are.', '', '-- Sent by OrgKeeper');
  return { subject: `${count} finding${count === 1 ? '' : 's'} about your content in ${orgName}`, text: lines.join('\n') };
}
