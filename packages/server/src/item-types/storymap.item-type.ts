/**
 * StoryMap (ArcGIS StoryMaps): the published story in `/data` and drafts as JSON resources (`draft.json`,
 * `draft_<time>.json`, named by the `smdraftresourceid:` type keyword); both are `{root, nodes, resources}` where
 * `resources.<id>.data` names embedded web maps and scenes (`itemId`), embeds (`url`), express maps and images kept
 * as item resources (`resourceId`, a resource path, not a reference).
 */
import type { ItemTypeSpec } from './item-type.types.js';

const DRAFTS = /^draft[^/]*\.json$/i;

export const storyMap: ItemTypeSpec = {
  key: 'storymap',
  label: 'StoryMap',
  types: ['StoryMap'],
  rank: 3,
  parts: {
    data: 'json',
    describe: ['data: the published story {root, nodes, resources}', 'resources: drafts (draft*.json), images/* (image nodes), express map JSON']
  },
  references: [
    ...(['data', 'resource'] as const).flatMap((part) => [
      { part, resources: DRAFTS, path: 'resources.*.data.itemId', kind: 'item' as const, label: 'embedded map, scene or app' },
      { part, resources: DRAFTS, path: 'resources.*.data.url', kind: 'url' as const, label: 'embed URL' },
      { part, resources: DRAFTS, path: 'resources.*.data.**.itemId', kind: 'item' as const, label: 'express map basemap or layer' },
      { part, resources: DRAFTS, path: 'resources.*.data.themeItemId', kind: 'item' as const, label: 'story theme' },
      { part, resources: DRAFTS, path: 'nodes.*.data.text', kind: 'text' as const, label: 'story text' }
    ])
  ],
  relationships: ['Theme2Story'],
  limitations: [],
  unconfirmed: ["The shape of express map resources (Esri documents the story JSON only through its apps); they are walked generically for `itemId` and URLs."]
};
