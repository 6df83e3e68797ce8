// The app's pages. To add one: write the page component, then add an entry here. The router and the navigation are
// built from this list, so a page appears in the navigation exactly when it is registered (only working pages are).
import { type ComponentType, lazy } from 'react';
import type { IconName } from '../calcite-types';

/**
 * A page loaded when it is first shown: each page is its own chunk of the build, so the first page (sign-in, or the
 * home page after it) does not carry the code of the others. `pick` names the page's export.
 */
function lazyPage<M>(load: () => Promise<M>, pick: (module: M) => ComponentType): ComponentType {
  return lazy(async () => ({ default: pick(await load()) }));
}

export interface AppPage {
  /** Stable identifier, e.g. "identities". */
  id: string;
  /** URL path below the app root, without slashes, e.g. "identities". Sub-paths ("identities/42") reach the page too. */
  path: string;
  /** Name in the navigation and in the browser tab. */
  title: string;
  /** Calcite icon name shown next to the title in the navigation, e.g. "organization". */
  icon: IconName;
  /**
   * The page. It renders inside the app shell's main area and may use nested <Routes> for its sub-paths. Register
   * pages with `lazyPage` so that each one loads only when it is opened (page-frame.tsx shows a loader meanwhile).
   */
  component: ComponentType;
  /** Leave out of the navigation (for pages reached from other pages). Default: shown. */
  hiddenFromNavigation?: boolean;
}

/**
 * Registered pages, in navigation order. The first one shown in the navigation is the home page after sign-in;
 * while there is none, signed-in users see the welcome panel (pages/welcome.page.tsx).
 *
 * Example:
 *   { id: 'identities', path: 'identities', title: 'Identities', icon: 'organization',
 *     component: lazyPage(() => import('../pages/identities/identities.page'), (m) => m.IdentitiesPage) }
 */
export const appPages: readonly AppPage[] = [
  {
    id: 'identities',
    path: 'identities',
    title: 'Identities',
    icon: 'organization',
    component: lazyPage(() => import('../pages/identities/identities.page'), (m) => m.IdentitiesPage)
  },
  {
    id: 'backup',
    path: 'backup',
    title: 'Back up',
    icon: 'save',
    component: lazyPage(() => import('../pages/new-backup/new-backup.page'), (m) => m.NewBackupPage)
  },
  {
    id: 'backups',
    path: 'backups',
    title: 'Backups',
    icon: 'data',
    component: lazyPage(() => import('../pages/snapshots/snapshots.page'), (m) => m.SnapshotsPage)
  },
  {
    id: 'restore',
    path: 'restore',
    title: 'Restore',
    icon: 'reset',
    component: lazyPage(() => import('../pages/restore/restore.page'), (m) => m.RestorePage)
  },
  {
    id: 'recycle-bin',
    path: 'recycle-bin',
    title: 'Recycle bin',
    icon: 'trash',
    component: lazyPage(() => import('../pages/recycle-bin/recycle-bin.page'), (m) => m.RecycleBinPage),
    // Reached from the Restore page and Clean's delete (keeps the navigation short).
    hiddenFromNavigation: true
  },
  {
    id: 'schedules',
    path: 'schedules',
    title: 'Schedules',
    icon: 'clock',
    component: lazyPage(() => import('../pages/schedules/schedules.page'), (m) => m.SchedulesPage)
  },
  {
    id: 'logs',
    path: 'logs',
    title: 'Logs',
    icon: 'list',
    component: lazyPage(() => import('../pages/logs/logs.page'), (m) => m.LogsPage)
  },
  // Settings, reached from Schedules and Logs (keeps the navigation short).
  {
    id: 'notifications',
    path: 'notifications',
    title: 'Notifications',
    icon: 'envelope',
    component: lazyPage(() => import('../pages/notifications/notifications.page'), (m) => m.NotificationsPage),
    hiddenFromNavigation: true
  },
  // Administration (signing in with ArcGIS, API tokens), reached from the user menu by administrators.
  {
    id: 'admin',
    path: 'admin',
    title: 'Administration',
    icon: 'gear',
    component: lazyPage(() => import('../pages/admin/admin.page'), (m) => m.AdminPage),
    hiddenFromNavigation: true
  },
  {
    id: 'clean',
    path: 'clean',
    title: 'Clean',
    icon: 'wrench',
    component: lazyPage(() => import('../pages/clean/clean.page'), (m) => m.CleanPage)
  }
];

export function navigationPages(pages: readonly AppPage[] = appPages): AppPage[] {
  return pages.filter((page) => !page.hiddenFromNavigation);
}

/** Where "/" leads after sign-in: the first page in the navigation, or null for the welcome panel. */
export function homePage(pages: readonly AppPage[] = appPages): AppPage | null {
  return navigationPages(pages)[0] ?? null;
}
