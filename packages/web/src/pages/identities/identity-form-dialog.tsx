// The add/edit dialog of an identity: exactly the fields of its kind, a help line under each, the redirect URI to
// register, and the server's field errors inline. Values stay as typed when the server refuses them.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { isApiError } from '../../api/api-client';
import { useApiClient } from '../../app/api-context';
import { FormField, focusInput } from '../../components/form-field';
import { ErrorNotice } from '../../components/notice';
import {
  type AuthMethod,
  createIdentity,
  type Identity,
  type IdentityInput,
  identitiesQueryKey,
  type IdentityType,
  updateIdentity
} from '../../api/identities.api';
import { SECTION_TITLES } from './identity-format';
import { RedirectUriBox } from './redirect-uri';
import '@esri/calcite-components/components/calcite-checkbox';
import '@esri/calcite-components/components/calcite-dialog';
import '@esri/calcite-components/components/calcite-input-message';
import '@esri/calcite-components/components/calcite-segmented-control';
import '@esri/calcite-components/components/calcite-segmented-control-item';

type TextField = 'name' | 'url' | 'appId' | 'fileLocation';
type Field = TextField | 'authMethod' | 'storeCredentials';
const FIELD_ORDER: Field[] = ['name', 'authMethod', 'url', 'appId', 'fileLocation', 'storeCredentials'];

interface Values {
  name: string;
  url: string;
  authMethod: AuthMethod;
  appId: string;
  fileLocation: string;
  storeCredentials: boolean;
}

export type FormTarget = { mode: 'add'; type: IdentityType } | { mode: 'edit'; identity: Identity };

function initialValues(target: FormTarget): Values {
  if (target.mode === 'add') {
    return { name: '', url: '', authMethod: 'oauth2', appId: '', fileLocation: '', storeCredentials: true };
  }
  const { identity } = target;
  return {
    name: identity.name,
    url: identity.url,
    authMethod: identity.authMethod,
    appId: identity.appId ?? '',
    fileLocation: identity.fileLocation,
    storeCredentials: identity.storeCredentials
  };
}

/** Checks the browser can make before asking the server (which checks everything again, and the portal). */
export function validateIdentityForm(values: Values, type: IdentityType): Partial<Record<Field, string>> {
  const errors: Partial<Record<Field, string>> = {};
  const example = type === 'online' ? 'https://myorg.maps.arcgis.com' : 'https://gis.example.com/portal';
  if (values.name.trim() === '') errors.name = 'Enter the organization name backups and scans are filed under.';
  if (values.url.trim() === '') errors.url = `Enter the organization's URL, e.g. ${example}.`;
  if (values.authMethod === 'oauth2' && values.appId.trim() === '') {
    errors.appId = 'Enter the App ID (client ID) of the application registered in this organization.';
  }
  // Whether a path is absolute depends on the server's operating system: the server checks that.
  if (values.fileLocation.trim() === '') errors.fileLocation = 'Enter a folder on the OrgKeeper server, e.g. /srv/orgkeeper/myorg.';
  return errors;
}

export interface IdentityFormDialogProps {
  target: FormTarget | null;
  redirectUri: string | undefined;
  onClose: () => void;
  /** Called with the saved identity (after the list is refreshed). */
  onSaved: (identity: Identity, mode: 'add' | 'edit') => void;
}

export function IdentityFormDialog({ target, redirectUri, onClose, onSaved }: IdentityFormDialogProps) {
  const [open, setOpen] = useState(false);
  // The dialog keeps rendering the last target while it animates closed.
  const [shown, setShown] = useState<FormTarget | null>(null);
  useEffect(() => {
    if (target) {
      setShown(target);
      setOpen(true);
    } else {
      setOpen(false);
    }
  }, [target]);
  if (!shown) return null;
  return (
    <IdentityForm
      key={shown.mode === 'add' ? `add-${shown.type}` : `edit-${shown.identity.id}`}
      target={shown}
      open={open}
      redirectUri={redirectUri}
      onClose={onClose}
      onClosed={() => setShown(null)}
      onSaved={onSaved}
    />
  );
}

function IdentityForm({
  target,
  open,
  redirectUri,
  onClose,
  onClosed,
  onSaved
}: {
  target: FormTarget;
  open: boolean;
  redirectUri: string | undefined;
  onClose: () => void;
  onClosed: () => void;
  onSaved: IdentityFormDialogProps['onSaved'];
}) {
  const apiClient = useApiClient();
  const queryClient = useQueryClient();
  const type = target.mode === 'add' ? target.type : target.identity.type;
  const [values, setValues] = useState<Values>(() => initialValues(target));
  const [clientErrors, setClientErrors] = useState<Partial<Record<Field, string>>>({});
  const [serverErrors, setServerErrors] = useState<Partial<Record<Field, string>>>({});
  const [otherErrors, setOtherErrors] = useState<string[]>([]);
  const inputs = useRef<Partial<Record<TextField, HTMLCalciteInputElement | null>>>({});
  const authControl = useRef<HTMLCalciteSegmentedControlElement | null>(null);
  const formId = useId();

  const save = useMutation({
    mutationFn: (input: IdentityInput) =>
      target.mode === 'add' ? createIdentity(apiClient, input) : updateIdentity(apiClient, target.identity.id, input),
    onSuccess: async (identity) => {
      await queryClient.invalidateQueries({ queryKey: identitiesQueryKey });
      onSaved(identity, target.mode);
    },
    onError: (error) => {
      const fields: Partial<Record<Field, string>> = {};
      const others: string[] = [];
      if (isApiError(error)) {
        for (const [field, message] of Object.entries(error.fields)) {
          if ((FIELD_ORDER as string[]).includes(field)) fields[field as Field] = message;
          else others.push(message);
        }
      }
      setServerErrors(fields);
      setOtherErrors(others);
      focusFirst(fields);
    }
  });

  const focusFirst = (errors: Partial<Record<Field, string>>) => {
    const first = FIELD_ORDER.find((field) => errors[field]);
    if (first === 'authMethod') void authControl.current?.setFocus();
    else if (first && first !== 'storeCredentials') void focusInput(inputs.current[first]);
  };

  const change = (field: Field) => (value: string | boolean) => {
    setValues((current) => ({ ...current, [field]: value }));
    setClientErrors((current) => ({ ...current, [field]: undefined }));
    setServerErrors((current) => ({ ...current, [field]: undefined }));
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (save.isPending) return;
    // Read what the inputs hold now: Enter can submit before the last keystroke's state update has rendered.
    const read = (field: TextField) => inputs.current[field]?.value ?? values[field];
    const entered: Values = { ...values, name: read('name'), url: read('url'), appId: read('appId'), fileLocation: read('fileLocation') };
    const errors = validateIdentityForm(entered, type);
    setClientErrors(errors);
    setServerErrors({});
    setOtherErrors([]);
    if (Object.keys(errors).length > 0) {
      focusFirst(errors);
      return;
    }
    const oauth2 = entered.authMethod === 'oauth2';
    save.mutate({
      ...(target.mode === 'add' ? { type } : {}),
      name: entered.name.trim(),
      url: entered.url.trim(),
      authMethod: entered.authMethod,
      ...(oauth2 ? { appId: entered.appId.trim() } : {}),
      fileLocation: entered.fileLocation.trim(),
      ...(oauth2 ? { storeCredentials: entered.storeCredentials } : {})
    });
  };

  const errorFor = (field: Field) => clientErrors[field] ?? serverErrors[field];
  const hasFieldErrors = FIELD_ORDER.some((field) => serverErrors[field]);
  const title = SECTION_TITLES[type];
  const heading = target.mode === 'add' ? `Add ${title} identity` : `Edit ${target.identity.name}`;
  const urlExample = type === 'online' ? 'https://myorg.maps.arcgis.com' : 'https://gis.example.com/portal';
  const authError = errorFor('authMethod');

  return (
    <form id={formId} onSubmit={submit} noValidate aria-label={heading}>
      <calcite-dialog
        open={open}
        modal
        heading={heading}
        description={
          type === 'online'
            ? 'An ArcGIS Online organization that OrgKeeper signs in to with OAuth 2.0.'
            : 'An ArcGIS Enterprise portal that OrgKeeper signs in to with IWA (Windows) or OAuth 2.0.'
        }
        width="m"
        className="identity-dialog"
        label={heading}
        oncalciteDialogOpen={(event) => {
          // Start in the first field, unless the user already clicked into another one while the dialog opened.
          const focused = document.activeElement;
          if (focused?.localName === 'calcite-input' && event.currentTarget.contains(focused)) return;
          void focusInput(inputs.current.name);
        }}
        oncalciteDialogClose={() => {
          onClose();
          onClosed();
        }}
      >
        <div className="identity-form">
          {save.error !== null && (
            <ErrorNotice
              error={save.error}
              title={hasFieldErrors || otherErrors.length > 0 ? 'Check the highlighted fields' : 'The identity was not saved'}
            />
          )}
          {otherErrors.length > 0 && (
            <ul className="identity-form-other-errors">
              {otherErrors.map((message) => (
                <li key={message}>{message}</li>
              ))}
            </ul>
          )}
          <FormField
            ref={(element) => {
              inputs.current.name = element;
            }}
            name="name"
            label="Organization Name"
            help="The name backups and scans are filed under in OrgKeeper, e.g. City of Springfield (production)."
            required
            value={values.name}
            onValueChange={change('name')}
            error={errorFor('name')}
          />
          {type === 'enterprise' && (
            <div className="form-field" data-field="authMethod">
              <calcite-segmented-control
                ref={authControl}
                name="authMethod"
                labelText="Authentication"
                value={values.authMethod}
                width="full"
                status={authError ? 'invalid' : 'idle'}
                validationMessage={authError ?? ''}
                validationIcon={authError ? true : false}
                oncalciteSegmentedControlChange={(event) => change('authMethod')(event.target.value as AuthMethod)}
              >
                <calcite-segmented-control-item value="iwa" checked={values.authMethod === 'iwa'} iconStart="user-key">
                  IWA
                </calcite-segmented-control-item>
                <calcite-segmented-control-item value="oauth2" checked={values.authMethod === 'oauth2'} iconStart="key">
                  OAuth2
                </calcite-segmented-control-item>
              </calcite-segmented-control>
              <div className="form-field-help">
                {values.authMethod === 'iwa'
                  ? 'IWA signs in as the Windows (Kerberos) account that runs the OrgKeeper server; no credentials are entered or stored.'
                  : "OAuth2 signs in through the portal's own sign-in page with an App ID."}
              </div>
            </div>
          )}
          <FormField
            ref={(element) => {
              inputs.current.url = element;
            }}
            name="url"
            type="url"
            label="URL"
            help={`Your organization's URL, e.g. ${urlExample}`}
            required
            value={values.url}
            onValueChange={change('url')}
            error={errorFor('url')}
          />
          {values.authMethod === 'oauth2' && (
            <>
              <FormField
                ref={(element) => {
                  inputs.current.appId = element;
                }}
                name="appId"
                label="App ID"
                help="Client ID of an application registered in the organization"
                required
                value={values.appId}
                onValueChange={change('appId')}
                error={errorFor('appId')}
              />
              {redirectUri && <RedirectUriBox redirectUri={redirectUri} type={type} />}
            </>
          )}
          <FormField
            ref={(element) => {
              inputs.current.fileLocation = element;
            }}
            name="fileLocation"
            label="File Location"
            help="Folder on the OrgKeeper server for this organization's backups"
            required
            value={values.fileLocation}
            onValueChange={change('fileLocation')}
            error={errorFor('fileLocation')}
          />
          {/* IWA keeps nothing: scheduled work signs in as the server's own account each time. */}
          {values.authMethod === 'oauth2' && (
            <div className="form-field store-credentials" data-field="storeCredentials">
              <calcite-checkbox
                name="storeCredentials"
                checked={values.storeCredentials}
                labelText="Store credentials for scheduled work"
                label="Store credentials for scheduled work"
                oncalciteCheckboxChange={(event) => change('storeCredentials')(event.target.checked)}
              />
              <div className="form-field-help">
                Keeps an encrypted refresh token so backups can run unattended. Without it, you sign in again after each
                server restart.
              </div>
              {errorFor('storeCredentials') && <calcite-input-message status="invalid" icon>{errorFor('storeCredentials')}</calcite-input-message>}
            </div>
          )}
        </div>
        <calcite-button slot="footer-end" appearance="outline" kind="neutral" onClick={onClose} disabled={save.isPending}>
          Cancel
        </calcite-button>
        <calcite-button slot="footer-end" type="submit" form={formId} loading={save.isPending} iconStart={target.mode === 'add' ? 'plus' : 'save'}>
          {save.isPending ? 'Checking the organization…' : target.mode === 'add' ? 'Add identity' : 'Save changes'}
        </calcite-button>
      </calcite-dialog>
    </form>
  );
}
