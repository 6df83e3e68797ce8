// The exact redirect URI to register on an App ID, with a copy button and the portal's registration steps.
import { useId } from 'react';
import type { IdentityType } from '../../api/identities.api';
import { CopyButton } from '../../components/copy-button';

export function RegistrationSteps({ type }: { type: IdentityType }) {
  return type === 'online' ? (
    <ol className="registration-steps">
      <li>
        In ArcGIS Online, open <b>Content</b> &gt; <b>My content</b> &gt; <b>New item</b> &gt; <b>Developer credentials</b>{' '}
        and choose <b>OAuth 2.0 credentials</b>.
      </li>
      <li>
        Under <b>Redirect URLs</b>, add the URI above (for existing credentials: the item&apos;s <b>Settings</b> &gt;{' '}
        <b>Application</b> &gt; <b>Redirect URLs</b>).
      </li>
      <li>
        Save, then copy the item&apos;s <b>Client ID</b> into <b>App ID</b>.
      </li>
    </ol>
  ) : (
    <ol className="registration-steps">
      <li>
        In the portal, open <b>Content</b> &gt; <b>My content</b> &gt; <b>New item</b> &gt; <b>Application</b> and save the
        item.
      </li>
      <li>
        On the item&apos;s <b>Settings</b> tab, click <b>Register</b> and add the URI above under <b>Redirect URIs</b> (for an
        app already registered: <b>Registered Info</b> &gt; <b>Update</b>).
      </li>
      <li>
        Save, then copy its <b>App ID</b> into <b>App ID</b>.
      </li>
    </ol>
  );
}

/** The redirect URI block of the form (and of the "register the redirect URI" explanation). */
export function RedirectUriBox({ redirectUri, type, stepsOpen = false }: { redirectUri: string; type: IdentityType; stepsOpen?: boolean }) {
  const labelId = useId();
  return (
    <div className="redirect-uri" role="group" aria-labelledby={labelId}>
      <div className="redirect-uri-label" id={labelId}>
        Redirect URI to register on the App ID
      </div>
      <div className="redirect-uri-row">
        <code className="redirect-uri-value" data-testid="redirect-uri">
          {redirectUri}
        </code>
        <CopyButton text={redirectUri} label="Copy the redirect URI" />
      </div>
      <details className="redirect-uri-steps" open={stepsOpen}>
        <summary>How to register it in {type === 'online' ? 'ArcGIS Online' : 'ArcGIS Enterprise'}</summary>
        <RegistrationSteps type={type} />
      </details>
    </div>
  );
}
