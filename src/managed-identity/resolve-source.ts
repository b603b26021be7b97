/**
 * Which managed identity source a client talks to, with its endpoint, secret and transport, read from the environment
 * once. Imported by {@link ManagedIdentityClient} with its first request to a source: a process served from its cache
 * never loads the sources' code.
 */
import { createHttpClient } from '../http/undici-http-client.js';
import type { HttpClient } from '../http/http-client.js';
import { ManagedIdentityError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Sleep } from '../util/sleep.js';
import { createPinnedHttpClient } from './pinned-http-client.js';
import { arcEndpoint, value, type DetectionHost, type ManagedIdentityEnvironment, type ManagedIdentitySource } from './source-detection.js';
import type { SourceRequest } from './source-request.js';
import { appServiceToken } from './sources/app-service.js';
import { azureArcToken, defaultArcKeyDirectory } from './sources/azure-arc.js';
import { CLOUD_SHELL_DEFAULT_ENDPOINT, cloudShellToken } from './sources/cloud-shell.js';
import { imdsEndpoint, imdsToken } from './sources/imds.js';
import { machineLearningToken } from './sources/machine-learning.js';
import { serviceFabricToken } from './sources/service-fabric.js';
import type { ManagedIdentityToken } from './token-response.js';

/** A detected source, ready to ask for tokens. */
export interface ResolvedSource {
  readonly name: ManagedIdentitySource;
  readonly http: HttpClient;
  fetch(req: SourceRequest): Promise<ManagedIdentityToken>;
}

/** What a client knows when it resolves its source. */
export interface SourceSettings {
  readonly name: ManagedIdentitySource;
  readonly environment: ManagedIdentityEnvironment;
  readonly host: DetectionHost;
  /** The client's transport option, if any. */
  readonly httpClient: HttpClient | undefined;
  readonly logger: Logger | undefined;
  readonly sleep: Sleep;
  /** A test's Azure Arc key directory (see internal-seams.ts). */
  readonly arcKeyDirectory: string | undefined;
}

/** The source named by `input.name`, with its settings from the environment. */
export function resolveSource(input: SourceSettings): ResolvedSource {
  const { name, environment: env, host } = input;
  const need = (variable: string): string => value(env, variable) ?? '';
  const http = (): HttpClient => input.httpClient ?? createHttpClient({ bypassProxyForLocalTargets: true, logger: input.logger });
  let source: ResolvedSource;
  switch (name) {
    case 'SERVICE_FABRIC': {
      const thumbprint = need('IDENTITY_SERVER_THUMBPRINT');
      let pinned: HttpClient;
      try {
        pinned = input.httpClient ?? createPinnedHttpClient(thumbprint);
      } catch (cause) {
        throw new ManagedIdentityError('invalid_environment', 'IDENTITY_SERVER_THUMBPRINT is not a SHA-1 or SHA-256 hex thumbprint', { cause });
      }
      const endpoint = need('IDENTITY_ENDPOINT');
      const secret = need('IDENTITY_HEADER');
      source = { name, http: pinned, fetch: (req) => serviceFabricToken(req, endpoint, secret) };
      break;
    }
    case 'APP_SERVICE': {
      const endpoint = need('IDENTITY_ENDPOINT');
      const secret = need('IDENTITY_HEADER');
      source = { name, http: http(), fetch: (req) => appServiceToken(req, endpoint, secret) };
      break;
    }
    case 'MACHINE_LEARNING': {
      const endpoint = need('MSI_ENDPOINT');
      const secret = need('MSI_SECRET');
      source = { name, http: http(), fetch: (req) => machineLearningToken(req, endpoint, secret) };
      break;
    }
    case 'AZURE_ARC': {
      const endpoint = arcEndpoint(env, host) ?? '';
      const directory = input.arcKeyDirectory;
      const arcHost = {
        platform: host.platform,
        // A test may move the directory, never make an unsupported platform supported.
        keyDirectory: (platform: NodeJS.Platform): string | undefined =>
          directory === undefined || defaultArcKeyDirectory(platform) === undefined ? defaultArcKeyDirectory(platform) : directory,
      };
      source = { name, http: http(), fetch: (req) => azureArcToken(req, endpoint, arcHost) };
      break;
    }
    case 'CLOUD_SHELL': {
      const endpoint = value(env, 'MSI_ENDPOINT') ?? CLOUD_SHELL_DEFAULT_ENDPOINT;
      source = { name, http: http(), fetch: (req) => cloudShellToken(req, endpoint) };
      break;
    }
    case 'DEFAULT_TO_VM': {
      const endpoint = imdsEndpoint(env);
      const sleep = input.sleep;
      source = { name, http: http(), fetch: (req) => imdsToken(req, endpoint, sleep) };
      break;
    }
  }
  return source;
}
