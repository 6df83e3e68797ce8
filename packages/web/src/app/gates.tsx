// Route guards: first-run setup, then sign-in, then the app. Each page says which state it needs; the gates send
// the user to the right place otherwise.
import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { FullPageError, FullPageLoader } from '../components/full-page-status';
import { AppShell } from './app-shell';
import type { AppPage } from './pages';
import { type SignedOutReason, useSession, useSetupStatus } from './session';

/** What the sign-in page receives from a gate that sent the user there. */
export interface SignInLocationState {
  /** The in-app path to return to after signing in. */
  from?: string;
  reason?: SignedOutReason;
}

/** Only in-app absolute paths are followed after sign-in. */
export function safeReturnPath(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  if (value.startsWith('/sign-in') || value.startsWith('/setup')) return '/';
  return value;
}

function useBootstrap() {
  const setup = useSetupStatus();
  const needsSetup = setup.data?.needsSetup;
  const session = useSession(needsSetup === false);
  return { setup, session, needsSetup };
}

/**
 * What the gate knows: a loader or error `view` until setup status (and, if needed, the session) are known, else
 * the answers. Data already shown wins over a failed background refresh, so a brief network problem does not replace
 * the page with an error.
 */
function useGate(needsSession: boolean) {
  const { setup, session, needsSetup } = useBootstrap();
  if (setup.data === undefined) {
    if (setup.isError) return { view: <FullPageError error={setup.error} onRetry={() => void setup.refetch()} /> };
    return { view: <FullPageLoader label="Starting OrgKeeper" /> };
  }
  if (needsSetup || !needsSession) return { needsSetup, session: session.data };
  if (session.data === undefined) {
    if (session.isError) return { view: <FullPageError error={session.error} onRetry={() => void session.refetch()} /> };
    return { view: <FullPageLoader label="Checking your session" /> };
  }
  return { needsSetup, session: session.data };
}

/** The first-run page: only while OrgKeeper has no administrator yet. */
export function SetupGate({ children }: { children: ReactNode }) {
  const gate = useGate(false);
  if (gate.view) return gate.view;
  if (!gate.needsSetup) return <Navigate to="/" replace />;
  return children;
}

/** The sign-in page: only after setup, and only while nobody is signed in. */
export function SignedOutGate({ children }: { children: ReactNode }) {
  const location = useLocation();
  const gate = useGate(true);
  if (gate.view) return gate.view;
  if (gate.needsSetup) return <Navigate to="/setup" replace />;
  if (gate.session?.status === 'signed-in') {
    const state = location.state as SignInLocationState | null;
    return <Navigate to={safeReturnPath(state?.from)} replace />;
  }
  return children;
}

/** The app: a signed-in user. Anyone else goes to sign-in (or to first-run setup), and comes back after. */
export function SessionGate({ pages }: { pages?: readonly AppPage[] }) {
  const location = useLocation();
  const gate = useGate(true);
  if (gate.view) return gate.view;
  if (gate.needsSetup) return <Navigate to="/setup" replace />;
  const session = gate.session;
  if (session?.status !== 'signed-in') {
    const reason = session?.reason ?? 'none';
    const state: SignInLocationState = { reason };
    // After an explicit sign-out the next person starts from the home page.
    if (reason !== 'signed-out' && location.pathname !== '/') state.from = location.pathname + location.search;
    return <Navigate to="/sign-in" replace state={state} />;
  }
  return <AppShell user={session.user} pages={pages} />;
}
