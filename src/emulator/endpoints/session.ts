/** Sign-out (`end_session_endpoint`) and the `error_uri` page that error bodies point to. */
import { escapeHtml, htmlResponse, page, redirectResponse } from '../http.js';
import type { Route } from '../router.js';

/** The sign-out and error page routes. */
export const sessionRoutes: Route[] = [
  {
    methods: ['GET', 'POST'],
    pattern: /^\/(?<tenant>[^/]+)\/oauth2\/(?:v2\.0\/)?logout$/,
    endpoint: 'logout',
    handle: (_ctx, req) => {
      const params = req.method === 'POST' ? req.form : req.url.searchParams;
      const target = params.get('post_logout_redirect_uri');
      if (target !== null && /^https?:\/\//i.test(target)) {
        const url = new URL(target);
        const state = params.get('state');
        if (state !== null) url.searchParams.set('state', state);
        return redirectResponse(url.toString());
      }
      return htmlResponse(200, page('You signed out of your account', "<p>It's a good idea to close all browser windows.</p>"));
    },
  },
  {
    methods: ['GET'],
    pattern: /^\/error$/,
    endpoint: undefined,
    handle: (_ctx, req) => {
      const code = req.url.searchParams.get('code') ?? '';
      return htmlResponse(
        200,
        page(
          `AADSTS${code}`,
          `<p>Error code <code>AADSTS${escapeHtml(code)}</code> from the msal-ts Entra ID emulator. ` +
            "The error body's <code>error_description</code> says what went wrong.</p>",
        ),
      );
    },
  },
];
