// Id token validation with real signing keys: RSA and EC keys published through a JWKS, tokens signed with every
// algorithm msal-ts accepts, then forged (another alg, another key, another kid, none, HS256 keyed with the public
// key), tampered with byte by byte, or carrying one bad claim. validateIdToken must return the claims of exactly the
// genuine tokens and throw IdTokenError for everything else.
import assert from 'node:assert/strict';
import { constants, createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseJwks } from '../../src/authority/jwks.js';
import { IdTokenError } from '../../src/errors.js';
import { nonceHash, validateIdToken, type IdTokenValidationOptions } from '../../src/protocol/id-token.js';
import { fuzz, only, runs } from './budget.js';

const NOW = 1_700_000_000;
const CLIENT = '6731de76-14a6-49ae-97bc-6eba6914391e';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const ISSUER = 'https://login.example.test/{tenantid}/v2.0';
const NONCE = nonceHash('the-flow-nonce');

const SUPPORTED = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as const;
type Alg = (typeof SUPPORTED)[number];
/** What a signer may be told to do: the supported algorithms, and what forgers try. */
type Method = Alg | 'HS256' | 'none' | 'EdDSA';
const METHODS: readonly Method[] = [...SUPPORTED, 'HS256', 'none', 'EdDSA'];

interface Key {
  readonly name: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The algorithms a correct JWS signer uses this key with. */
  readonly algs: readonly Method[];
  /** Published in the issuer's JWKS under this kid; undefined: the attacker's own key. */
  readonly kid: string | undefined;
  /** How fast-check prints the key in a counterexample. */
  readonly [fc.toStringMethod]: () => string;
}

function rsa(name: string, kid: string | undefined): Key {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { name, privateKey, publicKey, algs: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'], kid, [fc.toStringMethod]: () => name };
}
function ec(name: string, curve: string, alg: Alg, kid: string | undefined): Key {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
  return { name, privateKey, publicKey, algs: [alg], kid, [fc.toStringMethod]: () => name };
}
const KEYS: readonly Key[] = [
  rsa('rsa-a', 'rsa-a'),
  rsa('rsa-b', 'rsa-b'),
  ec('ec-256', 'P-256', 'ES256', 'ec-256'),
  ec('ec-384', 'P-384', 'ES384', 'ec-384'),
  ec('ec-521', 'P-521', 'ES512', 'ec-521'),
  rsa('attacker-rsa', undefined),
  ec('attacker-ec', 'P-256', 'ES256', undefined),
  (() => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const name = 'attacker-ed25519';
    return { name, privateKey, publicKey, algs: ['EdDSA'], kid: undefined, [fc.toStringMethod]: () => name } satisfies Key;
  })(),
];
const PUBLISHED = KEYS.filter((k) => k.kid !== undefined);
const RSA_A = KEYS[0];
if (RSA_A === undefined) throw new Error('no keys');

// The issuer's JWKS, read the way msal-ts reads one.
const JWKS = parseJwks(JSON.stringify({ keys: PUBLISHED.map((k) => ({ ...k.publicKey.export({ format: 'jwk' }), kid: k.kid, use: 'sig' })) }), 200);
const lookup: NonNullable<IdTokenValidationOptions['keys']> = ({ kid }) =>
  Promise.resolve(JWKS.filter((k) => kid === undefined || k.kid === kid).map((k) => k.key));

const OPTIONS: IdTokenValidationOptions = { clientId: CLIENT, issuer: ISSUER, nonce: NONCE, now: NOW, keys: lookup };

const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

/** Signs like a JWS library told to use `method` with `key`, even where a correct one would refuse. */
function signWith(method: Method, key: Key, input: string): Buffer {
  const data = Buffer.from(input, 'ascii');
  const hash = HASH[method.slice(2)] ?? 'sha256';
  try {
    if (method === 'none') return Buffer.alloc(0);
    // The classic confusion attack: HMAC keyed with the issuer's public key, which everyone can read.
    if (method === 'HS256')
      return createHmac('sha256', RSA_A?.publicKey.export({ type: 'spki', format: 'pem' }) ?? '')
        .update(data)
        .digest();
    // node:crypto would sign RS256 with an RSA key here: not what an EdDSA forger sends.
    if (method === 'EdDSA') return key.algs.includes('EdDSA') ? sign(null, data, key.privateKey) : Buffer.from('not a signature');
    if (method.startsWith('PS'))
      return sign(hash, data, { key: key.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
    if (method.startsWith('ES')) return sign(hash, data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
    return sign(hash, data, key.privateKey);
  } catch {
    // node:crypto refused the pair: the forger sends bytes anyway.
    return Buffer.from('not a signature');
  }
}

/**
 * The JWS algorithm whose signature `signWith(method, key)` actually produced: node:crypto ignores the ECDSA encoding
 * option for an RSA key, so "ES256 with an RSA key" is an RS256 signature. Everything else is what it says, or no
 * JWS signature at all (ECDSA in DER, ES256 on another curve).
 */
function producedAlg(method: Method, key: Key): Method {
  return key.algs.includes('RS256') && method.startsWith('ES') ? (`RS${method.slice(2)}` as Method) : method;
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

function token(header: Record<string, unknown>, payload: Record<string, unknown>, method: Method, key: Key): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${signWith(method, key, input).toString('base64url')}`;
}

function validClaims(): Record<string, unknown> {
  return {
    aud: CLIENT,
    iss: `https://login.example.test/${TENANT}/v2.0`,
    tid: TENANT,
    exp: NOW + 3600,
    iat: NOW - 5,
    nbf: NOW - 5,
    nonce: NONCE,
    sub: 'subject',
  };
}

/** Extra claims and header fields of any JSON shape, none of them a name validation looks at. */
const CHECKED = new Set(['aud', 'iss', 'tid', 'exp', 'nbf', 'nonce', 'auth_time', 'alg', 'kid', '__proto__']);
const extras = fc.dictionary(
  fc.string({ maxLength: 10 }).filter((k) => !CHECKED.has(k)),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 4 },
);

/** A correct signer: a published key with one of its algorithms. */
const genuineSigner = fc.constantFrom(...PUBLISHED.flatMap((key) => key.algs.map((alg) => ({ key, alg }))));

async function accepts(jwt: string, options: IdTokenValidationOptions = OPTIONS): Promise<boolean> {
  const err = await only([IdTokenError], () => validateIdToken(jwt, options));
  return err === undefined;
}

describe(`fuzzing id token validation with real keys (${runs({ ci: 40, fuzz: 2000, long: 15_000 })}+ tokens per property)`, () => {
  it('genuine tokens from every published key and algorithm are accepted, with their claims', async () => {
    await fuzz(
      'id-token-genuine',
      fc.asyncProperty(genuineSigner, extras, extras, fc.boolean(), async ({ key, alg }, moreClaims, moreHeader, withKid) => {
        const payload = { ...moreClaims, ...validClaims() };
        const header = { ...moreHeader, alg, ...(withKid ? { kid: key.kid } : {}) };
        // Compared as JSON: -0 in a generated claim travels as 0.
        assert.deepEqual(await validateIdToken(token(header, payload, alg, key), OPTIONS), JSON.parse(JSON.stringify(payload)));
      }),
      { ci: 40, fuzz: 2000, long: 15_000 },
    );
  });

  it('forged signatures: any alg in the header, any signer, any key, any kid; only a correct signer with a published key passes', async () => {
    const kidChoice = fc.oneof(
      fc.constantFrom(...PUBLISHED.map((k) => k.kid)),
      fc.constant(undefined),
      fc.constantFrom('unknown-kid', '', 'RSA-A', null, 7, ['rsa-a']),
    );
    const headerAlg = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom<unknown>(...METHODS) },
      fc.constantFrom<unknown>('rs256', 'None', 'NONE', '', 'RS256 ', 'HS512', null, 256, ['RS256']),
      fc.string({ maxLength: 6 }),
    );
    await fuzz(
      'id-token-forged',
      fc.asyncProperty(headerAlg, fc.constantFrom(...METHODS), fc.constantFrom(...KEYS), kidChoice, async (alg, method, key, kid) => {
        const header: Record<string, unknown> = { alg };
        if (kid !== undefined) header['kid'] = kid;
        const jwt = token(header, validClaims(), method, key);
        const selected = typeof kid !== 'string' || kid === key.kid;
        const produced = producedAlg(method, key);
        const genuine =
          alg === produced && (SUPPORTED as readonly unknown[]).includes(produced) && key.algs.includes(produced) && key.kid !== undefined && selected;
        assert.equal(await accepts(jwt), genuine, `alg ${JSON.stringify(alg)} signed ${method} by ${key.name}, kid ${JSON.stringify(kid)}`);
      }),
      { ci: 100, fuzz: 3000, long: 30_000 },
    );
  });

  it('tampered tokens: only a token whose signed parts and signature bytes are those of a genuine token passes', async () => {
    // Signed once: the mutations are what varies.
    const pool = fc
      .sample(fc.tuple(genuineSigner, extras, fc.boolean()), { numRuns: 24, seed: 11 })
      .map(([{ key, alg }, more, withKid]) => token({ alg, ...(withKid ? { kid: key.kid } : {}) }, { ...more, ...validClaims() }, alg, key));
    const char = fc.oneof(fc.constantFrom(...'AQgw_-.=+/ \u00e9'), fc.string({ minLength: 1, maxLength: 1 }));
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), char }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), char }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('flip-signature-bit' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
      fc.record({ kind: fc.constant('cut-signature' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('splice' as const), other: fc.nat(), part: fc.nat({ max: 2 }) }),
      fc.record({ kind: fc.constant('edit-claim' as const), name: fc.constantFrom('aud', 'exp', 'sub', 'nonce', 'x'), value: fc.jsonValue({ maxDepth: 1 }) }),
      fc.record({
        kind: fc.constant('edit-header' as const),
        name: fc.constantFrom('alg', 'kid', 'typ'),
        value: fc.oneof(fc.constantFrom<unknown>(...METHODS, ...PUBLISHED.map((k) => k.kid)), fc.jsonValue({ maxDepth: 1 })),
      }),
    );
    await fuzz(
      'id-token-tampered',
      fc.asyncProperty(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 3 }), async (pick, mutations) => {
        const original = pool[pick % pool.length] ?? '';
        let jwt = original;
        for (const m of mutations) jwt = mutate(jwt, m, pool);
        // Splices can rebuild another genuine token of the pool (same claims, other header): that one passes too.
        assert.equal(
          await accepts(jwt),
          pool.some((genuine) => sameSignedToken(jwt, genuine)),
        );
      }),
      { ci: 100, fuzz: 8000, long: 80_000 },
    );
  });

  it('claims: one bad claim in a genuine token is refused with the check it fails; values within the skew pass', async () => {
    const ec256 = PUBLISHED.find((k) => k.name === 'ec-256');
    if (ec256 === undefined) throw new Error('no P-256 key');
    const defect = fc.oneof(
      fc.record({
        claim: fc.constant('aud'),
        value: fc.oneof(fc.constant(undefined), fc.constant(CLIENT.toUpperCase()), fc.constant([]), fc.string(), fc.array(fc.string(), { maxLength: 3 })),
        check: fc.constant('audience'),
      }),
      fc.record({ claim: fc.constant('aud'), value: fc.array(fc.string(), { maxLength: 3 }).map((a) => [...a, CLIENT]), check: fc.constant('ok') }),
      fc.record({ claim: fc.constantFrom('iss', 'tid'), value: fc.oneof(fc.constant(undefined), fc.string(), fc.constant(42)), check: fc.constant('issuer') }),
      fc.record({
        claim: fc.constant('exp'),
        value: fc.oneof(fc.constant(undefined), fc.string(), fc.constant(null), fc.constant([NOW])),
        check: fc.constant('malformed'),
      }),
      fc.record({ claim: fc.constant('exp'), value: fc.integer({ min: -1e9, max: NOW - 301 }), check: fc.constant('expired') }),
      fc.record({ claim: fc.constant('exp'), value: fc.integer({ min: NOW - 300, max: NOW + 1e9 }), check: fc.constant('ok') }),
      fc.record({ claim: fc.constant('nbf'), value: fc.integer({ min: NOW + 301, max: NOW + 1e9 }), check: fc.constant('not_yet_valid') }),
      fc.record({ claim: fc.constant('nbf'), value: fc.oneof(fc.constant(undefined), fc.integer({ min: -1e9, max: NOW + 300 })), check: fc.constant('ok') }),
      fc.record({ claim: fc.constant('nbf'), value: fc.oneof(fc.string(), fc.boolean()), check: fc.constant('malformed') }),
      fc.record({
        claim: fc.constant('nonce'),
        value: fc.oneof(fc.constant(undefined), fc.string(), fc.constant(NONCE.toUpperCase())),
        check: fc.constant('nonce'),
      }),
    );
    await fuzz(
      'id-token-claims',
      fc.asyncProperty(defect, extras, async ({ claim, value, check }, more) => {
        const payload: Record<string, unknown> = { ...more, ...validClaims() };
        if (value === undefined) delete payload[claim];
        else payload[claim] = value;
        // A changed tid still matches when the issuer changes with it; only an unchanged iss makes it a mismatch.
        const expected = claim === 'tid' && typeof value === 'string' && value === TENANT ? 'ok' : check;
        const jwt = token({ alg: 'ES256', kid: ec256.kid }, payload, 'ES256', ec256);
        const err = await only([IdTokenError], () => validateIdToken(jwt, OPTIONS));
        assert.equal(err === undefined ? 'ok' : (err as IdTokenError).check, expected);
      }),
      { ci: 60, fuzz: 4000, long: 40_000 },
    );
  });
});

describe('id token fuzz regressions', () => {
  it('a header alg that does not fit the key is refused: ES256 over an RS256 signature, RS256/PS256 over ECDSA, ES256 on P-384', async () => {
    const [rsaA, , ec256, ec384] = PUBLISHED;
    if (rsaA === undefined || ec256 === undefined || ec384 === undefined) throw new Error('keys');
    const claims = validClaims();
    const forged = [
      token({ alg: 'ES256', kid: rsaA.kid }, claims, 'RS256', rsaA),
      token({ alg: 'RS256', kid: ec256.kid }, claims, 'RS256', ec256),
      token({ alg: 'PS256', kid: ec256.kid }, claims, 'PS256', ec256),
      token({ alg: 'ES256', kid: ec384.kid }, claims, 'ES256', ec384),
    ];
    for (const jwt of forged) {
      await assert.rejects(validateIdToken(jwt, OPTIONS), (err: unknown) => err instanceof IdTokenError && err.check === 'signature');
    }
  });
});

type Mutation =
  | { kind: 'replace' | 'insert'; at: number; char: string }
  | { kind: 'delete' | 'cut-signature'; at: number }
  | { kind: 'flip-signature-bit'; at: number; bit: number }
  | { kind: 'splice'; other: number; part: number }
  | { kind: 'edit-claim' | 'edit-header'; name: string; value: unknown };

function mutate(jwt: string, m: Mutation, pool: readonly string[]): string {
  const parts = jwt.split('.');
  const at = (n: number, length: number): number => (length === 0 ? 0 : n % length);
  switch (m.kind) {
    case 'replace': {
      const i = at(m.at, jwt.length);
      return jwt.slice(0, i) + m.char + jwt.slice(i + 1);
    }
    case 'insert': {
      const i = at(m.at, jwt.length + 1);
      return jwt.slice(0, i) + m.char + jwt.slice(i);
    }
    case 'delete': {
      const i = at(m.at, jwt.length);
      return jwt.slice(0, i) + jwt.slice(i + 1);
    }
    case 'flip-signature-bit':
    case 'cut-signature': {
      const sig = Buffer.from(parts[2] ?? '', 'base64url');
      if (sig.length === 0) return jwt;
      const i = at(m.at, sig.length);
      const changed = m.kind === 'cut-signature' ? sig.subarray(0, i) : Buffer.from(sig);
      if (m.kind === 'flip-signature-bit') changed[i] = (changed[i] ?? 0) ^ (1 << m.bit);
      return [...parts.slice(0, 2), changed.toString('base64url'), ...parts.slice(3)].join('.');
    }
    case 'splice': {
      const donor = (pool[m.other % pool.length] ?? '').split('.');
      const copy = [...parts];
      copy[m.part] = donor[m.part] ?? '';
      return copy.join('.');
    }
    case 'edit-claim':
    case 'edit-header': {
      const index = m.kind === 'edit-claim' ? 1 : 0;
      let decoded: unknown;
      try {
        decoded = JSON.parse(Buffer.from(parts[index] ?? '', 'base64url').toString('utf8'));
      } catch {
        return jwt;
      }
      if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) return jwt;
      const copy = [...parts];
      copy[index] = b64({ ...decoded, [m.name]: m.value });
      return copy.join('.');
    }
  }
}

/** The same signed input and the same signature bytes, however the signature is spelled (trailing bits, padding). */
function sameSignedToken(jwt: string, original: string): boolean {
  const a = jwt.split('.');
  const b = original.split('.');
  if (a.length !== 3 || a[0] !== b[0] || a[1] !== b[1]) return false;
  const sig = a[2] ?? '';
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(sig)) return false;
  const unpadded = sig.replace(/=+$/, '');
  if (unpadded.length % 4 === 1 || (unpadded.length !== sig.length && sig.length % 4 !== 0)) return false;
  return Buffer.from(unpadded, 'base64url').equals(Buffer.from(b[2] ?? '', 'base64url'));
}
