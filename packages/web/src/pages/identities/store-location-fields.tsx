// The File Location part of the identity form: a folder, an S3 bucket prefix or an Azure Blob container prefix, with
// the credentials each needs; and whether the backups are encrypted, with the passphrase and a plain warning.
import { FormField } from '../../components/form-field';
import type { AzureAuth, CredentialValues, LocationKind, LocationValues } from './store-location';
import '@esri/calcite-components/components/calcite-checkbox';
import '@esri/calcite-components/components/calcite-input-message';
import '@esri/calcite-components/components/calcite-segmented-control';
import '@esri/calcite-components/components/calcite-segmented-control-item';

export interface StoreLocationFieldsProps {
  values: LocationValues;
  onChange: (values: LocationValues) => void;
  credentials: CredentialValues;
  onCredentialsChange: (values: CredentialValues) => void;
  editing: boolean;
  /** Credentials are kept for the saved location (edit): blank fields keep them. */
  hasStoredCredentials: boolean;
  errors: { fileLocation?: string | undefined; fileLocationCredentials?: string | undefined };
}

export function StoreLocationFields({ values, onChange, credentials, onCredentialsChange, editing, hasStoredCredentials, errors }: StoreLocationFieldsProps) {
  const set = <K extends keyof LocationValues>(key: K) => (value: LocationValues[K]) => onChange({ ...values, [key]: value });
  const setCredential = <K extends keyof CredentialValues>(key: K) => (value: CredentialValues[K]) => onCredentialsChange({ ...credentials, [key]: value });
  const kept = editing && hasStoredCredentials ? ' Leave blank to keep the credentials already saved.' : '';
  const parts: LocationParts = { values, credentials, set, setCredential, kept, errors };
  return (
    <fieldset className="form-field store-location" data-field="fileLocation">
      <legend>Where backups are kept</legend>
      <calcite-segmented-control
        name="fileLocationKind"
        labelText="Kind of File Location"
        value={values.kind}
        width="full"
        oncalciteSegmentedControlChange={(event) => set('kind')(event.target.value as LocationKind)}
      >
        <calcite-segmented-control-item value="folder" checked={values.kind === 'folder'} iconStart="folder">
          Folder
        </calcite-segmented-control-item>
        <calcite-segmented-control-item value="s3" checked={values.kind === 's3'} iconStart="data">
          Amazon S3 or compatible
        </calcite-segmented-control-item>
        <calcite-segmented-control-item value="azure" checked={values.kind === 'azure'} iconStart="cloud">
          Azure Blob Storage
        </calcite-segmented-control-item>
      </calcite-segmented-control>
      {values.kind === 'folder' && (
        <FormField
          name="fileLocation"
          label="File Location"
          help="Folder on the OrgKeeper server for this organization's backups"
          required
          value={values.folder}
          onValueChange={set('folder')}
          error={errors.fileLocation}
        />
      )}
      {values.kind === 's3' && <S3Fields {...parts} />}
      {values.kind === 'azure' && <AzureFields {...parts} />}
      <div className="form-field-help">When you save, OrgKeeper writes, reads, lists and deletes a test object there, and says what went wrong if it cannot.</div>
    </fieldset>
  );
}

/** What the fields of one kind of location get from the form. */
interface LocationParts {
  values: LocationValues;
  credentials: CredentialValues;
  set: <K extends keyof LocationValues>(key: K) => (value: LocationValues[K]) => void;
  setCredential: <K extends keyof CredentialValues>(key: K) => (value: CredentialValues[K]) => void;
  /** Added to the credential fields' help when saved credentials are kept. */
  kept: string;
  errors: StoreLocationFieldsProps['errors'];
}

function S3Fields({ values, credentials, set, setCredential, kept, errors }: LocationParts) {
  return (
    <>
      <FormField name="fileLocation" label="Bucket" help="The S3 bucket, e.g. city-gis-backups" required value={values.s3Bucket} onValueChange={set('s3Bucket')} error={errors.fileLocation} />
      <FormField name="s3Prefix" label="Prefix (optional)" help="A folder-like prefix in the bucket for this organization, e.g. orgkeeper/springfield" value={values.s3Prefix} onValueChange={set('s3Prefix')} />
      <FormField name="s3Region" label="Region (optional)" help="e.g. us-east-1; OrgKeeper follows AWS's redirect when it is wrong" value={values.s3Region} onValueChange={set('s3Region')} />
      <FormField
        name="s3Endpoint"
        type="url"
        label="Endpoint (S3-compatible services only)"
        help="For MinIO, Wasabi, Ceph or a NAS's S3 gateway, e.g. https://s3.example.org:9000; leave empty for AWS"
        value={values.s3Endpoint}
        onValueChange={set('s3Endpoint')}
      />
      <div className="form-field">
        <calcite-checkbox
          name="s3PathStyle"
          checked={values.s3PathStyle}
          labelText="Path-style addressing"
          label="Path-style addressing"
          oncalciteCheckboxChange={(event) => set('s3PathStyle')(event.target.checked)}
        />
        <div className="form-field-help">Needed by many S3-compatible services (https://endpoint/bucket instead of https://bucket.endpoint).</div>
      </div>
      <FormField
        name="s3AccessKeyId"
        label="Access key ID"
        help={`An access key allowed to get, put, delete and list objects under the prefix. Leave both blank to use the AWS credentials of the account that runs OrgKeeper (environment, ~/.aws, instance role).${kept}`}
        autoComplete="off"
        value={credentials.s3AccessKeyId}
        onValueChange={setCredential('s3AccessKeyId')}
        error={errors.fileLocationCredentials}
      />
      <FormField name="s3SecretAccessKey" type="password" label="Secret access key" help="Kept encrypted on the OrgKeeper server, never shown again." autoComplete="new-password" value={credentials.s3SecretAccessKey} onValueChange={setCredential('s3SecretAccessKey')} />
    </>
  );
}

function AzureFields({ values, credentials, set, setCredential, kept, errors }: LocationParts) {
  return (
    <>
      <FormField
        name="fileLocation"
        type="url"
        label="Storage account URL"
        help="The account's blob endpoint, e.g. https://myaccount.blob.core.windows.net"
        required
        value={values.azureAccountUrl}
        onValueChange={set('azureAccountUrl')}
        error={errors.fileLocation}
      />
      <FormField name="azureContainer" label="Container" help="An existing blob container, e.g. orgkeeper-backups" required value={values.azureContainer} onValueChange={set('azureContainer')} />
      <FormField name="azurePrefix" label="Prefix (optional)" help="A folder-like prefix in the container for this organization, e.g. springfield" value={values.azurePrefix} onValueChange={set('azurePrefix')} />
      <calcite-segmented-control
        name="azureAuth"
        labelText="Sign in to Azure with"
        value={credentials.azureAuth}
        width="full"
        oncalciteSegmentedControlChange={(event) => setCredential('azureAuth')(event.target.value as AzureAuth)}
      >
        <calcite-segmented-control-item value="key" checked={credentials.azureAuth === 'key'}>
          Account key
        </calcite-segmented-control-item>
        <calcite-segmented-control-item value="sas" checked={credentials.azureAuth === 'sas'}>
          SAS token
        </calcite-segmented-control-item>
        <calcite-segmented-control-item value="chain" checked={credentials.azureAuth === 'chain'}>
          The server's Azure identity
        </calcite-segmented-control-item>
      </calcite-segmented-control>
      {credentials.azureAuth === 'key' && (
        <FormField name="azureAccountKey" type="password" label="Storage account key" help={`From Access keys in the Azure portal; kept encrypted.${kept}`} autoComplete="new-password" value={credentials.azureAccountKey} onValueChange={setCredential('azureAccountKey')} error={errors.fileLocationCredentials} />
      )}
      {credentials.azureAuth === 'sas' && (
        <FormField name="azureSasToken" type="password" label="SAS token" help={`With read, add, create, write, delete and list permissions on the container; kept encrypted.${kept}`} autoComplete="off" value={credentials.azureSasToken} onValueChange={setCredential('azureSasToken')} error={errors.fileLocationCredentials} />
      )}
      {credentials.azureAuth === 'chain' && (
        <div className="form-field-help">
          OrgKeeper signs in as its own Azure identity (managed identity, workload identity, an environment service principal, or an Azure
          CLI sign-in of the account that runs it). Give that identity the Storage Blob Data Contributor role on the container.
        </div>
      )}
    </>
  );
}

/** A text field's props as the form state gives them (form-state.ts textField). */
interface TextFieldProps {
  ref: (element: HTMLCalciteInputElement | null) => void;
  name: string;
  value: string;
  onValueChange: (value: string) => void;
  error: string | undefined;
}

export interface EncryptionFieldsProps {
  encrypt: boolean;
  onEncryptChange: (encrypt: boolean) => void;
  passphrase: TextFieldProps;
  confirm: TextFieldProps;
  editing: boolean;
  error: string | undefined;
}

export function EncryptionFields({ encrypt, onEncryptChange, passphrase, confirm, editing, error }: EncryptionFieldsProps) {
  return (
    <div className="form-field store-encryption" data-field="encryptBackups">
      <calcite-checkbox
        name="encryptBackups"
        checked={encrypt}
        labelText="Encrypt the backups"
        label="Encrypt the backups"
        oncalciteCheckboxChange={(event) => onEncryptChange(event.target.checked)}
      />
      <div className="form-field-help">
        Everything in the store is encrypted (AES-256) under a key that this OrgKeeper server holds, so scheduled backups run unattended, and that your
        passphrase opens too, so the backups can be opened elsewhere. Chosen once, when the store is created{editing ? '; an existing store stays as it is' : ''}.
      </div>
      {error && <calcite-input-message status="invalid" icon>{error}</calcite-input-message>}
      {encrypt && (
        <>
          <FormField
            {...passphrase}
            type="password"
            label="Passphrase"
            help="At least 8 characters; a sentence is easier to remember and harder to guess. Also opens an existing encrypted store for this server."
            autoComplete="new-password"
          />
          <FormField {...confirm} type="password" label="Passphrase again" help="The same passphrase, to catch a typing mistake." autoComplete="new-password" />
          <calcite-notice open kind="warning" icon="exclamation-mark-triangle" width="full">
            <div slot="title">Keep the passphrase safe</div>
            <div slot="message">
              {passphrase.value
                ? 'If both this passphrase and this server\'s key (master.key in its data directory) are lost, the backups are lost: nobody, not even OrgKeeper, can decrypt them. Write the passphrase down and keep it apart from the server.'
                : 'Without a passphrase only this server\'s key (master.key in its data directory) opens the backups: if it is lost, the backups are lost. Enter a passphrase, and keep it apart from the server.'}
            </div>
          </calcite-notice>
        </>
      )}
    </div>
  );
}
