/**
 * ArcGIS Survey123 surveys for the seeds: one survey design (questions, repeats, choices, settings) gives the files of
 * its Form item and the schema of its hosted feature service, so the form and the service always agree.
 *
 * What Survey123 publishes, as far as Esri's public material shows it (Survey123 documentation and blogs, Esri's
 * hub.js and solution.js mocks, the ArcGIS API for Python's survey123 module): a `Form` item (type keywords
 * `Form`, `Survey123`, `xForm`, plus `Survey123 Connect` or, for the web designer, `Survey123 Hub`) whose data is a
 * ZIP of the survey (the XForm `.xml`, the Survey123 web app's `.webform`, the `.info` and `.itemInfo` JSON, the
 * XLSForm `.xlsx` for Connect surveys, `media/` files) under `esriinfo/`; a hosted feature service with the survey
 * layer and one related table per repeat (GlobalID keys: the repeat's `parentglobalid` holds the parent's
 * `globalid`), image questions stored as attachments whose keywords name the question. Esri documents no exact
 * file list of the ZIP or of the item's resources; the emulator's layout is documented in SEED-FORMAT.md.
 */
import { type ViewLayerSpec } from '../features/hosted-view.factory.js';
import { type AttachmentSpec, type Domain, type Feature, type FieldSpec, type FieldType, type LayerSpec, type RelationshipDef } from '../features/types.js';
import { zip } from './assets.js';

export interface SurveyQuestion {
  /** XLSForm type: text, integer, decimal, date, dateTime, select_one <list>, image, geopoint, note, begin repeat, end repeat. */
  type: string;
  name: string;
  label: string;
  required?: boolean;
  appearance?: string;
  hint?: string;
  /** XLSForm `bind::esri:fieldLength` (text fields; Survey123's default is 255). */
  fieldLength?: number;
  /** XLSForm `default`: also the field's default value in the service. */
  default?: string;
}

export interface SurveyChoice {
  list: string;
  name: string;
  label: string;
}

export interface SurveyDesign {
  title: string;
  /** XLSForm `form_id`: the name of the survey layer. */
  formId: string;
  version: string;
  questions: SurveyQuestion[];
  choices: SurveyChoice[];
  /** XLSForm `submission_url`: where the form submits (a view of the survey's service); default the service. */
  submissionUrl?: string;
  /** The survey's style (`settings` sheet), e.g. `pages`. */
  style?: string;
}

/** A choice list of the XLSForm `choices` sheet: `[name, label]` pairs. */
export function choices(list: string, entries: [string, string][]): SurveyChoice[] {
  return entries.map(([name, label]) => ({ list, name, label }));
}

// ---------------------------------------------------------------------------------------------------- schema

export interface SurveyTable {
  name: string;
  /** The repeat's label. */
  label: string;
  fields: FieldSpec[];
  /** Image questions of this level (stored as attachments, keywords = the question name). */
  images: string[];
}

/** The feature service schema Survey123 publishes for a design: the survey layer (level 0) and a table per repeat. */
export function surveySchema(design: SurveyDesign): { layer: SurveyTable; repeats: SurveyTable[] } {
  const domains = new Map<string, Domain>();
  for (const c of design.choices) {
    const d = (domains.get(c.list) as { type: 'codedValue'; name: string; codedValues: { name: string; code: string }[] } | undefined) ?? {
      type: 'codedValue' as const,
      name: `cvd_${c.list}`,
      codedValues: []
    };
    d.codedValues.push({ name: c.label, code: c.name });
    domains.set(c.list, d);
  }
  const layer: SurveyTable = { name: design.formId, label: design.title, fields: [], images: [] };
  const repeats: SurveyTable[] = [];
  const stack: SurveyTable[] = [layer];
  for (const q of design.questions) {
    const level = stack[stack.length - 1]!;
    if (q.type === 'begin repeat') {
      const table: SurveyTable = { name: q.name, label: q.label, fields: [{ name: 'parentglobalid', type: 'esriFieldTypeGUID', alias: 'ParentGlobalID' }], images: [] };
      repeats.push(table);
      stack.push(table);
      continue;
    }
    if (q.type === 'end repeat') {
      stack.pop();
      continue;
    }
    if (q.type === 'image') {
      level.images.push(q.name);
      continue;
    }
    const field = fieldFor(q, domains);
    if (field) level.fields.push(field);
  }
  return { layer, repeats };
}

/** The rows a survey's service starts with: per level (0: the survey layer, then each repeat), features and photos. */
export interface SurveyRows {
  features: Feature[][];
  /** Attachments by objectId, per level. */
  photos: Record<number, AttachmentSpec[]>[];
  /** The survey layer's display field. */
  displayField: string;
}

/**
 * The layers of a survey's hosted service as Survey123 publishes them: the survey layer (0, points) and a table per
 * repeat (1, 2, ...), each with `objectid`, `globalid`, the questions' fields and editor tracking, the repeats related
 * to their parent by `parentglobalid` -> `globalid` (composite, one to many, named `<layer>_<repeat>`).
 */
export function surveyLayers(design: SurveyDesign, rows: SurveyRows): { layers: LayerSpec[]; tables: LayerSpec[] } {
  const { layer, repeats } = surveySchema(design);
  const fields = (table: SurveyTable): FieldSpec[] => [
    { name: 'objectid', type: 'esriFieldTypeOID', alias: 'ObjectID' },
    { name: 'globalid', type: 'esriFieldTypeGlobalID', alias: 'GlobalID' },
    ...table.fields
  ];
  const relationship = (id: number, role: 'origin' | 'destination', related: number, name: string): RelationshipDef => ({
    id,
    name,
    relatedTableId: related,
    cardinality: 'esriRelCardinalityOneToMany',
    role: role === 'origin' ? 'esriRelRoleOrigin' : 'esriRelRoleDestination',
    keyField: role === 'origin' ? 'globalid' : 'parentglobalid',
    composite: true
  });
  // Image questions are stored as attachments of their level.
  const withPhotos = (level: number) => (Object.keys(rows.photos[level] ?? {}).length > 0 ? { attachments: rows.photos[level] } : {});
  return {
    layers: [
      {
        id: 0,
        name: layer.name,
        geometryType: 'esriGeometryPoint',
        displayField: rows.displayField,
        editorTracking: true,
        hasAttachments: layer.images.length > 0,
        fields: fields(layer),
        relationships: repeats.map((r, i) => relationship(i, 'origin', i + 1, `${layer.name}_${r.name}`)),
        features: rows.features[0] ?? [],
        ...withPhotos(0)
      }
    ],
    tables: repeats.map((r, i) => ({
      id: i + 1,
      name: r.name,
      editorTracking: true,
      hasAttachments: r.images.length > 0,
      fields: fields(r),
      relationships: [relationship(i, 'destination', 0, `${layer.name}_${r.name}`)],
      features: rows.features[i + 1] ?? [],
      ...withPhotos(i + 1)
    }))
  };
}

/** The layers of a view of a survey's service: the survey layer (with its definition query and hidden fields) and the repeats. */
export function surveyViewLayers(serviceName: string, design: SurveyDesign, layer0: { viewDefinitionQuery?: string; hiddenFields?: string[] } = {}): ViewLayerSpec[] {
  const { repeats } = surveySchema(design);
  return [
    { id: 0, sourceServiceName: serviceName, sourceLayerId: 0, ...layer0 },
    ...repeats.map((_, i) => ({ id: i + 1, sourceServiceName: serviceName, sourceLayerId: i + 1 }))
  ];
}

function fieldFor(q: SurveyQuestion, domains: Map<string, Domain>): FieldSpec | undefined {
  const [kind, list] = q.type.split(/\s+/);
  const base = { name: q.name, alias: q.label, ...(q.default !== undefined ? { defaultValue: q.default } : {}) };
  const types: Record<string, FieldType> = { integer: 'esriFieldTypeInteger', decimal: 'esriFieldTypeDouble', date: 'esriFieldTypeDate', dateTime: 'esriFieldTypeDate' };
  if (kind === 'text') return { ...base, type: 'esriFieldTypeString', length: q.fieldLength ?? 255 };
  if (kind === 'select_one') return { ...base, type: 'esriFieldTypeString', length: q.fieldLength ?? 255, domain: domains.get(list ?? '') ?? null };
  if (kind && types[kind]) return { ...base, type: types[kind] };
  return undefined; // notes, geopoint (the geometry), images (attachments)
}

// ---------------------------------------------------------------------------------------------------- form files

const xml = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);

const BIND_TYPES: Record<string, string> = {
  text: 'string',
  integer: 'int',
  decimal: 'decimal',
  date: 'date',
  dateTime: 'dateTime',
  select_one: 'select1',
  image: 'binary',
  geopoint: 'geopoint',
  note: 'string'
};

/** The XForm (ODK XForms, as Survey123 Connect converts an XLSForm), submitting to `submissionUrl`. */
export function xform(design: SurveyDesign, submissionUrl: string): string {
  const instance: string[] = [];
  const binds: string[] = [];
  const body: string[] = [];
  const path: string[] = [design.formId];
  const choicesOf = (list: string) => design.choices.filter((c) => c.list === list);
  for (const q of design.questions) {
    const ref = `/${[...path, q.name].join('/')}`;
    if (q.type === 'begin repeat') {
      instance.push(`<${q.name} jr:template="">`);
      body.push(`<group ref="${ref}"><label>${xml(q.label)}</label><repeat nodeset="${ref}">`);
      path.push(q.name);
      continue;
    }
    if (q.type === 'end repeat') {
      instance.push(`</${path.pop()!}>`);
      body.push('</repeat></group>');
      continue;
    }
    instance.push(q.default !== undefined ? `<${q.name}>${xml(q.default)}</${q.name}>` : `<${q.name}/>`);
    const [kind, list] = q.type.split(/\s+/);
    const field = kind === 'text' || kind === 'select_one' ? ` esri:fieldType="esriFieldTypeString" esri:fieldLength="${q.fieldLength ?? 255}"` : '';
    binds.push(`<bind nodeset="${ref}" type="${BIND_TYPES[kind ?? ''] ?? 'string'}"${q.required ? ' required="true()"' : ''}${kind === 'note' ? ' readonly="true()"' : ''}${field}/>`);
    const label = `<label>${xml(q.label)}</label>${q.hint ? `<hint>${xml(q.hint)}</hint>` : ''}`;
    const appearance = q.appearance ? ` appearance="${xml(q.appearance)}"` : '';
    if (kind === 'select_one') {
      body.push(`<select1 ref="${ref}"${appearance}>${label}${choicesOf(list ?? '').map((c) => `<item><label>${xml(c.label)}</label><value>${xml(c.name)}</value></item>`).join('')}</select1>`);
    } else if (kind === 'image') {
      body.push(`<upload mediatype="image/*" ref="${ref}"${appearance}>${label}</upload>`);
    } else {
      body.push(`<input ref="${ref}"${appearance}>${label}</input>`);
    }
  }
  return (
    '<?xml version="1.0"?>\n' +
    '<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:ev="http://www.w3.org/2001/xml-events" xmlns:h="http://www.w3.org/1999/xhtml" ' +
    'xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms" xmlns:odk="http://www.opendatakit.org/xforms" ' +
    'xmlns:esri="http://esri.com/xforms" xmlns:xsd="http://www.w3.org/2001/XMLSchema">' +
    `<h:head><h:title>${xml(design.title)}</h:title><model><instance><${design.formId} id="${design.formId}" version="${xml(design.version)}">` +
    `${instance.join('')}<meta><instanceID/><instanceName/></meta></${design.formId}></instance>` +
    `${binds.join('')}<bind jr:preload="uid" nodeset="/${design.formId}/meta/instanceID" readonly="true()" type="string"/>` +
    `<submission action="${xml(submissionUrl)}" method="post" orx:auto-send="true"/></model></h:head>` +
    `<h:body${design.style ? ` class="${xml(design.style)}"` : ''}>${body.join('')}</h:body></h:html>\n`
  );
}

/** The Survey123 web app's `.webform`: the form as HTML and its data model, as the web app renders it. */
export function webform(design: SurveyDesign, submissionUrl: string): string {
  const inputs = design.questions
    .filter((q) => !q.type.endsWith('repeat') && q.type !== 'note')
    .map((q) => `<label class="question"><span class="question-label">${xml(q.label)}</span><input type="text" name="/${design.formId}/${q.name}"/></label>`)
    .join('');
  return JSON.stringify({
    form: `<form autocomplete="off" novalidate="novalidate" class="or clearfix" dir="ltr" data-form-id="${design.formId}"><h3 id="form-title">${xml(design.title)}</h3>${inputs}</form>`,
    model: xform(design, submissionUrl).replace(/^[\s\S]*?(<model>[\s\S]*<\/model>)[\s\S]*$/, '$1'),
    submissionUrl,
    transformerVersion: '3.2.0'
  });
}

/** The XLSForm (survey, choices and settings sheets) as an .xlsx workbook. */
export function xlsform(design: SurveyDesign, submissionUrl: string): Buffer {
  const survey = [['type', 'name', 'label', 'hint', 'required', 'appearance', 'default', 'bind::esri:fieldLength']];
  for (const q of design.questions) {
    survey.push([q.type, q.name, q.label, q.hint ?? '', q.required ? 'yes' : '', q.appearance ?? '', q.default ?? '', q.fieldLength ? String(q.fieldLength) : '']);
  }
  const choices = [['list_name', 'name', 'label'], ...design.choices.map((c) => [c.list, c.name, c.label])];
  const settings = [
    ['form_title', 'form_id', 'version', 'instance_name', 'submission_url', 'style'],
    [design.title, design.formId, design.version, '', submissionUrl, design.style ?? '']
  ];
  return xlsx([
    { name: 'survey', rows: survey },
    { name: 'choices', rows: choices },
    { name: 'settings', rows: settings }
  ]);
}

/** A minimal Office Open XML workbook with inline strings (opens in Excel and LibreOffice). */
export function xlsx(sheets: { name: string; rows: string[][] }[]): Buffer {
  const col = (i: number) => String.fromCharCode(65 + i);
  const sheetXml = (rows: string[][]) =>
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' +
    rows
      .map(
        (row, r) =>
          `<row r="${r + 1}">${row
            .map((value, c) => (value === '' ? '' : `<c r="${col(c)}${r + 1}" t="inlineStr"><is><t>${xml(value)}</t></is></c>`))
            .join('')}</row>`
      )
      .join('') +
    '</sheetData></worksheet>';
  const files = [
    {
      name: '[Content_Types].xml',
      data:
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
        sheets.map((_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`).join('') +
        '</Types>'
    },
    {
      name: '_rels/.rels',
      data:
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    },
    {
      name: 'xl/workbook.xml',
      data:
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>' +
        sheets.map((s, i) => `<sheet name="${xml(s.name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('') +
        '</sheets></workbook>'
    },
    {
      name: 'xl/_rels/workbook.xml.rels',
      data:
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        sheets.map((_, i) => `<Relationship Id="rId${i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join('') +
        '</Relationships>'
    },
    ...sheets.map((s, i) => ({ name: `xl/worksheets/sheet${i + 1}.xml`, data: sheetXml(s.rows) }))
  ];
  return zip(files.map((f) => ({ name: f.name, data: Buffer.from(f.data, 'utf8') })));
}

/**
 * The Survey123 web designer's survey definition (`form.json`, the JSON the Survey123 Web Form JavaScript API
 * returns from `getForm()`: portalUrl, layerName, header, questions, submit, footer, version, ...).
 */
export function webDesignerForm(design: SurveyDesign, portalUrl: string): Record<string, unknown> {
  let id = 0;
  const questions: Record<string, unknown>[] = [];
  const stack: Record<string, unknown>[][] = [questions];
  for (const q of design.questions) {
    const level = stack[stack.length - 1]!;
    if (q.type === 'begin repeat') {
      const repeat = { id: `repeat_${++id}`, type: 'esriQuestionTypeRepeat', label: q.label, fieldName: q.name, questions: [] as Record<string, unknown>[] };
      level.push(repeat);
      stack.push(repeat.questions);
      continue;
    }
    if (q.type === 'end repeat') {
      stack.pop();
      continue;
    }
    const [kind, list] = q.type.split(/\s+/);
    const types: Record<string, string> = {
      text: 'esriQuestionTypeText',
      integer: 'esriQuestionTypeNumber',
      decimal: 'esriQuestionTypeNumber',
      date: 'esriQuestionTypeDate',
      dateTime: 'esriQuestionTypeDateTime',
      select_one: 'esriQuestionTypeSingleChoice',
      image: 'esriQuestionTypeImage',
      geopoint: 'esriQuestionTypeGeoPoint',
      note: 'esriQuestionTypeNote'
    };
    level.push({
      id: `field_${++id}`,
      type: types[kind ?? ''] ?? 'esriQuestionTypeText',
      label: q.label,
      fieldName: q.name,
      ...(q.hint ? { description: q.hint } : {}),
      validation: { required: !!q.required },
      ...(kind === 'select_one' ? { choiceList: design.choices.filter((c) => c.list === list).map((c) => ({ label: c.label, value: c.name })) } : {})
    });
  }
  return {
    portalUrl,
    layerName: design.formId,
    header: { isVisible: true, content: `<h1>${xml(design.title)}</h1>` },
    subHeader: { isVisible: false, content: '' },
    questions,
    submit: { buttonText: 'Submit', showPageNumber: true },
    footer: { isVisible: false, content: '' },
    settings: { openStatusInfo: { status: 'open' }, thankYouScreenContent: '<p>Thank you for your submission.</p>' },
    version: '3.23',
    locales: [{ code: 'en', isDefault: true }]
  };
}

/** The Form item's data: the survey's files under `esriinfo/`, as a ZIP. */
export function formPackage(files: { name: string; data: Buffer | string }[]): Buffer {
  return zip(files.map((f) => ({ name: `esriinfo/${f.name}`, data: Buffer.isBuffer(f.data) ? f.data : Buffer.from(f.data, 'utf8') })));
}
