/**
 * Item relationship types and their rules, from Esri's "Relationship types" page (developers.arcgis.com/rest/
 * users-groups-and-items/relationship-types): the origin and destination item types each type allows and its rules.
 *
 * - mustOwnAllItems / mustOwnOriginItem / mustOwnDestinationItem: the user named in the request path
 *   (`content/users/<user>/addRelationship`) must own those items. Esri does not say whether an administrator acting
 *   for that user passes; the emulator lets the path user's administrator call on their behalf.
 * - compositeDelete: deleting the origin deletes the destination. compositeShare: sharing the origin shares the
 *   destination. copyOriginShareOnAdd: the destination takes the origin's sharing when the relationship is added.
 *
 * Types that Esri's table and Esri's clients name but whose origin and destination types the emulator does not model
 * (`ANY_ITEM_TYPES`) relate any two items; any other name is refused as an invalid relationship type.
 */
import { type ItemRecord } from '../state/types.js';

export type RelationshipRule =
  | 'mustOwnAllItems'
  | 'mustOwnOriginItem'
  | 'mustOwnDestinationItem'
  | 'compositeShare'
  | 'compositeDelete'
  | 'copyOriginShareOnAdd';

/** Which items may be an end of a relationship: item types, `*`, or a hosted feature layer view. */
type End = '*' | { types: string[]; views?: 'only' | 'any' };

export interface RelationshipType {
  name: string;
  origin: End;
  destination: End;
  rules: RelationshipRule[];
}

const OFFICE = ['Microsoft Word', 'Microsoft Excel', 'Microsoft PowerPoint', 'PDF', 'Image', 'Visio Document'];
const PACKAGES = ['Map Package', 'Tile Package', 'SQLite Geodatabase', 'Vector Tile Package'];
const COMPOSITE: RelationshipRule[] = ['compositeShare', 'compositeDelete', 'copyOriginShareOnAdd'];

export const RELATIONSHIP_TYPES: RelationshipType[] = [
  { name: 'Map2Service', origin: { types: ['Web Map'] }, destination: { types: ['Map Service', 'Feature Service', 'Image Service'] }, rules: [] },
  { name: 'WMA2Code', origin: { types: ['Web Mapping Application'] }, destination: { types: ['Code Attachment'] }, rules: COMPOSITE },
  { name: 'Map2FeatureCollection', origin: { types: ['Web Map'] }, destination: { types: ['Feature Collection'] }, rules: [] },
  { name: 'MobileApp2Code', origin: { types: ['Mobile Application'] }, destination: { types: ['Code Attachment'] }, rules: COMPOSITE },
  {
    // "Models the association of a derived service and its source data. The derived service is the origin ... The
    // source data can be a service." A hosted feature layer view is related to its source this way.
    name: 'Service2Data',
    origin: { types: ['Feature Service', 'Map Service'] },
    destination: {
      types: [
        'Service Definition', 'CSV', 'Shapefile', 'Feature Service', 'Tile Package', 'Feature Collection', 'File Geodatabase', 'GeoJson',
        'GeoPackage', 'Scene Package', 'Vector Tile Package', 'SQLite Geodatabase', 'Microsoft Excel', 'Compact Tile Package', 'Image Collection'
      ]
    },
    rules: ['mustOwnAllItems']
  },
  // "Relates a source service and a derived service" (Esri's Maps SDKs, PortalItemRelationship): hosted tile layers
  // (Map Service) and vector tile layers published from a hosted feature layer.
  { name: 'Service2Service', origin: { types: ['Feature Service'] }, destination: { types: ['Map Service', 'Vector Tile Service'] }, rules: ['mustOwnAllItems'] },
  { name: 'Map2AppConfig', origin: { types: ['Web Map'] }, destination: { types: ['Application Configuration'] }, rules: ['mustOwnAllItems', ...COMPOSITE] },
  { name: 'Item2Attachment', origin: '*', destination: { types: OFFICE }, rules: ['mustOwnAllItems', 'compositeShare', 'compositeDelete'] },
  { name: 'Item2Report', origin: '*', destination: { types: OFFICE }, rules: [] },
  { name: 'Listed2Provisioned', origin: '*', destination: '*', rules: ['mustOwnAllItems', 'compositeDelete'] },
  { name: 'Style2Style', origin: { types: ['Vector Tile Service'] }, destination: { types: ['Vector Tile Service', 'Style'] }, rules: ['mustOwnDestinationItem'] },
  { name: 'Service2Style', origin: { types: ['Vector Tile Service', 'Style'] }, destination: { types: ['Vector Tile Service', 'Style'] }, rules: ['mustOwnDestinationItem'] },
  // "the relationship between a Survey123 form item to the feature service where data from the form is submitted"
  { name: 'Survey2Service', origin: { types: ['Form'] }, destination: { types: ['Feature Service'] }, rules: ['mustOwnOriginItem'] },
  {
    // "other items used by the survey": feature service views (read-only, for the Survey123 website), web maps,
    // packages for offline use, and Word templates of the reports.
    name: 'Survey2Data',
    origin: { types: ['Form'] },
    destination: { types: ['Feature Service', 'Web Map', 'Map Package', 'Tile Package', 'Vector Tile Package', 'Microsoft Word'], views: 'only' },
    rules: ['mustOwnOriginItem']
  },
  { name: 'Area2Package', origin: { types: ['Map Area'] }, destination: { types: PACKAGES }, rules: ['mustOwnAllItems', 'compositeShare', 'compositeDelete'] },
  { name: 'Area2CustomPackage', origin: { types: ['Map Area'] }, destination: { types: PACKAGES }, rules: ['mustOwnAllItems'] }
];

/** Types Esri names (relationship-types page, rest-js ItemRelationshipType) whose end types the emulator does not check. */
export const ANY_ITEM_TYPES = [
  'APIKey2Item',
  'App2DependentApp',
  'Map2App',
  'Map2Area',
  'Map2IndoorsConfig',
  'Service2Layer',
  'Service2Route',
  'Solution2Item',
  'SurveyAddIn2Data',
  'Theme2Story',
  'TrackView2Map',
  'WebStyle2DesktopStyle',
  'WorkforceMap2FeatureService'
];

const byLower = new Map<string, RelationshipType>([
  ...RELATIONSHIP_TYPES.map((t) => [t.name.toLowerCase(), t] as const),
  ...ANY_ITEM_TYPES.map((name) => [name.toLowerCase(), { name, origin: '*', destination: '*', rules: [] } as RelationshipType] as const)
]);

/** The relationship type of that name (ArcGIS names are matched case-insensitively), or undefined. */
export function relationshipType(name: string): RelationshipType | undefined {
  return byLower.get(name.trim().toLowerCase());
}

function isView(item: ItemRecord): boolean {
  return item.json.typeKeywords.includes('View Service');
}

/** Why `item` cannot be this end of the relationship, or undefined when it can. */
export function endProblem(type: RelationshipType, end: 'origin' | 'destination', item: ItemRecord): string | undefined {
  const spec = type[end];
  if (spec === '*') return undefined;
  const t = item.json.type;
  if (!spec.types.includes(t)) {
    return `A ${type.name} relationship needs ${end === 'origin' ? 'an origin' : 'a destination'} of type ${spec.types.join(', ')}; item '${item.json.id}' is a ${t}.`;
  }
  if (spec.views === 'only' && t === 'Feature Service' && !isView(item)) {
    return `A ${type.name} relationship takes a hosted feature layer view, not the feature service '${item.json.id}' itself (relate the survey's service with Survey2Service).`;
  }
  return undefined;
}
