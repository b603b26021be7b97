/**
 * `startEmulator`: loads or creates the keys, starts the HTTPS server on 127.0.0.1, routes requests to the endpoint
 * modules, counts them, applies injected faults, and renders AadFailures as Entra's JSON errors.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { AadFailure, AADSTS, aadErrorResponse } from './aad-errors.js';
import type { EmulatorContext, EmulatorLifetimes } from './context.js';
import { DEFAULT_IDS, resolveConfig } from './default-config.js';
import { Directory } from './directory.js';
import { adminRoutes } from './endpoints/admin.js';
import { authorizeRoutes } from './endpoints/authorize.js';
import { approveDeviceCode, denyDeviceCode } from './device-approval.js';
import { deviceAuthorizationRoutes } from './endpoints/device-authorization.js';
import { discoveryRoutes } from './endpoints/discovery.js';
import { sessionRoutes } from './endpoints/session.js';
import { signInRoutes } from './endpoints/sign-in.js';
import { tokenRoutes } from './endpoints/token.js';
import { canonicalGrantType, Counters, FaultQueue, parseFault, type EmulatorFaultKind } from './faults.js';
import { FaultDelays } from './fault-delays.js';
import { jsonResponse, readBody, type EmulatorRequest, type EmulatorResponse } from './http.js';
import { randomGuid, randomToken } from './ids.js';
import { checkManagedIdentityOption, managedIdentityApi, startManagedIdentityOption } from './managed-identity/attach.js';
import { issueServerCertificate, loadOrCreateAppCertificate, loadOrCreateCa, loadOrCreateSigningKey, thumbprints } from './pki.js';
import { matchRoute, type Route } from './router.js';
import { SignInState } from './sign-in-state.js';
import { loadOrCreateSshCa } from './ssh-certificate.js';
import { defaultStateDir, openStateDir } from './state-dir.js';
import { GrantStores } from './stores.js';
import type { Emulator, EmulatorOptions } from './types.js';
import { checkOptionKeys, optionShape } from '../util/options.js';

const MAX_BODY_BYTES = 1024 * 1024;

function positiveInteger(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`options.${name} must be an integer`);
  if (value < 1) throw new RangeError(`options.${name} must be at least 1`);
  return value;
}

const OPTIONS = optionShape<EmulatorOptions>('startEmulator options', {
  port: true,
  stateDir: true,
  config: true,
  accessTokenLifetimeSeconds: true,
  idTokenLifetimeSeconds: true,
  refreshTokenLifetimeSeconds: true,
  authorizationCodeLifetimeSeconds: true,
  deviceCodeLifetimeSeconds: true,
  deviceCodeIntervalSeconds: true,
  refreshInMinLifetimeSeconds: true,
  clock: true,
  managedIdentity: true,
});

function checkOptions(options: EmulatorOptions): { port: number; stateDir: string; lifetimes: EmulatorLifetimes; clock: () => number } {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  checkOptionKeys(options, OPTIONS);
  const port = options.port ?? 0;
  if (typeof port !== 'number' || !Number.isInteger(port)) throw new TypeError('options.port must be an integer');
  if (port < 0 || port > 65535) throw new RangeError('options.port must be between 0 and 65535');
  if (options.stateDir !== undefined && (typeof options.stateDir !== 'string' || options.stateDir === '')) {
    throw new TypeError('options.stateDir must be a non-empty string');
  }
  if (options.clock !== undefined && typeof options.clock !== 'function') throw new TypeError('options.clock must be a function');
  const clock = options.clock ?? ((): number => Date.now() / 1000);
  return {
    port,
    stateDir: resolve(options.stateDir ?? defaultStateDir()),
    clock,
    lifetimes: {
      accessToken: positiveInteger(options.accessTokenLifetimeSeconds, 'accessTokenLifetimeSeconds', 3600),
      idToken: positiveInteger(options.idTokenLifetimeSeconds, 'idTokenLifetimeSeconds', 3600),
      refreshToken: positiveInteger(options.refreshTokenLifetimeSeconds, 'refreshTokenLifetimeSeconds', 90 * 86_400),
      authorizationCode: positiveInteger(options.authorizationCodeLifetimeSeconds, 'authorizationCodeLifetimeSeconds', 600),
      deviceCode: positiveInteger(options.deviceCodeLifetimeSeconds, 'deviceCodeLifetimeSeconds', 900),
      deviceCodeInterval: positiveInteger(options.deviceCodeIntervalSeconds, 'deviceCodeIntervalSeconds', 5),
      refreshInMinLifetime:
        options.refreshInMinLifetimeSeconds === 0 ? 0 : positiveInteger(options.refreshInMinLifetimeSeconds, 'refreshInMinLifetimeSeconds', 7200),
    },
  };
}

function faultResponse(fault: EmulatorFaultKind, req: EmulatorRequest, now: number, baseUrl: string): EmulatorResponse | undefined {
  switch (fault.kind) {
    case 'status': {
      let res: EmulatorResponse;
      if (fault.body !== undefined) {
        let isJson = true;
        try {
          JSON.parse(fault.body);
        } catch {
          isJson = false;
        }
        res = { status: fault.status, headers: { 'content-type': isJson ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8' }, body: fault.body };
      } else if (fault.status === 429) {
        res = aadErrorResponse(req, { status: 429, error: 'temporarily_unavailable', code: 90055, message: 'TenantThrottlingError: There are too many incoming requests. Please try again later.' }, now, baseUrl);
      } else if (fault.status >= 500) {
        res = aadErrorResponse(req, { status: fault.status, error: fault.status === 503 ? 'temporarily_unavailable' : 'server_error', code: 90033, message: 'A transient error has occurred. Please try again.' }, now, baseUrl);
      } else {
        res = aadErrorResponse(req, { status: fault.status, error: 'invalid_request', code: 90033, message: 'The emulator was told to fail this request.' }, now, baseUrl);
      }
      if (fault.retryAfter !== undefined) res.headers['retry-after'] = String(fault.retryAfter);
      return res;
    }
    case 'invalid_grant':
      return aadErrorResponse(req, AADSTS.refreshTokenInvalid().spec, now, baseUrl);
    case 'malformed_json':
      return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"token_type":"Bearer","expires_in":3599,"access_token":"eyJ0eXAiOiJKV1Qi' };
    default:
      return undefined;
  }
}

/**
 * Starts the emulator: HTTPS on 127.0.0.1 with a CA kept in `stateDir`, the default directory merged with
 * `options.config`, and every endpoint listed in docs/emulator.md.
 *
 * @throws TypeError or RangeError when an option is invalid (before any I/O).
 * @throws EmulatorStateError when `stateDir` is a symbolic link, another user's, or writable by others.
 * @example
 * ```ts
 * const emulator = await startEmulator();
 * // In a child process: NODE_EXTRA_CA_CERTS=emulator.caPath, authority emulator.authority
 * await emulator.close();
 * ```
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const checked = checkOptions(options);
  const arcKeyDirectory = checkManagedIdentityOption(options.managedIdentity, checked.stateDir);
  const config = resolveConfig(options.config);
  const now = (): number => {
    const t = checked.clock();
    if (typeof t !== 'number' || !Number.isFinite(t)) throw new TypeError('options.clock must return a finite number of seconds');
    return t;
  };
  await openStateDir(checked.stateDir);
  const ca = await loadOrCreateCa(checked.stateDir);
  const signingKey = await loadOrCreateSigningKey(checked.stateDir);
  const sshCa = await loadOrCreateSshCa(checked.stateDir);
  const certApp = config.apps.find((a) => a.clientId === DEFAULT_IDS.certificateClientId);
  if (certApp !== undefined && certApp.certificates.length === 0) {
    const credential = await loadOrCreateAppCertificate(checked.stateDir, certApp.displayName);
    const t = thumbprints(credential.certificatePem);
    certApp.certificates = [credential.certificatePem];
    certApp.certificateFiles = {
      certificatePath: join(checked.stateDir, 'app-certificate', 'cert.pem'),
      privateKeyPath: join(checked.stateDir, 'app-certificate', 'key.pem'),
      thumbprint: t.sha1Hex,
      thumbprintSha256: t.sha256Hex,
    };
  }
  const serverCert = await issueServerCertificate(ca);

  const faults = new FaultQueue();
  const counters = new Counters();
  const delays = new FaultDelays();
  // Filled in once the port, and so the base URL, is known.
  const live: { ctx: EmulatorContext | undefined; routes: Route[] } = { ctx: undefined, routes: [] };

  const dispatch = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const context = live.ctx;
    if (context === undefined) throw new Error('request before the emulator finished starting');
    let url: URL;
    try {
      url = new URL(req.url ?? '/', context.baseUrl);
    } catch {
      // A target such as "//" is a URL without a host: the client's mistake, not an internal error.
      req.resume();
      res.writeHead(400, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: 'invalid_request', error_description: 'The request target is not a URL path.' }));
      return;
    }
    const method = req.method ?? 'GET';
    const rawBody = await readBody(req, MAX_BODY_BYTES);
    const header = req.headers['client-request-id'];
    const contentType = req.headers['content-type'] ?? '';
    const request: EmulatorRequest = {
      method,
      url,
      headers: req.headers,
      form: method === 'POST' && contentType.includes('application/x-www-form-urlencoded') ? new URLSearchParams(rawBody ?? '') : new URLSearchParams(),
      rawBody: rawBody ?? '',
      correlationId: typeof header === 'string' && header !== '' ? header : randomGuid(),
      traceId: randomGuid(),
    };
    const send = (response: EmulatorResponse, truncate = false): void => {
      const headers: Record<string, string> = { ...response.headers, 'x-ms-request-id': request.traceId, 'x-ms-ests-server': 'msal-ts-emulator' };
      if (typeof header === 'string') headers['client-request-id'] = request.correlationId;
      const body = Buffer.from(response.body, 'utf8');
      headers['content-length'] = String(body.length);
      res.writeHead(response.status, headers);
      if (truncate) {
        res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
        return;
      }
      res.end(body);
    };
    if (rawBody === undefined) {
      send(jsonResponse(413, { error: 'invalid_request', error_description: 'The request body is too large.' }));
      return;
    }
    const match = matchRoute(live.routes, method, url.pathname);
    if (match.kind === 'not_found') {
      send(jsonResponse(404, { error: 'not_found', error_description: `The emulator has no endpoint ${url.pathname}.` }));
      return;
    }
    if (match.kind === 'method_not_allowed') {
      const r = aadErrorResponse(request, AADSTS.invalidRequest(`The endpoint only accepts ${match.allow.join(', ')} requests.`).spec, now(), context.baseUrl);
      r.status = 405;
      r.headers.allow = match.allow.join(', ');
      send(r);
      return;
    }
    const { route, params } = match;
    let truncate = false;
    if (route.endpoint !== undefined) {
      const grantParam = route.endpoint === 'token' ? request.form.get('grant_type') : null;
      const grantType = grantParam === null ? undefined : canonicalGrantType(grantParam);
      counters.increment(route.endpoint, grantType);
      const fault = faults.take(route.endpoint, grantType);
      if (fault !== undefined) {
        if (fault.kind === 'reset') {
          req.socket.destroy();
          return;
        }
        if (fault.kind === 'delay') {
          await delays.wait(fault.ms);
          if (res.destroyed) return;
        }
        truncate = fault.kind === 'truncated';
        const faulted = faultResponse(fault, request, now(), context.baseUrl);
        if (faulted !== undefined) {
          send(faulted);
          return;
        }
      }
    }
    let response: EmulatorResponse;
    try {
      response = await route.handle(context, request, params);
    } catch (err) {
      if (!(err instanceof AadFailure)) throw err;
      response = aadErrorResponse(request, err.spec, now(), context.baseUrl);
    }
    send(response, truncate);
  };

  const server: Server = createServer({ key: serverCert.privateKeyPem, cert: serverCert.certificatePem }, (req, res) => {
    dispatch(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: 'server_error', error_description: `msal-ts emulator internal error: ${message}` }));
    });
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(checked.port, '127.0.0.1', () => {
      server.off('error', fail);
      done();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `https://127.0.0.1:${port}`;
  const context: EmulatorContext = {
    directory: new Directory(config),
    signingKey,
    sshCa,
    stores: new GrantStores(),
    signIn: new SignInState(`msal_ts_emulator_${port}`),
    lifetimes: checked.lifetimes,
    baseUrl: url,
    now,
  };
  live.ctx = context;
  const managedIdentity = await startManagedIdentityOption(arcKeyDirectory, { ctx: context, faults, counters, ca }).catch((err: unknown) => {
    server.close();
    throw err;
  });

  // The admin API's per-run secret (256 bits): only who started the emulator, or was handed it, may use that API.
  const adminToken = randomToken(32);
  const emulator: Emulator = {
    url,
    adminToken,
    authority: `${url}/${config.defaultTenantId}`,
    port,
    caPath: join(checked.stateDir, 'ca', 'cert.pem'),
    caPem: ca.certificatePem,
    sshCaPublicKey: sshCa.publicKeyLine,
    stateDir: checked.stateDir,
    config,
    authorityFor(tenant: string): string {
      if (typeof tenant !== 'string' || tenant === '' || tenant.includes('/')) throw new TypeError('tenant must be a tenant id, domain or alias');
      return `${url}/${tenant}`;
    },
    counters: () => counters.snapshot(),
    resetCounters: () => counters.reset(),
    injectFault: (fault) => faults.add(parseFault(fault)),
    clearFaults: () => faults.clear(),
    approveDeviceCode: (userCode, username) => approveDeviceCode(context, userCode, username),
    denyDeviceCode: (userCode) => denyDeviceCode(context, userCode),
    revokeRefreshTokens: (username) => context.stores.revokeUser(username),
    ...managedIdentityApi(managedIdentity),
    close: () =>
      new Promise<void>((done) => {
        delays.cancelAll();
        server.close(() => void (managedIdentity?.close() ?? Promise.resolve()).then(() => done()));
        server.closeAllConnections();
      }),
  };
  live.routes = [
    ...adminRoutes({
      injectFault: (f) => faults.add(parseFault(f)),
      pendingFaults: () => faults.list(),
      clearFaults: () => faults.clear(),
      counters: () => counters.snapshot(),
      resetCounters: () => counters.reset(),
      approveDeviceCode: (userCode, username) => approveDeviceCode(context, userCode, username),
      denyDeviceCode: (userCode) => denyDeviceCode(context, userCode),
      revokeRefreshTokens: (username) => context.stores.revokeUser(username),
      config,
      adminToken,
    }),
    ...discoveryRoutes,
    ...tokenRoutes,
    ...deviceAuthorizationRoutes,
    ...authorizeRoutes,
    ...signInRoutes,
    ...sessionRoutes,
  ];
  return emulator;
}
