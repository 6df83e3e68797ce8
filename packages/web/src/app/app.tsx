import { type QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, StrictMode, Suspense } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import type { ApiClient } from '../api/api-client';
import { ErrorBoundary } from '../components/error-boundary';
import { FullPageLoader } from '../components/full-page-status';
import { NotFoundPage } from '../pages/not-found.page';
import { WelcomePage } from '../pages/welcome.page';
import { ApiClientProvider } from './api-context';
import { SessionGate, SetupGate, SignedOutGate } from './gates';
import { PageFrame } from './page-frame';
import { type AppPage, appPages, homePage } from './pages';

// Loaded when shown, like the registered pages: a signed-in visitor never needs them, nor first-run setup after it.
const SetupPage = lazy(async () => ({ default: (await import('../pages/setup.page')).SetupPage }));
const SignInPage = lazy(async () => ({ default: (await import('../pages/sign-in.page')).SignInPage }));

/** "/" after sign-in: the first page in the navigation, or the welcome panel while there is none. */
function HomeRoute({ pages }: { pages: readonly AppPage[] }) {
  const home = homePage(pages);
  if (home) return <Navigate to={`/${home.path}`} replace />;
  return <WelcomePage />;
}

/** All routes. `pages` is the page registry (app/pages.tsx); a parameter so that tests can pass their own. */
export function AppRoutes({ pages = appPages }: { pages?: readonly AppPage[] }) {
  return (
    <Routes>
      <Route
        path="/setup"
        element={
          <SetupGate>
            <Suspense fallback={<FullPageLoader label="Loading the setup page" />}>
              <SetupPage />
            </Suspense>
          </SetupGate>
        }
      />
      <Route
        path="/sign-in"
        element={
          <SignedOutGate>
            <Suspense fallback={<FullPageLoader label="Loading the sign-in page" />}>
              <SignInPage />
            </Suspense>
          </SignedOutGate>
        }
      />
      <Route element={<SessionGate pages={pages} />}>
        <Route index element={<HomeRoute pages={pages} />} />
        {pages.map((page) => (
          <Route key={page.id} path={`${page.path}/*`} element={<PageFrame page={page} />} />
        ))}
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}

export function App({ apiClient, queryClient }: { apiClient: ApiClient; queryClient: QueryClient }) {
  return (
    <StrictMode>
      <ApiClientProvider client={apiClient}>
        <QueryClientProvider client={queryClient}>
          <BrowserRouter basename={import.meta.env.BASE_URL.replace(/\/$/, '') || '/'}>
            <ErrorBoundary what="OrgKeeper">
              <AppRoutes />
            </ErrorBoundary>
          </BrowserRouter>
        </QueryClientProvider>
      </ApiClientProvider>
    </StrictMode>
  );
}
