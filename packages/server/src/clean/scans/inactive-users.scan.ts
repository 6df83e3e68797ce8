import type { Finding } from '../clean.types.js';
import { DAY_MS, daysBetween, findingKey, iso, userTarget, type ScanFunction } from './scan-context.js';

/**
 * Members who have not signed in for N days, never signed in although created N days ago, and disabled members who
 * still own items or hold a user type license (ArcGIS Online keeps a disabled member's user type assigned).
 */
export const scanInactiveUsers: ScanFunction = async (ctx) => {
  const days = Number(ctx.options.days);
  const cutoff = ctx.now - days * DAY_MS;
  ctx.progress({ phase: 'users', done: 0, total: 0 });
  // Items are listed alongside the users: they say how much content each flagged member still owns.
  const [users, items] = await Promise.all([ctx.reader.users(), ctx.reader.items()]);
  const owned = new Map<string, number>();
  for (const item of items) owned.set(String(item.owner).toLowerCase(), (owned.get(String(item.owner).toLowerCase()) ?? 0) + 1);
  const findings: Finding[] = [];
  for (const user of users) {
    const target = userTarget(ctx, user);
    const itemsOwned = owned.get(user.username.toLowerCase()) ?? 0;
    const base = { itemsOwned, userLicenseTypeId: user.userLicenseTypeId ?? null, role: user.role ?? null, created: iso(user.created), lastLogin: iso(user.lastLogin), disabled: !!user.disabled };
    const lastLogin = Number(user.lastLogin ?? -1);
    const created = Number(user.created ?? 0);
    if (lastLogin > 0 && lastLogin <= cutoff) {
      const idle = daysBetween(lastLogin, ctx.now);
      findings.push({
        key: findingKey('inactive-users', 'no-login', target),
        scanType: 'inactive-users',
        target,
        code: 'no-login',
        message: `Has not signed in for ${idle} days (last sign-in ${new Date(lastLogin).toISOString().slice(0, 10)})${itemsOwned > 0 ? `; owns ${itemsOwned} items` : ''}.`,
        severity: 'warning',
        details: { ...base, daysSinceLogin: idle, thresholdDays: days }
      });
    } else if (lastLogin <= 0 && created > 0 && created <= cutoff) {
      const age = daysBetween(created, ctx.now);
      findings.push({
        key: findingKey('inactive-users', 'never-logged-in', target),
        scanType: 'inactive-users',
        target,
        code: 'never-logged-in',
        message: `Has never signed in since the account was created ${age} days ago${itemsOwned > 0 ? `; owns ${itemsOwned} items` : ''}.`,
        severity: 'warning',
        details: { ...base, daysSinceCreated: age, thresholdDays: days }
      });
    }
    if (ctx.options.disabled && user.disabled && (itemsOwned > 0 || user.userLicenseTypeId)) {
      const holds = [itemsOwned > 0 ? `owns ${itemsOwned} items` : '', user.userLicenseTypeId ? `holds a ${user.userLicenseTypeId} license` : ''].filter(Boolean).join(' and ');
      findings.push({
        key: findingKey('inactive-users', 'disabled', target),
        scanType: 'inactive-users',
        target,
        code: 'disabled',
        message: `Is disabled but still ${holds}.`,
        severity: itemsOwned > 0 ? 'critical' : 'warning',
        details: base
      });
    }
  }
  const count = (code: string) => findings.filter((f) => f.code === code).length;
  return {
    findings,
    summary: { usersChecked: users.length, noLogin: count('no-login'), neverLoggedIn: count('never-logged-in'), disabled: count('disabled'), thresholdDays: days }
  };
};
