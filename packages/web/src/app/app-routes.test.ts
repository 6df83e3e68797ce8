// @vitest-environment jsdom
// The page registry is how pages are added; these tests pin down what registering one does to routing and navigation.
// Calcite's elements are not defined here (they need a real browser); the DOM shows what the app asked them to render.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, createElement, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { MemoryRouter, useLocation } from 'react-router';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../api/api-client';
import { ApiClientProvider } from './api-context';
import { AppRoutes } from './app';
import type { AppPage } from './pages';
import { queryKeys, type SessionState } from './session';

beforeAll(() => {
  (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
});

const USER = { username: 'gis-admin', role: 'admin' };

function IdentitiesPage() {
  return createElement('h1', null, 'Identities page');
}
function IdentityDetailsPage() {
  return createElement('h1', null, 'Identity details page');
}

const IDENTITIES: AppPage = { id: 'identities', path: 'identities', title: 'Identities', icon: 'organization', component: IdentitiesPage };
const HIDDEN: AppPage = {
  id: 'identity-details',
  path: 'identity-details',
  title: 'Identity details',
  icon: 'information',
  component: IdentityDetailsPage,
  hiddenFromNavigation: true
};

let root: Root | undefined;
let container: HTMLElement | undefined;

afterEach(() => {
  act(() => root?.unmount());
  container?.remove();
  root = undefined;
});

function LocationProbe() {
  const location = useLocation();
  return createElement('output', { 'data-testid': 'location' }, location.pathname);
}

async function renderApp(path: string, pages: readonly AppPage[], session: SessionState): Promise<HTMLElement> {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  queryClient.setQueryData(queryKeys.setupStatus, { needsSetup: false });
  queryClient.setQueryData(queryKeys.session, session);
  // The cache holds the answers; any request would mean the test is not testing what it says.
  const apiClient = new ApiClient({
    fetch: () => Promise.reject(new Error('unexpected request in a routing test'))
  });
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
  const tree: ReactNode = createElement(ApiClientProvider, {
    client: apiClient,
    children: createElement(
      QueryClientProvider,
      { client: queryClient },
      createElement(
        MemoryRouter,
        { initialEntries: [path] },
        createElement(AppRoutes, { pages }),
        createElement(LocationProbe)
      )
    )
  });
  await act(async () => root?.render(tree));
  return container;
}

function location(view: HTMLElement): string | null | undefined {
  return view.querySelector('[data-testid="location"]')?.textContent;
}

describe('page registry', () => {
  it('shows no navigation and the welcome panel while no page is registered', async () => {
    const view = await renderApp('/', [], { status: 'signed-in', user: USER });
    expect(location(view)).toBe('/');
    expect(view.querySelector('calcite-menu')).toBeNull();
    expect(view.querySelector('calcite-panel')?.getAttribute('heading')).toBe('Welcome to OrgKeeper');
    expect(view.textContent).toContain('Next step: add an identity');
  });

  it('lists registered pages in the navigation, except hidden ones, and makes the first one home', async () => {
    const view = await renderApp('/', [IDENTITIES, HIDDEN], { status: 'signed-in', user: USER });
    expect(location(view)).toBe('/identities');
    expect(view.querySelector('h1')?.textContent).toBe('Identities page');
    const items = [...view.querySelectorAll('calcite-menu-item')];
    expect(items.map((item) => item.getAttribute('data-page'))).toEqual(['identities']);
    expect(items[0]?.getAttribute('aria-current')).toBe('page');
    expect(document.title).toBe('Identities · OrgKeeper');
  });

  it('reaches hidden pages and sub-paths by URL', async () => {
    const view = await renderApp('/identity-details/42', [IDENTITIES, HIDDEN], { status: 'signed-in', user: USER });
    expect(view.querySelector('h1')?.textContent).toBe('Identity details page');
    // No navigation entry is active on a page that is not in the navigation.
    expect(view.querySelector('calcite-menu-item')?.getAttribute('aria-current')).toBeNull();
  });

  it('answers unknown paths with a not-found page inside the app', async () => {
    const view = await renderApp('/nowhere', [IDENTITIES], { status: 'signed-in', user: USER });
    expect(location(view)).toBe('/nowhere');
    expect(view.querySelector('calcite-panel')?.getAttribute('heading')).toBe('Page not found');
  });

  it('keeps the shell and explains it when a page fails to render', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const broken: AppPage = {
        ...IDENTITIES,
        component: () => {
          throw new Error('Cannot read the identity list.');
        }
      };
      const view = await renderApp('/identities', [broken], { status: 'signed-in', user: USER });
      expect(view.querySelector('calcite-menu-item')?.getAttribute('data-page')).toBe('identities');
      const notice = view.querySelector('calcite-notice');
      expect(notice?.textContent).toContain('This page could not be shown');
      expect(notice?.textContent).toContain('Cannot read the identity list.');
      expect(logged).toHaveBeenCalled();
    } finally {
      logged.mockRestore();
    }
  });

  it('sends signed-out visitors of a page to sign-in', async () => {
    const view = await renderApp('/identities', [IDENTITIES], { status: 'signed-out', reason: 'none' });
    expect(location(view)).toBe('/sign-in');
    expect(view.textContent).not.toContain('Identities page');
  });
});
