// Starts the msal-ts Entra ID emulator with this example's app registered (a confidential web app whose redirect URI is
// /redirect on any loopback port, as Entra matches loopback redirect URIs), and prints the environment variables that
// point server.mjs at it. Ctrl+C stops it.
//
//   node examples/web-app/emulator.mjs        # EMULATOR_PORT (default 8443) picks the port
import { DEFAULT_IDS, startEmulator } from 'msal-ts-emulator';

const WEB_APP = { clientId: '77778888-aaaa-9999-bbbb-0000cccc1111', secret: 'emulator-web-app-secret' };

const emulator = await startEmulator({
  port: Number(process.env.EMULATOR_PORT ?? 8443),
  config: {
    apps: [
      {
        clientId: WEB_APP.clientId,
        displayName: 'Contoso Web App (msal-ts example)',
        kind: 'confidential',
        clientSecrets: [WEB_APP.secret],
        redirectUris: ['http://127.0.0.1/redirect', 'http://localhost/redirect'],
      },
    ],
  },
});

console.log(`Emulator running at ${emulator.url}. Sign in as ${DEFAULT_IDS.aliceUsername} / ${DEFAULT_IDS.alicePassword}.
Environment for server.mjs:

export AUTHORITY=${emulator.authority}
export CLIENT_ID=${WEB_APP.clientId}
export CLIENT_SECRET=${WEB_APP.secret}
export CA_PATH=${emulator.caPath}
export INSTANCE_DISCOVERY=false
export EMULATOR_ADMIN_TOKEN=${emulator.adminToken}
`);

function stop() {
  emulator.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
}
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
