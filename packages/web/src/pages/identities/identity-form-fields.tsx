// The identity form's fields: exactly those of the identity's kind and sign-in method, a help line under each, the
// redirect URI to register for OAuth2, and the server's messages inline.
import type { AuthMethod } from '../../api/identities.api';
import { FormField } from '../../components/form-field';
import { ErrorNotice } from '../../components/notice';
import { urlExample } from './identity-form';
import type { IdentityFormState } from './identity-form-state';
import { RedirectUriBox } from './redirect-uri';
import { EncryptionFields, StoreLocationFields } from './store-location-fields';
import '@esri/calcite-components/components/calcite-checkbox';
import '@esri/calcite-components/components/calcite-input-message';
import '@esri/calcite-components/components/calcite-segmented-control';
import '@esri/calcite-components/components/calcite-segmented-control-item';

export function IdentityFormFields({ form, redirectUri }: { form: IdentityFormState; redirectUri: string | undefined }) {
  const { type, values, save, otherErrors } = form;
  const oauth2 = values.authMethod === 'oauth2';
  return (
    <div className="identity-form">
      {save.error !== null && (
        <ErrorNotice error={save.error} title={form.hasServerErrors || otherErrors.length > 0 ? 'Check the highlighted fields' : 'The identity was not saved'} />
      )}
      {otherErrors.length > 0 && (
        <ul className="identity-form-other-errors">
          {otherErrors.map((message) => (
            <li key={message}>{message}</li>
          ))}
        </ul>
      )}
      <FormField
        {...form.textField('name')}
        label="Organization Name"
        help="The name backups and scans are filed under in OrgKeeper, e.g. City of Springfield (production)."
        required
      />
      {type === 'enterprise' && <AuthMethodField form={form} />}
      <FormField {...form.textField('url')} type="url" label="URL" help={`Your organization's URL, e.g. ${urlExample(type)}`} required />
      {oauth2 && (
        <>
          <FormField {...form.textField('appId')} label="App ID" help="Client ID of an application registered in the organization" required />
          {redirectUri && <RedirectUriBox redirectUri={redirectUri} type={type} />}
        </>
      )}
      <StoreLocationFields
        values={form.values.fileLocation}
        onChange={form.change('fileLocation')}
        credentials={form.values.fileLocationCredentials}
        onCredentialsChange={form.change('fileLocationCredentials')}
        editing={form.target.mode === 'edit'}
        hasStoredCredentials={form.target.mode === 'edit' && form.target.identity.hasFileLocationCredentials}
        errors={{ fileLocation: form.errorFor('fileLocation'), fileLocationCredentials: form.errorFor('fileLocationCredentials') }}
      />
      <EncryptionFields
        encrypt={form.values.encryptBackups}
        onEncryptChange={form.change('encryptBackups')}
        passphrase={form.textField('backupPassphrase')}
        confirm={form.textField('backupPassphraseConfirm')}
        editing={form.target.mode === 'edit'}
        error={form.errorFor('encryptBackups')}
      />
      {/* IWA keeps nothing: scheduled work signs in as the server's own account each time. */}
      {oauth2 && <StoreCredentialsField form={form} />}
    </div>
  );
}

/** Enterprise portals only: IWA (the server's Windows account) or OAuth2 (the portal's sign-in page). */
function AuthMethodField({ form }: { form: IdentityFormState }) {
  const { values, authControl } = form;
  const error = form.errorFor('authMethod');
  return (
    <div className="form-field" data-field="authMethod">
      <calcite-segmented-control
        ref={authControl}
        name="authMethod"
        labelText="Authentication"
        value={values.authMethod}
        width="full"
        status={error ? 'invalid' : 'idle'}
        validationMessage={error ?? ''}
        validationIcon={error ? true : false}
        oncalciteSegmentedControlChange={(event) => form.change('authMethod')(event.target.value as AuthMethod)}
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
  );
}

function StoreCredentialsField({ form }: { form: IdentityFormState }) {
  const error = form.errorFor('storeCredentials');
  return (
    <div className="form-field store-credentials" data-field="storeCredentials">
      <calcite-checkbox
        name="storeCredentials"
        checked={form.values.storeCredentials}
        labelText="Store credentials for scheduled work"
        label="Store credentials for scheduled work"
        oncalciteCheckboxChange={(event) => form.change('storeCredentials')(event.target.checked)}
      />
      <div className="form-field-help">
        Keeps an encrypted refresh token so backups can run unattended. Without it, you sign in again after each server
        restart.
      </div>
      {error && <calcite-input-message status="invalid" icon>{error}</calcite-input-message>}
    </div>
  );
}
