import { type QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import type { ApiClient } from '../api/api-client';
import { ErrorBoundary } from '../components/error-boundary';
import { NotFoundPage } from '../pages/not-found.page';
import { SetupPage } from '../pages/setup.page';
import { SignInPage } from '../pages/sign-in.page';
import { WelcomePage } from '../pages/welcome.page';
import { ApiClientProvider } from './api-context';
import { SessionGate, SetupGate, SignedOutGate } from './gates';
import { PageFrame } from './page-frame';
import { type AppPage, appPages, homePage } from './pages';

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
            <SetupPage />
          </SetupGate>
        }
      />
      <Route
        path="/sign-in"
        element={
          <SignedOutGate>
            <SignInPage />
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
