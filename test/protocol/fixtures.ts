// Test keys and certificates, made fresh by the openssl CLI (an independent implementation, so thumbprints and
// encrypted-key handling are checked against it rather than against our own code).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PASSPHRASE = 'correct horse battery staple';

export interface TestCert {
  keyPem: string;
  certPem: string;
  /** From `openssl x509 -fingerprint`, colon-separated upper-case hex. */
  sha1Fingerprint: string;
  sha256Fingerprint: string;
}

export interface Fixtures {
  a: TestCert;
  b: TestCert;
  /** a's key, PKCS#8 encrypted with {@link PASSPHRASE}. */
  encryptedPkcs8: string;
  /** a's key, traditional (PKCS#1) PEM encryption with {@link PASSPHRASE}. */
  encryptedPkcs1: string;
  ecKeyPem: string;
}

function openssl(args: string[], cwd: string): string {
  return execFileSync('openssl', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function makeCert(dir: string, name: string): TestCert {
  openssl(
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=msal-ts test ${name}`],
    dir,
  );
  const fingerprint = (alg: string): string =>
    openssl(['x509', '-noout', '-fingerprint', `-${alg}`, '-in', `${name}.crt`], dir)
      .trim()
      .split('=')[1] ?? '';
  return {
    keyPem: readFileSync(join(dir, `${name}.key`), 'utf8'),
    certPem: readFileSync(join(dir, `${name}.crt`), 'utf8'),
    sha1Fingerprint: fingerprint('sha1'),
    sha256Fingerprint: fingerprint('sha256'),
  };
}

function make(): Fixtures {
  const dir = mkdtempSync(join(tmpdir(), 'msal-ts-protocol-'));
  try {
    const a = makeCert(dir, 'a');
    const b = makeCert(dir, 'b');
    openssl(['pkcs8', '-topk8', '-in', 'a.key', '-out', 'a.p8.pem', '-v2', 'aes-256-cbc', '-passout', `pass:${PASSPHRASE}`], dir);
    openssl(['rsa', '-in', 'a.key', '-traditional', '-aes128', '-passout', `pass:${PASSPHRASE}`, '-out', 'a.p1.pem'], dir);
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ec.pem'], dir);
    return {
      a,
      b,
      encryptedPkcs8: readFileSync(join(dir, 'a.p8.pem'), 'utf8'),
      encryptedPkcs1: readFileSync(join(dir, 'a.p1.pem'), 'utf8'),
      ecKeyPem: readFileSync(join(dir, 'ec.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let cached: Fixtures | undefined;

/** The fixtures, generated once per test process. */
export function fixtures(): Fixtures {
  cached ??= make();
  return cached;
}

/** Hex without colons, lower-case. */
export function hex(fingerprint: string): string {
  return fingerprint.replaceAll(':', '').toLowerCase();
}
