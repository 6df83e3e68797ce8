/**
 * Which item types each relationship type relates, from Esri's "Relationship types" table
 * (developers.arcgis.com/rest/users-groups-and-items/relationship-types): origin and destination item types.
 * `*` is Esri's "any item"; a type whose ends Esri's table does not give (Solution2Item, APIKey2Item's destination,
 * TrackView2Map's origin, Service2Layer) is `*` here too, so nothing is ruled out on a guess.
 */
import type { ItemRelationshipType } from '@esri/arcgis-rest-portal';

export type RelationshipEnd = '*' | readonly string[];

export interface RelationshipEnds {
  origin: RelationshipEnd;
  destination: RelationshipEnd;
}

const OFFICE = ['Microsoft Word', 'Microsoft Excel', 'Microsoft PowerPoint', 'PDF', 'Image', 'Visio Document'];
const PACKAGES = ['Map Package', 'Tile Package', 'SQLite Geodatabase', 'Vector Tile Package'];
const STYLES = ['Vector Tile Service', 'Style'];

export const RELATIONSHIP_ENDS = {
  Map2Service: { origin: ['Web Map'], destination: ['Map Service', 'Feature Service', 'Image Service'] },
  Map2FeatureCollection: { origin: ['Web Map'], destination: ['Feature Collection'] },
  Map2AppConfig: { origin: ['Web Map'], destination: ['Application Configuration'] },
  Map2Area: { origin: ['Web Map'], destination: ['Map Area'] },
  // "Service Item: Hosted Feature Service, Map Service" to "Source Data" (the list as Esri's table gives it).
  Service2Data: {
    origin: ['Feature Service', 'Map Service'],
    destination: [
      'Service Definition', 'CSV', 'Shapefile', 'Feature Service', 'Tile Package', 'Feature Collection', 'File Geodatabase', 'GeoJson',
      'GeoPackage', 'Scene Package', 'Vector Tile Package', 'SQLite Geodatabase', 'Microsoft Excel', 'Compact Tile Package', 'Image Collection'
    ]
  },
  Service2Layer: { origin: '*', destination: '*' },
  // A hosted feature layer to the tile layers made from it: hosted (raster) tiles are a Map Service, vector tiles a
  // Vector Tile Service (Esri's table names the hosted tile layer only; vector tile layers are published the same way).
  Service2Service: { origin: ['Feature Service'], destination: ['Map Service', 'Vector Tile Service'] },
  Service2Style: { origin: STYLES, destination: STYLES },
  Survey2Service: { origin: ['Form'], destination: ['Feature Service'] },
  // ArcGIS Online's table gives `*` as the destination (Enterprise 11's lists views, maps, packages and Word files).
  Survey2Data: { origin: ['Form'], destination: '*' },
  Area2Package: { origin: ['Map Area'], destination: PACKAGES },
  Area2CustomPackage: { origin: ['Map Area'], destination: PACKAGES },
  Item2Attachment: { origin: '*', destination: OFFICE },
  Item2Report: { origin: '*', destination: OFFICE },
  Solution2Item: { origin: '*', destination: '*' },
  // "Relates a StoryMap Theme to the StoryMaps that use the theme" (Esri's Maps SDK, PortalItemRelationship).
  Theme2Story: { origin: ['StoryMap Theme'], destination: ['StoryMap'] },
  TrackView2Map: { origin: '*', destination: ['Web Map'] },
  // "Relates a Web Map to a Workforce Feature Service" (Esri's Maps SDK, PortalItemRelationship).
  WorkforceMap2FeatureService: { origin: ['Web Map'], destination: ['Feature Service'] },
  MobileApp2Code: { origin: ['Mobile Application'], destination: ['Code Attachment'] },
  WMA2Code: { origin: ['Web Mapping Application'], destination: ['Code Attachment'] },
  APIKey2Item: { origin: ['API Key'], destination: '*' },
  // Named by Esri's relationship types page or its clients (the Maps SDKs' PortalItemRelationship) but not by rest-js's
  // ItemRelationshipType; ends from those descriptions where they name item types, `*` where they do not.
  Map2App: { origin: ['Web Map'], destination: '*' },
  Listed2Provisioned: { origin: '*', destination: '*' },
  Style2Style: { origin: ['Vector Tile Service'], destination: ['Style'] },
  WebStyle2DesktopStyle: { origin: ['Style'], destination: ['Desktop Style'] },
  Service2Route: { origin: ['Feature Service'], destination: ['Route Layer'] },
  SurveyAddIn2Data: { origin: ['Survey123 Add In'], destination: '*' },
  App2DependentApp: { origin: '*', destination: '*' },
  Map2IndoorsConfig: { origin: ['Web Map'], destination: '*' }
} as const satisfies Partial<Record<ItemRelationshipType | string, RelationshipEnds>>;

function allows(end: RelationshipEnd, itemType: string): boolean {
  return end === '*' || end.includes(itemType);
}

/**
 * Whether an item of `itemType` can be at the `direction` end of `relationshipType`: forward asks for the items it is
 * the origin of, reverse for those it is the destination of. With `otherType`, also whether the item at the other
 * end can be of that type.
 */
export function canRelate(relationshipType: keyof typeof RELATIONSHIP_ENDS, direction: 'forward' | 'reverse', itemType: string, otherType?: string): boolean {
  const ends: RelationshipEnds = RELATIONSHIP_ENDS[relationshipType];
  const [own, other] = direction === 'forward' ? [ends.origin, ends.destination] : [ends.destination, ends.origin];
  return allows(own, itemType) && (otherType === undefined || allows(other, otherType));
}
