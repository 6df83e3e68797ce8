/** Code Attachment: the downloadable code of an app (a ZIP in `/data`), tied to its app by WMA2Code or MobileApp2Code. */
import type { ItemTypeSpec } from './item-type.types.js';

export const codeAttachment: ItemTypeSpec = {
  key: 'code-attachment',
  label: 'Code Attachment',
  types: ['Code Attachment'],
  rank: 4,
  parts: { data: 'file', describe: ['data: the ZIP of the app code'] },
  references: [],
  relationships: ['WMA2Code', 'MobileApp2Code'],
  limitations: ['The ZIP is restored byte for byte: ids and URLs inside its code are not rewritten.']
};
