// The emulator sends refresh_in for long-lived tokens (as Entra does), and suberror client_mismatch when an app outside
// a FOCI family redeems a family refresh token.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { ConfidentialClientApplication, PublicClientApplication } from '../../src/index.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';

describe('emulator: refresh_in and client_mismatch', () => {
  let longLived: Emulator;
  let off: Emulator;
  before(async () => {
    longLived = await startEmulator({ accessTokenLifetimeSeconds: 7200 });
    off = await startEmulator({ accessTokenLifetimeSeconds: 7200, refreshInMinLifetimeSeconds: 0 });
  });
  after(async () => {
    await longLived.close();
    await off.close();
  });

  const daemon = (emulator: Emulator, now: () => number): ConfidentialClientApplication =>
    new ConfidentialClientApplication(DEFAULT_IDS.daemonClientId, {
      authority: emulator.authority,
      clientCredential: DEFAULT_IDS.daemonSecret,
      verify: emulator.caPath,
      instanceDiscovery: false,
      now,
    });

  it('a 2 h token comes with refresh_in = 1 h, which the app turns into refresh_on', async () => {
    const t = Date.UTC(2030, 0, 1);
    const result = await daemon(longLived, () => t).acquireTokenForClient(['https://graph.microsoft.com/.default']);
    assert.equal(result.expires_in, 7200);
    assert.equal(result.refresh_on, t / 1000 + 3600);
    assert.equal('refresh_in' in result, false);
  });

  it('refreshInMinLifetimeSeconds: 0 never sends it', async () => {
    const result = await daemon(off, Date.now).acquireTokenForClient(['https://graph.microsoft.com/.default']);
    assert.equal(result.refresh_on, undefined);
  });

  it('a non-family app redeeming a family refresh token gets suberror client_mismatch', async () => {
    const user = longLived.config.users[0];
    assert.ok(user);
    const family = new PublicClientApplication(DEFAULT_IDS.familyClientIdA, {
      authority: longLived.authority,
      verify: longLived.caPath,
      instanceDiscovery: false,
    });
    const signedIn = await family.acquireTokenByUsernamePassword(user.username, user.password, ['User.Read']);
    assert.equal(signedIn.foci, '1');
    const agent = new Agent({ connect: { ca: longLived.caPem } });
    try {
      const res = await request(`${longLived.authority}/oauth2/v2.0/token`, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          client_id: DEFAULT_IDS.publicClientId,
          refresh_token: String(signedIn.refresh_token),
          scope: 'User.Read openid offline_access',
        }).toString(),
      });
      const body = (await res.body.json()) as Record<string, unknown>;
      assert.equal(res.statusCode, 400);
      assert.equal(body['error'], 'invalid_grant');
      assert.equal(body['suberror'], 'client_mismatch');
    } finally {
      await agent.close();
    }
  });
});
