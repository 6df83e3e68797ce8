/**
 * Web Mapping Application: Instant Apps and configurable apps keep their settings in `/data` `values` (`webmap`,
 * `webmaps`, `group`, and settings that may hold URLs); Web AppBuilder apps keep `map.itemId`, `portalUrl` and
 * their widgets' configurations. The item URL names the app itself (`?appid=<id>`).
 */
import type { ItemTypeSpec } from './item-type.types.js';

export const webMappingApplication: ItemTypeSpec = {
  key: 'web-mapping-application',
  label: 'Instant App / Web AppBuilder app',
  types: ['Web Mapping Application'],
  rank: 3,
  parts: {
    data: 'json',
    describe: ['data: Instant Apps `{source, values}`; Web AppBuilder `{map, portalUrl, widgetPool, widgetOnScreen, ...}`']
  },
  references: [
    { part: 'data', path: 'values.webmap', kind: 'item', label: 'app web map' },
    { part: 'data', path: 'values.webmaps.*', kind: 'item', label: 'app web maps' },
    { part: 'data', path: 'values.webscene', kind: 'item', label: 'app web scene' },
    { part: 'data', path: 'values.group', kind: 'group', label: 'app group' },
    { part: 'data', path: 'values.groups.*', kind: 'group', label: 'app groups' },
    { part: 'data', path: 'values.**', kind: 'text', label: 'app settings' },
    { part: 'data', path: 'map.itemId', kind: 'item', label: 'Web AppBuilder map' },
    { part: 'data', path: 'map.portalUrl', kind: 'url', label: 'Web AppBuilder map portal' },
    { part: 'data', path: 'portalUrl', kind: 'url', label: 'Web AppBuilder portal' },
    { part: 'data', path: 'widgetPool.**', kind: 'text', label: 'Web AppBuilder widget settings' },
    { part: 'data', path: 'widgetOnScreen.**', kind: 'text', label: 'Web AppBuilder widget settings' }
  ],
  relationships: ['Map2App', 'WMA2Code'],
  limitations: ['Custom Web AppBuilder widgets hosted on another web server keep their URLs (they are not part of the item).']
};
