/**
 * A backup of chosen items (`--items`) takes a Survey123 survey whole, and a view with its source: a `Form` brings the
 * items it relates to (Survey2Service: its service or submission view; Survey2Data: its results view), and every
 * hosted feature layer view brings its source (Service2Data), so a restore of the snapshot can make the survey work
 * again. Asked only for forms and views among the chosen items (one relatedItems request per direction and item).
 */
import type { IItem, ItemRelationshipType } from '@esri/arcgis-rest-portal';
import { getItem, getRelatedItems } from '../arcgis/portal/index.js';
import type { BackupContext } from './backup.types.js';

const isView = (item: IItem) => (item.typeKeywords ?? []).some((k) => k.toLowerCase() === 'view service');

/** The chosen items plus the parts of the surveys and views among them (each once; unreadable ones are left out). */
export async function withSurveyParts(ctx: BackupContext, chosen: IItem[]): Promise<IItem[]> {
  const byId = new Map(chosen.map((item) => [item.id, item]));
  const queue = chosen.filter((item) => item.type === 'Form' || isView(item));
  while (queue.length > 0) {
    const item = queue.shift()!;
    const types: ItemRelationshipType[] = item.type === 'Form' ? ['Survey2Service', 'Survey2Data'] : ['Service2Data'];
    const answer = await getRelatedItems({ session: ctx.session, id: item.id, direction: 'forward', relationshipType: types });
    for (const related of answer.relatedItems ?? []) {
      if (typeof related.id !== 'string' || byId.has(related.id)) continue;
      const full = await getItem({ session: ctx.session, id: related.id }).catch(() => undefined);
      if (!full) continue;
      byId.set(full.id, full);
      if (isView(full)) queue.push(full);
    }
  }
  return [...byId.values()];
}
