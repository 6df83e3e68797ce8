/** Checking and normalising what a fix is asked to do (API body, CLI flags, operation params). */
import { AppError } from '../../errors/app-error.js';
import type { FixAction } from '../clean.types.js';
import { FIX_ACTIONS, type FixOptions, type FixRequest, type UnshareFrom } from './fix.types.js';

/** Checks and normalises a fix request (API body, CLI flags, operation params). */
export function validateFixRequest(input: unknown): FixRequest {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw AppError.validation({ action: 'Send a JSON object with scanId, findings and action.' });
  const raw = input as Record<string, unknown>;
  const fields: Record<string, string> = {};
  const scanId = typeof raw.scanId === 'string' ? raw.scanId.trim() : '';
  if (!scanId) fields.scanId = 'Name the scan whose findings to fix (scanId).';
  let findings: string[] | 'all' = [];
  if (raw.findings === 'all') findings = 'all';
  else if (Array.isArray(raw.findings) && raw.findings.every((f) => typeof f === 'string' && f.trim() !== '')) {
    findings = [...new Set((raw.findings as string[]).map((f) => f.trim()))];
    if (findings.length === 0) fields.findings = 'Select at least one finding, or "all".';
  } else fields.findings = 'Give the finding ids to fix as a list, or "all".';
  const action = raw.action as FixAction;
  if (!FIX_ACTIONS.includes(action)) fields.action = `Choose one of: ${FIX_ACTIONS.join(', ')}.`;
  const options = validateOptions(raw.options, fields);
  // Defaults are written out, so the same fix asked two ways has the same plan hash.
  if (action === 'unshare' && !options.from) options.from = 'everyone';
  if (raw.confirmNoBackup !== undefined && typeof raw.confirmNoBackup !== 'boolean') fields.confirmNoBackup = 'true or false.';
  if (raw.previewHash !== undefined && (typeof raw.previewHash !== 'string' || !/^[0-9a-f]{64}$/.test(raw.previewHash))) fields.previewHash = 'The hash of a preview (64 hexadecimal characters).';
  if (Object.keys(fields).length > 0) throw AppError.validation(fields);
  return {
    scanId,
    findings,
    action,
    options,
    ...(raw.confirmNoBackup === true ? { confirmNoBackup: true } : {}),
    ...(typeof raw.previewHash === 'string' ? { previewHash: raw.previewHash } : {})
  };
}

const OPTION_KEYS = ['overrideProtection', 'permanentDelete', 'targetUsername', 'targetFolder', 'folder', 'from', 'groups', 'tags', 'message'];

function validateOptions(input: unknown, fields: Record<string, string>): FixOptions {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    fields.options = 'options must be an object.';
    return {};
  }
  const raw = input as Record<string, unknown>;
  const out: FixOptions = {};
  for (const key of Object.keys(raw)) if (!OPTION_KEYS.includes(key)) fields[`options.${key}`] = `Unknown option; the options are ${OPTION_KEYS.join(', ')}.`;
  const text = (key: 'targetUsername' | 'targetFolder' | 'folder' | 'message', max: number) => {
    const value = raw[key];
    if (value === undefined) return;
    if (typeof value !== 'string' || value.trim() === '' || value.length > max) fields[`options.${key}`] = `A text of 1 to ${max} characters.`;
    else out[key] = value.trim();
  };
  text('targetUsername', 200);
  text('targetFolder', 200);
  text('folder', 200);
  text('message', 4000);
  if (raw.overrideProtection !== undefined) {
    if (typeof raw.overrideProtection !== 'boolean') fields['options.overrideProtection'] = 'true or false.';
    else out.overrideProtection = raw.overrideProtection;
  }
  if (raw.permanentDelete !== undefined) {
    if (typeof raw.permanentDelete !== 'boolean') fields['options.permanentDelete'] = 'true or false.';
    // false is the default: left out, so the same fix asked two ways has the same plan hash.
    else if (raw.permanentDelete) out.permanentDelete = true;
  }
  if (raw.from !== undefined) {
    if (raw.from !== 'everyone' && raw.from !== 'org' && raw.from !== 'groups') fields['options.from'] = 'One of everyone, org, groups.';
    else out.from = raw.from as UnshareFrom;
  }
  const list = (key: 'groups' | 'tags') => {
    const value = raw[key];
    if (value === undefined) return;
    if (!Array.isArray(value) || value.length > 500 || !value.every((v) => typeof v === 'string' && v.trim() !== '' && v.length <= 250 && !v.includes(','))) {
      fields[`options.${key}`] = 'A list of up to 500 non-empty texts without commas.';
    } else out[key] = value.map((v: string) => v.trim());
  };
  list('groups');
  list('tags');
  return out;
}
