/**
 * The managed identity sources, as each real service checks and answers requests: its required headers and secret,
 * its api-version, the names it reads the identity from, and its own success and error bodies (IMDS's `expires_in` as
 * a string, App Service's and Azure ML's `expires_on` string, Service Fabric's numeric `expires_on` and nested error
 * object, Azure Arc's key-file challenge).
 */
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EmulatorContext } from '../context.js';
import { jsonResponse, type EmulatorResponse } from '../http.js';
import { randomToken } from '../ids.js';
import { appAccessToken } from '../tokens.js';
import { findIdentity, identityAsApp, type EmulatorManagedIdentity, type IdentitySelector } from './identities.js';

/** A request as the handlers see it. */
export interface ManagedIdentityRequest {
  method: string;
  url: URL;
  /** Lower-case names. */
  headers: Record<string, string>;
  form: URLSearchParams;
}

/** Secrets and Arc state of one running set of endpoints. */
export interface ManagedIdentityState {
  readonly ctx: EmulatorContext;
  readonly appServiceSecret: string;
  readonly machineLearningSecret: string;
  readonly serviceFabricSecret: string;
  readonly arcKeyDirectory: string;
  /** Key file contents issued by Arc challenges and not used yet. */
  readonly arcPending: Map<string, string>;
  /** When set, Arc challenges name this realm instead of a fresh key file (tests of refused challenges). */
  arcRealmOverride: string | undefined;
}

type IdName = 'clientId' | 'objectId' | 'resourceId';
const ALL_ID_PARAMETERS = ['client_id', 'clientid', 'object_id', 'principal_id', 'msi_res_id', 'mi_res_id'];

/** Reads the identity from the parameters a source accepts; any other identity parameter is an error. */
function selectorOf(query: URLSearchParams, accepted: Readonly<Record<string, IdName>>): IdentitySelector | { refused: string } {
  const found: Array<[string, IdName, string]> = [];
  for (const name of ALL_ID_PARAMETERS) {
    const v = query.get(name);
    if (v === null) continue;
    const by = accepted[name];
    if (by === undefined) return { refused: `the parameter '${name}' is not supported by this endpoint` };
    found.push([name, by, v]);
  }
  if (found.length > 1) return { refused: 'only one of the identity parameters may be given' };
  const [only] = found;
  return only === undefined ? { by: 'system' } : { by: only[1], value: only[2] };
}

interface Issued {
  token: string;
  expiresIn: number;
  now: number;
}

/** Issues an app token for `identity` on `resource`, or undefined when the resource is unknown. */
function issue(ctx: EmulatorContext, identity: EmulatorManagedIdentity, resource: string): Issued | undefined {
  const resolved = ctx.directory.resolveResource(resource);
  if (resolved === undefined) return undefined;
  const tenantId = ctx.directory.config.defaultTenantId;
  const { token, expiresIn } = appAccessToken(ctx, identityAsApp(identity, tenantId), tenantId, resolved, { acr: '2' });
  return { token, expiresIn, now: Math.floor(ctx.now()) };
}

function oauth2Error(status: number, error: string, description: string): EmulatorResponse {
  return jsonResponse(status, { error, error_description: description });
}

const unknownResource = (ctx: EmulatorContext, resource: string): string =>
  `AADSTS500011: The resource principal named ${resource} was not found in the tenant named ${ctx.directory.config.defaultTenantId}.`;

/** IMDS-shaped success: numbers as strings, both `expires_in` and `expires_on`. */
function imdsBody(issued: Issued, identity: EmulatorManagedIdentity, resource: string): Record<string, unknown> {
  return {
    access_token: issued.token,
    client_id: identity.clientId,
    expires_in: String(issued.expiresIn),
    expires_on: String(issued.now + issued.expiresIn),
    ext_expires_in: String(issued.expiresIn),
    not_before: String(issued.now),
    resource,
    token_type: 'Bearer',
  };
}

/** The checks IMDS and Azure Arc share: Metadata header, no forwarding, api-version, resource. */
function imdsPreamble(req: ManagedIdentityRequest, apiVersions: readonly string[]): EmulatorResponse | string {
  if (req.headers.metadata !== 'true') return oauth2Error(400, 'invalid_request', 'Required metadata header not specified');
  if (req.headers['x-forwarded-for'] !== undefined) return oauth2Error(400, 'invalid_request', 'Request was forwarded; IMDS accepts only direct requests');
  const apiVersion = req.url.searchParams.get('api-version');
  if (apiVersion === null) return oauth2Error(400, 'invalid_request', "Required query variable 'api-version' is missing");
  if (!apiVersions.includes(apiVersion)) return oauth2Error(400, 'invalid_request', `Invalid api-version '${apiVersion}'`);
  const resource = req.url.searchParams.get('resource');
  if (resource === null || resource === '') return oauth2Error(400, 'invalid_request', "Required query variable 'resource' is missing");
  return resource;
}

/** `GET /metadata/identity/oauth2/token` on the VM's IMDS. */
export function imds(state: ManagedIdentityState, req: ManagedIdentityRequest): EmulatorResponse {
  const resource = imdsPreamble(req, ['2018-02-01', '2019-08-01', '2021-02-01']);
  if (typeof resource !== 'string') return resource;
  const selector = selectorOf(req.url.searchParams, { client_id: 'clientId', object_id: 'objectId', msi_res_id: 'resourceId', mi_res_id: 'resourceId' });
  if ('refused' in selector) return oauth2Error(400, 'invalid_request', selector.refused);
  const identity = findIdentity(selector);
  if (identity === undefined) return oauth2Error(400, 'invalid_request', 'Identity not found');
  const issued = issue(state.ctx, identity, resource);
  if (issued === undefined) return oauth2Error(400, 'invalid_resource', unknownResource(state.ctx, resource));
  return jsonResponse(200, imdsBody(issued, identity, resource));
}

function appServiceError(status: number, message: string): EmulatorResponse {
  return jsonResponse(status, { statusCode: status, message, correlationId: randomToken(8) });
}

/** The token (or error) of an App Service-shaped source, once the request's own checks passed. */
function appServiceStyleToken(state: ManagedIdentityState, selector: IdentitySelector | { refused: string }, resource: string): EmulatorResponse {
  if ('refused' in selector) return appServiceError(400, selector.refused);
  const identity = findIdentity(selector);
  if (identity === undefined) return appServiceError(400, 'Unable to load the proper Managed Identity.');
  const issued = issue(state.ctx, identity, resource);
  // App Service reports an unknown resource as a vague 500, which is why MSAL Python calls every App Service error
  // invalid_scope.
  if (issued === undefined) return appServiceError(500, 'An unexpected error occured while fetching the AAD Token.');
  return jsonResponse(200, {
    access_token: issued.token,
    expires_on: String(issued.now + issued.expiresIn),
    resource,
    token_type: 'Bearer',
    client_id: identity.clientId,
  });
}

/** `GET /msi/token` on App Service (2019-08-01). */
export function appService(state: ManagedIdentityState, req: ManagedIdentityRequest): EmulatorResponse {
  if (req.headers['x-identity-header'] !== state.appServiceSecret) {
    return appServiceError(401, 'The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.');
  }
  const apiVersion = req.url.searchParams.get('api-version');
  if (apiVersion !== '2019-08-01') return appServiceError(400, `The api-version '${apiVersion ?? ''}' is not supported; use 2019-08-01.`);
  const resource = req.url.searchParams.get('resource');
  if (resource === null || resource === '') return appServiceError(400, 'The resource parameter is required.');
  const selector = selectorOf(req.url.searchParams, { client_id: 'clientId', object_id: 'objectId', principal_id: 'objectId', mi_res_id: 'resourceId' });
  return appServiceStyleToken(state, selector, resource);
}

/** `GET /MSI/auth` on Azure Machine Learning (the 2017-09-01 API). */
export function machineLearning(state: ManagedIdentityState, req: ManagedIdentityRequest): EmulatorResponse {
  if (req.headers.secret !== state.machineLearningSecret) return appServiceError(401, 'The secret header is missing or does not match MSI_SECRET.');
  const apiVersion = req.url.searchParams.get('api-version');
  if (apiVersion !== '2017-09-01') return appServiceError(400, `The api-version '${apiVersion ?? ''}' is not supported; use 2017-09-01.`);
  const resource = req.url.searchParams.get('resource');
  if (resource === null || resource === '') return appServiceError(400, 'The resource parameter is required.');
  // The 2017-09-01 API reads the client id from `clientid`; `client_id` would be silently ignored by the real
  // service and yield the wrong identity, so the emulator refuses it outright.
  const selector = selectorOf(req.url.searchParams, { clientid: 'clientId', object_id: 'objectId', msi_res_id: 'resourceId' });
  return appServiceStyleToken(state, selector, resource);
}

function serviceFabricError(status: number, code: string, message: string): EmulatorResponse {
  return jsonResponse(status, { error: { correlationId: randomToken(8), code, message } });
}

/** `GET /metadata/identity/oauth2/token` on the Service Fabric token service (HTTPS). */
export function serviceFabric(state: ManagedIdentityState, req: ManagedIdentityRequest): EmulatorResponse {
  if (req.headers.secret !== state.serviceFabricSecret) return serviceFabricError(401, 'SecretHeaderNotFound', 'Secret is not found in the request headers.');
  const apiVersion = req.url.searchParams.get('api-version');
  if (apiVersion !== '2019-07-01-preview') return serviceFabricError(400, 'InvalidApiVersion', `The api-version '${apiVersion ?? ''}' is not supported.`);
  const resource = req.url.searchParams.get('resource');
  if (resource === null || resource === '') {
    return serviceFabricError(400, 'ArgumentNullOrEmpty', 'Value cannot be null or empty. Parameter name: resource');
  }
  // The application's identity is configured in the cluster; identity parameters are not read.
  const identity = findIdentity({ by: 'system' });
  const issued = identity === undefined ? undefined : issue(state.ctx, identity, resource);
  if (issued === undefined) return serviceFabricError(400, 'InvalidResource', unknownResource(state.ctx, resource));
  return jsonResponse(200, { token_type: 'Bearer', access_token: issued.token, expires_on: issued.now + issued.expiresIn, resource });
}

/** `GET /arc/metadata/identity/oauth2/token` on the Azure Arc agent: a key-file challenge, then the token. */
export async function azureArc(state: ManagedIdentityState, req: ManagedIdentityRequest): Promise<EmulatorResponse> {
  const resource = imdsPreamble(req, ['2020-06-01', '2021-02-01']);
  if (typeof resource !== 'string') return resource;
  const selector = selectorOf(req.url.searchParams, {});
  if ('refused' in selector) return oauth2Error(400, 'invalid_request', 'User-assigned managed identities are not supported on this machine');
  const authorization = req.headers.authorization;
  if (authorization === undefined) {
    let realm = state.arcRealmOverride;
    if (realm === undefined) {
      const name = `${randomBytes(8).toString('hex')}.key`;
      realm = join(state.arcKeyDirectory, name);
      const secret = randomToken(32);
      await writeFile(realm, secret, { mode: 0o600 });
      state.arcPending.set(secret, realm);
    }
    const challenge = oauth2Error(401, 'unauthorized_client', 'Authorization header is required');
    challenge.headers['www-authenticate'] = `Basic realm=${realm}`;
    return challenge;
  }
  const secret = /^Basic (.+)$/.exec(authorization)?.[1];
  const file = secret === undefined ? undefined : state.arcPending.get(secret);
  if (secret === undefined || file === undefined) return oauth2Error(401, 'invalid_client', 'The key in the Authorization header is not valid');
  state.arcPending.delete(secret);
  await rm(file, { force: true });
  const identity = findIdentity({ by: 'system' });
  const issued = identity === undefined ? undefined : issue(state.ctx, identity, resource);
  if (issued === undefined || identity === undefined) return oauth2Error(400, 'invalid_resource', unknownResource(state.ctx, resource));
  return jsonResponse(200, imdsBody(issued, identity, resource));
}

/** `POST /oauth2/token` on Cloud Shell's local endpoint. */
export function cloudShell(state: ManagedIdentityState, req: ManagedIdentityRequest): EmulatorResponse {
  if (req.headers.metadata !== 'true') return oauth2Error(400, 'invalid_request', 'Required metadata header not specified');
  const resource = req.form.get('resource');
  if (resource === null || resource === '') return oauth2Error(400, 'invalid_request', "Required form field 'resource' is missing");
  const identity = findIdentity({ by: 'system' });
  const issued = identity === undefined ? undefined : issue(state.ctx, identity, resource);
  if (issued === undefined) return oauth2Error(400, 'invalid_resource', unknownResource(state.ctx, resource));
  return jsonResponse(200, {
    access_token: issued.token,
    refresh_token: '',
    expires_in: String(issued.expiresIn),
    expires_on: String(issued.now + issued.expiresIn),
    not_before: String(issued.now),
    resource,
    token_type: 'Bearer',
  });
}
