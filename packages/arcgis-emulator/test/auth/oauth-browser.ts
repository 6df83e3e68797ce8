import { createHash, randomBytes } from 'node:crypto';

/**
 * Drives the portal's OAuth2 sign-in page over HTTP the way a browser does: GET authorize, read the form, POST it,
 * read the Location header. No redirects are followed, so tests can look at each step.
 */
export interface SignInForm {
  status: number;
  html: string;
  action: string;
  oauthState: string;
}

function unescapeHtml(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export async function openSignIn(restUrl: string, params: Record<string, string>): Promise<SignInForm> {
  const response = await fetch(`${restUrl}/oauth2/authorize?${new URLSearchParams(params).toString()}`, { redirect: 'manual' });
  const html = await response.text();
  const action = /<form[^>]*action="([^"]*)"/.exec(html)?.[1];
  const oauthState = /name="oauth_state" value="([^"]*)"/.exec(html)?.[1];
  if (response.status !== 200 || !action || !oauthState) {
    throw new Error(`authorize did not show a sign-in form (HTTP ${response.status}): ${html.slice(0, 500)}`);
  }
  return { status: response.status, html, action: unescapeHtml(action), oauthState: unescapeHtml(oauthState) };
}

export async function submitSignIn(
  form: SignInForm,
  fields: { username?: string; password?: string; cancel?: boolean }
): Promise<{ status: number; location: string | null; html: string }> {
  const body = new URLSearchParams({ oauth_state: form.oauthState });
  if (fields.cancel) body.set('cancel', 'true');
  else {
    body.set('username', fields.username ?? '');
    body.set('password', fields.password ?? '');
    body.set('signIn', 'true');
  }
  const response = await fetch(form.action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
    redirect: 'manual'
  });
  return { status: response.status, location: response.headers.get('location'), html: await response.text() };
}

/** Runs authorize + sign-in and returns the code from the redirect. */
export async function authorizeCode(
  restUrl: string,
  options: { clientId: string; redirectUri: string; username: string; password: string; state?: string; extra?: Record<string, string> }
): Promise<{ code: string; location: URL }> {
  const form = await openSignIn(restUrl, {
    client_id: options.clientId,
    response_type: 'code',
    redirect_uri: options.redirectUri,
    ...(options.state ? { state: options.state } : {}),
    ...options.extra
  });
  const signed = await submitSignIn(form, { username: options.username, password: options.password });
  if (signed.status !== 302 || !signed.location) throw new Error(`sign-in did not redirect (HTTP ${signed.status}): ${signed.html.slice(0, 300)}`);
  const location = new URL(signed.location);
  const code = location.searchParams.get('code');
  if (!code) throw new Error(`no code in ${signed.location}`);
  return { code, location };
}

export function pkcePair(method: 'S256' | 'plain' = 'S256'): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return { verifier, challenge };
}

export async function postForm(url: string, params: Record<string, string>): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ f: 'json', ...params })
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as unknown };
  } catch {
    return { status: response.status, body: text };
  }
}
