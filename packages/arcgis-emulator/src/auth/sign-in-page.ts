import { escapeHtml } from '../http/reply.js';

/**
 * The portal's HTML pages of the OAuth2 flow: a plain ArcGIS-style sign-in page, the error page the portal shows
 * instead of redirecting (unknown client_id, unregistered redirect_uri), and the out-of-band approval page.
 * Everything interpolated is escaped: app titles, org names and parameters are untrusted.
 */

const STYLE = `
  body { margin: 0; font-family: "Avenir Next", "Helvetica Neue", Arial, sans-serif; background: #f8f8f8; color: #151515; }
  header { background: #fff; border-bottom: 1px solid #dfdfdf; padding: 12px 24px; font-size: 14px; color: #4a4a4a; }
  main { max-width: 400px; margin: 48px auto; background: #fff; border: 1px solid #dfdfdf; padding: 32px; }
  h1 { font-size: 22px; font-weight: 400; margin: 0 0 8px; }
  p.app { font-size: 14px; color: #4a4a4a; margin: 0 0 24px; }
  label { display: block; font-size: 14px; margin: 16px 0 4px; }
  input[type=text], input[type=password] { width: 100%; box-sizing: border-box; padding: 8px; font-size: 16px; border: 1px solid #959595; }
  .buttons { display: flex; gap: 12px; margin-top: 24px; }
  button { flex: 1; padding: 10px; font-size: 16px; cursor: pointer; border: 1px solid #007ac2; }
  button.primary { background: #007ac2; color: #fff; }
  button.secondary { background: #fff; color: #007ac2; }
  .error { background: #fff1f0; border-left: 3px solid #d83020; padding: 8px 12px; font-size: 14px; margin-bottom: 16px; }
  code { font-size: 16px; word-break: break-all; display: block; background: #f3f3f3; padding: 12px; }
`;

function page(title: string, orgName: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>${escapeHtml(orgName)}</header>
<main>
${body}
</main>
</body>
</html>
`;
}

export interface SignInPageModel {
  orgName: string;
  appTitle: string;
  /** Where the form posts (`<rest>/oauth2/signin`). */
  action: string;
  oauthState: string;
  username?: string;
  error?: string;
  /** Whether the Cancel button is offered (ArcGIS hides it with `hideCancel=true`). */
  showCancel: boolean;
}

export function signInPage(model: SignInPageModel): string {
  const error = model.error ? `<div class="error" role="alert">${escapeHtml(model.error)}</div>` : '';
  const cancel = model.showCancel
    ? `<button type="submit" class="secondary" name="cancel" value="true" formnovalidate>Cancel</button>`
    : '';
  return page(
    `Sign In - ${model.orgName}`,
    model.orgName,
    `<h1>Sign in to ${escapeHtml(model.orgName)}</h1>
<p class="app">${escapeHtml(model.appTitle)} would like to access your ArcGIS account information.</p>
${error}<form method="post" action="${escapeHtml(model.action)}" autocomplete="off">
<input type="hidden" name="oauth_state" value="${escapeHtml(model.oauthState)}">
<label for="user_username">Username</label>
<input type="text" id="user_username" name="username" value="${escapeHtml(model.username ?? '')}" required autofocus>
<label for="user_password">Password</label>
<input type="password" id="user_password" name="password" required>
<div class="buttons">
<button type="submit" class="primary" id="signIn" name="signIn" value="true">Sign In</button>
${cancel}
</div>
</form>`
  );
}

export function errorPage(orgName: string, title: string, message: string): string {
  return page(
    title,
    orgName,
    `<h1>${escapeHtml(title)}</h1>
<div class="error" role="alert">${escapeHtml(message)}</div>`
  );
}

export function approvalPage(orgName: string, appTitle: string, code: string): string {
  return page(
    'Approval',
    orgName,
    `<h1>Approval</h1>
<p class="app">Copy this code and paste it into ${escapeHtml(appTitle)}:</p>
<code id="code">${escapeHtml(code)}</code>`
  );
}
