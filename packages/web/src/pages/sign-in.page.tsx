// Sign in to OrgKeeper: with an OrgKeeper account, or (when an administrator turned it on) with an ArcGIS account of
// the organization, through the portal's own sign-in page.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { useLocation, useSearchParams } from 'react-router';
import { isApiError } from '../api/api-client';
import { type Credentials, getSignInMethods, signIn, startArcGISSignIn } from '../api/auth.api';
import { useApiClient } from '../app/api-context';
import { AuthLayout } from '../app/auth-layout';
import { safeReturnPath, type SignInLocationState } from '../app/gates';
import { markSignedIn } from '../app/session';
import { FormField } from '../components/form-field';
import { type FieldErrors, useFormState } from '../components/form-state';
import { ErrorNotice, Notice } from '../components/notice';
import { formatWait } from '../lib/format';

type Field = 'username' | 'password';

/** Seconds left until `until` (ms since epoch), updated every second; 0 once it has passed. */
function useCountdown(until: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (until === null) return undefined;
    setNow(Date.now());
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [until]);
  return until === null ? 0 : Math.max(0, Math.ceil((until - now) / 1000));
}

/** Signing in with an OrgKeeper account: the form, its checks, and the wait a throttled sign-in imposes. */
function useLocalSignIn() {
  const apiClient = useApiClient();
  const queryClient = useQueryClient();
  const form = useFormState<Record<Field, string>>(() => ({ username: '', password: '' }), ['username', 'password']);
  const [throttledUntil, setThrottledUntil] = useState<number | null>(null);
  const waitSeconds = useCountdown(throttledUntil);
  const throttled = waitSeconds > 0;

  const signInMutation = useMutation({
    mutationFn: (credentials: Credentials) => signIn(apiClient, credentials),
    onSuccess: (session) => markSignedIn(queryClient, session),
    onError: (error) => {
      if (!isApiError(error)) return;
      if (error.status === 429) {
        setThrottledUntil(Date.now() + (error.retryAfterSeconds ?? 60) * 1000);
        return;
      }
      form.serverRejected(error);
      if (error.status === 401) {
        // Keep the username, let the user retype the password.
        form.setValues((current) => ({ ...current, password: '' }));
        form.focus('password');
      }
    }
  });

  // The first field has the focus on arrival.
  useEffect(() => form.focus('username'), []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (signInMutation.isPending || throttled) return;
    const { username, password } = form.entered();
    const errors: FieldErrors<Field> = {};
    if (username.trim() === '') errors.username = 'Enter your username.';
    if (password === '') errors.password = 'Enter your password.';
    form.checked(errors);
    const first = form.firstError(errors);
    if (first) {
      form.focus(first);
      return;
    }
    signInMutation.reset();
    setThrottledUntil(null);
    signInMutation.mutate({ username: username.trim(), password });
  };
  return { form, submit, signInMutation, waitSeconds, throttled };
}

export function SignInPage() {
  const apiClient = useApiClient();
  const arrival = useLocation().state as SignInLocationState | null;
  const { form, submit, signInMutation, waitSeconds, throttled } = useLocalSignIn();

  const methods = useQuery({ queryKey: ['sign-in-methods'], queryFn: ({ signal }) => getSignInMethods(apiClient, signal), staleTime: 60_000 });
  const arcgis = methods.data?.arcgis ?? null;

  return (
    <AuthLayout
      title="Sign in to OrgKeeper"
      description={arcgis ? `Use your OrgKeeper account, or your ArcGIS account of ${arcgis.organization}.` : 'Use your OrgKeeper account.'}
    >
      <ArcGISAnswerNotice organization={arcgis?.organization ?? null} />
      <form className="auth-form" onSubmit={submit} noValidate aria-label="Sign in">
        <SignInNotices arrival={arrival} error={signInMutation.error} waitSeconds={waitSeconds} />
        <FormField
          {...form.textField('username')}
          label="Username"
          help="Your OrgKeeper username (not your ArcGIS account)."
          autoComplete="username"
          required
        />
        <FormField
          {...form.textField('password')}
          type="password"
          label="Password"
          help="Passwords are case-sensitive."
          autoComplete="current-password"
          required
        />
        <calcite-button type="submit" width="full" loading={signInMutation.isPending} disabled={throttled} iconStart="sign-in">
          {signInMutation.isPending ? 'Signing in…' : 'Sign in'}
        </calcite-button>
      </form>
      {arcgis && <ArcGISSignIn organization={arcgis.organization} returnTo={safeReturnPath(arrival?.from)} />}
    </AuthLayout>
  );
}

/** The other way in: the organization's own sign-in page (which may hand over to SAML, with its MFA). */
function ArcGISSignIn({ organization, returnTo }: { organization: string; returnTo: string }) {
  const apiClient = useApiClient();
  const start = useMutation({
    mutationFn: () => startArcGISSignIn(apiClient, returnTo),
    // Leaves OrgKeeper for the portal; it sends the browser back to OrgKeeper signed in (or says why not).
    onSuccess: ({ authorizeUrl }) => window.location.assign(authorizeUrl)
  });
  return (
    <div className="auth-alternative" role="group" aria-label="Sign in with ArcGIS">
      <div className="auth-divider" aria-hidden="true">
        <span>or</span>
      </div>
      {start.error !== null && <ErrorNotice error={start.error} title="Signing in with ArcGIS could not start" />}
      <calcite-button
        width="full"
        appearance="outline"
        iconStart="globe"
        loading={start.isPending || start.isSuccess}
        disabled={start.isPending || start.isSuccess}
        onClick={() => start.mutate()}
      >
        Sign in with ArcGIS
      </calcite-button>
      <p className="form-field-help">With your account of {organization}, on its own sign-in page.</p>
    </div>
  );
}

/** Why signing in with ArcGIS did not finish, from `?arcgis=<code>` where the server sent the browser back. */
const ARCGIS_ANSWERS: Record<string, { kind: 'info' | 'warning' | 'danger'; title: string; text: (organization: string) => string }> = {
  not_allowed: {
    kind: 'danger',
    title: 'Your ArcGIS account has no role in OrgKeeper',
    text: () => 'An OrgKeeper administrator chooses which ArcGIS users and groups may sign in. Ask them to add you, or sign in with an OrgKeeper account.'
  },
  wrong_org: {
    kind: 'danger',
    title: 'That ArcGIS account belongs to another organization',
    text: (org) => `Sign in with your account of ${org}. If the portal signed you in automatically with another account, sign out there first.`
  },
  disabled: { kind: 'danger', title: 'Your ArcGIS account is disabled', text: () => 'Ask an administrator of your ArcGIS organization to enable it.' },
  cancelled: { kind: 'info', title: 'Signing in with ArcGIS was cancelled', text: () => 'Sign in again when you are ready.' },
  state_expired: { kind: 'warning', title: 'That sign-in has expired', text: () => 'Each sign-in works once and for ten minutes. Press Sign in with ArcGIS again.' },
  invalid_state: { kind: 'warning', title: 'That sign-in has expired', text: () => 'Press Sign in with ArcGIS again.' },
  other_browser: {
    kind: 'warning',
    title: 'That sign-in was started elsewhere',
    text: () => 'For your safety, a sign-in finishes only in the browser that started it. Press Sign in with ArcGIS here.'
  },
  off: { kind: 'warning', title: 'Signing in with ArcGIS is turned off', text: () => 'Sign in with your OrgKeeper account.' },
  oauth_error: {
    kind: 'danger',
    title: 'The portal did not complete the sign-in',
    text: () => 'Try again. If it keeps failing, sign in with an OrgKeeper account and ask an administrator to check the App ID in Administration.'
  },
  arcgis_error: { kind: 'danger', title: 'The portal did not say who you are', text: () => 'Try again in a moment, or sign in with an OrgKeeper account.' }
};

function ArcGISAnswerNotice({ organization }: { organization: string | null }) {
  const [params] = useSearchParams();
  const code = params.get('arcgis');
  if (!code) return null;
  const answer = ARCGIS_ANSWERS[code] ?? ARCGIS_ANSWERS.oauth_error!;
  return (
    <Notice kind={answer.kind} title={answer.title} announce>
      {answer.text(organization ?? 'your organization')}
    </Notice>
  );
}

/** Why the visitor is here (session ended, signed out), or why the last attempt failed (throttled: for how long). */
function SignInNotices({ arrival, error, waitSeconds }: { arrival: SignInLocationState | null; error: Error | null; waitSeconds: number }) {
  const wasThrottled = isApiError(error) && error.status === 429;
  return (
    <>
      {arrival?.reason === 'expired' && error === null && (
        <Notice kind="info" title="Your session has ended" announce>
          Sign in again to continue where you left off.
        </Notice>
      )}
      {arrival?.reason === 'signed-out' && error === null && (
        <Notice kind="success" title="You have signed out" announce>
          Your session has ended on this computer.
        </Notice>
      )}
      {wasThrottled ? (
        <Notice kind="warning" title="Too many sign-in attempts" icon="clock" announce>
          {waitSeconds > 0 ? (
            <>
              Sign-in is paused to protect the account. Try again in{' '}
              {/* Ticks every second: visible, but not re-announced each time. */}
              <span aria-live="off" className="countdown">
                {formatWait(waitSeconds)}
              </span>
              .
            </>
          ) : (
            'You can try again now.'
          )}
        </Notice>
      ) : (
        error !== null && <ErrorNotice error={error} title={isApiError(error) && error.status === 401 ? 'Sign-in failed' : undefined} />
      )}
    </>
  );
}
