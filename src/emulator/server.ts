/**
 * `startEmulator`: checks the options, loads or creates the keys, starts the HTTPS server on 127.0.0.1 (its requests
 * go through dispatch.ts), then hands out the controls (controls.ts) in process and over the admin API (routes.ts).
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { EmulatorConfig } from './config.js';
import type { EmulatorContext, EmulatorLifetimes } from './context.js';
import { emulatorControls } from './controls.js';
import { DEFAULT_IDS, resolveConfig } from './default-config.js';
import { Directory } from './directory.js';
import { dispatch, type DispatchState } from './dispatch.js';
import { Counters, FaultQueue } from './faults.js';
import { FaultDelays } from './fault-delays.js';
import type { SigningKey } from './jwt.js';
import { listenerFor } from './http.js';
import { randomToken } from './ids.js';
import { checkManagedIdentityOption, managedIdentityApi, startManagedIdentityOption } from './managed-identity/attach.js';
import { issueServerCertificate, loadOrCreateAppCertificate, loadOrCreateCa, loadOrCreateSigningKey, thumbprints, type KeyAndCertificate } from './pki.js';
import { emulatorRoutes } from './routes.js';
import { SignInState } from './sign-in-state.js';
import { loadOrCreateSshCa, type SshCertificateAuthority } from './ssh-certificate.js';
import { defaultStateDir } from '../util/emulator-state-dir.js';
import { openStateDir } from './state-dir.js';
import { GrantStores } from './stores.js';
import type { Emulator, EmulatorOptions } from './types.js';
import { checkOptionKeys, optionShape } from '../util/options.js';

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
  const keys = await loadKeys(checked.stateDir, config);
  const state: DispatchState = { ctx: undefined, routes: [], faults: new FaultQueue(), counters: new Counters(), delays: new FaultDelays() };
  const server = await listen(keys.serverCert, checked.port, (req, res) => dispatch(state, req, res));
  const port = (server.address() as AddressInfo).port;
  const context: EmulatorContext = {
    directory: new Directory(config),
    signingKey: keys.signingKey,
    sshCa: keys.sshCa,
    stores: new GrantStores(),
    signIn: new SignInState(`msal_ts_emulator_${port}`),
    lifetimes: checked.lifetimes,
    baseUrl: `https://127.0.0.1:${port}`,
    now: checkedClock(checked.clock),
  };
  state.ctx = context;
  const managedIdentity = await startManagedIdentityOption(arcKeyDirectory, {
    ctx: context,
    faults: state.faults,
    counters: state.counters,
    ca: keys.ca,
  }).catch((err: unknown) => {
    server.close();
    throw err;
  });
  // The admin API's per-run secret (256 bits): only who started the emulator, or was handed it, may use that API.
  const adminToken = randomToken(32);
  const controls = emulatorControls(context, state.faults, state.counters);
  state.routes = emulatorRoutes({ ...controls, config, adminToken });
  const { pendingFaults: _pending, ...inProcess } = controls;
  return {
    url: context.baseUrl,
    adminToken,
    authority: `${context.baseUrl}/${config.defaultTenantId}`,
    port,
    caPath: join(checked.stateDir, 'ca', 'cert.pem'),
    caPem: keys.ca.certificatePem,
    sshCaPublicKey: keys.sshCa.publicKeyLine,
    stateDir: checked.stateDir,
    config,
    authorityFor(tenant: string): string {
      if (typeof tenant !== 'string' || tenant === '' || tenant.includes('/')) throw new TypeError('tenant must be a tenant id, domain or alias');
      return `${context.baseUrl}/${tenant}`;
    },
    ...inProcess,
    ...managedIdentityApi(managedIdentity),
    close: () =>
      new Promise<void>((done) => {
        state.delays.cancelAll();
        server.close(() => void (managedIdentity?.close() ?? Promise.resolve()).then(() => done()));
        server.closeAllConnections();
      }),
  };
}

/** The options' clock, refusing what is not a finite number of seconds. */
function checkedClock(clock: () => number): () => number {
  return () => {
    const t = clock();
    if (typeof t !== 'number' || !Number.isFinite(t)) throw new TypeError('options.clock must return a finite number of seconds');
    return t;
  };
}

interface EmulatorKeys {
  ca: KeyAndCertificate;
  signingKey: SigningKey;
  sshCa: SshCertificateAuthority;
  serverCert: KeyAndCertificate;
}

/** The keys kept in the state directory (made on first use), the default certificate app's credential, and a fresh TLS certificate. */
async function loadKeys(stateDir: string, config: EmulatorConfig): Promise<EmulatorKeys> {
  await openStateDir(stateDir);
  const ca = await loadOrCreateCa(stateDir);
  const signingKey = await loadOrCreateSigningKey(stateDir);
  const sshCa = await loadOrCreateSshCa(stateDir);
  const certApp = config.apps.find((a) => a.clientId === DEFAULT_IDS.certificateClientId);
  if (certApp !== undefined && certApp.certificates.length === 0) {
    const credential = await loadOrCreateAppCertificate(stateDir, certApp.displayName);
    const t = thumbprints(credential.certificatePem);
    certApp.certificates = [credential.certificatePem];
    certApp.certificateFiles = {
      certificatePath: join(stateDir, 'app-certificate', 'cert.pem'),
      privateKeyPath: join(stateDir, 'app-certificate', 'key.pem'),
      thumbprint: t.sha1Hex,
      thumbprintSha256: t.sha256Hex,
    };
  }
  const serverCert = await issueServerCertificate(ca);
  return { ca, signingKey, sshCa, serverCert };
}

/** The HTTPS server on 127.0.0.1, listening. */
async function listen(cert: KeyAndCertificate, port: number, serve: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<Server> {
  const server: Server = createServer({ key: cert.privateKeyPem, cert: cert.certificatePem }, listenerFor(serve));
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', fail);
      done();
    });
  });
  return server;
}
