/**
 * The managed identity endpoints' own listeners, both on 127.0.0.1: plain HTTP for IMDS, App Service, Azure ML,
 * Azure Arc and Cloud Shell (their real endpoints are http on the local host or link-local address), and HTTPS with a
 * certificate from the emulator's CA for Service Fabric, whose thumbprint is handed to clients as
 * `IDENTITY_SERVER_THUMBPRINT`. Requests are counted, recorded (the last one per endpoint) and faulted through the
 * emulator's shared counters and fault queue.
 */
import { mkdir } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { EmulatorContext } from '../context.js';
import type { Counters, EmulatorFaultKind, FaultQueue } from '../faults.js';
import { FaultDelays } from '../fault-delays.js';
import { applyFault } from '../fault-step.js';
import { jsonResponse, listenerFor, readBody, writeResponse, type EmulatorResponse } from '../http.js';
import { randomToken } from '../ids.js';
import { issueServerCertificate, thumbprints, type KeyAndCertificate } from '../pki.js';
import { appService, azureArc, cloudShell, imds, machineLearning, serviceFabric, type ManagedIdentityRequest, type ManagedIdentityState } from './handlers.js';
import { MANAGED_IDENTITY_IDS } from './identities.js';
import type { EmulatorManagedIdentityEndpoint, EmulatorManagedIdentitySource, EmulatorRecordedRequest } from './types.js';

const MAX_BODY_BYTES = 64 * 1024;

type Dialect = 'oauth2' | 'app_service' | 'service_fabric';

interface MiRoute {
  method: 'GET' | 'POST';
  /** Lower-case path. */
  path: string;
  endpoint: EmulatorManagedIdentityEndpoint;
  dialect: Dialect;
  handle(state: ManagedIdentityState, req: ManagedIdentityRequest): EmulatorResponse | Promise<EmulatorResponse>;
}

const HTTP_ROUTES: readonly MiRoute[] = [
  { method: 'GET', path: '/metadata/identity/oauth2/token', endpoint: 'mi-imds', dialect: 'oauth2', handle: imds },
  { method: 'GET', path: '/msi/token', endpoint: 'mi-app-service', dialect: 'app_service', handle: appService },
  { method: 'GET', path: '/msi/auth', endpoint: 'mi-machine-learning', dialect: 'app_service', handle: machineLearning },
  { method: 'GET', path: '/arc/metadata/identity/oauth2/token', endpoint: 'mi-azure-arc', dialect: 'oauth2', handle: azureArc },
  { method: 'POST', path: '/oauth2/token', endpoint: 'mi-cloud-shell', dialect: 'oauth2', handle: cloudShell },
];

const HTTPS_ROUTES: readonly MiRoute[] = [
  { method: 'GET', path: '/metadata/identity/oauth2/token', endpoint: 'mi-service-fabric', dialect: 'service_fabric', handle: serviceFabric },
];

/** What the emulator needs from the running endpoints. */
export interface ManagedIdentityEndpoints {
  /** `http://127.0.0.1:PORT` of the plain listener. */
  readonly httpUrl: string;
  /** `https://127.0.0.1:PORT` of the Service Fabric listener. */
  readonly httpsUrl: string;
  environment(source: EmulatorManagedIdentitySource): Record<string, string>;
  lastRequest(endpoint: EmulatorManagedIdentityEndpoint): EmulatorRecordedRequest | undefined;
  setArcRealmOverride(realm: string | undefined): void;
  close(): Promise<void>;
}

/** What the endpoints share with the main emulator. */
export interface ManagedIdentityEndpointsOptions {
  ctx: EmulatorContext;
  faults: FaultQueue;
  counters: Counters;
  ca: KeyAndCertificate;
  arcKeyDirectory: string;
}

function errorBody(dialect: Dialect, status: number, message: string): EmulatorResponse {
  if (dialect === 'app_service') return jsonResponse(status, { statusCode: status, message });
  if (dialect === 'service_fabric') return jsonResponse(status, { error: { code: status === 429 ? 'TooManyRequests' : 'InternalServerError', message } });
  return jsonResponse(status, { error: status === 429 ? 'too_many_requests' : status >= 500 ? 'server_error' : 'invalid_request', error_description: message });
}

function faultResponse(fault: EmulatorFaultKind, dialect: Dialect): EmulatorResponse | undefined {
  switch (fault.kind) {
    case 'status': {
      const res: EmulatorResponse =
        fault.body !== undefined
          ? { status: fault.status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: fault.body }
          : errorBody(dialect, fault.status, 'The emulator was told to fail this request.');
      if (fault.retryAfter !== undefined) res.headers['retry-after'] = String(fault.retryAfter);
      return res;
    }
    case 'invalid_grant':
      return errorBody(dialect, 400, 'The emulator was told to refuse this request.');
    case 'malformed_json':
      return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"access_token":"eyJ0eXAiOiJKV1Qi' };
    default:
      return undefined;
  }
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(req.headers)) if (v !== undefined) out[name.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function listen(server: Server): Promise<number> {
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', fail);
      done((server.address() as AddressInfo).port);
    });
  });
}

/** What one run of the endpoints keeps between requests. */
interface Listeners {
  readonly options: ManagedIdentityEndpointsOptions;
  readonly state: ManagedIdentityState;
  readonly recorded: Map<EmulatorManagedIdentityEndpoint, EmulatorRecordedRequest>;
  readonly delays: FaultDelays;
}

/** Serves one request of a listener whose routes are `routes`. */
async function dispatch(run: Listeners, routes: readonly MiRoute[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const method = req.method ?? 'GET';
  const body = await readBody(req, MAX_BODY_BYTES);
  if (body === undefined) {
    writeResponse(res, jsonResponse(413, { error: 'invalid_request', error_description: 'The request body is too large.' }));
    return;
  }
  const path = url.pathname.replace(/\/+$/, '').toLowerCase();
  const route = routes.find((r) => r.path === path);
  if (route === undefined) {
    writeResponse(res, jsonResponse(404, { error: 'not_found', error_description: `The emulator has no managed identity endpoint ${url.pathname}.` }));
    return;
  }
  const headers = flatHeaders(req);
  run.recorded.set(route.endpoint, { method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body });
  run.options.counters.increment(route.endpoint, undefined);
  const fault = run.options.faults.take(route.endpoint, undefined);
  const step = await applyFault(fault, { req, res }, run.delays, (f) => faultResponse(f, route.dialect));
  if (step.kind === 'stop') return;
  if (step.kind === 'send') {
    writeResponse(res, step.response);
    return;
  }
  if (method !== route.method) {
    const refused = errorBody(route.dialect, 405, `The endpoint only accepts ${route.method} requests.`);
    refused.headers.allow = route.method;
    writeResponse(res, refused);
    return;
  }
  const form =
    method === 'POST' && (headers['content-type'] ?? '').includes('application/x-www-form-urlencoded') ? new URLSearchParams(body) : new URLSearchParams();
  writeResponse(res, await route.handle(run.state, { method, url, headers, form }), step.truncate);
}

/** The environment variables that point a client of `source` at the running listeners. */
function environmentFor(
  source: EmulatorManagedIdentitySource,
  urls: { httpUrl: string; httpsUrl: string; thumbprint: string },
  state: ManagedIdentityState,
): Record<string, string> {
  const { httpUrl, httpsUrl } = urls;
  switch (source) {
    case 'SERVICE_FABRIC':
      return {
        IDENTITY_ENDPOINT: `${httpsUrl}/metadata/identity/oauth2/token`,
        IDENTITY_HEADER: state.serviceFabricSecret,
        IDENTITY_SERVER_THUMBPRINT: urls.thumbprint,
      };
    case 'APP_SERVICE':
      return { IDENTITY_ENDPOINT: `${httpUrl}/msi/token`, IDENTITY_HEADER: state.appServiceSecret };
    case 'MACHINE_LEARNING':
      // msal-node sends DEFAULT_IDENTITY_CLIENT_ID as `clientid` for the system-assigned identity.
      return {
        MSI_ENDPOINT: `${httpUrl}/MSI/auth`,
        MSI_SECRET: state.machineLearningSecret,
        DEFAULT_IDENTITY_CLIENT_ID: MANAGED_IDENTITY_IDS.systemAssignedClientId,
      };
    case 'AZURE_ARC':
      return { IDENTITY_ENDPOINT: `${httpUrl}/arc/metadata/identity/oauth2/token`, IMDS_ENDPOINT: `${httpUrl}/arc` };
    case 'CLOUD_SHELL':
      return { MSI_ENDPOINT: `${httpUrl}/oauth2/token`, AZUREPS_HOST_ENVIRONMENT: 'cloud-shell/1.0' };
    case 'DEFAULT_TO_VM':
      return { AZURE_POD_IDENTITY_AUTHORITY_HOST: httpUrl, MSAL_MANAGED_IDENTITY_ENDPOINT: `${httpUrl}/metadata/identity/oauth2/token` };
    default:
      throw new RangeError('source must be one of SERVICE_FABRIC, APP_SERVICE, MACHINE_LEARNING, AZURE_ARC, CLOUD_SHELL, DEFAULT_TO_VM');
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((done) => {
    server.close(() => done());
    server.closeAllConnections();
  });
}

/** Both servers, listening: plain HTTP, and HTTPS with a certificate from the emulator's CA. */
async function startServers(run: Listeners, serverCert: KeyAndCertificate): Promise<{ plain: Server; tls: Server; httpPort: number; httpsPort: number }> {
  const plain = createHttpServer(listenerFor((req, res) => dispatch(run, HTTP_ROUTES, req, res)));
  const tls = createHttpsServer(
    { key: serverCert.privateKeyPem, cert: serverCert.certificatePem },
    listenerFor((req, res) => dispatch(run, HTTPS_ROUTES, req, res)),
  );
  const httpPort = await listen(plain);
  try {
    return { plain, tls, httpPort, httpsPort: await listen(tls) };
  } catch (err) {
    plain.close();
    throw err;
  }
}

/** Starts both listeners. */
export async function startManagedIdentityEndpoints(options: ManagedIdentityEndpointsOptions): Promise<ManagedIdentityEndpoints> {
  await mkdir(options.arcKeyDirectory, { recursive: true, mode: 0o700 });
  const state: ManagedIdentityState = {
    ctx: options.ctx,
    appServiceSecret: randomToken(24),
    machineLearningSecret: randomToken(24),
    serviceFabricSecret: randomToken(24),
    arcKeyDirectory: options.arcKeyDirectory,
    arcPending: new Map(),
    arcRealmOverride: undefined,
  };
  options.counters.list([...HTTP_ROUTES, ...HTTPS_ROUTES].map((r) => r.endpoint));
  const run: Listeners = { options, state, recorded: new Map(), delays: new FaultDelays() };
  const serverCert = await issueServerCertificate(options.ca);
  const { plain, tls, httpPort, httpsPort } = await startServers(run, serverCert);
  const urls = {
    httpUrl: `http://127.0.0.1:${httpPort}`,
    httpsUrl: `https://127.0.0.1:${httpsPort}`,
    thumbprint: thumbprints(serverCert.certificatePem).sha1Hex,
  };
  return {
    httpUrl: urls.httpUrl,
    httpsUrl: urls.httpsUrl,
    environment: (source) => environmentFor(source, urls, state),
    lastRequest: (endpoint) => {
      const r = run.recorded.get(endpoint);
      return r === undefined ? undefined : { ...r, query: { ...r.query }, headers: { ...r.headers } };
    },
    setArcRealmOverride: (realm) => {
      if (realm !== undefined && (typeof realm !== 'string' || realm === '')) throw new TypeError('realm must be a non-empty string or undefined');
      state.arcRealmOverride = realm;
    },
    close: async () => {
      run.delays.cancelAll();
      await Promise.all([closeServer(plain), closeServer(tls)]);
    },
  };
}
