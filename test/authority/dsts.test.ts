// dSTS authorities (https://<host>/dstsv2/<tenant>, MSAL Python 1.32): parsed as their own kind, discovered as an
// OpenID Connect issuer at that URL (no instance discovery, no /v2.0), and cached as MSAL Python caches them (its
// realm is the token endpoint's first path segment, "dstsv2"), end to end against the emulator's dSTS-shaped routes.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { parseAuthority, withTenant } from '../../src/authority/authority.js';
import { ConfidentialClientApplication } from '../../src/app/confidential-client-application.js';
import { SerializableTokenCache } from '../../src/cache/serializable-token-cache.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { recordingHttp, total } from '../app/helpers.js';

const TENANT = '7a433bfc-2514-4697-b467-e0933190487f';

describe('dSTS authorities', () => {
  it('parse as kind dsts, the tenant being the segment after dstsv2', () => {
    const a = parseAuthority(`https://co2agg04-passive-dsts.dsts.core.azure-test.net/dstsv2/${TENANT}/`);
    assert.equal(a.kind, 'dsts');
    assert.equal(a.tenant, TENANT);
    assert.equal(a.host, 'co2agg04-passive-dsts.dsts.core.azure-test.net');
    assert.equal(a.url, `https://co2agg04-passive-dsts.dsts.core.azure-test.net/dstsv2/${TENANT}`);
    assert.equal(a.isTenantless, false);
    assert.equal(parseAuthority('https://host.example/DSTSv2/common').kind, 'dsts', 'the segment is case-insensitive');
  });

  it('refuse a missing tenant, extra segments, and a per-call tenant (dSTS is single-tenant)', () => {
    assert.throws(() => parseAuthority('https://host.example/dstsv2'), TypeError);
    assert.throws(() => parseAuthority(`https://host.example/dstsv2/${TENANT}/extra`), TypeError);
    assert.throws(() => withTenant(parseAuthority(`https://host.example/dstsv2/${TENANT}`), 'other'), TypeError);
    assert.equal(parseAuthority(`https://host.example/dstsv2/${TENANT}`, { oidcAuthority: true }).kind, 'oidc');
  });

  describe('against the emulator', () => {
    let emulator: Emulator;
    before(async () => {
      emulator = await startEmulator();
    });
    after(async () => {
      await emulator.close();
    });
    beforeEach(() => {
      emulator.resetCounters();
    });

    it('discovers at <authority>/.well-known/openid-configuration, gets an app token, then serves it from the cache', async () => {
      const base = new URL(emulator.authority).origin;
      const authority = `${base}/dstsv2/${DEFAULT_IDS.tenantId}`;
      const http = recordingHttp(emulator);
      const cache = new SerializableTokenCache();
      // Instance discovery left on: a dSTS authority must not use it (the emulator's host is unknown to msal-ts).
      const app = new ConfidentialClientApplication(DEFAULT_IDS.daemonClientId, {
        authority,
        clientCredential: DEFAULT_IDS.daemonSecret,
        httpClient: http,
        tokenCache: cache,
      });
      const first = await app.acquireTokenForClient(['https://graph.microsoft.com/.default']);
      assert.equal(first.token_source, 'identity_provider');
      assert.deepEqual(
        http.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`),
        [`GET /dstsv2/${DEFAULT_IDS.tenantId}/.well-known/openid-configuration`, `POST /dstsv2/${DEFAULT_IDS.tenantId}/oauth2/v2.0/token`],
      );
      const second = await app.acquireTokenForClient(['https://graph.microsoft.com/.default']);
      assert.equal(second.token_source, 'cache');
      assert.equal(second.access_token, first.access_token);
      assert.equal(http.requests.length, 2);

      const stored = JSON.parse(cache.serialize()) as { AccessToken: Record<string, Record<string, unknown>> };
      const entries = Object.values(stored.AccessToken);
      assert.equal(entries.length, 1);
      assert.equal(entries[0]?.['environment'], new URL(base).hostname);
      assert.equal(entries[0]?.['realm'], 'dstsv2', 'MSAL Python takes the realm from the token endpoint: dstsv2');
      assert.equal(total(emulator.counters()), 2);
    });
  });
});
