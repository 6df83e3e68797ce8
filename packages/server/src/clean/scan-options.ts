/**
 * The scan types and their options: one definition per type that the REST API publishes (`GET /api/clean/scan-types`),
 * the CLI parses `--option k=v` against, and every start of a scan (API, CLI, schedules) is validated by.
 */
import { AppError } from '../errors/app-error.js';
import { MAX_PATTERN_CHARS, PATTERN_SYNTAX_HELP, textPatternProblem } from './text-pattern.js';
import { SCAN_TYPES, type OptionSpec, type ScanJobParams, type ScanOptions, type ScanType, type ScanTypeInfo } from './clean.types.js';

// The published shapes live in clean.types.ts (the web app imports them); re-exported for existing importers.
export type { OptionKind, OptionSpec, ScanOptions, ScanTypeInfo } from './clean.types.js';

const days = (label: string, description: string, fallback: number): OptionSpec => ({
  name: 'days',
  kind: 'integer',
  label,
  description,
  default: fallback,
  min: 1,
  max: 36500
});
const flag = (name: string, label: string, description: string): OptionSpec => ({ name, kind: 'boolean', label, description, default: true });

export const SCAN_TYPE_INFO: Record<ScanType, ScanTypeInfo> = {
  'stale-items': {
    type: 'stale-items',
    title: 'Stale items',
    description: 'Items not modified for N days that nobody views: no views at all, or a view count unchanged since an earlier scan at least N days ago.',
    options: [
      days('Days', 'Report items not modified (and not viewed) for at least this many days.', 365),
      { name: 'types', kind: 'string-list', label: 'Item types', description: 'Only items of these types (e.g. Web Map, CSV); empty: every type.', default: [] },
      { name: 'owners', kind: 'string-list', label: 'Owners', description: 'Only items of these owners (usernames); empty: every owner.', default: [] }
    ]
  },
  'inactive-users': {
    type: 'inactive-users',
    title: 'Inactive users',
    description: 'Members who have not signed in for N days, never signed in although created N days ago, and disabled members who still own content or hold a license.',
    options: [
      days('Days', 'Report members whose last sign-in (or creation, for those who never signed in) is at least this many days ago.', 365),
      flag('disabled', 'Disabled members', 'Report disabled members who still own items or hold a user type license.')
    ]
  },
  'broken-links': {
    type: 'broken-links',
    title: 'Broken links',
    description:
      "Web maps, scenes, apps, dashboards, StoryMaps and Experience Builder apps whose layers, tables or referenced items no longer resolve (by item id and by service URL in the organization's servers).",
    options: [
      { name: 'types', kind: 'string-list', label: 'Item types', description: 'Only check items of these types; empty: every type that references others.', default: [] }
    ]
  },
  'text-search': {
    type: 'text-search',
    title: 'Text search',
    description: 'A string or regular expression in titles, summaries, descriptions, tags, item data (JSON) and the field names and aliases of hosted layers.',
    options: [
      {
        name: 'text',
        kind: 'string',
        label: 'Text',
        description: `What to look for (a plain string, or a regular expression with regex=true), at most ${MAX_PATTERN_CHARS} characters.`,
        required: true,
        maxLength: MAX_PATTERN_CHARS
      },
      { name: 'regex', kind: 'boolean', label: 'Regular expression', description: `Treat the text as a regular expression: ${PATTERN_SYNTAX_HELP}`, default: false },
      { name: 'caseSensitive', kind: 'boolean', label: 'Case sensitive', description: 'Match upper and lower case exactly.', default: false },
      flag('inTitle', 'Titles', 'Search item titles.'),
      flag('inSummary', 'Summaries', 'Search item summaries (snippet).'),
      flag('inDescription', 'Descriptions', 'Search item descriptions.'),
      flag('inTags', 'Tags', 'Search item tags.'),
      flag('inData', 'Item data', 'Search the JSON data of maps, apps, dashboards and other JSON items.'),
      flag('inFields', 'Layer fields', 'Search the field names and aliases of hosted feature layers and tables.')
    ]
  },
  'missing-metadata': {
    type: 'missing-metadata',
    title: 'Missing metadata',
    description: 'Items without a description, summary, tags, thumbnail, terms of use (license) or credits.',
    options: [
      flag('description', 'Description', 'Report items without a description.'),
      flag('snippet', 'Summary', 'Report items without a summary.'),
      flag('tags', 'Tags', 'Report items without tags.'),
      flag('thumbnail', 'Thumbnail', 'Report items without a thumbnail.'),
      flag('licenseInfo', 'Terms of use', 'Report items without terms of use (license info).'),
      flag('accessInformation', 'Credits', 'Report items without credits (attribution).'),
      { name: 'types', kind: 'string-list', label: 'Item types', description: 'Only items of these types; empty: every type.', default: [] }
    ]
  },
  'over-shared': {
    type: 'over-shared',
    title: 'Over-shared content',
    description: 'Items shared publicly, public hosted layers that anonymous users can edit, and public groups.',
    options: [
      flag('publicItems', 'Public items', 'Report items shared with everyone.'),
      flag('publicEditable', 'Publicly editable layers', 'Report public hosted feature layers whose capabilities allow adding, updating or deleting features.'),
      flag('publicGroups', 'Public groups', 'Report groups visible to everyone.')
    ]
  },
  duplicates: {
    type: 'duplicates',
    title: 'Duplicates',
    description: 'Items with the same title, type and owner, and items whose data is byte-for-byte identical.',
    options: [
      flag('byTitle', 'Same title, type and owner', 'Report items that share title, type and owner.'),
      flag('byData', 'Identical data', "Report items whose data (file or JSON) is identical. Reads every item's data."),
      { name: 'maxDataMb', kind: 'number', label: 'Largest item to compare (MB)', description: 'Items larger than this are not downloaded to compare their data.', default: 100, min: 0, max: 100000 }
    ]
  },
  groups: {
    type: 'groups',
    title: 'Groups',
    description: 'Empty groups (no members besides the owner and no items), groups whose only member is the owner, groups with no content, and groups whose owner is disabled.',
    options: [
      flag('empty', 'Empty', 'Report groups with no other members and no items.'),
      flag('singleMember', 'Single member', 'Report groups (with items) whose only member is the owner.'),
      flag('noContent', 'No content', 'Report groups (with members) that no item is shared with.'),
      flag('ownerDisabled', 'Owner disabled', 'Report groups whose owner is disabled.')
    ]
  },
  storage: {
    type: 'storage',
    title: 'Storage',
    description:
      'The largest items and owners with their estimated monthly credit cost in ArcGIS Online (hosted feature storage and file storage priced separately).',
    options: [
      { name: 'minItemMb', kind: 'number', label: 'Item size (MB)', description: 'Report items at least this large.', default: 10, min: 0, max: 10_000_000 },
      { name: 'minOwnerMb', kind: 'number', label: 'Owner total (MB)', description: 'Report owners whose items add up to at least this much.', default: 1024, min: 0, max: 10_000_000 },
      { name: 'top', kind: 'integer', label: 'Top N in the summary', description: 'How many of the largest items and owners the summary lists.', default: 20, min: 1, max: 1000 },
      {
        name: 'maxSizeLookups',
        kind: 'integer',
        label: 'Items asked for their size',
        description: "Sizes come from each owner's content listing (search reports none); items no listing gives are asked one by one, at most this many (one request each).",
        default: 500,
        min: 0,
        max: 100_000
      }
    ]
  }
};

export function isScanType(value: unknown): value is ScanType {
  return typeof value === 'string' && (SCAN_TYPES as readonly string[]).includes(value);
}

/** Checks and normalises a scan's type and options (defaults filled in); throws AppError('validation_failed') naming the field. */
export function validateScanRequest(input: unknown): ScanJobParams {
  const body = (input ?? {}) as { type?: unknown; options?: unknown };
  if (!isScanType(body.type)) {
    throw AppError.validation({ type: `The scan type must be one of ${SCAN_TYPES.join(', ')}${body.type === undefined ? '' : `, not "${String(body.type)}"`}.` });
  }
  const info = SCAN_TYPE_INFO[body.type];
  const raw = body.options ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw AppError.validation({ options: 'The options must be an object of option names and values.' });
  const given = raw as Record<string, unknown>;
  const fields: Record<string, string> = {};
  const options: ScanOptions = {};
  for (const name of Object.keys(given)) {
    if (!info.options.some((o) => o.name === name)) {
      fields[`options.${name}`] = `The ${info.title.toLowerCase()} scan has no option "${name}"; its options are ${info.options.map((o) => o.name).join(', ')}.`;
    }
  }
  for (const spec of info.options) {
    const value = given[spec.name];
    if (value === undefined || value === null || value === '') {
      if (spec.required) fields[`options.${spec.name}`] = `${spec.label} is required for a ${info.title.toLowerCase()} scan.`;
      else if (spec.default !== undefined) options[spec.name] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
      continue;
    }
    const checked = checkOption(spec, value);
    if (typeof checked === 'string') fields[`options.${spec.name}`] = checked;
    else options[spec.name] = checked.value;
  }
  if (body.type === 'text-search' && options.regex === true && typeof options.text === 'string' && !fields['options.text']) {
    const problem = textPatternProblem(options.text);
    if (problem) fields['options.text'] = problem;
  }
  if (Object.keys(fields).length > 0) throw AppError.validation(fields);
  return { type: body.type, options };
}

function checkOption(spec: OptionSpec, value: unknown): { value: ScanOptions[string] } | string {
  switch (spec.kind) {
    case 'integer':
    case 'number': {
      const n = typeof value === 'string' ? Number(value.trim()) : value;
      if (typeof n !== 'number' || !Number.isFinite(n) || (spec.kind === 'integer' && !Number.isInteger(n))) {
        return `${spec.label} must be a ${spec.kind === 'integer' ? 'whole number' : 'number'}.`;
      }
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) return `${spec.label} must be from ${spec.min} to ${spec.max}.`;
      return { value: n };
    }
    case 'boolean': {
      if (typeof value === 'boolean') return { value };
      if (typeof value === 'string' && /^(true|false|yes|no|1|0)$/i.test(value.trim())) return { value: /^(true|yes|1)$/i.test(value.trim()) };
      return `${spec.label} must be true or false.`;
    }
    case 'string': {
      if (typeof value !== 'string') return `${spec.label} must be text.`;
      if (spec.maxLength !== undefined && value.length > spec.maxLength) return `${spec.label} must be at most ${spec.maxLength} characters.`;
      return { value };
    }
    case 'string-list': {
      const list = typeof value === 'string' ? value.split(',') : value;
      if (!Array.isArray(list) || list.some((v) => typeof v !== 'string')) return `${spec.label} must be a list of text values (comma-separated on the command line).`;
      const cleaned = (list as string[]).map((v) => v.trim()).filter((v) => v !== '');
      if (cleaned.length > 200 || cleaned.some((v) => v.length > 200)) return `${spec.label} may hold at most 200 values of at most 200 characters.`;
      return { value: cleaned };
    }
  }
}

/** JSON schema of a scan request body (type and options); options are checked by validateScanRequest. */
export const scanRequestSchema = {
  type: 'object',
  required: ['type'],
  additionalProperties: false,
  properties: {
    type: { type: 'string', enum: [...SCAN_TYPES] },
    options: { type: 'object' }
  }
} as const;
