/**
 * The checks of a schedule's input: its timing (a preset or a cron expression), time zone and action, and whether
 * its identity can be run unattended. Each adds a message to the form's `fields` saying what is wrong.
 */
import { Cron } from 'croner';
import { AppError } from '../errors/app-error.js';
import type { IdentityRow } from '../identities/identity.types.js';
import type { ScheduleAction } from './schedule.types.js';

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** A scheduled run signs in unattended: the identity must keep its credentials (or use IWA with a connected server). */
export function requireStoredCredentials(identity: IdentityRow): void {
  if (identity.auth_method === 'iwa') {
    if (identity.status_state !== 'connected') {
      throw new AppError('needs_sign_in', `"${identity.name}" is not connected (IWA). Connect it first, then schedule it.`);
    }
    return;
  }
  if (identity.store_credentials !== 1) {
    throw new AppError(
      'needs_sign_in',
      `"${identity.name}" does not keep its credentials in OrgKeeper, so a scheduled run could not sign in while nobody is there. Edit the identity, turn on "store credentials" and connect it again, then create the schedule.`
    );
  }
  if (identity.credentials === null || identity.status_state === 'needs_sign_in') {
    throw new AppError('needs_sign_in', `"${identity.name}" has no usable stored credentials (never connected, or its sign-in expired). Connect it again, then create the schedule.`);
  }
  if (!identity.org_id) throw new AppError('needs_sign_in', `"${identity.name}" has never connected, so its organization is not known yet. Connect it first.`);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function checkTimeZone(value: unknown, fields: Record<string, string>): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') {
    fields.timeZone = 'Give the time zone the times are in, e.g. "Europe/Zurich" or "UTC".';
    return undefined;
  }
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value.trim() }).resolvedOptions().timeZone;
  } catch {
    fields.timeZone = `"${value}" is not a time zone this server knows; use an IANA name such as "America/New_York" or "UTC".`;
    return undefined;
  }
}

/** The cron expression of a timing (minute hour day-of-month month day-of-week), or undefined with a field message. */
export function timingCron(value: unknown, fields: Record<string, string>): string | undefined {
  if (!isObject(value)) {
    fields.timing = 'Give the timing: { "preset": "daily", "time": "02:00" }, weekly with "weekday" (0 Sunday - 6), monthly with "dayOfMonth" (1-31 or "last"), or { "preset": "cron", "cron": "0 2 * * *" }.';
    return undefined;
  }
  if (value.preset === 'cron') {
    const cron = typeof value.cron === 'string' ? value.cron.trim().replace(/\s+/g, ' ') : '';
    if (cron.split(' ').length !== 5) {
      fields.timing = 'The cron expression has five fields: minute hour day-of-month month day-of-week, e.g. "30 1 * * 1-5".';
      return undefined;
    }
    try {
      new Cron(cron, { paused: true });
    } catch (error) {
      fields.timing = `The cron expression "${cron}" is not valid: ${error instanceof Error ? error.message : String(error)}.`;
      return undefined;
    }
    return cron;
  }
  const time = typeof value.time === 'string' ? TIME.exec(value.time) : null;
  if (!time) {
    fields.timing = 'Give the time of day as HH:MM (24 hours), e.g. "02:30".';
    return undefined;
  }
  const [minute, hour] = [Number(time[2]), Number(time[1])];
  switch (value.preset) {
    case 'daily':
      return `${minute} ${hour} * * *`;
    case 'weekly': {
      const weekday = value.weekday;
      if (typeof weekday !== 'number' || !Number.isInteger(weekday) || weekday < 0 || weekday > 6) {
        fields.timing = `Give the weekday of a weekly schedule as 0 (${WEEKDAYS[0]}) to 6 (${WEEKDAYS[6]}).`;
        return undefined;
      }
      return `${minute} ${hour} * * ${weekday}`;
    }
    case 'monthly': {
      const day = value.dayOfMonth;
      if (day === 'last') return `${minute} ${hour} L * *`;
      if (typeof day !== 'number' || !Number.isInteger(day) || day < 1 || day > 31) {
        fields.timing = 'Give the day of a monthly schedule as 1 to 31, or "last".';
        return undefined;
      }
      return `${minute} ${hour} ${day} * *`;
    }
    default:
      fields.timing = 'The preset is "daily", "weekly", "monthly" or "cron".';
      return undefined;
  }
}

export function checkAction(value: unknown, fields: Record<string, string>): ScheduleAction | undefined {
  if (!isObject(value)) {
    fields.action = 'Say what to run: { "kind": "backup", "target": "everything" } or { "kind": "scan", "type": "stale-items" }.';
    return undefined;
  }
  if (value.kind === 'backup') {
    const known = ['kind', 'target', 'items', 'query', 'withDependencies', 'backupName', 'retention'];
    const extra = Object.keys(value).find((k) => !known.includes(k));
    if (extra) fields.action = `Unknown backup option "${extra}" (known: ${known.join(', ')}).`;
    const action: ScheduleAction = { kind: 'backup', target: 'everything' };
    if (value.target === 'selection') {
      if (!Array.isArray(value.items) || value.items.length === 0) fields.action = 'A backup of a selection needs the item ids ("items").';
      else action.items = value.items.map(String);
      action.target = 'selection';
    } else if (value.target === 'query') {
      if (typeof value.query !== 'string' || value.query.trim() === '') fields.action = 'A backup by search query needs the query, e.g. "owner:jdoe".';
      else action.query = value.query.trim();
      action.target = 'query';
    } else if (value.target !== 'everything' && value.target !== undefined) {
      fields.action = 'The backup target is "everything", "selection" (with items) or "query" (with a query).';
    }
    if (value.withDependencies !== undefined) {
      if (typeof value.withDependencies !== 'boolean') fields.action = 'withDependencies must be true or false.';
      else if (action.target === 'everything') fields.action = 'withDependencies applies to a selection or a query; a backup of everything holds every item.';
      else action.withDependencies = value.withDependencies;
    }
    if (value.backupName !== undefined) {
      if (typeof value.backupName !== 'string' || value.backupName.trim() === '') fields.action = 'backupName must be non-empty text.';
      else action.backupName = value.backupName.trim();
    }
    if (value.retention !== undefined && value.retention !== null) action.retention = value.retention as NonNullable<typeof action.retention>;
    return action;
  }
  if (value.kind === 'scan') {
    if (typeof value.type !== 'string' || value.type.trim() === '') {
      fields.action = 'A scan needs its type, e.g. "stale-items".';
      return undefined;
    }
    if (value.options !== undefined && !isObject(value.options)) fields.action = 'Scan options are an object.';
    return { kind: 'scan', type: value.type.trim(), ...(isObject(value.options) ? { options: value.options } : {}) };
  }
  fields.action = 'The action kind is "backup" or "scan".';
  return undefined;
}
