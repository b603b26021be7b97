/**
 * SSH certificates, as Entra issues them for `token_type=ssh-cert` (what `az ssh` asks for): the request carries the
 * user's public key as a JWK in `req_cnf`, and the `access_token` of the response is an OpenSSH user certificate for
 * that key (base64 of the wire blob, as Entra sends it: prefix it with its type to get a `-cert.pub` line). The
 * emulator signs with its own Ed25519 SSH CA, kept in `<stateDir>/ssh-ca/key.pem`; trust it with
 * `TrustedUserCAKeys` (the public line is {@link SshCertificateAuthority.publicKeyLine}).
 *
 * Format: OpenSSH's PROTOCOL.certkeys (certificate v01), for RSA, ECDSA (P-256/384/521) and Ed25519 keys.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { lstat, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AADSTS } from './aad-errors.js';
import { randomToken } from './ids.js';
import { decodeJwt } from './jwt.js';
import { untrustedReason } from '../util/emulator-state-dir.js';

/** The emulator's SSH certificate authority. */
export interface SshCertificateAuthority {
  readonly privateKey: KeyObject;
  /** The CA public key in OpenSSH's one-line form, for `TrustedUserCAKeys`. */
  readonly publicKeyLine: string;
  readonly publicKeyBlob: Buffer;
}

const USER_CERT = 1;
/** What an interactive user certificate permits, as ssh-keygen signs by default; sorted as the format requires. */
const EXTENSIONS = ['permit-X11-forwarding', 'permit-agent-forwarding', 'permit-port-forwarding', 'permit-pty', 'permit-user-rc'];
const CURVES: Readonly<Record<string, { name: string; bytes: number }>> = {
  'P-256': { name: 'nistp256', bytes: 32 },
  'P-384': { name: 'nistp384', bytes: 48 },
  'P-521': { name: 'nistp521', bytes: 66 },
};

function sshString(data: Buffer | string): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function uint64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
}

/** An unsigned big-endian integer as an SSH mpint: no leading zeros, and a zero byte when the top bit is set. */
function mpint(unsigned: Buffer): Buffer {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0) start++;
  const trimmed = unsigned.subarray(start);
  return sshString((trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

function ed25519PublicBlob(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  return Buffer.concat([sshString('ssh-ed25519'), sshString(Buffer.from(jwk.x ?? '', 'base64url'))]);
}

/** Whether `<dir>` or its key is a link, another user's, or open to others (then another user may know the key). */
async function untrusted(dir: string, path: string): Promise<boolean> {
  try {
    const [d, f] = [await lstat(dir), await lstat(path)];
    return !d.isDirectory() || !f.isFile() || untrustedReason(d, 0o022) !== undefined || untrustedReason(f, 0o077) !== undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Loads the CA key from `<stateDir>/ssh-ca/key.pem`, or creates it (mode 0600); one not private to this user is set aside. */
export async function loadOrCreateSshCa(stateDir: string): Promise<SshCertificateAuthority> {
  const dir = join(stateDir, 'ssh-ca');
  const path = join(dir, 'key.pem');
  if (await untrusted(dir, path)) {
    await rename(dir, `${dir}.replaced-${Date.now()}-${randomToken(4)}`).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const fresh = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    try {
      await writeFile(path, fresh, { mode: 0o600, flag: 'wx' });
      pem = fresh;
    } catch (writeErr) {
      // Another emulator sharing the state directory created it first: use that one.
      if ((writeErr as NodeJS.ErrnoException).code !== 'EEXIST') throw writeErr;
      pem = await readFile(path, 'utf8');
    }
  }
  const privateKey = createPrivateKey(pem);
  const publicKeyBlob = ed25519PublicBlob(createPublicKey(privateKey));
  return { privateKey, publicKeyBlob, publicKeyLine: `ssh-ed25519 ${publicKeyBlob.toString('base64')} msal-ts-emulator-ssh-ca` };
}

/** The certificate type and public key fields of a JWK, or an AADSTS error when it is not a usable public key. */
function publicKeyFields(reqCnf: string): { type: string; fields: Buffer } {
  let jwk: unknown;
  try {
    jwk = JSON.parse(reqCnf);
  } catch {
    throw AADSTS.invalidRequest('req_cnf is not a JSON Web Key (not JSON).');
  }
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw AADSTS.invalidRequest('req_cnf is not a JSON Web Key.');
  const k = jwk as Record<string, unknown>;
  let key: KeyObject;
  try {
    // Also checks the key: an EC point off its curve, a malformed modulus.
    key = createPublicKey({ key: { kty: k['kty'], n: k['n'], e: k['e'], crv: k['crv'], x: k['x'], y: k['y'] } as never, format: 'jwk' });
  } catch {
    throw AADSTS.invalidRequest('req_cnf is not a valid public key (RSA, EC or OKP Ed25519 JWK).');
  }
  const pub = key.export({ format: 'jwk' });
  if (key.asymmetricKeyType === 'rsa') {
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw AADSTS.invalidRequest('the RSA key in req_cnf is shorter than 2048 bits.');
    return {
      type: 'ssh-rsa-cert-v01@openssh.com',
      fields: Buffer.concat([mpint(Buffer.from(pub.e ?? '', 'base64url')), mpint(Buffer.from(pub.n ?? '', 'base64url'))]),
    };
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = CURVES[pub.crv ?? ''];
    if (curve === undefined) throw AADSTS.invalidRequest('the EC curve of req_cnf is not P-256, P-384 or P-521.');
    const point = Buffer.concat([Buffer.from([4]), Buffer.from(pub.x ?? '', 'base64url'), Buffer.from(pub.y ?? '', 'base64url')]);
    return { type: `ecdsa-sha2-${curve.name}-cert-v01@openssh.com`, fields: Buffer.concat([sshString(curve.name), sshString(point)]) };
  }
  if (key.asymmetricKeyType === 'ed25519') {
    return { type: 'ssh-ed25519-cert-v01@openssh.com', fields: sshString(Buffer.from(pub.x ?? '', 'base64url')) };
  }
  throw AADSTS.invalidRequest('req_cnf is not an RSA, EC or Ed25519 public key.');
}

/** What a certificate is issued for. */
export interface SshCertificateRequest {
  /** The public key, a JWK as JSON (`req_cnf`). */
  readonly reqCnf: string;
  /** The certificate's key id (shown by `ssh-keygen -L`). */
  readonly keyId: string;
  /** Who may log in with it. */
  readonly principals: readonly string[];
  /** Validity, epoch seconds. */
  readonly validAfter: number;
  readonly validBefore: number;
}

/**
 * An OpenSSH user certificate signed by the CA, as base64 of its wire blob.
 *
 * @throws AadFailure (invalid_request) when `reqCnf` is not a usable public key.
 */
export function issueSshCertificate(ca: SshCertificateAuthority, req: SshCertificateRequest): { type: string; certificate: string } {
  const { type, fields } = publicKeyFields(req.reqCnf);
  const extensions = Buffer.concat(EXTENSIONS.flatMap((name) => [sshString(name), sshString('')]));
  const body = Buffer.concat([
    sshString(type),
    sshString(randomBytes(32)),
    fields,
    uint64(randomBytes(8).readBigUInt64BE()),
    uint32(USER_CERT),
    sshString(req.keyId),
    sshString(Buffer.concat(req.principals.map((p) => sshString(p)))),
    uint64(BigInt(Math.max(0, Math.floor(req.validAfter)))),
    uint64(BigInt(Math.max(0, Math.floor(req.validBefore)))),
    sshString(''),
    sshString(extensions),
    sshString(''),
    sshString(ca.publicKeyBlob),
  ]);
  const signature = Buffer.concat([sshString('ssh-ed25519'), sshString(sign(null, body, ca.privateKey))]);
  return { type, certificate: Buffer.concat([body, sshString(signature)]).toString('base64') };
}

/**
 * Turns a grant's Bearer response into an SSH certificate response when the request asked for one
 * (`token_type=ssh-cert`): the certificate is for the `req_cnf` key, its principal is the token's user (`upn` or
 * `preferred_username`) or, for an app token, its service principal, and it expires with the token.
 *
 * @throws AadFailure when `req_cnf` is missing or not a usable public key.
 */
export function withSshCertificate(ca: SshCertificateAuthority, form: URLSearchParams, body: Record<string, unknown>, now: number): Record<string, unknown> {
  if (form.get('token_type')?.toLowerCase() !== 'ssh-cert') return body;
  const reqCnf = form.get('req_cnf');
  if (reqCnf === null || reqCnf === '') throw AADSTS.missingParameter('req_cnf');
  const claims = typeof body['access_token'] === 'string' ? decodeJwt(body['access_token'])?.payload : undefined;
  const principal = [claims?.['upn'], claims?.['preferred_username'], claims?.['oid']].find((v): v is string => typeof v === 'string' && v !== '');
  const expiresIn = typeof body['expires_in'] === 'number' ? body['expires_in'] : 3600;
  const kid = (() => {
    try {
      const parsed: unknown = JSON.parse(reqCnf);
      return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)['kid'] : undefined;
    } catch {
      return undefined;
    }
  })();
  const keyId = form.get('key_id') ?? (typeof kid === 'string' ? kid : 'msal-ts-emulator');
  const { certificate } = issueSshCertificate(ca, {
    reqCnf,
    keyId,
    principals: principal === undefined ? [] : [principal],
    validAfter: now - 300,
    validBefore: now + expiresIn,
  });
  return { ...body, token_type: 'ssh-cert', access_token: certificate };
}
