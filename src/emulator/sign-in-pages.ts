/**
 * The HTML of the interactive sign-in: password form, account picker, consent, device code entry and the end pages.
 * Plain, accessible HTML (labels, one heading, real buttons), no script and no external assets; every value that
 * comes from a request or the directory is escaped here.
 */
import { escapeHtml, htmlResponse as plainHtml, page, type EmulatorResponse } from './http.js';

/** Sign-in pages may not be framed (clickjacking of Accept) and run no script. */
function htmlResponse(status: number, html: string): EmulatorResponse {
  const res = plainHtml(status, html);
  res.headers['x-frame-options'] = 'DENY';
  // No form-action: Chrome applies it to the redirect that follows a POST, which goes to the app's redirect URI.
  res.headers['content-security-policy'] = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";
  return res;
}

/** The hidden fields every sign-in form carries: the interaction and the session's CSRF token. */
export interface FormContext {
  /** Interaction id; absent on the device code entry form, which starts one. */
  flow?: string | undefined;
  csrf: string;
}

/** One line of the consent page. */
export interface ConsentItem {
  /** Stable key stored with the consent, e.g. `oidc:openid` or `<resource app id>:User.Read`. */
  key: string;
  label: string;
}

function hidden(form: FormContext): string {
  const flow = form.flow === undefined ? '' : `<input type="hidden" name="flow" value="${escapeHtml(form.flow)}">`;
  return `${flow}<input type="hidden" name="csrf" value="${escapeHtml(form.csrf)}">`;
}

function errorBlock(error: string | undefined): string {
  return error === undefined ? '' : `<p class="error" role="alert" id="error">${escapeHtml(error)}</p>`;
}

/** The username and password form. */
export function passwordPage(form: FormContext, details: { appName: string; username: string | undefined; error?: string | undefined }): EmulatorResponse {
  const describedBy = details.error === undefined ? '' : ' aria-describedby="error"';
  const body =
    `<p>to continue to <strong>${escapeHtml(details.appName)}</strong></p>${errorBlock(details.error)}` +
    `<form method="post" action="/signin/password">${hidden(form)}` +
    `<label for="username">Username</label><input id="username" name="username" type="text" autocomplete="username" ` +
    `autocapitalize="off" spellcheck="false" required value="${escapeHtml(details.username ?? '')}"${describedBy}${details.username === undefined ? ' autofocus' : ''}>` +
    `<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required${describedBy}${details.username === undefined ? '' : ' autofocus'}>` +
    '<div><button type="submit">Sign in</button></div></form>';
  return htmlResponse(200, page('Sign in', body));
}

/** The account picker: continue as the session's user, or sign in as someone else. */
export function accountPage(form: FormContext, details: { appName: string; username: string }): EmulatorResponse {
  const body =
    `<p>to continue to <strong>${escapeHtml(details.appName)}</strong></p>` +
    `<form method="post" action="/signin/account">${hidden(form)}` +
    `<div><button type="submit" name="choice" value="continue">Continue as ${escapeHtml(details.username)}</button></div>` +
    '<div><button type="submit" name="choice" value="other" class="secondary">Use another account</button></div></form>';
  return htmlResponse(200, page('Pick an account', body));
}

/** The consent page for the permissions an app asks for. */
export function consentPage(form: FormContext, details: { appName: string; username: string; items: readonly ConsentItem[] }): EmulatorResponse {
  const list = details.items.map((i) => `<li>${escapeHtml(i.label)}</li>`).join('');
  const body =
    `<p>Signed in as <strong>${escapeHtml(details.username)}</strong></p>` +
    `<p><strong>${escapeHtml(details.appName)}</strong> (unverified) would like to:</p><ul>${list}</ul>` +
    '<p>Accepting lets this app use your data as its terms of service and privacy statement describe. ' +
    'You can change these permissions later.</p>' +
    `<form method="post" action="/signin/consent">${hidden(form)}` +
    '<div><button type="submit" name="action" value="accept">Accept</button>' +
    '<button type="submit" name="action" value="cancel" class="secondary">Cancel</button></div></form>';
  return htmlResponse(200, page('Permissions requested', body));
}

/** The device code entry form (`/devicelogin`); `code` is prefilled from `?otc=`, which the user confirms (`confirm`). */
export function deviceCodePage(form: FormContext, details: { code: string | undefined; confirm?: boolean; error?: string | undefined }): EmulatorResponse {
  const intro =
    details.confirm !== true
      ? 'Enter the code displayed on your app or device.'
      : 'Check that this code matches the one your app or device shows, then select Next.';
  const describedBy = details.error === undefined ? '' : ' aria-describedby="error"';
  const body =
    `<p>${intro}</p>${errorBlock(details.error)}` +
    `<form method="post" action="/devicelogin">${hidden(form)}` +
    `<label for="otc">Code</label><input id="otc" name="otc" type="text" autocomplete="one-time-code" autocapitalize="characters" ` +
    `spellcheck="false" required autofocus value="${escapeHtml(details.code ?? '')}"${describedBy}>` +
    '<div><button type="submit">Next</button></div></form>';
  return htmlResponse(200, page('Enter code', body));
}

/** The end of a device code sign-in. */
export function deviceDonePage(appName: string, approved: boolean): EmulatorResponse {
  return approved
    ? htmlResponse(
        200,
        page(appName, `<p>You have signed in to the <strong>${escapeHtml(appName)}</strong> application on your device. You may now close this window.</p>`),
      )
    : htmlResponse(200, page(appName, '<p>You declined to sign in on your device. You may now close this window.</p>'));
}

/** A sign-in that cannot go on (expired session or interaction, failed CSRF check, a finished device code). */
export function signInProblemPage(status: number, message: string): EmulatorResponse {
  return htmlResponse(status, page('Sign in', `<p class="error" role="alert">${escapeHtml(message)}</p>`));
}
