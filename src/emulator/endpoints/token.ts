/**
 * The token endpoint: resolves the tenant, picks the grant handler by `grant_type`, and answers with the handler's
 * body or Entra's error. The v1 path (`/oauth2/token`) is accepted too, its `resource` read as `<resource>/.default`.
 */
import { AADSTS } from '../aad-errors.js';
import { authorizationCodeGrant } from '../grants/authorization-code.js';
import { clientCredentialsGrant } from '../grants/client-credentials.js';
import { deviceCodeGrant } from '../grants/device-code.js';
import type { GrantHandler } from '../grants/grant.js';
import { onBehalfOfGrant } from '../grants/on-behalf-of.js';
import { passwordGrant } from '../grants/password.js';
import { refreshTokenGrant } from '../grants/refresh-token.js';
import { requireTenant } from '../grants/session.js';
import { userFicGrant } from '../grants/user-fic.js';
import { jsonResponse } from '../http.js';
import { withSshCertificate } from '../ssh-certificate.js';
import { param, type Route } from '../router.js';

const GRANTS: Record<string, GrantHandler> = {
  client_credentials: clientCredentialsGrant,
  authorization_code: authorizationCodeGrant,
  refresh_token: refreshTokenGrant,
  password: passwordGrant,
  device_code: deviceCodeGrant,
  'urn:ietf:params:oauth:grant-type:device_code': deviceCodeGrant,
  'urn:ietf:params:oauth:grant-type:jwt-bearer': onBehalfOfGrant,
  user_fic: userFicGrant,
};

/** The token routes (v2, and v1 with `resource`), also under `/dstsv2/` for dSTS-shaped authorities. */
export const tokenRoutes: Route[] = [
  {
    methods: ['POST'],
    pattern: /^\/(?:dstsv2\/)?(?<tenant>[^/]+)\/oauth2\/(?<v2>v2\.0\/)?token$/,
    endpoint: 'token',
    handle: (ctx, req, p) => {
      const tenant = requireTenant(ctx, param(p, 'tenant'));
      if (p.v2 === undefined) {
        const resource = req.form.get('resource');
        if (req.form.get('scope') === null && resource !== null) req.form.set('scope', `${resource.replace(/\/+$/, '')}/.default`);
      }
      const grantType = req.form.get('grant_type');
      if (grantType === null || grantType === '') throw AADSTS.missingParameter('grant_type');
      const grant = GRANTS[grantType];
      if (grant === undefined) throw AADSTS.unsupportedGrant(grantType);
      return jsonResponse(200, withSshCertificate(ctx.sshCa, req.form, grant(ctx, req, tenant), ctx.now()));
    },
  },
];
