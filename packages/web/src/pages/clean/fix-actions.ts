// The fix actions the Clean section offers on selected findings: what each is called, what it applies to, the options
// it asks for, and how the form's values become the request's options (the server checks them again).
import type { FixAction, FixOptions, TargetKind } from '../../api/clean.api';
import { splitList } from './option-values';

export type FixOptionName = 'overrideProtection' | 'permanentDelete' | 'targetUsername' | 'targetFolder' | 'folder' | 'from' | 'groups' | 'tags' | 'message';

export interface FixOptionField {
  name: FixOptionName;
  kind: 'text' | 'list' | 'boolean' | 'from';
  label: string;
  help: string;
  required?: boolean;
}

export interface FixActionInfo {
  action: FixAction;
  label: string;
  description: string;
  /** The kinds of finding it acts on; other findings are skipped by the server, with the reason. */
  targets: TargetKind[];
  /** Changes nothing in ArcGIS (no backup, no undo). */
  nonChanging?: boolean;
  /** Deletes something: the preview asks for an extra confirmation. */
  destructive?: boolean;
  fields: FixOptionField[];
}

export const FIX_ACTIONS: readonly FixActionInfo[] = [
  {
    action: 'mark-deprecated',
    label: 'Mark deprecated',
    description: "Sets the items' content status to Deprecated, so ArcGIS shows them as such.",
    targets: ['item'],
    fields: []
  },
  {
    action: 'add-tags',
    label: 'Add tags',
    description: 'Adds tags to the items (tags already there are kept).',
    targets: ['item'],
    fields: [{ name: 'tags', kind: 'list', label: 'Tags to add', help: 'Comma-separated, e.g. review, cleanup-2026.', required: true }]
  },
  {
    action: 'protect',
    label: 'Enable delete protection',
    description: 'Protects the items from being deleted.',
    targets: ['item'],
    fields: []
  },
  {
    action: 'unshare',
    label: 'Change sharing',
    description: 'Stops sharing items (or a group) with everyone, with the organization, or with groups.',
    targets: ['item', 'group'],
    fields: [
      { name: 'from', kind: 'from', label: 'Stop sharing with', help: 'Everyone: public becomes organization. Organization: only groups and the owner keep access.' },
      { name: 'groups', kind: 'list', label: 'Group ids', help: 'Only when stopping sharing with groups: comma-separated group ids; empty means every group.' }
    ]
  },
  {
    action: 'move',
    label: 'Move to a folder',
    description: "Moves the items into one of their owner's folders (created when missing).",
    targets: ['item'],
    fields: [{ name: 'folder', kind: 'text', label: 'Folder', help: 'The folder title or id; / is the root folder.', required: true }]
  },
  {
    action: 'reassign',
    label: 'Reassign owner',
    description: 'Gives the items to another member, into one of their folders.',
    targets: ['item'],
    fields: [
      { name: 'targetUsername', kind: 'text', label: 'New owner', help: 'The username of the member who receives the items.', required: true },
      { name: 'targetFolder', kind: 'text', label: 'Their folder', help: "A folder title in the new owner's content (created when missing); empty: their root folder." }
    ]
  },
  {
    action: 'delete-items',
    label: 'Delete items',
    description:
      'Deletes the items. Delete-protected items are skipped unless you override the protection. Where ArcGIS Online\u2019s recycle bin is on, the items go there (the preview says per item, and until when), and Undo brings them back with their ids.',
    targets: ['item'],
    destructive: true,
    fields: [
      { name: 'overrideProtection', kind: 'boolean', label: 'Override delete protection', help: 'Remove the protection of protected items, then delete them.' },
      {
        name: 'permanentDelete',
        kind: 'boolean',
        label: 'Delete permanently (skip the recycle bin)',
        help: 'The items do not go to ArcGIS Online\u2019s recycle bin: Undo then recreates them from the backup with new ids, and references to them are rewritten.'
      }
    ]
  },
  {
    action: 'disable-users',
    label: 'Disable users',
    description: 'Disables the members; they can no longer sign in. Their content stays.',
    targets: ['user'],
    fields: []
  },
  {
    action: 'transfer-and-delete-user',
    label: 'Transfer content, then delete user',
    description: "Gives the members' items and groups to another member, then deletes their accounts (a deleted account cannot be brought back).",
    targets: ['user'],
    destructive: true,
    fields: [
      { name: 'targetUsername', kind: 'text', label: 'New owner', help: 'The username of the member who receives the content and groups.', required: true },
      { name: 'targetFolder', kind: 'text', label: 'Their folder', help: 'One folder for everything; empty: folders named like the old ones.' }
    ]
  },
  {
    action: 'notify-owners',
    label: 'Email the owners',
    description: 'Sends each owner one email listing their findings. Changes nothing in ArcGIS.',
    targets: ['item', 'user', 'group'],
    nonChanging: true,
    fields: [{ name: 'message', kind: 'text', label: 'Note to the owners', help: 'Put at the top of each email, e.g. what to do by when.' }]
  }
];

export function fixActionInfo(action: string): FixActionInfo | undefined {
  return FIX_ACTIONS.find((info) => info.action === action);
}

export function fixActionLabel(action: string): string {
  return fixActionInfo(action)?.label ?? action;
}

/** The actions that fit at least one of the selected findings' kinds. */
export function actionsFor(kinds: ReadonlySet<TargetKind>): FixActionInfo[] {
  return FIX_ACTIONS.filter((info) => info.targets.some((kind) => kinds.has(kind)));
}

export type FixFormValues = Partial<Record<FixOptionName, string | boolean>>;

/** The request's options from the form, or a message per field that must be filled in. */
export function toFixOptions(info: FixActionInfo, values: FixFormValues): { options: FixOptions; errors: Partial<Record<FixOptionName, string>> } {
  const options: FixOptions = {};
  const errors: Partial<Record<FixOptionName, string>> = {};
  for (const field of info.fields) {
    const raw = values[field.name];
    if (field.kind === 'boolean') {
      if (raw === true && (field.name === 'overrideProtection' || field.name === 'permanentDelete')) options[field.name] = true;
      continue;
    }
    const text = typeof raw === 'string' ? raw.trim() : '';
    if (text === '') {
      if (field.required) errors[field.name] = `${field.label} is required for ${info.label.toLowerCase()}.`;
      continue;
    }
    switch (field.name) {
      case 'from':
        if (text === 'everyone' || text === 'org' || text === 'groups') options.from = text;
        break;
      case 'groups':
      case 'tags': {
        const list = splitList(text);
        if (list.length > 0) options[field.name] = list;
        break;
      }
      case 'targetUsername':
      case 'targetFolder':
      case 'folder':
      case 'message':
        options[field.name] = text;
        break;
      default:
        break;
    }
  }
  // Groups only mean something when unsharing from groups.
  if (info.action === 'unshare' && options.from !== 'groups') delete options.groups;
  return { options, errors };
}

/** A value from a preview or result (before/after) in words. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined || value === '') return '(none)';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.map((v) => describeValue(v)).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
