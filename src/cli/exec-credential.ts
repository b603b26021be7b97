/**
 * `msal-ts token --output exec-credential`: the ExecCredential object kubectl reads from a credential plugin
 * (client.authentication.k8s.io), so msal-ts can serve AKS clusters as kubelogin does.
 */
import { CliError, EXIT } from './exit-codes.js';

const GROUP = 'client.authentication.k8s.io';
const VERSIONS = ['v1', 'v1beta1'] as const;

/**
 * The apiVersion to answer in: the one kubectl names in `KUBERNETES_EXEC_INFO` (it sets it for every plugin run),
 * else v1.
 *
 * @throws CliError (usage) when the variable is not an ExecCredential or asks for a version msal-ts does not speak.
 */
export function execCredentialVersion(execInfo: string | undefined): string {
  if (execInfo === undefined || execInfo.trim() === '') return `${GROUP}/v1`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(execInfo);
  } catch {
    throw new CliError(EXIT.usage, 'KUBERNETES_EXEC_INFO is not JSON: it should be set by kubectl, or not at all');
  }
  const apiVersion = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)['apiVersion'] : undefined;
  if (typeof apiVersion !== 'string') throw new CliError(EXIT.usage, 'KUBERNETES_EXEC_INFO has no apiVersion: it should be set by kubectl, or not at all');
  if (!VERSIONS.some((v) => apiVersion === `${GROUP}/${v}`)) {
    throw new CliError(
      EXIT.usage,
      `KUBERNETES_EXEC_INFO asks for ${apiVersion}; msal-ts speaks ${VERSIONS.map((v) => `${GROUP}/${v}`).join(' and ')}: ` +
        "set apiVersion in the kubeconfig's exec section to one of them",
    );
  }
  return apiVersion;
}

/** The ExecCredential JSON (one line) for a token expiring at `expiresOn` (epoch seconds). */
export function execCredential(apiVersion: string, token: string, expiresOn: number): string {
  // RFC 3339 in UTC, whole seconds, as Kubernetes writes its timestamps.
  const expirationTimestamp = new Date(expiresOn * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  return JSON.stringify({ apiVersion, kind: 'ExecCredential', status: { token, expirationTimestamp } });
}
