// The app's HTML: no script, no external assets, every value escaped.

/** @param {unknown} value */
export function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * @param {string} title
 * @param {string} body - HTML, already escaped
 * @param {string | undefined} instance
 */
function layout(title, body, instance) {
  const footer = instance === undefined ? '' : `<footer>Served by instance <b id="instance">${escapeHtml(instance)}</b></footer>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:16px system-ui,sans-serif;max-width:40em;margin:2em auto}dt{font-weight:bold}footer{margin-top:2em;color:#555}</style>
</head><body><h1>${escapeHtml(title)}</h1>
${body}
${footer}
</body></html>`;
}

const SIGN_OUT = '<form method="post" action="/logout"><button type="submit">Sign out</button></form>';

/**
 * @param {import('msal-ts').Account | undefined} account
 * @param {string | undefined} instance
 */
export function homePage(account, instance) {
  const body =
    account === undefined
      ? '<p>You are not signed in.</p><p><a href="/login">Sign in</a></p>'
      : `<p>Signed in as <b id="username">${escapeHtml(account.username)}</b>.</p><p><a href="/profile">Your profile</a></p>${SIGN_OUT}`;
  return layout('msal-ts web app', body, instance);
}

/**
 * @param {Record<string, unknown>} user - what the protected endpoint answered
 * @param {import('msal-ts').AuthenticationResult} token
 * @param {string | undefined} instance
 */
export function profilePage(user, token, instance) {
  const rows = Object.entries(user)
    .filter(([, v]) => typeof v === 'string' || typeof v === 'number')
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd id="claim-${escapeHtml(k)}">${escapeHtml(v)}</dd>`)
    .join('');
  const body = `<p>What the protected endpoint returned for your access token:</p><dl>${rows}</dl>
<p>Access token from: <b id="token-source">${escapeHtml(token.token_source)}</b>, expires in ${escapeHtml(token.expires_in)} s.</p>
<p><a href="/">Home</a></p>${SIGN_OUT}`;
  return layout('Your profile', body, instance);
}

/**
 * @param {string} title
 * @param {string} message - plain text
 * @param {string | undefined} instance
 */
export function errorPage(title, message, instance) {
  return layout(title, `<p role="alert">${escapeHtml(message)}</p><p><a href="/login">Sign in again</a> · <a href="/">Home</a></p>`, instance);
}
