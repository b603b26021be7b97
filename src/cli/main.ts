/**
 * The `msal-ts` command. For now one subcommand, `msal-ts emulator`, which runs the local Entra ID emulator in the
 * foreground. Kept to node:util parseArgs; a later rewrite moves it to commander.
 */
import { parseArgs } from 'node:util';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { VERSION } from '../version.js';

const USAGE = `Usage: msal-ts <command> [options]

Commands:
  emulator [--port N] [--state-dir DIR]   Run the local Microsoft Entra ID emulator (HTTPS on 127.0.0.1)
                                          until Ctrl+C. Port 0 (default) picks a free port.

Options:
  -h, --help       Show this help
  -v, --version    Show the msal-ts version
`;

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
    `Admin API: ${e.url}/_emulator/ (POST faults, GET counters, POST device/approve {user_code, username}, GET config)`,
    'Press Ctrl+C to stop.',
  );
  return lines.join('\n');
}

async function runEmulator(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { port: { type: 'string' }, 'state-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`msal-ts emulator: --port must be an integer from 0 to 65535, got ${values.port ?? ''}\n`);
    return 2;
  }
  const emulator = await startEmulator({ port, stateDir: values['state-dir'] });
  process.stdout.write(`${describeEmulator(emulator)}\n`);
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await emulator.close();
  process.stdout.write('Emulator stopped.\n');
  return 0;
}

/** Runs the command line `args` (without node and the script); resolves to the exit code. */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    }
    if (command === '--version' || command === '-v') {
      process.stdout.write(`${VERSION}\n`);
      return 0;
    }
    if (command === 'emulator') return await runEmulator(rest);
    process.stderr.write(`msal-ts: unknown command '${command}'\n\n${USAGE}`);
    return 2;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`msal-ts: ${(err as Error).message}\n`);
      return 2;
    }
    process.stderr.write(`msal-ts: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
