// The distributed cache's stored partition documents: any text another instance (or another program) left in the
// store. Parsing never throws and what it keeps serializes back to the same content; a DistributedTokenCache reading
// such a partition never fails, never writes on a read, and its next write stores a document that holds the new
// token, keeps the unknown top-level sections verbatim, and holds no entry the cache cannot read.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseAccessToken, parseAccount, parseAppMetadata, parseIdToken, parseRefreshToken, type RawEntry } from '../../src/cache/cache-entries.js';
import type { CacheAccessContext } from '../../src/cache/index.js';
import { DistributedTokenCache, InMemoryDistributedCacheStore, distributedCacheKey } from '../../src/distributed/index.js';
import { parsePartition, partitionExpiry, serializePartition, withoutUnreadableEntries, type PartitionDoc } from '../../src/distributed/partition-doc.js';
import { ManualClock, appTokenEvent } from '../cache/helpers.js';
import { fuzz, runs } from './budget.js';

const T0 = 1_700_000_000;
const ENV = 'login.microsoftonline.com';
const SCOPE = ['https://graph.microsoft.com/.default'];
const PARTITION = { kind: 'app', clientId: 'app', environment: ENV, realm: 'contoso' } as const;
const CONTEXT: CacheAccessContext = { clientId: 'app', partition: PARTITION };
/** The store key of CONTEXT's partition, as the cache names it (whatever the key format). */
const KEY = distributedCacheKey('msal', 'app', PARTITION);
const SECTIONS = ['AccessToken', 'RefreshToken', 'IdToken', 'Account', 'AppMetadata'] as const;
const PARSERS = { AccessToken: parseAccessToken, RefreshToken: parseRefreshToken, IdToken: parseIdToken, Account: parseAccount, AppMetadata: parseAppMetadata };

const anyValue = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }),
  fc.object({ maxDepth: 1 }),
);
const FIELDS = [
  'credential_type',
  'secret',
  'home_account_id',
  'environment',
  'client_id',
  'realm',
  'target',
  'token_type',
  'expires_on',
  'cached_at',
  'extended_expires_on',
  'refresh_on',
  'key_id',
  'family_id',
  'user_assertion_hash',
  'userAssertionHash',
  'username',
  'authority_type',
  'local_account_id',
  'last_modification_time',
  'ext_cache_key',
] as const;
/** An access token of this partition, as an MSAL writes it. */
const goodAccessToken = {
  credential_type: 'AccessToken',
  secret: 'old-secret',
  home_account_id: '',
  environment: ENV,
  client_id: 'app',
  realm: 'contoso',
  target: 'https://graph.microsoft.com/.default',
  token_type: 'Bearer',
  cached_at: String(T0),
  expires_on: String(T0 + 3600),
};
const entry = fc.oneof(
  fc.dictionary(fc.constantFrom(...FIELDS), anyValue, { maxKeys: 8 }),
  // A good entry with a few fields replaced by anything.
  fc.dictionary(fc.constantFrom(...FIELDS), anyValue, { maxKeys: 3 }).map((changes) => ({ ...goodAccessToken, ...changes })),
  fc.constant(goodAccessToken),
);
const section = fc.dictionary(
  fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('__proto__', 'constructor', '0')),
  fc.oneof({ weight: 5, arbitrary: entry }, anyValue),
  { maxKeys: 3 },
);
const docText = fc.oneof(
  fc.string(),
  fc.json({ maxDepth: 3 }),
  fc
    .dictionary(
      fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...SECTIONS) }, fc.constantFrom('Unknown', '__proto__', 'appmetadata'), fc.string({ maxLength: 6 })),
      fc.oneof({ weight: 4, arbitrary: section }, anyValue),
      { maxKeys: 5 },
    )
    .map((d) => JSON.stringify(d)),
);

/** A document's content, order and empty sections aside, as comparable text. */
function content(doc: PartitionDoc): string {
  const sections = [...doc.sections]
    .filter(([, entries]) => entries.size > 0)
    .map(([name, entries]) => [name, [...entries].map(([k, raw]) => [k, JSON.stringify(raw)]).sort()] as const)
    .sort();
  return JSON.stringify({ sections, extras: [...doc.extras].map(([k, v]) => [k, JSON.stringify(v)]).sort() });
}

function readable(doc: PartitionDoc): boolean {
  return [...doc.sections].every(([name, entries]) =>
    [...entries].every(([key, raw]: [string, RawEntry]) => {
      try {
        PARSERS[name](key, raw);
        return true;
      } catch {
        return false;
      }
    }),
  );
}

describe(`fuzzing distributed partition documents (${runs({ ci: 150, fuzz: 20_000, long: 60_000 })} documents)`, () => {
  it('parsePartition never throws; what it keeps serializes back to the same content; cleaning and expiry never throw', async () => {
    await fuzz(
      'partition-doc-parse',
      fc.property(docText, (text) => {
        const doc = parsePartition(text);
        if (doc === undefined) return;
        const again = parsePartition(serializePartition(doc));
        assert.ok(again !== undefined, 'a serialized partition parses');
        assert.equal(content(again), content(doc));
        assert.ok(readable(withoutUnreadableEntries(doc)));
        assert.ok(Number.isFinite(partitionExpiry(doc, T0, 7_776_000)));
      }),
      { ci: 150, fuzz: 20_000, long: 60_000 },
    );
  });

  it('a cache reading any stored partition never fails nor writes, and its next write stores a clean document with the new token', async () => {
    await fuzz(
      'partition-doc-cache',
      fc.asyncProperty(docText, async (text) => {
        const clock = new ManualClock(T0);
        const store = new InMemoryDistributedCacheStore({ clock });
        await store.set(KEY, text, { ttlSeconds: 3600 });
        const before = await store.get(KEY);
        const cache = new DistributedTokenCache(store, { clock });

        await cache.beforeRead(CONTEXT);
        assert.deepEqual(await store.get(KEY), before, 'a read writes nothing');
        cache.findAccessToken({ clientId: 'app', environments: [ENV], realm: 'contoso', homeAccountId: undefined, scopes: SCOPE }, T0);
        cache.listAccessTokens();

        await cache.write(CONTEXT, () => cache.add(appTokenEvent('contoso', SCOPE, 'new-secret', 3600), T0));
        const stored = await store.get(KEY);
        const doc = parsePartition(stored?.value ?? '');
        assert.ok(doc !== undefined, 'the write stores a partition document');
        assert.ok(readable(doc), 'every stored entry is one the cache can read');
        const original = parsePartition(text);
        if (original !== undefined) assert.deepEqual(JSON.stringify([...doc.extras]), JSON.stringify([...original.extras]), 'unknown sections are kept');

        const secrets = [...(doc.sections.get('AccessToken')?.values() ?? [])].map((raw) => raw['secret']);
        assert.ok(secrets.includes('new-secret'), 'the new token is stored');

        // Another instance is served a token (the new one, or an equally valid one the document already held).
        const other = new DistributedTokenCache(store, { clock });
        await other.beforeRead(CONTEXT);
        assert.ok(other.findAccessToken({ clientId: 'app', environments: [ENV], realm: 'contoso', homeAccountId: undefined, scopes: SCOPE }, T0));
      }),
      { ci: 100, fuzz: 5000, long: 40_000 },
    );
  });
});

describe('partition document fuzz regressions', () => {
  it('a stored token expiring beyond any TTL a store accepts does not make every write of its partition fail', async () => {
    const clock = new ManualClock(T0);
    const store = new InMemoryDistributedCacheStore({ clock });
    const far = { ...goodAccessToken, secret: 'far', expires_on: 9_007_200_954_740_992 };
    await store.set(KEY, JSON.stringify({ AccessToken: { far } }), { ttlSeconds: 3600 });
    const cache = new DistributedTokenCache(store, { clock });
    await cache.write(CONTEXT, () => cache.add(appTokenEvent('contoso', SCOPE, 'new-secret', 3600), T0));
    const doc = parsePartition((await store.get(KEY))?.value ?? '');
    assert.ok([...(doc?.sections.get('AccessToken')?.values() ?? [])].some((raw) => raw['secret'] === 'new-secret'));
  });
});
