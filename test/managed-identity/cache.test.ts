// The managed identity token cache: MSAL Python's layout, a hit with no request, claims and forceRefresh bypass,
// the 5-minute rule, and an aging token served when its proactive refresh fails (an injected clock throughout).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { MANAGED_IDENTITY_IDS } from '../../src/emulator/index.js';
import { SerializableTokenCache, SystemAssignedManagedIdentity, UserAssignedManagedIdentity, type CacheAccessContext } from '../../src/index.js';
import { startMiTestBed, VAULT, type MiTestBed } from './helpers.js';

const SYSTEM = new SystemAssignedManagedIdentity();

/** A cache that records what the client tells it through the cache access seam. */
class RecordingCache extends SerializableTokenCache {
  readonly reads: CacheAccessContext[] = [];
  readonly writes: CacheAccessContext[] = [];
  override beforeRead(context: CacheAccessContext): void {
    this.reads.push(context);
  }
  override write<T>(context: CacheAccessContext, mutate: () => T): T {
    this.writes.push(context);
    return mutate();
  }
  /** It only records: everything stays in this process. */
  override get sharedBeyondProcess(): boolean {
    return false;
  }
}

describe('managed identity cache', () => {
  let bed: MiTestBed;
  before(async () => {
    // 24 h tokens, as IMDS issues them: MSAL Python refreshes those after 12 h.
    bed = await startMiTestBed({ accessTokenLifetimeSeconds: 86_400 });
  });
  after(async () => {
    await bed.close();
  });
  beforeEach(() => {
    bed.emulator.clearFaults();
    bed.emulator.resetCounters();
  });

  it('files tokens as MSAL Python does and serves the second call from the cache', async () => {
    const cache = new RecordingCache();
    const client = bed.client('APP_SERVICE', SYSTEM, { tokenCache: cache });
    const first = await client.acquireTokenForClient({ resource: VAULT });
    assert.equal(first.token_source, 'identity_provider');
    assert.equal(first.refresh_on, bed.clock.now + 43_200);
    const second = await client.acquireTokenForClient({ resource: VAULT });
    assert.equal(second.token_source, 'cache');
    assert.equal(second.access_token, first.access_token);
    assert.equal(second.refresh_on, first.refresh_on);
    assert.equal(bed.emulator.counters()['mi-app-service'], 1, 'the hit sent nothing');

    const partition = { kind: 'app', clientId: 'SYSTEM_ASSIGNED_MANAGED_IDENTITY', environment: 'localhost', realm: 'managed_identity' };
    assert.deepEqual(
      cache.reads.map((c) => c.partition),
      [partition, partition],
    );
    assert.deepEqual(
      cache.writes.map((c) => c.partition),
      [partition],
    );

    const saved = JSON.parse(cache.serialize()) as { AccessToken: Record<string, Record<string, string>> };
    const entries = Object.entries(saved.AccessToken);
    assert.equal(entries.length, 1);
    const [key, at] = entries[0] ?? ['', {}];
    assert.equal(key, `-localhost-accesstoken-system_assigned_managed_identity-managed_identity-${VAULT}`);
    assert.equal(at.client_id, 'SYSTEM_ASSIGNED_MANAGED_IDENTITY');
    assert.equal(at.environment, 'localhost');
    assert.equal(at.realm, 'managed_identity');
    assert.equal(at.target, VAULT);
    assert.equal(at.home_account_id, null);
    assert.equal(at.expires_on, String(bed.clock.now + 86_400));
    assert.equal(at.refresh_on, String(bed.clock.now + 43_200));
  });

  it('keys user-assigned tokens by the id as given, apart from the system-assigned ones', async () => {
    const cache = new SerializableTokenCache();
    const user = new UserAssignedManagedIdentity({ clientId: MANAGED_IDENTITY_IDS.userAssignedClientId });
    const a = await bed.client('DEFAULT_TO_VM', user, { tokenCache: cache }).acquireTokenForClient({ resource: VAULT });
    const b = await bed.client('DEFAULT_TO_VM', SYSTEM, { tokenCache: cache }).acquireTokenForClient({ resource: VAULT });
    assert.notEqual(a.access_token, b.access_token);
    assert.deepEqual(
      cache
        .listAccessTokens()
        .map((e) => e.client_id)
        .sort(),
      [MANAGED_IDENTITY_IDS.userAssignedClientId, 'SYSTEM_ASSIGNED_MANAGED_IDENTITY'],
    );
    const again = await bed.client('DEFAULT_TO_VM', user, { tokenCache: cache }).acquireTokenForClient({ resource: VAULT });
    assert.equal(again.access_token, a.access_token);
    assert.equal(bed.emulator.counters()['mi-imds'], 2);
  });

  it("a claims challenge skips the cache and sends the rejected token's SHA-256, not the claims", async () => {
    const client = bed.client('APP_SERVICE', SYSTEM);
    const first = await client.acquireTokenForClient({ resource: VAULT });
    const claims = '{"access_token":{"xms_cc":{"values":["cp1"]}}}';
    const second = await client.acquireTokenForClient({ resource: VAULT, claimsChallenge: claims });
    assert.equal(second.token_source, 'identity_provider');
    assert.notEqual(second.access_token, first.access_token);
    const seen = bed.emulator.lastManagedIdentityRequest('mi-app-service');
    assert.equal(seen?.query.token_sha256_to_refresh, createHash('sha256').update(first.access_token).digest('hex'));
    assert.equal(seen?.query.claims, undefined);
    assert.equal((await client.acquireTokenForClient({ resource: VAULT })).access_token, second.access_token, 'the new token replaced the old');
  });

  it('forceRefresh asks the source again', async () => {
    const client = bed.client('DEFAULT_TO_VM', SYSTEM);
    await client.acquireTokenForClient({ resource: VAULT });
    const forced = await client.acquireTokenForClient({ resource: VAULT, forceRefresh: true });
    assert.equal(forced.token_source, 'identity_provider');
    assert.equal(bed.emulator.counters()['mi-imds'], 2);
  });

  it('a token with less than 5 minutes left is not a hit', async () => {
    const start = bed.clock.now;
    try {
      const client = bed.client('CLOUD_SHELL', SYSTEM);
      await client.acquireTokenForClient({ resource: VAULT });
      bed.clock.now = start + 86_400 - 301;
      // Past refresh_on as well: a source failure here would be covered by the fallback, so none is injected.
      assert.equal((await client.acquireTokenForClient({ resource: VAULT })).token_source, 'identity_provider');
      bed.clock.now = start + 2 * 86_400 - 299 - 301;
      bed.emulator.injectFault({ kind: 'status', status: 500, endpoint: 'mi-cloud-shell' });
      await assert.rejects(client.acquireTokenForClient({ resource: VAULT }), { status: 500 }, 'no fallback within 5 minutes of expiry');
    } finally {
      bed.clock.now = start;
    }
  });

  it('an aging token is refreshed, and served when the refresh fails', async () => {
    const start = bed.clock.now;
    try {
      const client = bed.client('MACHINE_LEARNING', SYSTEM);
      const first = await client.acquireTokenForClient({ resource: VAULT });
      bed.clock.now = start + 43_201;
      bed.emulator.injectFault({ kind: 'status', status: 503, endpoint: 'mi-machine-learning' });
      const fallback = await client.acquireTokenForClient({ resource: VAULT });
      assert.equal(fallback.token_source, 'cache');
      assert.equal(fallback.access_token, first.access_token);
      assert.equal(fallback.expires_in, 86_400 - 43_201);
      assert.equal(bed.emulator.counters()['mi-machine-learning'], 2, 'the refresh was attempted');
      // The 503 is throttled for 5 s: meanwhile the aging token is served without asking again.
      assert.equal((await client.acquireTokenForClient({ resource: VAULT })).token_source, 'cache');
      assert.equal(bed.emulator.counters()['mi-machine-learning'], 2);
      bed.clock.now += 6;
      const refreshed = await client.acquireTokenForClient({ resource: VAULT });
      assert.equal(refreshed.token_source, 'identity_provider');
      assert.notEqual(refreshed.access_token, first.access_token);
    } finally {
      bed.clock.now = start;
    }
  });

  it('concurrent identical calls share one request', async () => {
    const client = bed.client('DEFAULT_TO_VM', SYSTEM);
    const results = await Promise.all(Array.from({ length: 8 }, () => client.acquireTokenForClient({ resource: VAULT })));
    assert.equal(new Set(results.map((r) => r.access_token)).size, 1);
    assert.equal(bed.emulator.counters()['mi-imds'], 1);
  });
});
