/**
 * What the account commands run with: the client id, authority, scopes, CA trust and token cache location, resolved
 * from (highest first) command-line flags, `MSAL_TS_*` environment variables, a config file profile, the config file's
 * top level, the running `msal-ts emulator` (with `--emulator`), and the defaults.
 */
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { defaultStateDir, untrustedReason } from '../util/emulator-state-dir.js';
import { defaultCliPaths, nonEmpty, type CliPaths } from './paths.js';
import { CliError, EXIT } from './exit-codes.js';

/** The real world's default: work and school accounts of any tenant (personal accounts need `common` or `consumers`). */
export const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com/organizations';

/** The options every account command (login, token, accounts, logout) takes, in node:util parseArgs form (parse-flags.ts). */
export const COMMON_OPTIONS = {
  'client-id': { type: 'string' },
  authority: { type: 'string' },
  tenant: { type: 'string' },
  scope: { type: 'string', multiple: true },
  ca: { type: 'string' },
  'no-instance-discovery': { type: 'boolean' },
  cache: { type: 'string' },
  'plaintext-cache': { type: 'boolean' },
  emulator: { type: 'boolean' },
  'emulator-state-dir': { type: 'string' },
  config: { type: 'string' },
  profile: { type: 'string' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Flag values as parseFlags returns them for {@link COMMON_OPTIONS}. */
export interface CommonFlags {
  'client-id'?: string | undefined;
  authority?: string | undefined;
  tenant?: string | undefined;
  scope?: string[] | undefined;
  ca?: string | undefined;
  'no-instance-discovery'?: boolean | undefined;
  cache?: string | undefined;
  'plaintext-cache'?: boolean | undefined;
  emulator?: boolean | undefined;
  'emulator-state-dir'?: string | undefined;
  config?: string | undefined;
  profile?: string | undefined;
  json?: boolean | undefined;
  verbose?: boolean | undefined;
}

/** The resolved settings of one run. */
export interface Settings {
  clientId: string;
  authority: string;
  /** Default scopes (flags, `MSAL_TS_SCOPES` or the config file); may be empty. */
  scopes: string[];
  /** A PEM bundle that replaces the default trust store, as MSAL Python's `verify="bundle.pem"`. */
  ca: string | undefined;
  instanceDiscovery: boolean;
  /** The token cache file (plaintext) or signal file (encrypted stores). */
  cachePath: string;
  plaintextCache: boolean;
  json: boolean;
  verbose: boolean;
  /** Set when `--emulator` pointed the settings at a running `msal-ts emulator`. */
  emulatorUrl: string | undefined;
}

/** The file `msal-ts emulator` writes into its state folder while it runs, so `--emulator` finds it. */
export const EMULATOR_STATE_FILE = 'cli-emulator.json';

/** What {@link EMULATOR_STATE_FILE} holds. */
export interface RunningEmulator {
  url: string;
  authority: string;
  caPath: string;
  pid: number;
  publicClientId: string;
}

/** The emulator's default state folder (as startEmulator computes it), so `--emulator` needs no path. */
export function defaultEmulatorStateDir(env: Env = process.env): string {
  return defaultStateDir(env);
}

type Env = Readonly<Record<string, string | undefined>>;

/** One layer of settings, any field possibly unset. */
interface Layer {
  clientId?: string | undefined;
  authority?: string | undefined;
  tenant?: string | undefined;
  scopes?: string[] | undefined;
  ca?: string | undefined;
  instanceDiscovery?: boolean | undefined;
  cache?: string | undefined;
  plaintextCache?: boolean | undefined;
  emulator?: boolean | undefined;
}

/** Scopes given as repeated flags, or space/comma separated in one value. */
export function splitScopes(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(/[\s,]+/)).filter((s) => s !== '');
}

function envBoolean(env: Env, name: string): boolean | undefined {
  const value = nonEmpty(env[name]);
  if (value === undefined) return undefined;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new CliError(EXIT.usage, `${name} must be 1/true/yes/on or 0/false/no/off, got ${JSON.stringify(value)}`);
}

function configLayer(value: unknown, where: string): Layer {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CliError(EXIT.usage, `${where} must be a JSON object`);
  }
  const o = value as Record<string, unknown>;
  const str = (name: string): string | undefined => {
    const v = o[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.trim() === '') throw new CliError(EXIT.usage, `${where}: "${name}" must be a non-empty string`);
    return v.trim();
  };
  const bool = (name: string): boolean | undefined => {
    const v = o[name];
    if (v === undefined || typeof v === 'boolean') return v;
    throw new CliError(EXIT.usage, `${where}: "${name}" must be true or false`);
  };
  let scopes: string[] | undefined;
  const s = o['scopes'];
  if (typeof s === 'string') scopes = splitScopes([s]);
  else if (Array.isArray(s) && s.every((x): x is string => typeof x === 'string')) scopes = splitScopes(s);
  else if (s !== undefined) throw new CliError(EXIT.usage, `${where}: "scopes" must be a string or an array of strings`);
  return {
    clientId: str('clientId'),
    authority: str('authority'),
    tenant: str('tenant'),
    scopes,
    ca: str('ca'),
    instanceDiscovery: bool('instanceDiscovery'),
    cache: str('cache'),
    plaintextCache: bool('plaintextCache'),
    emulator: bool('emulator'),
  };
}

/** The config file: `--config`, `MSAL_TS_CONFIG`, or the default of {@link defaultCliPaths} when it exists. */
function readConfig(flags: CommonFlags, env: Env, paths: CliPaths): { top: Layer; profile: Layer } {
  const explicit = nonEmpty(flags.config) ?? nonEmpty(env['MSAL_TS_CONFIG']);
  const path = explicit ?? paths.configFile;
  const profileName = nonEmpty(flags.profile) ?? nonEmpty(env['MSAL_TS_PROFILE']);
  if (explicit === undefined && !existsSync(path)) {
    if (profileName !== undefined) throw new CliError(EXIT.usage, `--profile ${profileName}: there is no config file (${path})`);
    return { top: {}, profile: {} };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const why = (err as { code?: unknown }).code === 'ENOENT' ? 'it does not exist' : (err as Error).message;
    throw new CliError(EXIT.usage, `cannot read the config file ${path}: ${why}`, { cause: err });
  }
  const top = configLayer(parsed, path);
  if (profileName === undefined) return { top, profile: {} };
  const profiles = (parsed as Record<string, unknown>)['profiles'];
  // Own properties only: "__proto__" or "constructor" must not find Object.prototype's.
  const chosen =
    typeof profiles === 'object' && profiles !== null && Object.hasOwn(profiles, profileName) ? (profiles as Record<string, unknown>)[profileName] : undefined;
  if (chosen === undefined) throw new CliError(EXIT.usage, `the config file ${path} has no profile "${profileName}" (under "profiles")`);
  return { top, profile: configLayer(chosen, `${path}, profile "${profileName}"`) };
}

/** Reads the running emulator's state file and checks that its process is alive. */
export function findRunningEmulator(stateDir: string): RunningEmulator {
  const path = join(stateDir, EMULATOR_STATE_FILE);
  const hint = 'start one with `msal-ts emulator` (or pass --emulator-state-dir if it runs with --state-dir)';
  // The file names the authority and the CA to trust: one that another user could write could send this command
  // (and the user's sign-in) to their server. Missing files are reported below.
  for (const p of [stateDir, path]) {
    let reason: string | undefined;
    try {
      reason = untrustedReason(lstatSync(p), 0o022);
    } catch {
      break;
    }
    if (reason !== undefined) throw new CliError(EXIT.usage, `--emulator: ${p} ${reason}; it must be your own: ${hint}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new CliError(EXIT.usage, `--emulator: no running emulator found (${path} is missing or unreadable): ${hint}`);
  }
  const o = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const { url, authority, caPath, pid, publicClientId } = o;
  if (
    typeof url !== 'string' ||
    typeof authority !== 'string' ||
    typeof caPath !== 'string' ||
    typeof pid !== 'number' ||
    // kill(0 or a negative pid) would probe a process group; a fractional pid throws a TypeError.
    !Number.isSafeInteger(pid) ||
    pid <= 0 ||
    typeof publicClientId !== 'string'
  ) {
    throw new CliError(EXIT.usage, `--emulator: ${path} is not an emulator state file: ${hint}`);
  }
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ESRCH') throw new CliError(EXIT.usage, `--emulator: the emulator (pid ${pid}) is no longer running: ${hint}`);
  }
  return { url, authority, caPath, pid, publicClientId };
}

function withTenant(authority: string, tenant: string): string {
  let url: URL;
  try {
    url = new URL(authority);
  } catch {
    throw new CliError(EXIT.usage, `--authority must be an https URL, got ${JSON.stringify(authority)}`);
  }
  return `${url.origin}/${encodeURIComponent(tenant)}`;
}

/**
 * Resolves the settings of an account command.
 *
 * @param flags - parsed {@link COMMON_OPTIONS}.
 * @param env - the environment (`process.env`).
 * @throws CliError (usage) for a missing client id, a bad config file or variable, or `--emulator` without one.
 */
export function resolveSettings(flags: CommonFlags, env: Env = process.env): Settings {
  const paths = defaultCliPaths(env);
  const { top, profile } = readConfig(flags, env, paths);
  const fromEnv: Layer = {
    clientId: nonEmpty(env['MSAL_TS_CLIENT_ID']),
    authority: nonEmpty(env['MSAL_TS_AUTHORITY']),
    tenant: nonEmpty(env['MSAL_TS_TENANT']),
    scopes: nonEmpty(env['MSAL_TS_SCOPES']) === undefined ? undefined : splitScopes([env['MSAL_TS_SCOPES'] ?? '']),
    ca: nonEmpty(env['MSAL_TS_CA']),
    instanceDiscovery: envBoolean(env, 'MSAL_TS_INSTANCE_DISCOVERY'),
    cache: nonEmpty(env['MSAL_TS_CACHE']),
    plaintextCache: envBoolean(env, 'MSAL_TS_PLAINTEXT_CACHE'),
    emulator: envBoolean(env, 'MSAL_TS_EMULATOR'),
  };
  const fromFlags: Layer = {
    clientId: nonEmpty(flags['client-id']),
    authority: nonEmpty(flags.authority),
    tenant: nonEmpty(flags.tenant),
    scopes: flags.scope === undefined ? undefined : splitScopes(flags.scope),
    ca: nonEmpty(flags.ca),
    instanceDiscovery: flags['no-instance-discovery'] === true ? false : undefined,
    cache: nonEmpty(flags.cache),
    plaintextCache: flags['plaintext-cache'] === true ? true : undefined,
    emulator: flags.emulator === true ? true : undefined,
  };
  const layers = [fromFlags, fromEnv, profile, top];
  const pick = <K extends keyof Layer>(key: K): Layer[K] => layers.find((l) => l[key] !== undefined)?.[key];

  let emulator: RunningEmulator | undefined;
  if (pick('emulator') === true) {
    const stateDir = nonEmpty(flags['emulator-state-dir']) ?? nonEmpty(env['MSAL_TS_EMULATOR_STATE_DIR']) ?? defaultEmulatorStateDir(env);
    emulator = findRunningEmulator(resolve(stateDir));
  }
  const clientId = pick('clientId') ?? emulator?.publicClientId;
  if (clientId === undefined) {
    throw new CliError(
      EXIT.usage,
      'no client id: pass --client-id (or set MSAL_TS_CLIENT_ID, or "clientId" in the config file) with your app ' +
        'registration\'s id, a public client with "http://localhost" as redirect URI; or use --emulator',
    );
  }
  let authority = pick('authority') ?? emulator?.authority ?? DEFAULT_AUTHORITY;
  const tenant = pick('tenant');
  if (tenant !== undefined) authority = withTenant(authority, tenant);

  const plaintextCache = pick('plaintextCache') === true;
  // Two names: the encrypted stores keep only a signal file here, which a plaintext run must not read as a cache.
  const defaultCache = join(paths.cacheDir, plaintextCache ? 'token-cache.json' : 'token-cache.bin');
  const cache = pick('cache');
  const cachePath = cache === undefined ? defaultCache : isAbsolute(cache) || cache.startsWith('~') ? cache : resolve(cache);
  return {
    clientId,
    authority,
    scopes: pick('scopes') ?? [],
    ca: pick('ca') ?? emulator?.caPath,
    instanceDiscovery: pick('instanceDiscovery') ?? emulator === undefined,
    cachePath,
    plaintextCache,
    json: flags.json === true,
    verbose: flags.verbose === true,
    emulatorUrl: emulator?.url,
  };
}
