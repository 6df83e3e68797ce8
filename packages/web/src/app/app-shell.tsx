import { useRef } from 'react';
import { Outlet, useLocation, useNavigate } from 'react-router';
import type { SessionUser } from '../api/auth.api';
import { ErrorBoundary } from '../components/error-boundary';
import { AppHeader } from './app-header';
import { type AppPage, appPages, navigationPages } from './pages';
import { SignOutFailedAlert, UserMenu, useSignOut } from './user-menu';

export interface AppShellProps {
  user: SessionUser;
  /** The registered pages (app/pages.tsx); a parameter so that tests can pass their own. */
  pages?: readonly AppPage[];
}

/** The signed-in app: header with navigation and the user, and the current page in the main area. */
export function AppShell({ user, pages = appPages }: AppShellProps) {
  const navigate = useNavigate();
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  const signOut = useSignOut();
  const navPages = navigationPages(pages);
  return (
    <>
      <a
        className="skip-link"
        href="#main"
        onClick={(event) => {
          event.preventDefault();
          main.current?.focus();
        }}
      >
        Skip to main content
      </a>
      <calcite-shell className="app-shell">
        <AppHeader>
          {navPages.length > 0 && (
            <calcite-menu slot="content-start" label="Pages">
              {navPages.map((page) => {
                const href = `/${page.path}`;
                const active = location.pathname === href || location.pathname.startsWith(`${href}/`);
                return (
                  <calcite-menu-item
                    key={page.id}
                    data-page={page.id}
                    text={page.title}
                    label={page.title}
                    iconStart={page.icon}
                    href={href}
                    active={active}
                    aria-current={active ? 'page' : undefined}
                    onClick={(event) => {
                      // Navigate inside the single-page app instead of reloading it.
                      event.preventDefault();
                      navigate(href);
                    }}
                  />
                );
              })}
            </calcite-menu>
          )}
          <UserMenu user={user} onSignOut={() => signOut.mutate()} />
        </AppHeader>
        <main className="app-main" id="main" ref={main} tabIndex={-1}>
          {/* Keyed by path: a page that failed does not keep the next one from showing. */}
          <ErrorBoundary key={location.pathname} what="This page">
            <Outlet />
          </ErrorBoundary>
        </main>
        <SignOutFailedAlert error={signOut.error} onClose={() => signOut.reset()} />
      </calcite-shell>
    </>
  );
}
