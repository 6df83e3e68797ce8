/**
 * Survey123 form. A placeholder: the Survey123 work (issue 13: views, the form's service and its submission and
 * results views) fills in where a form keeps its service and what restore does with it. Until then the form's JSON
 * resources and data are walked generically.
 */
import type { ItemTypeSpec } from './item-type.types.js';

export const form: ItemTypeSpec = {
  key: 'form',
  label: 'Survey123 form',
  types: ['Form'],
  rank: 3,
  parts: { data: 'none', describe: ['resources: form.json (web designer), <form>.xlsx and <form>.webform (Survey123 Connect), media/*'] },
  references: [],
  relationships: ['Survey2Service', 'Survey2Data'],
  limitations: []
};
