/**
 * The pages the loopback redirect server shows in the browser: `$var` templates (MSAL Python's syntax) filled with
 * HTML-escaped values, and the default pages.
 */

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Fills `$name` and `${name}` placeholders from `values`, HTML-escaping every value; `$$` is a literal `$`.
 * A placeholder with no value becomes empty text: the fields of an auth response vary, and a page that shows
 * `$error_uri` literally helps nobody.
 *
 * @param template - The page; `$` followed by anything other than a name, `{name}` or `$` is kept as is.
 * @param values - The auth response's fields, or any other values; never trusted, always escaped.
 */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(
    /\$(?:(\$)|([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\})/g,
    (_m, dollar: string | undefined, bare: string | undefined, braced: string | undefined) => {
      if (dollar !== undefined) return '$';
      const name = bare ?? braced ?? '';
      return Object.hasOwn(values, name) ? escapeHtml(values[name] ?? '') : '';
    },
  );
}

function page(title: string, body: string): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}</style>' +
    `</head><body><h1>${title}</h1>${body}</body></html>`
  );
}

/** The default page after a successful sign-in. */
export const DEFAULT_SUCCESS_TEMPLATE = page('Authentication complete', '<p>You can close this window and return to the application.</p>');

/** The default page after a failed sign-in: the server's `error` and `error_description`. */
export const DEFAULT_ERROR_TEMPLATE = page(
  'Authentication failed',
  '<p>The sign-in did not complete. Return to the application for details.</p><p><code>$error</code></p><p>$error_description</p>',
);

/** Shown for a response whose `state` is not the one being waited for; the wait goes on. */
export const STATE_MISMATCH_PAGE = page(
  'State mismatch',
  '<p>This response does not belong to the sign-in in progress and was ignored. Finish the sign-in in the window the application opened.</p>',
);

/** Shown for a request to the redirect URI that carries neither `code` nor `error`. */
export const WAITING_PAGE = page('Waiting for sign-in', '<p>This address receives the sign-in response; nothing was received in this request.</p>');

/** Shown for a response that arrives after the wait has ended. */
export const FINISHED_PAGE = page('Sign-in no longer in progress', '<p>The application is no longer waiting for this response. You can close this window.</p>');

/** Shown for a response beyond the few held before the application starts waiting (a flood from a local process). */
export const BUSY_PAGE = page(
  'Too many responses',
  '<p>This address already holds the responses it can keep. Finish the sign-in in the window the application opened.</p>',
);

/** Shown for a malformed request (repeated fields, a body too large or not a form). */
export const BAD_REQUEST_PAGE = page('Bad request', '<p>The request could not be read as a sign-in response.</p>');

/** Shown for any other path (`/favicon.ico`, ...). */
export const NOT_FOUND_PAGE = page('Not found', '<p>Nothing here.</p>');
