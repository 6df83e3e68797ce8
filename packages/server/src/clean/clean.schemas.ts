/** JSON schemas of the Clean API's answers (clean.routes.ts, fixes/fix.routes.ts), checked against clean.types.ts. */
import { anyObject, anyOf, arrayOf, boolean, dateTime, described, integer, nullable, number, object, recordOf, string, stringEnum, type SchemaAgrees } from '../http/schema-kit.js';
import { SCAN_TYPES, type AllowlistEntryView, type FindingPage, type FindingTarget, type ScanComparison, type ScanTypeInfo, type ScanView } from './clean.types.js';

const scanType = stringEnum(SCAN_TYPES);
const targetKind = stringEnum(['item', 'user', 'group']);
const optionValue = anyOf(number, boolean, string, arrayOf(string));

export const scanTypesSchema = object({
  scanTypes: arrayOf(
    object({
      type: scanType,
      title: string,
      description: string,
      options: arrayOf(
        object(
          {
            name: string,
            kind: stringEnum(['integer', 'number', 'boolean', 'string', 'string-list']),
            label: string,
            description: string,
            default: optionValue,
            required: boolean,
            min: number,
            max: number,
            maxLength: integer
          },
          ['default', 'required', 'min', 'max', 'maxLength']
        )
      )
    })
  )
});

export const scanSchema = object({
  id: string,
  identityId: string,
  operationId: nullable(string),
  type: scanType,
  options: recordOf(optionValue),
  status: stringEnum(['running', 'succeeded', 'failed', 'cancelled']),
  message: nullable(string),
  summary: nullable(anyObject),
  findings: integer,
  allowlisted: integer,
  requests: integer,
  createdBy: string,
  startedAt: dateTime,
  finishedAt: nullable(dateTime)
});

export const scanListSchema = object({ scans: described('Newest first.', arrayOf(scanSchema)) });

export const findingTargetSchema = object(
  {
    kind: targetKind,
    id: described('Item or group id, or the username.', string),
    title: described('From ArcGIS: untrusted text.', string),
    type: string,
    owner: string,
    folderId: nullable(string),
    portalUrl: string
  },
  ['type', 'owner', 'folderId', 'portalUrl']
);

export const findingSchema = object(
  {
    key: described('The same problem on the same target has the same key in every scan.', string),
    id: string,
    scanId: string,
    scanType,
    target: findingTargetSchema,
    code: string,
    message: string,
    where: string,
    severity: stringEnum(['info', 'warning', 'critical']),
    details: anyObject
  },
  ['where', 'details']
);

export const findingPageSchema = object({ total: integer, start: integer, num: integer, nextStart: described('-1 on the last page.', integer), findings: arrayOf(findingSchema) });

export const scanComparisonSchema = object({
  from: scanSchema,
  to: scanSchema,
  counts: object({ new: integer, resolved: integer, open: integer }),
  new: arrayOf(findingSchema),
  resolved: arrayOf(findingSchema),
  open: arrayOf(findingSchema)
});

export const allowlistEntrySchema = object({
  id: string,
  identityId: string,
  scanType,
  findingKey: nullable(string),
  target: nullable(object({ kind: targetKind, id: string, title: nullable(string) })),
  code: nullable(string),
  reason: string,
  addedBy: string,
  addedAt: dateTime
});

export const allowlistSchema = object({ entries: arrayOf(allowlistEntrySchema) });

const agrees: [
  SchemaAgrees<typeof scanTypesSchema, { scanTypes: ScanTypeInfo[] }>,
  SchemaAgrees<typeof scanListSchema, { scans: ScanView[] }>,
  SchemaAgrees<typeof findingTargetSchema, FindingTarget>,
  SchemaAgrees<typeof findingPageSchema, FindingPage>,
  SchemaAgrees<typeof scanComparisonSchema, ScanComparison>,
  SchemaAgrees<typeof allowlistSchema, { entries: AllowlistEntryView[] }>
] = [true, true, true, true, true, true];
void agrees;
