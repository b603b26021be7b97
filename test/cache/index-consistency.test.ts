// The indexes must answer exactly what a full scan of the serialized file answers, after any sequence of changes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CredentialType, SerializableTokenCache, type AccessTokenQuery, type TokenResponseEvent } from '../../src/cache/index.js';
import { b64, buildIdToken } from './helpers.js';

// Few distinct values (repeats weight the common case), so partitions often hold several competing tokens.
const CLIENTS = ['c1', 'c1', 'C1', 'c2'];
const ENVS = ['e1', 'e1', 'E1', 'e2'];
const REALMS = ['r1', 'r1', 'R1', 'r2'];
const UIDS = [undefined, undefined, 'u', 'U', 'v'];
const KEY_IDS = [undefined, undefined, undefined, 'k', 'K'];
const HASHES = [undefined, undefined, undefined, 'h'];
const SCOPES = ['a', 'A', 'b', 'c', 'd'];
const TYPES = ['Bearer', 'Bearer', 'pop'];

type Entry = Record<string, unknown>;

const pick = <T>(values: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...values);
const scopes = fc.subarray(SCOPES);

const addOp = fc.record({
  kind: fc.constant('add' as const),
  clientId: pick(CLIENTS),
  environment: pick(ENVS),
  realm: pick(REALMS),
  uid: pick(UIDS),
  keyId: pick(KEY_IDS),
  uah: pick(HASHES),
  scopes,
  expiresIn: fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.constantFrom(600, 1200, 3000)),
  refreshIn: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: undefined }),
  tokenType: pick(TYPES),
  now: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constant(0)),
});
const queryOp = fc.record({
  kind: fc.constant('find' as const),
  clientId: pick(CLIENTS),
  environments: fc.uniqueArray(pick(ENVS), { minLength: 1, maxLength: 3 }),
  realm: pick(REALMS),
  uid: pick(UIDS),
  keyId: pick(KEY_IDS),
  uah: pick(HASHES),
  scopes,
  tokenType: fc.option(pick(['bearer', 'POP']), { nil: undefined }),
  now: fc.integer({ min: 0, max: 2500 }),
});
const op = fc.oneof(
  { weight: 6, arbitrary: addOp },
  { weight: 5, arbitrary: queryOp },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('removeAt' as const), index: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('removeForClient' as const), clientId: pick(CLIENTS), environment: pick(ENVS) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('roundTrip' as const) }) },
  // Removes a stored token found by a scan of the raw entries, so a token a reload left unindexed can go unindexed.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('removeFound' as const), index: fc.nat() }) },
);

const lc = (v: unknown): string => (typeof v === 'string' ? v.toLowerCase() : '');
const hidOf = (e: Entry): string => lc(e['home_account_id']);

/** The answer by brute force over the serialized file. */
function bruteForce(file: Record<string, Record<string, Entry>>, q: AccessTokenQuery, now: number): string | undefined {
  const wanted = q.scopes.map((s) => s.toLowerCase());
  const distinct = new Set(wanted).size;
  for (const env of q.environments) {
    let best: { key: string; exact: boolean; expires: number } | undefined;
    for (const [key, e] of Object.entries(file['AccessToken'] ?? {})) {
      if (typeof e['secret'] !== 'string' || typeof e['realm'] !== 'string') continue;
      if (lc(e['client_id']) !== q.clientId.toLowerCase() || lc(e['environment']) !== env.toLowerCase()) continue;
      if (lc(e['realm']) !== q.realm.toLowerCase() || hidOf(e) !== lc(q.homeAccountId)) continue;
      if ((e['key_id'] ?? undefined) !== q.keyId || (e['userAssertionHash'] ?? undefined) !== q.userAssertionHash) continue;
      if (q.tokenType !== undefined && lc(e['token_type'] ?? 'Bearer') !== q.tokenType.toLowerCase()) continue;
      const expires = Number(e['expires_on']);
      if (expires - now < 300) continue;
      const have = new Set(
        String(e['target'])
          .split(' ')
          .filter(Boolean)
          .map((s) => s.toLowerCase()),
      );
      if (!wanted.every((s) => have.has(s))) continue;
      const exact = have.size === distinct;
      const wins = best === undefined || (exact !== best.exact ? exact : expires !== best.expires ? expires > best.expires : key < best.key);
      if (wins) best = { key, exact, expires };
    }
    if (best !== undefined) return best.key;
  }
  return undefined;
}

describe('index consistency', () => {
  it('findAccessToken agrees with a full scan after random adds, removals and reloads', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const cache = new SerializableTokenCache();
        for (const o of ops) {
          switch (o.kind) {
            case 'add': {
              const response: Record<string, unknown> = { access_token: `at${Math.random()}`, expires_in: o.expiresIn, token_type: o.tokenType };
              if (o.uid !== undefined) response['client_info'] = b64({ uid: o.uid, utid: 't' });
              if (o.refreshIn !== undefined) response['refresh_in'] = o.refreshIn;
              const event: TokenResponseEvent = {
                clientId: o.clientId,
                scopes: o.scopes,
                environment: o.environment,
                realm: o.realm,
                response,
                keyId: o.keyId,
                userAssertionHash: o.uah,
              };
              cache.add(event, o.now);
              break;
            }
            case 'find': {
              const query: AccessTokenQuery = {
                clientId: o.clientId,
                environments: o.environments,
                realm: o.realm,
                homeAccountId: o.uid === undefined ? undefined : `${o.uid}.t`,
                scopes: o.scopes,
                keyId: o.keyId,
                userAssertionHash: o.uah,
                tokenType: o.tokenType,
              };
              const file = JSON.parse(cache.serialize()) as Record<string, Record<string, Entry>>;
              const expected = bruteForce(file, query, o.now);
              const hit = cache.findAccessToken(query, o.now);
              assert.equal(hit?.entry.key, expected);
              if (hit !== undefined) {
                const refreshOn = file['AccessToken']?.[hit.entry.key]?.['refresh_on'];
                assert.equal(hit.aging, refreshOn !== undefined && Number(refreshOn) < o.now);
              }
              break;
            }
            case 'removeAt': {
              const all = cache.listAccessTokens();
              const victim = all[o.index % Math.max(all.length, 1)];
              if (victim !== undefined) assert.equal(cache.removeAt(victim), true);
              break;
            }
            case 'removeForClient':
              cache.removeTokensForClient(o.clientId, [o.environment]);
              break;
            case 'removeFound': {
              const all = cache.find(CredentialType.ACCESS_TOKEN, { now: 0 });
              const victim = all[o.index % Math.max(all.length, 1)];
              if (victim !== undefined) assert.equal(cache.removeAt(victim), true);
              break;
            }
            case 'roundTrip': {
              const text = cache.serialize();
              cache.deserialize(text);
              assert.equal(cache.serialize(), text);
              break;
            }
          }
        }
        // Every stored token is still reachable through the index by its own exact query.
        const file = JSON.parse(cache.serialize()) as Record<string, Record<string, Entry>>;
        for (const entry of cache.listAccessTokens()) {
          const q: AccessTokenQuery = {
            clientId: entry.client_id,
            environments: [entry.environment],
            realm: entry.realm,
            homeAccountId: entry.home_account_id,
            scopes: entry.target.split(' ').filter(Boolean),
            keyId: entry.key_id,
            userAssertionHash: entry.userAssertionHash,
          };
          const now = entry.expires_on - 300;
          assert.equal(cache.findAccessToken(q, now)?.entry.key, bruteForce(file, q, now));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('picks the same token as a full scan when one partition holds many competing tokens', () => {
    const add = fc.record({ scopes, expiresIn: fc.constantFrom(0, 300, 600, 900, 1200), now: fc.constantFrom(0, 100), type: pick(TYPES) });
    const find = fc.record({ scopes, now: fc.integer({ min: 0, max: 1500 }), tokenType: fc.option(pick(['bearer', 'pop']), { nil: undefined }) });
    fc.assert(
      fc.property(fc.array(add, { maxLength: 25 }), fc.array(find, { minLength: 1, maxLength: 10 }), (adds, finds) => {
        const cache = new SerializableTokenCache({ purgeExpiredAccessTokens: false });
        for (const a of adds) {
          cache.add(
            { clientId: 'c', scopes: a.scopes, environment: 'e', realm: 'r', response: { access_token: 'x', expires_in: a.expiresIn, token_type: a.type } },
            a.now,
          );
        }
        const file = JSON.parse(cache.serialize()) as Record<string, Record<string, Entry>>;
        for (const f of finds) {
          const query: AccessTokenQuery = {
            clientId: 'c',
            environments: ['e'],
            realm: 'r',
            homeAccountId: undefined,
            scopes: f.scopes,
            tokenType: f.tokenType,
          };
          assert.equal(cache.findAccessToken(query, f.now)?.entry.key, bruteForce(file, query, f.now));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('findRefreshTokens agrees with a full scan', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            clientId: pick(CLIENTS),
            environment: pick(ENVS),
            uid: pick(['u', 'U', 'v']),
            foci: fc.option(pick(['1', '2']), { nil: undefined }),
            scopes,
          }),
          { maxLength: 30 },
        ),
        pick(CLIENTS),
        pick(ENVS),
        pick(['u', 'v']),
        (adds, clientId, environment, uid) => {
          const cache = new SerializableTokenCache();
          for (const a of adds) {
            const response: Record<string, unknown> = { client_info: b64({ uid: a.uid, utid: 't' }), refresh_token: `rt${Math.random()}` };
            if (a.foci !== undefined) response['foci'] = a.foci;
            cache.add({ clientId: a.clientId, scopes: a.scopes, environment: a.environment, realm: 'r', response }, 1000);
          }
          const file = JSON.parse(cache.serialize()) as Record<string, Record<string, Entry>>;
          const hid = `${uid}.t`;
          const scan = (match: (e: Entry) => boolean): string[] =>
            Object.entries(file['RefreshToken'] ?? {})
              .filter(([, e]) => hidOf(e) === hid && lc(e['environment']) === environment.toLowerCase() && match(e))
              .map(([k]) => k)
              .sort();
          const own = cache
            .findRefreshTokens({ homeAccountId: hid, environment, clientId })
            .map((r) => r.key)
            .sort();
          assert.deepEqual(
            own,
            scan((e) => lc(e['client_id']) === clientId.toLowerCase()),
          );
          const family = cache
            .findRefreshTokens({ homeAccountId: hid, environment, familyId: '1' })
            .map((r) => r.key)
            .sort();
          assert.deepEqual(
            family,
            scan((e) => e['family_id'] === '1'),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  // Refresh tokens, id tokens and accounts are indexed by account alone and picked by their other fields.
  it('findIdToken, on-behalf-of refresh tokens and getAccountEntries agree with a full scan after adds, removals and a reload', () => {
    const userAdd = fc.record({
      clientId: pick(CLIENTS),
      environment: pick(ENVS),
      realm: pick(REALMS),
      uid: pick(['u', 'U', 'v']),
      uah: pick(HASHES),
      scopes,
    });
    const step = fc.oneof(
      { weight: 4, arbitrary: userAdd.map((a) => ({ kind: 'add' as const, ...a })) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), section: pick(['rt', 'idt', 'account'] as const), index: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('roundTrip' as const) }) },
    );
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 30 }),
        fc.record({ clientId: pick(CLIENTS), environment: pick(ENVS), realm: pick(REALMS), uid: pick(['u', 'v']), uah: pick(HASHES) }),
        (steps, q) => {
          let cache = new SerializableTokenCache();
          for (const o of steps) {
            if (o.kind === 'add') {
              const response: Record<string, unknown> = {
                client_info: b64({ uid: o.uid, utid: 't' }),
                refresh_token: `rt${Math.random()}`,
                id_token: buildIdToken({ oid: o.uid, tid: o.realm, preferred_username: `${o.uid}@example.com`, aud: o.clientId }),
              };
              const event: TokenResponseEvent = { clientId: o.clientId, scopes: o.scopes, environment: o.environment, realm: o.realm, response };
              cache.add(o.uah === undefined ? event : { ...event, userAssertionHash: o.uah }, 1000);
            } else if (o.kind === 'remove') {
              const file = JSON.parse(cache.serialize()) as Record<string, Record<string, Entry>>;
              const section = { rt: 'RefreshToken', idt: 'IdToken', account: 'Account' }[o.section];
              const keys = Object.keys(file[section] ?? {});
              const key = keys[o.index % Math.max(1, keys.length)];
              const entry = key === undefined ? undefined : file[section]?.[key];
              if (entry !== undefined) {
                if (o.section === 'rt') cache.removeRt(entry);
                else if (o.section === 'idt') cache.removeIdt(entry);
                else cache.removeAccount(entry);
              }
            } else {
              const next = new SerializableTokenCache();
              next.deserialize(cache.serialize());
              cache = next;
            }
          }
          const file = JSON.parse(cache.serialize()) as Record<string, Record<string, Entry>>;
          const hid = `${q.uid}.t`;
          const env = q.environment.toLowerCase();
          const scan = (section: string, match: (e: Entry) => boolean): string[] =>
            Object.entries(file[section] ?? {})
              .filter(([, e]) => hidOf(e) === hid && lc(e['environment']) === env && match(e))
              .map(([k]) => k)
              .sort();
          const keys = (list: ReadonlyArray<{ key: string }>): string[] => list.map((e) => e.key).sort();
          const rts = cache.findRefreshTokens({ homeAccountId: hid, environment: q.environment, clientId: q.clientId, userAssertionHash: q.uah });
          assert.deepEqual(
            keys(rts),
            scan('RefreshToken', (e) => lc(e['client_id']) === q.clientId.toLowerCase() && (e['userAssertionHash'] ?? undefined) === q.uah),
          );
          const idToken = cache.findIdToken({ homeAccountId: hid, environment: q.environment, realm: q.realm, clientId: q.clientId });
          const idTokens = scan('IdToken', (e) => lc(e['realm']) === q.realm.toLowerCase() && lc(e['client_id']) === q.clientId.toLowerCase());
          assert.ok(idToken === undefined ? idTokens.length === 0 : idTokens.includes(idToken.key));
          const entries = cache.getAccountEntries(hid, q.environment);
          assert.deepEqual(
            keys(entries.refreshTokens),
            scan('RefreshToken', () => true),
          );
          assert.deepEqual(
            keys(entries.idTokens),
            scan('IdToken', () => true),
          );
          assert.deepEqual(
            keys(entries.accounts),
            scan('Account', () => true),
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});
