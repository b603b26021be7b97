/**
 * `msal-ts emulator`: the local Entra ID emulator in the foreground until Ctrl+C. While it runs, its URL, authority and
 * CA path are kept in `<state dir>/cli-emulator.json`, so `msal-ts login --emulator` (and the other commands) find it.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseFlags } from './parse-flags.js';
import type { Emulator } from '../emulator/types.js';
import type * as EmulatorModule from '../emulator/index.js';
import { VERSION } from '../version.js';
import { CliError, EXIT } from './exit-codes.js';
import type { Io } from './session.js';
import { EMULATOR_STATE_FILE, type RunningEmulator } from './settings.js';
import { HELP } from './usage.js';

/** What the emulator prints at start: where it is, how to trust it, and the test apps and users. */
export function describeEmulator(e: Emulator): string {
  const c = e.config;
  const tenantName = (id: string): string => c.tenants.find((t) => t.id === id)?.displayName ?? id;
  const lines = [
    `msal-ts Entra ID emulator ${VERSION} listening on ${e.url}`,
    '',
    `Authority:      ${e.authority}`,
    `                (also ${e.url}/<tenant id or domain>, ${e.url}/common, ${e.url}/organizations)`,
    `CA certificate: ${e.caPath}`,
    '',
    'Trust the CA (once; it is kept in the state folder and reused):',
    `  Node.js (msal-node, msal-ts):  NODE_EXTRA_CA_CERTS=${e.caPath}`,
    `  Python (MSAL Python, requests): REQUESTS_CA_BUNDLE=${e.caPath}`,
    `  curl:                           curl --cacert ${e.caPath} ${e.url}/common/v2.0/.well-known/openid-configuration`,
    '  MSAL: msal-node needs knownAuthorities ["' + new URL(e.url).host + '"]; MSAL Python instance_discovery=False.',
    '',
    'Tenants:',
    ...c.tenants.map((t) => `  ${t.displayName.padEnd(28)} ${t.id}  ${t.domains.join(', ')}`),
    '',
    'Apps (local test credentials):',
  ];
  for (const a of c.apps) {
    lines.push(`  ${a.displayName.padEnd(28)} ${a.clientId}  ${a.kind}${a.familyId === undefined ? '' : `, FOCI family ${a.familyId}`}`);
    for (const s of a.clientSecrets) lines.push(`      secret:      ${s}`);
    if (a.certificateFiles !== undefined) {
      lines.push(`      certificate: ${a.certificateFiles.certificatePath}`);
      lines.push(`      private key: ${a.certificateFiles.privateKeyPath}`);
      lines.push(`      thumbprint:  ${a.certificateFiles.thumbprint} (SHA-256 ${a.certificateFiles.thumbprintSha256})`);
    }
    if (a.redirectUris.length > 0) lines.push(`      redirects:   ${a.redirectUris.join(' ')}`);
    if (a.api !== undefined) lines.push(`      exposes:     ${a.api.identifierUris.join(' ')} (${a.api.scopes.join(', ')})`);
  }
  lines.push('', 'Users:');
  for (const u of c.users) {
    const guest = u.guestOf.length === 0 ? '' : `, guest in ${u.guestOf.map((g) => tenantName(g.tenantId)).join(', ')}`;
    lines.push(`  ${u.username.padEnd(34)} password: ${u.password}  (home ${tenantName(u.homeTenantId)}${guest})`);
  }
  lines.push(
    '',
    'Sign in with the CLI: msal-ts login --emulator --device-code --plaintext-cache',
    '  then:               msal-ts token --emulator --plaintext-cache --scope User.Read',
    '  (--plaintext-cache keeps tokens in a file where no keyring works, as over SSH and in containers)',
    '',
    `Admin API: ${e.url}/_emulator/ (POST faults, GET counters, POST device/approve {user_code, username}, GET config)`,
    "  with this run's secret as Authorization: Bearer <token>, and JSON bodies:",
    `Admin token: ${e.adminToken}`,
    'Press Ctrl+C to stop.',
  );
  return lines.join('\n');
}

/** The package the emulator ships in: msal-ts carries none of its code (docs/design.md, section 1). */
const EMULATOR_PACKAGE = 'msal-ts-emulator';

/**
 * The emulator, loaded on demand. Here it is the source; scripts/build-emulator.mjs points this import of the built CLI
 * at the msal-ts-emulator package, which npm installs only when asked (an optional peer dependency).
 *
 * @throws CliError (exit code 2, usage) saying what to install, when the package is not installed.
 */
async function loadEmulator(): Promise<typeof EmulatorModule> {
  try {
    return await import('../emulator/index.js');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes(`'${EMULATOR_PACKAGE}'`);
    if (!missing) throw err;
    throw new CliError(
      EXIT.usage,
      `msal-ts emulator needs the ${EMULATOR_PACKAGE} package, which is not installed next to msal-ts ${VERSION}. ` +
        `Install it where msal-ts is (npm install ${EMULATOR_PACKAGE}@${VERSION}, or the ${EMULATOR_PACKAGE}-${VERSION}.tgz ` +
        'packed in a clone of msal-ts: see its README) and run the command again.',
      { cause: err },
    );
  }
}

/** `msal-ts emulator`. */
export async function runEmulator(args: string[], io: Io): Promise<number> {
  const { values } = parseFlags(args, {
    port: { type: 'string' },
    'state-dir': { type: 'string' },
    'auto-approve': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    io.stdout.write(HELP.emulator);
    return EXIT.ok;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!/^\d+$/.test(values.port ?? '0') || !Number.isInteger(port) || port > 65535) {
    throw new CliError(EXIT.usage, `--port must be an integer from 0 to 65535, got ${JSON.stringify(values.port ?? '')}`);
  }
  const { startEmulator, DEFAULT_IDS } = await loadEmulator();
  const emulator = await startEmulator({
    port,
    stateDir: values['state-dir'],
    config: values['auto-approve'] === undefined ? undefined : { autoApprove: values['auto-approve'] },
  });
  const statePath = join(emulator.stateDir, EMULATOR_STATE_FILE);
  const running: RunningEmulator = {
    url: emulator.url,
    authority: emulator.authority,
    caPath: emulator.caPath,
    pid: process.pid,
    publicClientId: DEFAULT_IDS.publicClientId,
  };
  try {
    await writeFile(statePath, `${JSON.stringify(running, null, 2)}\n`, { mode: 0o600 });
    io.stdout.write(`${describeEmulator(emulator)}\n`);
    await new Promise<void>((done) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        done();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  } finally {
    await rm(statePath, { force: true });
    await emulator.close();
  }
  io.stdout.write('Emulator stopped.\n');
  return EXIT.ok;
}
