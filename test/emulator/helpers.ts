// Shared test helpers: start an emulator in a fresh state folder, talk to it over real HTTPS with its CA, and build
// client assertions.
import { createHash, createPrivateKey, sign, constants, X509Certificate } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';

export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: Record<string, unknown>;
}

export interface TestEmulator {
  emulator: Emulator;
  /** Requests to `/_emulator/…` carry the admin token; others only the headers given. */
  get(path: string, headers?: Record<string, string>): Promise<TestResponse>;
  post(path: string, form: Record<string, string>, headers?: Record<string, string>): Promise<TestResponse>;
  postJson(path: string, value: unknown): Promise<TestResponse>;
  del(path: string): Promise<TestResponse>;
  /** POSTs to the default tenant's token endpoint. */
  token(form: Record<string, string>, headers?: Record<string, string>): Promise<TestResponse>;
  tokenPath: string;
  /** Closes the emulator and the HTTP agent, and removes the state folder the helper created. */
  close(): Promise<void>;
}

/** A temporary folder; the caller removes it (see {@link removeDir}). */
export function tempDir(prefix = 'msal-ts-emu-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

function parse(body: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(body);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Starts an emulator (in a fresh stateDir unless one is given); call `close()` in an `after` hook. */
export async function startTestEmulator(options: EmulatorOptions = {}): Promise<TestEmulator> {
  const ownDir = options.stateDir === undefined ? tempDir() : undefined;
  const emulator = await startEmulator({ stateDir: ownDir, ...options });
  const agent = new Agent({ connect: { ca: emulator.caPem } });
  const close = async (): Promise<void> => {
    await emulator.close();
    await agent.close();
    if (ownDir !== undefined) removeDir(ownDir);
  };
  const send = async (method: 'GET' | 'POST' | 'DELETE', path: string, body?: string, headers: Record<string, string> = {}): Promise<TestResponse> => {
    // The admin API wants the run's secret; the Entra endpoints get exactly the headers the test chose.
    const auth: Record<string, string> = path.startsWith('/_emulator/') ? { authorization: `Bearer ${emulator.adminToken}` } : {};
    const res = await request(`${emulator.url}${path}`, { method, body, headers: { ...auth, ...headers }, dispatcher: agent });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, body: text, json: parse(text) };
  };
  const tokenPath = `/${emulator.config.defaultTenantId}/oauth2/v2.0/token`;
  const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<TestResponse> =>
    send('POST', path, new URLSearchParams(form).toString(), { 'content-type': 'application/x-www-form-urlencoded', ...headers });
  return {
    emulator,
    tokenPath,
    get: (path, headers) => send('GET', path, undefined, headers),
    post,
    postJson: (path, value) => send('POST', path, JSON.stringify(value), { 'content-type': 'application/json' }),
    del: (path) => send('DELETE', path),
    token: (form, headers) => post(tokenPath, form, headers),
    close,
  };
}

/** The payload of a JWT, unverified. */
export function claims(jwt: unknown): Record<string, unknown> {
  if (typeof jwt !== 'string') throw new TypeError('not a JWT');
  const part = jwt.split('.')[1];
  if (part === undefined) throw new TypeError('not a JWT');
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The AADSTS code of an Entra error response. */
export function aadCode(res: TestResponse): number | undefined {
  const codes = res.json.error_codes;
  return Array.isArray(codes) && typeof codes[0] === 'number' ? codes[0] : undefined;
}

export interface AssertionOptions {
  clientId: string;
  aud: string;
  keyPem: string;
  certPem: string;
  alg?: 'RS256' | 'PS256';
  thumbprint?: 'x5t' | 'x5t#S256';
  nowSeconds?: number;
  lifetime?: number;
  iss?: string;
}

/** A client assertion signed with node:crypto, as MSAL builds one. */
export function clientAssertion(o: AssertionOptions): string {
  const der = new X509Certificate(o.certPem).raw;
  const alg = o.alg ?? 'RS256';
  const header: Record<string, string> = { alg, typ: 'JWT' };
  if ((o.thumbprint ?? 'x5t') === 'x5t') header.x5t = createHash('sha1').update(der).digest('base64url');
  else header['x5t#S256'] = createHash('sha256').update(der).digest('base64url');
  const now = Math.floor(o.nowSeconds ?? Date.now() / 1000);
  const payload = { aud: o.aud, iss: o.iss ?? o.clientId, sub: o.clientId, jti: crypto.randomUUID(), nbf: now, iat: now, exp: now + (o.lifetime ?? 600) };
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const key = createPrivateKey(o.keyPem);
  const signature =
    alg === 'RS256'
      ? sign('sha256', Buffer.from(input), key)
      : sign('sha256', Buffer.from(input), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
  return `${input}.${signature.toString('base64url')}`;
}

/** A controllable clock in seconds. */
export function manualClock(start = Date.now() / 1000): { now: () => number; advance: (seconds: number) => void } {
  let t = start;
  return {
    now: () => t,
    advance: (s) => {
      t += s;
    },
  };
}

/**
 * A self-signed P-256 CA made by openssl (not by msal-ts), as `<dir>/key.pem` (0600) and `<dir>/cert.pem`; returns the
 * certificate. `extensions` are openssl `-addext` values, or `config` names an openssl config file and its section.
 */
export function opensslCa(
  dir: string,
  ca: { subject: string; days: number; extensions?: readonly string[]; config?: { file: string; section: string } },
): string {
  const extra = ca.config === undefined ? (ca.extensions ?? []).flatMap((e) => ['-addext', e]) : ['-config', ca.config.file, '-extensions', ca.config.section];
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', String(ca.days), '-subj', ca.subject];
  execFileSync('openssl', [...args, ...extra, '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  chmodSync(join(dir, 'key.pem'), 0o600);
  return readFileSync(join(dir, 'cert.pem'), 'utf8');
}
