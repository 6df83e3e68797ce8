// Sign in to OrgKeeper itself (OrgKeeper accounts; ArcGIS sign-in happens per identity).
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useLocation } from 'react-router';
import { isApiError } from '../api/api-client';
import { type Credentials, signIn } from '../api/auth.api';
import { useApiClient } from '../app/api-context';
import { AuthLayout } from '../app/auth-layout';
import type { SignInLocationState } from '../app/gates';
import { markSignedIn } from '../app/session';
import { FormField, focusInput } from '../components/form-field';
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
  const location = useLocation();
  const arrival = location.state as SignInLocationState | null;
  const [values, setValues] = useState<Record<Field, string>>({ username: '', password: '' });
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Field, string>>>({});
  const [throttledUntil, setThrottledUntil] = useState<number | null>(null);
  const waitSeconds = useCountdown(throttledUntil);
  const throttled = waitSeconds > 0;
  const inputs = useRef<Partial<Record<Field, HTMLCalciteInputElement | null>>>({});

  const signInMutation = useMutation({
    mutationFn: (credentials: Credentials) => signIn(apiClient, credentials),
    onSuccess: (session) => markSignedIn(queryClient, session),
    onError: (error) => {
      if (!isApiError(error)) return;
      if (error.status === 429) {
        setThrottledUntil(Date.now() + (error.retryAfterSeconds ?? 60) * 1000);
        return;
      }
      const fields: Partial<Record<Field, string>> = {};
      for (const field of ['username', 'password'] as const) {
        const message = error.fieldMessage(field);
        if (message) fields[field] = message;
      }
      setFieldErrors(fields);
      if (error.status === 401) {
        // Keep the username, let the user retype the password.
        setValues((current) => ({ ...current, password: '' }));
        void focusInput(inputs.current.password);
      }
    }
  });

  useEffect(() => {
    void focusInput(inputs.current.username);
  }, []);

  const change = (field: Field) => (value: string) => {
    setValues((current) => ({ ...current, [field]: value }));
    setFieldErrors((current) => ({ ...current, [field]: undefined }));
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (signInMutation.isPending || throttled) return;
    // Read what the fields hold now: Enter can submit before the last keystroke's state update has rendered.
    const username = inputs.current.username?.value ?? values.username;
    const password = inputs.current.password?.value ?? values.password;
    const errors: Partial<Record<Field, string>> = {};
    if (username.trim() === '') errors.username = 'Enter your username.';
    if (password === '') errors.password = 'Enter your password.';
    setFieldErrors(errors);
    if (errors.username || errors.password) {
      void focusInput(inputs.current[errors.username ? 'username' : 'password']);
      return;
    }
    signInMutation.reset();
    setThrottledUntil(null);
    signInMutation.mutate({ username: username.trim(), password });
  };

  const error = signInMutation.error;
  const wasThrottled = isApiError(error) && error.status === 429;

  return (
    <AuthLayout title="Sign in to OrgKeeper" description="Use your OrgKeeper account.">
      <form className="auth-form" onSubmit={submit} noValidate aria-label="Sign in">
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
            {throttled ? (
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
          error !== null && (
            <ErrorNotice
              error={error}
              title={isApiError(error) && error.status === 401 ? 'Sign-in failed' : undefined}
            />
          )
        )}
        <FormField
          ref={(element) => {
            inputs.current.username = element;
          }}
          name="username"
          label="Username"
          help="Your OrgKeeper username (not your ArcGIS account)."
          autoComplete="username"
          required
          value={values.username}
          onValueChange={change('username')}
          error={fieldErrors.username}
        />
        <FormField
          ref={(element) => {
            inputs.current.password = element;
          }}
          name="password"
          type="password"
          label="Password"
          help="Passwords are case-sensitive."
          autoComplete="current-password"
          required
          value={values.password}
          onValueChange={change('password')}
          error={fieldErrors.password}
        />
        <calcite-button
          type="submit"
          width="full"
          loading={signInMutation.isPending}
          disabled={throttled}
          iconStart="sign-in"
        >
          {signInMutation.isPending ? 'Signing in…' : 'Sign in'}
        </calcite-button>
      </form>
    </AuthLayout>
  );
}
