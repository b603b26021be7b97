// SSH certificates end to end: MSAL Python's data={token_type: 'ssh-cert', req_cnf, key_id} sent by acquireTokenForClient
// and acquireTokenSilent to the emulator, which answers with a real OpenSSH user certificate for the requested key,
// signed by its SSH CA. Debian's ssh-keygen parses (and so verifies the signature of) every certificate. The cache keeps
// certificates under their key_id: found again by the same data, never served to a Bearer request nor the other way.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfidentialClientApplication, SerializableTokenCache, ServerError } from '../../src/index.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { GRAPH_USER_READ, makePca, recordingHttp } from './helpers.js';

const GRAPH = ['https://graph.microsoft.com/.default'];

interface SshKey {
  readonly kid: string;
  readonly data: { token_type: string; req_cnf: string; key_id: string };
  /** The OpenSSH fingerprint (SHA256:...) of the public key. */
  readonly fingerprint: string;
}

describe('SSH certificates (data.token_type = ssh-cert)', () => {
  let emulator: Emulator;
  let dir: string;

  before(async () => {
    emulator = await startEmulator();
    dir = mkdtempSync(join(tmpdir(), 'msal-ts-ssh-'));
  });
  after(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let files = 0;
  function file(name: string, text: string): string {
    const path = join(dir, `${files++}-${name}`);
    writeFileSync(path, text);
    return path;
  }

  function fingerprintOf(publicKeyLineFile: string): string {
    const out = execFileSync('ssh-keygen', ['-l', '-f', publicKeyLineFile], { encoding: 'utf8' });
    const fp = /SHA256:\S+/.exec(out)?.[0];
    assert.ok(fp !== undefined, out);
    return fp;
  }

  function sshKey(publicKey: KeyObject, kid: string): SshKey {
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid };
    const openssh = publicKey.asymmetricKeyType === 'ed25519' ? ed25519Line(jwk.x ?? '') : importedLine(publicKey);
    return { kid, data: { token_type: 'ssh-cert', req_cnf: JSON.stringify(jwk), key_id: kid }, fingerprint: fingerprintOf(file('key.pub', openssh)) };
  }

  /** ssh-keygen 9.2 imports RSA and EC keys from PKCS#8, not Ed25519 ones. */
  function importedLine(publicKey: KeyObject): string {
    const pem = file('key.pem', publicKey.export({ format: 'pem', type: 'spki' }).toString());
    return execFileSync('ssh-keygen', ['-i', '-m', 'PKCS8', '-f', pem], { encoding: 'utf8' });
  }

  /** An Ed25519 public key line, written from its wire form (string "ssh-ed25519", string key). */
  function ed25519Line(x: string): string {
    const field = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
    return `ssh-ed25519 ${Buffer.concat([field(Buffer.from('ssh-ed25519')), field(Buffer.from(x, 'base64url'))]).toString('base64')}\n`;
  }

  /** `ssh-keygen -L` of a certificate as Entra returns it (the base64 blob): fails unless it parses and its signature verifies. */
  function inspect(certificate: string, type = 'ssh-rsa-cert-v01@openssh.com'): string {
    return execFileSync('ssh-keygen', ['-L', '-f', file('cert.pub', `${type} ${certificate}\n`)], { encoding: 'utf8' });
  }

  function daemon(tokenCache = new SerializableTokenCache()) {
    const http = recordingHttp(emulator);
    const app = new ConfidentialClientApplication(DEFAULT_IDS.daemonClientId, {
      authority: emulator.authority,
      clientCredential: DEFAULT_IDS.daemonSecret,
      httpClient: http,
      instanceDiscovery: false,
      tokenCache,
      environment: {},
    });
    return { app, http, tokenCache };
  }

  const accessTokens = (cache: SerializableTokenCache): Array<Record<string, unknown>> =>
    Object.values((JSON.parse(cache.serialize()) as { AccessToken?: Record<string, Record<string, unknown>> }).AccessToken ?? {});

  it('acquireTokenForClient: a real OpenSSH certificate for the key, signed by the emulator CA, cached under key_id', async () => {
    const key = sshKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey, 'rsa-key-1');
    const { app, http, tokenCache } = daemon();
    const result = await app.acquireTokenForClient(GRAPH, { data: key.data });
    assert.equal(result.token_type, 'ssh-cert');
    assert.equal(result.token_source, 'identity_provider');
    const [sent] = http.to('/token');
    const form = new URLSearchParams(sent?.body);
    assert.equal(form.get('token_type'), 'ssh-cert');
    assert.equal(form.get('req_cnf'), key.data.req_cnf);
    assert.equal(form.get('key_id'), key.kid);

    const listing = inspect(result.access_token);
    assert.match(listing, /Type: ssh-rsa-cert-v01@openssh\.com user certificate/);
    assert.ok(listing.includes(`Public key: RSA-CERT ${key.fingerprint}`), listing);
    assert.ok(listing.includes(`Signing CA: ED25519 ${fingerprintOf(file('ca.pub', `${emulator.sshCaPublicKey}\n`))}`), listing);
    assert.match(listing, /Key ID: "rsa-key-1"/);

    const [entry] = accessTokens(tokenCache);
    assert.equal(entry?.['token_type'], 'ssh-cert');
    assert.equal(entry['key_id'], key.kid);

    // The same data again: the certificate from the cache, no request.
    const again = await app.acquireTokenForClient(GRAPH, { data: key.data });
    assert.equal(again.token_source, 'cache');
    assert.equal(again.access_token, result.access_token);
    assert.equal(again.token_type, 'ssh-cert');
    assert.equal(http.to('/token').length, 1);
  });

  it('a Bearer request never gets the certificate, nor a certificate request the Bearer token; another key_id gets its own', async () => {
    const key = sshKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey, 'rsa-key-2');
    const other = sshKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, 'ec-key-1');
    const { app, http } = daemon();
    const bearer = await app.acquireTokenForClient(GRAPH);
    assert.equal(bearer.token_type, 'Bearer');
    const cert = await app.acquireTokenForClient(GRAPH, { data: key.data });
    assert.equal(cert.token_source, 'identity_provider', 'the cached Bearer token is not an SSH certificate');
    assert.equal(cert.token_type, 'ssh-cert');
    const bearerAgain = await app.acquireTokenForClient(GRAPH);
    assert.equal(bearerAgain.token_source, 'cache');
    assert.equal(bearerAgain.access_token, bearer.access_token);
    const ec = await app.acquireTokenForClient(GRAPH, { data: other.data });
    assert.equal(ec.token_source, 'identity_provider', 'a certificate for another key is not this one');
    const listing = inspect(ec.access_token, 'ecdsa-sha2-nistp256-cert-v01@openssh.com');
    assert.ok(listing.includes(`Public key: ECDSA-CERT ${other.fingerprint}`), listing);
    assert.equal(http.to('/token').length, 3);
    assert.equal((await app.acquireTokenForClient(GRAPH, { data: key.data })).access_token, cert.access_token);
    assert.equal((await app.acquireTokenForClient(GRAPH, { data: other.data })).access_token, ec.access_token);
    assert.equal(http.to('/token').length, 3);
  });

  it('acquireTokenSilent: refreshes into a certificate for the user, then serves it from the cache by key_id', async () => {
    const key = sshKey(generateKeyPairSync('ed25519').publicKey, 'ed-key-1');
    const http = recordingHttp(emulator);
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { httpClient: http });
    const signIn = await app.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, GRAPH_USER_READ);
    assert.equal(signIn.token_type, 'Bearer');
    const [account] = await app.getAccounts();
    assert.ok(account !== undefined);

    const cert = await app.acquireTokenSilent(GRAPH_USER_READ, { account, data: key.data });
    assert.equal(cert?.token_type, 'ssh-cert');
    assert.equal(cert.token_source, 'identity_provider', 'the Bearer token in the cache was not served');
    const refresh = new URLSearchParams(http.to('/token').at(-1)?.body);
    assert.equal(refresh.get('grant_type'), 'refresh_token');
    assert.equal(refresh.get('token_type'), 'ssh-cert');
    const listing = inspect(cert.access_token, 'ssh-ed25519-cert-v01@openssh.com');
    assert.ok(listing.includes(`Public key: ED25519-CERT ${key.fingerprint}`), listing);
    assert.match(listing, /Principals: \n\s+alice@contoso\.onmicrosoft\.com/);

    const before = http.to('/token').length;
    const cached = await app.acquireTokenSilent(GRAPH_USER_READ, { account, data: key.data });
    assert.equal(cached?.token_source, 'cache');
    assert.equal(cached.access_token, cert.access_token);
    const bearer = await app.acquireTokenSilent(GRAPH_USER_READ, { account });
    assert.equal(bearer?.token_type, 'Bearer');
    assert.equal(bearer.access_token, signIn.access_token);
    assert.equal(http.to('/token').length, before, 'both served from the cache');
  });

  it('acquireTokenByUsernamePassword with data: the sign-in itself returns a certificate, cached under key_id', async () => {
    const key = sshKey(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey, 'ec-key-2');
    const cache = new SerializableTokenCache();
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { tokenCache: cache });
    const result = await app.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, GRAPH_USER_READ, { data: key.data });
    assert.equal(result.token_type, 'ssh-cert');
    assert.ok(inspect(result.access_token, 'ecdsa-sha2-nistp384-cert-v01@openssh.com').includes(`Public key: ECDSA-CERT ${key.fingerprint}`));
    const [entry] = accessTokens(cache);
    assert.equal(entry?.['key_id'], key.kid);
    assert.equal(entry['token_type'], 'ssh-cert');
  });

  it('a tampered certificate does not verify (ssh-keygen checks the CA signature)', async () => {
    const key = sshKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey, 'rsa-key-3');
    const { app } = daemon();
    const { access_token } = await app.acquireTokenForClient(GRAPH, { data: key.data });
    const blob = Buffer.from(access_token, 'base64');
    // Flip a bit of the principals/validity area, well before the signature.
    blob[blob.length - 200] = (blob[blob.length - 200] ?? 0) ^ 1;
    assert.throws(() => inspect(blob.toString('base64')), 'ssh-keygen refuses it');
  });

  it('misuse is refused before any request: missing req_cnf or key_id, a req_cnf that is not JSON, a reserved field', async () => {
    const { app, http } = daemon();
    await assert.rejects(app.acquireTokenForClient(GRAPH, { data: { token_type: 'ssh-cert', key_id: 'k' } }), /options\.data\.req_cnf/);
    await assert.rejects(app.acquireTokenForClient(GRAPH, { data: { token_type: 'ssh-cert', req_cnf: '{}' } }), /options\.data\.key_id/);
    await assert.rejects(app.acquireTokenForClient(GRAPH, { data: { token_type: 'ssh-cert', req_cnf: 'ssh-rsa AAAA', key_id: 'k' } }), TypeError);
    await assert.rejects(app.acquireTokenForClient(GRAPH, { data: { scope: 'https://evil/.default' } }), RangeError);
    await assert.rejects(app.acquireTokenForClient(GRAPH, { data: { grant_type: 'password' } }), RangeError);
    await assert.rejects(app.acquireTokenForClient(GRAPH, { data: { n: 1 } as unknown as Record<string, string> }), TypeError);
    assert.equal(http.requests.length, 0);
  });

  it('the emulator refuses a key it cannot certify (a 1024-bit RSA key) with invalid_request; nothing is cached', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
    const { app, tokenCache } = daemon();
    const err = await app
      .acquireTokenForClient(GRAPH, { data: { token_type: 'ssh-cert', req_cnf: JSON.stringify(weak), key_id: 'weak' } })
      .catch((e: unknown) => e);
    assert.ok(err instanceof ServerError);
    assert.equal(err.error, 'invalid_request');
    assert.deepEqual(accessTokens(tokenCache), []);
  });
});
