/**
 * The exit codes of the `msal-ts` command and how an error maps to one. Scripts branch on these, so they are part of
 * the command's contract (docs/cli.md lists them) and never change meaning.
 *
 * This module must stay free of value imports from the library: it is loaded on every run, before any command.
 */
import type { MsalErrorCode } from '../errors.js';

/** Every exit code of `msal-ts`. */
export const EXIT = {
  /** The command did what was asked. */
  ok: 0,
  /** Something unexpected (a bug): run again with `--verbose` and report it. */
  unexpected: 1,
  /** Bad usage: unknown command or option, a missing or malformed value, an ambiguous account. */
  usage: 2,
  /** A token needs the user: nothing usable in the cache and `--no-interactive`, or nobody signed in. */
  interactionRequired: 3,
  /** The identity provider refused: wrong client id or tenant, declined or expired sign-in, an invalid id token. */
  authFailed: 4,
  /** The identity provider could not be reached or is failing (network, TLS, timeout, 5xx, 429): retry later. */
  network: 5,
  /** The token cache could not be used: no keyring, locked keyring, a corrupt file, a lock held too long. */
  cache: 6,
  /** Interrupted by Ctrl+C (128 + SIGINT). */
  interrupted: 130,
} as const;

/** One of {@link EXIT}'s values. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * A failure the CLI itself decided on (bad usage, interaction required), with the exit code it ends with. Never
 * leaves the CLI: the library's failures are its coded MsalErrors.
 */
export class CliError extends Error {
  /** The code the process exits with. */
  readonly exitCode: ExitCode;

  constructor(exitCode: ExitCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = exitCode;
  }

  override get name(): string {
    return 'CliError';
  }
}

const BY_CODE: Readonly<Record<MsalErrorCode, ExitCode>> = {
  server_error: EXIT.authFailed,
  invalid_response: EXIT.network,
  network_error: EXIT.network,
  request_timeout: EXIT.network,
  request_aborted: EXIT.interrupted,
  authority_validation_failed: EXIT.authFailed,
  cache_format: EXIT.cache,
  cache_too_large: EXIT.cache,
  invalid_credential: EXIT.authFailed,
  loopback_port_in_use: EXIT.usage,
  browser_interaction_timeout: EXIT.authFailed,
  browser_launch_failed: EXIT.authFailed,
  invalid_id_token: EXIT.authFailed,
  state_mismatch: EXIT.authFailed,
  device_code_expired: EXIT.authFailed,
  federated_account_not_supported: EXIT.authFailed,
  unsupported_option: EXIT.usage,
  broker_unavailable: EXIT.usage,
  broker_error: EXIT.authFailed,
  distributed_cache: EXIT.cache,
  persistence_not_found: EXIT.cache,
  persistence_unavailable: EXIT.cache,
  persistence_access: EXIT.cache,
  persistence_encryption: EXIT.cache,
  persistence_decryption: EXIT.cache,
  lock_timeout: EXIT.cache,
  managed_identity: EXIT.authFailed,
  // msal-ts/azure's; the CLI never throws it, but a token that needs the user is what exit code 3 means.
  credential_unavailable: EXIT.interactionRequired,
  // `msal-ts emulator` refusing a state folder that is not the user's own: choose another --state-dir.
  emulator_state: EXIT.usage,
};

function field(err: unknown, name: string): unknown {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[name] : undefined;
}

/** The exit code an error ends the process with. */
export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof TypeError || err instanceof RangeError) return EXIT.usage;
  const code = field(err, 'code');
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return EXIT.usage;
  if (typeof code !== 'string' || !Object.hasOwn(BY_CODE, code)) return EXIT.unexpected;
  const exit = BY_CODE[code as MsalErrorCode];
  if (code === 'server_error') {
    // Throttled or a failing service: the same request may work later, unlike a refusal.
    const status = field(err, 'status');
    if (typeof status === 'number' && (status === 429 || status >= 500)) return EXIT.network;
  }
  return exit;
}

/** The first line of an error's message (Entra's descriptions continue with trace and correlation ids). */
export function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const line = message.split(/\r?\n/, 1)[0] ?? '';
  return line.trim() === '' ? (err instanceof Error ? err.name : 'unknown error') : line.trim();
}

/** Everything known about an error, for `--verbose`: class, code, fields, the cause chain and the stack. */
export function describeError(err: unknown): string {
  const lines: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    const prefix = depth === 0 ? '' : 'caused by: ';
    if (!(current instanceof Error)) {
      lines.push(`${prefix}${JSON.stringify(current) ?? typeof current}`);
      break;
    }
    const code = field(current, 'code');
    lines.push(`${prefix}${current.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${current.message}`);
    for (const name of ['status', 'error', 'error_codes', 'suberror', 'classification', 'correlationId', 'trace_id', 'reason']) {
      const value = field(current, name);
      if (value !== undefined && name !== 'code') lines.push(`  ${name}: ${JSON.stringify(value)}`);
    }
    if (current.stack !== undefined)
      lines.push(
        ...current.stack
          .split('\n')
          .slice(1)
          .map((l) => `  ${l.trim()}`),
      );
    current = current.cause;
  }
  return lines.join('\n');
}
