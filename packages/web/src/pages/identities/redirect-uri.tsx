// The exact redirect URI to register on an App ID, with a copy button and the portal's registration steps.
import { useEffect, useId, useRef, useState } from 'react';
import type { IdentityType } from '../../api/identities.api';

/** Copies text to the clipboard; falls back to a selection copy where the Clipboard API is unavailable. */
async function copyText(text: string): Promise<void> {
  if (navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch {
      // Permission refused or not a secure context: try the selection copy below.
    }
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('copy refused');
}

export function CopyButton({ text, label, scale = 's' }: { text: string; label: string; scale?: 's' | 'm' }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const copy = async () => {
    window.clearTimeout(timer.current);
    try {
      await copyText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
    timer.current = window.setTimeout(() => setState('idle'), 4000);
  };
  return (
    <span className="copy-button">
      <calcite-button
        appearance="outline"
        kind="brand"
        scale={scale}
        iconStart={state === 'copied' ? 'check' : 'copy-to-clipboard'}
        label={label}
        onClick={() => void copy()}
      >
        {state === 'copied' ? 'Copied' : 'Copy'}
      </calcite-button>
      {/* Announced to screen readers and shown next to the button. */}
      <span className={`copy-button-status copy-button-status-${state}`} role="status">
        {state === 'copied' ? 'Copied to the clipboard' : state === 'failed' ? 'Could not copy: select the text and copy it by hand' : ''}
      </span>
    </span>
  );
}

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
