/**
 * Azure Arc-enabled servers: the Connected Machine agent (himds) answers a first GET with 401 and
 * `WWW-Authenticate: Basic realm=<path of a key file>`; whoever can read that file proves they run with the rights
 * the agent trusts, and sends its content back as `Authorization: Basic <content>`.
 *
 * The file is only ever read from the agent's fixed token directory (root-owned), whatever the challenge says, so a
 * process that answers on the Arc port cannot make us read and send another file: the challenged path must be exactly
 * `<directory>/<name>.key`, the path we open is rebuilt from the directory and the base name, and the file's size is
 * checked (at most 4096 bytes, a regular file) on the open handle before a byte is read.
 */
import { open } from 'node:fs/promises';
import { posix, win32 } from 'node:path';
import { ManagedIdentityError } from '../../errors.js';
import { UserAssignedManagedIdentity } from '../managed-identity.js';
import { endpointUrl, send, type SourceRequest } from '../source-request.js';
import { parseManagedIdentityResponse, type ManagedIdentityToken } from '../token-response.js';

/** The Arc API version. */
export const ARC_API_VERSION = '2020-06-01';
/** Largest key file accepted, in bytes. */
export const ARC_MAX_KEY_FILE_BYTES = 4096;

/** Where the key file may live, per platform. */
export interface ArcHost {
  readonly platform: NodeJS.Platform;
  /** The trusted key directory for the platform, or `undefined` when the platform has none. */
  readonly keyDirectory: (platform: NodeJS.Platform) => string | undefined;
}

/** The agent's token directories. `ProgramData` is read from the real process environment, never the injected one. */
export function defaultArcKeyDirectory(platform: NodeJS.Platform): string | undefined {
  if (platform === 'linux') return '/var/opt/azcmagent/tokens';
  if (platform === 'win32') return `${process.env.ProgramData ?? 'C:\\ProgramData'}\\AzureConnectedMachineAgent\\Tokens`;
  return undefined;
}

/** Requests a token from the Arc agent, answering its challenge. */
export async function azureArcToken(req: SourceRequest, endpoint: string, host: ArcHost): Promise<ManagedIdentityToken> {
  const fail = (reason: ConstructorParameters<typeof ManagedIdentityError>[0], message: string, cause?: unknown): ManagedIdentityError =>
    new ManagedIdentityError(reason, message, { cause, correlationId: req.correlationId });
  if (req.identity instanceof UserAssignedManagedIdentity) {
    throw fail('user_assigned_not_supported', 'Azure Arc supports only the system-assigned managed identity');
  }
  const url = endpointUrl(endpoint, 'IDENTITY_ENDPOINT');
  url.searchParams.set('api-version', ARC_API_VERSION);
  url.searchParams.set('resource', req.resource);
  const first = await send(req, 'GET', url, { metadata: 'true' });
  if (first.status !== 401) return parseManagedIdentityResponse(first, 'azure_arc', req);

  const match = /^\s*basic realm=(.+?)\s*$/i.exec(first.headers['www-authenticate'] ?? '');
  const challenged = match?.[1];
  if (challenged === undefined) {
    throw fail('arc_invalid_challenge', 'Azure Arc answered 401 without a "WWW-Authenticate: Basic realm=<key file>" challenge');
  }
  const directory = host.keyDirectory(host.platform);
  if (directory === undefined) {
    throw fail('arc_platform_not_supported', `Azure Arc managed identity is supported on Linux and Windows only, not on ${host.platform}`);
  }
  const path = host.platform === 'win32' ? win32 : posix;
  const name = path.basename(challenged);
  if (path.extname(name) !== '.key' || name === '.key') {
    throw fail('arc_invalid_key_path', 'the Azure Arc challenge does not name a .key file');
  }
  if (challenged !== path.join(directory, name)) {
    throw fail('arc_invalid_key_path', `the Azure Arc challenge names a file outside ${directory}`);
  }
  const secret = await readKeyFile(path.join(directory, `${path.parse(name).name}.key`), fail);
  const second = await send(req, 'GET', url, { metadata: 'true', authorization: `Basic ${secret}` });
  return parseManagedIdentityResponse(second, 'azure_arc', req);
}

async function readKeyFile(
  file: string,
  fail: (reason: 'arc_invalid_key_file' | 'arc_key_file_unreadable', message: string, cause?: unknown) => ManagedIdentityError,
): Promise<string> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (cause) {
    throw fail('arc_key_file_unreadable', 'cannot open the Azure Arc key file', cause);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw fail('arc_invalid_key_file', 'the Azure Arc key file is not a regular file');
    if (stats.size > ARC_MAX_KEY_FILE_BYTES) {
      throw fail('arc_invalid_key_file', `the Azure Arc key file is larger than ${ARC_MAX_KEY_FILE_BYTES} bytes`);
    }
    // Read at most the limit, even if the file grew after the check.
    const buffer = Buffer.alloc(ARC_MAX_KEY_FILE_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > ARC_MAX_KEY_FILE_BYTES) {
      throw fail('arc_invalid_key_file', `the Azure Arc key file is larger than ${ARC_MAX_KEY_FILE_BYTES} bytes`);
    }
    return buffer.subarray(0, bytesRead).toString('utf8');
  } catch (err) {
    if (err instanceof ManagedIdentityError) throw err;
    throw fail('arc_key_file_unreadable', 'cannot read the Azure Arc key file', err);
  } finally {
    await handle.close();
  }
}
