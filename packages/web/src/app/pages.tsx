// The app's pages. To add one: write the page component, then add an entry here. The router and the navigation are
// built from this list, so a page appears in the navigation exactly when it is registered (only working pages are).
import type { ComponentType } from 'react';
import type { IconName } from '../calcite-types';
import { IdentitiesPage } from '../pages/identities/identities.page';
import { NewBackupPage } from '../pages/new-backup/new-backup.page';
import { SnapshotsPage } from '../pages/snapshots/snapshots.page';
import { LogsPage } from '../pages/logs/logs.page';
import { RestorePage } from '../pages/restore/restore.page';
import { SchedulesPage } from '../pages/schedules/schedules.page';
import { NotificationsPage } from '../pages/notifications/notifications.page';
import { CleanPage } from '../pages/clean/clean.page';

export interface AppPage {
  /** Stable identifier, e.g. "identities". */
  id: string;
  /** URL path below the app root, without slashes, e.g. "identities". Sub-paths ("identities/42") reach the page too. */
  path: string;
  /** Name in the navigation and in the browser tab. */
  title: string;
  /** Calcite icon name shown next to the title in the navigation, e.g. "organization". */
  icon: IconName;
  /** The page. It renders inside the app shell's main area and may use nested <Routes> for its sub-paths. */
  component: ComponentType;
  /** Leave out of the navigation (for pages reached from other pages). Default: shown. */
  hiddenFromNavigation?: boolean;
}

/**
 * Registered pages, in navigation order. The first one shown in the navigation is the home page after sign-in;
 * while there is none, signed-in users see the welcome panel (pages/welcome.page.tsx).
 *
 * Example:
 *   { id: 'identities', path: 'identities', title: 'Identities', icon: 'organization', component: IdentitiesPage }
 */
export const appPages: readonly AppPage[] = [
  { id: 'identities', path: 'identities', title: 'Identities', icon: 'organization', component: IdentitiesPage },
  { id: 'backup', path: 'backup', title: 'Back up', icon: 'save', component: NewBackupPage },
  { id: 'backups', path: 'backups', title: 'Backups', icon: 'data', component: SnapshotsPage },
  { id: 'restore', path: 'restore', title: 'Restore', icon: 'reset', component: RestorePage },
  { id: 'schedules', path: 'schedules', title: 'Schedules', icon: 'clock', component: SchedulesPage },
  { id: 'logs', path: 'logs', title: 'Logs', icon: 'list', component: LogsPage },
  // Settings, reached from Schedules and Logs (keeps the navigation short).
  { id: 'notifications', path: 'notifications', title: 'Notifications', icon: 'envelope', component: NotificationsPage, hiddenFromNavigation: true },
  { id: 'clean', path: 'clean', title: 'Clean', icon: 'wrench', component: CleanPage }
];

export function navigationPages(pages: readonly AppPage[] = appPages): AppPage[] {
  return pages.filter((page) => !page.hiddenFromNavigation);
}

/** Where "/" leads after sign-in: the first page in the navigation, or null for the welcome panel. */
export function homePage(pages: readonly AppPage[] = appPages): AppPage | null {
  return navigationPages(pages)[0] ?? null;
}
