/**
 * `msal-ts login` and `msal-ts token`: sign a user in, and print an access token (from the cache when it can, else
 * after signing in, unless `--no-interactive`).
 */
import { parseFlags } from './parse-flags.js';
import type { AuthenticationResult } from '../app/authentication-result.js';
import type { Account } from '../cache/cache-types.js';
import { noDisplayReason } from './display.js';
import { execCredential, execCredentialVersion } from './exec-credential.js';
import { CliError, EXIT } from './exit-codes.js';
import { openSession, pickAccount, type Io, type Session } from './session.js';
import { COMMON_OPTIONS, resolveSettings } from './settings.js';
import { signIn, withInterrupt, type SignInOptions } from './sign-in.js';
import { HELP } from './usage.js';

const SIGN_IN_OPTIONS = {
  'device-code': { type: 'boolean' },
  browser: { type: 'boolean' },
  'login-hint': { type: 'string' },
  'no-browser': { type: 'boolean' },
  port: { type: 'string' },
  timeout: { type: 'string' },
} as const;

interface SignInFlags {
  'device-code'?: boolean | undefined;
  browser?: boolean | undefined;
  'login-hint'?: string | undefined;
  'no-browser'?: boolean | undefined;
  port?: string | undefined;
  timeout?: string | undefined;
}

function integer(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new CliError(EXIT.usage, `--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/**
 * The device code flow when asked for, or when no browser can be shown here (SSH, containers) and the user did not ask
 * for the browser flow (`--browser`, `--no-browser`, a `BROWSER` command); saying so on stderr.
 */
function useDeviceCode(flags: SignInFlags, io: Io): boolean {
  if (flags['device-code'] === true) {
    if (flags.browser === true) throw new CliError(EXIT.usage, '--browser and --device-code cannot be used together');
    return true;
  }
  const browserChosen = flags.browser === true || flags['no-browser'] === true || (io.env['BROWSER'] ?? '').trim() !== '';
  const why = browserChosen ? undefined : noDisplayReason(io.env);
  if (why === undefined) return false;
  io.stderr.write(
    `msal-ts: no display (${why}): signing in with a device code instead of a browser ` + '(--browser forces the browser, --no-browser prints its URL)\n',
  );
  return true;
}

function signInOptions(flags: SignInFlags, io: Io, signal: AbortSignal, loginHint: string | undefined): SignInOptions {
  // Malformed values are refused before useDeviceCode says anything.
  const port = integer(flags.port, 'port', 0, 65535) ?? 0;
  const timeoutSeconds = integer(flags.timeout, 'timeout', 1, 86_400);
  return {
    deviceCode: useDeviceCode(flags, io),
    loginHint: flags['login-hint'] ?? loginHint,
    noBrowser: flags['no-browser'] === true,
    port,
    timeoutSeconds,
    signal,
  };
}

/** The fields of an account scripts need, in the cache's wire names. */
export function accountView(a: Account): Record<string, string | undefined> {
  return {
    username: a.username,
    home_account_id: a.home_account_id,
    tenant_id: a.realm,
    local_account_id: a.local_account_id,
    environment: a.environment,
  };
}

async function accountOf(session: Session, result: AuthenticationResult): Promise<Account | undefined> {
  const username = result.id_token_claims?.['preferred_username'];
  const accounts = await session.app.getAccounts(typeof username === 'string' && username !== '' ? username : undefined);
  return accounts[0];
}

function expiresOn(result: AuthenticationResult): number {
  return Math.floor(Date.now() / 1000) + result.expires_in;
}

/** `msal-ts login`. */
export async function runLogin(args: string[], io: Io): Promise<number> {
  const { values } = parseFlags(args, { ...COMMON_OPTIONS, ...SIGN_IN_OPTIONS });
  if (values.help === true) {
    io.stdout.write(HELP.login);
    return EXIT.ok;
  }
  const settings = resolveSettings(values, io.env);
  const session = await openSession(settings, io);
  // Read the cache before the sign-in, as token and accounts do: a corrupt or locked cache must fail (exit 6) before
  // the user has signed in for nothing, not when the tokens are saved.
  await session.app.getAccounts();
  const result = await withInterrupt((signal) => signIn(session, settings.scopes, signInOptions(values, io, signal, undefined)));
  session.warnIfPlaintext();
  const account = await accountOf(session, result);
  if (settings.json) {
    io.stdout.write(
      `${JSON.stringify({ account: account === undefined ? null : accountView(account), scope: result.scope ?? settings.scopes.join(' '), expires_on: expiresOn(result), token_source: result.token_source })}\n`,
    );
  } else {
    const who = account?.username ?? 'an account without a username';
    io.stdout.write(`Signed in as ${who}${account?.realm === undefined ? '' : ` (tenant ${account.realm})`}. Tokens are cached in ${session.storage}.\n`);
  }
  return EXIT.ok;
}

/** `msal-ts token`. */
export async function runToken(args: string[], io: Io): Promise<number> {
  const { values } = parseFlags(args, {
    ...COMMON_OPTIONS,
    ...SIGN_IN_OPTIONS,
    account: { type: 'string' },
    'no-interactive': { type: 'boolean' },
    'force-refresh': { type: 'boolean' },
    output: { type: 'string' },
  });
  if (values.help === true) {
    io.stdout.write(HELP.token);
    return EXIT.ok;
  }
  const output = values.output ?? (values.json === true ? 'json' : 'token');
  if (output !== 'token' && output !== 'json' && output !== 'exec-credential') {
    throw new CliError(EXIT.usage, `--output must be token, json or exec-credential, got ${JSON.stringify(output)}`);
  }
  if (values.json === true && output !== 'json') throw new CliError(EXIT.usage, `--json and --output ${output} cannot be used together`);
  // Checked before any work: kubectl's request is known from the start.
  const kubeVersion = output === 'exec-credential' ? execCredentialVersion(io.env['KUBERNETES_EXEC_INFO']) : undefined;
  const settings = resolveSettings(values, io.env);
  if (settings.scopes.length === 0) {
    throw new CliError(EXIT.usage, 'no scope: pass --scope (e.g. --scope https://graph.microsoft.com/User.Read) or set MSAL_TS_SCOPES');
  }
  const username = values.account ?? io.env['MSAL_TS_ACCOUNT'];
  const session = await openSession(settings, io);
  const account = await pickAccount(session, username);
  let result: AuthenticationResult | undefined;
  let why = account === undefined ? (username === undefined ? 'nobody is signed in' : `${username} is not signed in`) : '';
  if (account !== undefined) {
    try {
      result = await session.app.acquireTokenSilentWithError(settings.scopes, { account, forceRefresh: values['force-refresh'] === true });
      if (result === undefined) why = `the cache holds no token or refresh token of ${account.username} for these scopes`;
    } catch (err) {
      // A refused refresh (expired session, revoked token, new consent needed) is what interaction fixes.
      if ((err as { code?: unknown }).code !== 'server_error' || ((err as { status?: unknown }).status as number) >= 500) throw err;
      why = `refreshing the token was refused (${err instanceof Error ? (err.message.split(/\r?\n/, 1)[0] ?? '') : ''})`;
    }
  }
  if (result === undefined) {
    if (values['no-interactive'] === true) {
      throw new CliError(EXIT.interactionRequired, `interaction required: ${why}; run \`msal-ts login\` (or drop --no-interactive)`);
    }
    session.debug(`${why}: signing in`);
    const hint = account?.username ?? username;
    result = await withInterrupt((signal) => signIn(session, settings.scopes, signInOptions(values, io, signal, hint)));
  }
  session.debug(`token_source: ${result.token_source}`);
  if (result.token_source === 'identity_provider') session.warnIfPlaintext();
  if (kubeVersion !== undefined) {
    io.stdout.write(`${execCredential(kubeVersion, result.access_token, expiresOn(result))}\n`);
  } else if (output === 'json') {
    const who = account ?? (await accountOf(session, result));
    io.stdout.write(
      `${JSON.stringify({
        access_token: result.access_token,
        token_type: result.token_type,
        expires_in: result.expires_in,
        expires_on: expiresOn(result),
        scope: result.scope ?? settings.scopes.join(' '),
        token_source: result.token_source,
        account: who?.username ?? null,
      })}\n`,
    );
  } else {
    io.stdout.write(`${result.access_token}\n`);
  }
  return EXIT.ok;
}
