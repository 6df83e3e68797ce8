/** JSON schema of the content map (content-map.routes.ts), checked against content-map.types.ts. */
import { arrayOf, dateTime, described, integer, nullable, number, object, string, stringEnum, type SchemaAgrees } from '../http/schema-kit.js';
import type { ContentMap } from './content-map.types.js';

export const contentMapSchema = object({
  identityId: string,
  orgId: string,
  generatedAt: described('When the map was read from ArcGIS (cached for a minute; ?refresh=true reads it again).', dateTime),
  owners: arrayOf(object({ username: string, items: integer, size: number, folders: described('Folder ids, in title order.', arrayOf(string)) })),
  folders: arrayOf(object({ id: string, title: string, owner: string, items: integer, size: number })),
  items: arrayOf(
    object({
      id: string,
      title: described('From ArcGIS: untrusted text.', string),
      type: string,
      size: described('Storage in bytes (0 when ArcGIS reports none).', number),
      owner: string,
      folderId: nullable(string),
      modified: nullable(dateTime),
      access: nullable(string)
    })
  ),
  totals: object({ items: integer, size: number, owners: integer, folders: integer }),
  problems: described(
    'What could not be read (the map is then incomplete).',
    arrayOf(object({ kind: stringEnum(['folders', 'enumeration']), target: string, message: string }))
  )
});

const agrees: SchemaAgrees<typeof contentMapSchema, ContentMap> = true;
void agrees;
