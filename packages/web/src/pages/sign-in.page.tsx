// Sign in to OrgKeeper itself (OrgKeeper accounts; ArcGIS sign-in happens per identity).
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { useLocation } from 'react-router';
import { isApiError } from '../api/api-client';
import { type Credentials, signIn } from '../api/auth.api';
import { useApiClient } from '../app/api-context';
import { AuthLayout } from '../app/auth-layout';
import type { SignInLocationState } from '../app/gates';
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

export function SignInPage() {
  const apiClient = useApiClient();
  const queryClient = useQueryClient();
  const arrival = useLocation().state as SignInLocationState | null;
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

  return (
    <AuthLayout title="Sign in to OrgKeeper" description="Use your OrgKeeper account.">
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
    </AuthLayout>
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
