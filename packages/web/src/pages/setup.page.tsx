// First run: create OrgKeeper's administrator account (OrgKeeper's own account, not an ArcGIS account).
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { isApiError } from '../api/api-client';
import { createFirstAdmin, type Credentials, MIN_PASSWORD_LENGTH } from '../api/auth.api';
import { useApiClient } from '../app/api-context';
import { AuthLayout } from '../app/auth-layout';
import { markSignedIn, queryKeys } from '../app/session';
import { FormField, focusInput } from '../components/form-field';
import { ErrorNotice } from '../components/notice';

type Field = 'username' | 'password' | 'confirmPassword';
const FIELD_ORDER: Field[] = ['username', 'password', 'confirmPassword'];

export function validateSetup(values: Record<Field, string>): Partial<Record<Field, string>> {
  const errors: Partial<Record<Field, string>> = {};
  if (values.username.trim() === '') errors.username = 'Enter a username for the administrator.';
  if (values.password === '') errors.password = `Enter a password of at least ${MIN_PASSWORD_LENGTH} characters.`;
  else if ([...values.password].length < MIN_PASSWORD_LENGTH) {
    errors.password = `The password is too short: use at least ${MIN_PASSWORD_LENGTH} characters (it has ${[...values.password].length}).`;
  }
  if (values.confirmPassword === '') errors.confirmPassword = 'Type the password again.';
  else if (values.password !== values.confirmPassword) {
    errors.confirmPassword = 'The passwords do not match. Type the same password in both fields.';
  }
  return errors;
}

function readFields(
  inputs: Partial<Record<Field, HTMLCalciteInputElement | null>>,
  fallback: Record<Field, string>
): Record<Field, string> {
  const read = (field: Field) => inputs[field]?.value ?? fallback[field];
  return { username: read('username'), password: read('password'), confirmPassword: read('confirmPassword') };
}

export function SetupPage() {
  const apiClient = useApiClient();
  const queryClient = useQueryClient();
  const [values, setValues] = useState<Record<Field, string>>({ username: '', password: '', confirmPassword: '' });
  const [clientErrors, setClientErrors] = useState<Partial<Record<Field, string>>>({});
  // Server messages for fields the user has not edited since the last attempt.
  const [serverErrors, setServerErrors] = useState<Partial<Record<Field, string>>>({});
  const inputs = useRef<Partial<Record<Field, HTMLCalciteInputElement | null>>>({});

  const setup = useMutation({
    mutationFn: (credentials: Credentials) => createFirstAdmin(apiClient, credentials),
    onSuccess: (session) => markSignedIn(queryClient, session),
    onError: (error) => {
      if (isApiError(error) && error.status === 409) {
        // Someone completed setup meanwhile: the gate moves on to sign-in once the status is fresh.
        void queryClient.invalidateQueries({ queryKey: queryKeys.setupStatus });
        return;
      }
      const fields: Partial<Record<Field, string>> = {};
      if (isApiError(error)) {
        for (const field of FIELD_ORDER) {
          const message = error.fieldMessage(field);
          if (message) fields[field] = message;
        }
      }
      setServerErrors(fields);
      const first = FIELD_ORDER.find((field) => fields[field]);
      if (first) void focusInput(inputs.current[first]);
    }
  });

  useEffect(() => {
    void focusInput(inputs.current.username);
  }, []);

  const change = (field: Field) => (value: string) => {
    setValues((current) => ({ ...current, [field]: value }));
    setClientErrors((current) => ({ ...current, [field]: undefined }));
    setServerErrors((current) => ({ ...current, [field]: undefined }));
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (setup.isPending) return;
    // Read what the fields hold now: Enter can submit before the last keystroke's state update has rendered.
    const entered = readFields(inputs.current, values);
    const errors = validateSetup(entered);
    setClientErrors(errors);
    setServerErrors({});
    const first = FIELD_ORDER.find((field) => errors[field]);
    if (first) {
      void focusInput(inputs.current[first]);
      return;
    }
    setup.mutate({ username: entered.username.trim(), password: entered.password });
  };

  const errorFor = (field: Field) => clientErrors[field] ?? serverErrors[field];
  const error = setup.error;
  const hasFieldErrors = FIELD_ORDER.some((field) => serverErrors[field]);

  return (
    <AuthLayout
      title="Set up OrgKeeper"
      description="Create the administrator account. You will use it to sign in to OrgKeeper and to manage it."
    >
      <form className="auth-form" onSubmit={submit} noValidate aria-label="Create the administrator account">
        {error !== null && !(isApiError(error) && error.status === 409) && (
          <ErrorNotice
            error={error}
            title={hasFieldErrors ? 'Check the highlighted fields' : 'The administrator account was not created'}
          />
        )}
        <FormField
          ref={(element) => {
            inputs.current.username = element;
          }}
          name="username"
          label="Username"
          help="The name you will sign in with: 3 to 64 letters, digits or . _ - @, e.g. gis-admin."
          autoComplete="username"
          required
          value={values.username}
          onValueChange={change('username')}
          error={errorFor('username')}
        />
        <FormField
          ref={(element) => {
            inputs.current.password = element;
          }}
          name="password"
          type="password"
          label="Password"
          help={`At least ${MIN_PASSWORD_LENGTH} characters; a phrase of several words is easy to remember.`}
          autoComplete="new-password"
          required
          value={values.password}
          onValueChange={change('password')}
          error={errorFor('password')}
        />
        <FormField
          ref={(element) => {
            inputs.current.confirmPassword = element;
          }}
          name="confirmPassword"
          type="password"
          label="Confirm password"
          help="Type the password again to rule out typing mistakes."
          autoComplete="new-password"
          required
          value={values.confirmPassword}
          onValueChange={change('confirmPassword')}
          error={errorFor('confirmPassword')}
        />
        <calcite-button type="submit" width="full" loading={setup.isPending} iconStart="user-key">
          {setup.isPending ? 'Creating the administrator…' : 'Create administrator'}
        </calcite-button>
      </form>
    </AuthLayout>
  );
}
