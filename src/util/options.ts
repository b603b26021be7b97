/**
 * The option-key check of every public constructor and method: an option msal-ts would ignore must not be silent.
 * A misspelt key (`authorty`, `loginhint`) is a TypeError naming it, with the closest known key; an option MSAL Python
 * has and msal-ts deliberately lacks where it was given (a broker or proof-of-possession outside a public client's
 * broker calls) is an {@link UnsupportedOptionError} saying why.
 *
 * Cheap enough for cache hits: the known keys are a Set built once per options type, and the check is one `for...in`
 * over the caller's (small) object; names are only compared for a suggestion once a key is already refused.
 */
import { UnsupportedOptionError } from '../errors.js';

/** The keys one options type accepts, and how messages name it (`"acquireTokenSilent options"`). */
export interface OptionShape {
  readonly where: string;
  readonly keys: ReadonlySet<string>;
}

/** Every key of options type `T`, each `true`: the compiler refuses a missing key, and an extra one in a literal. */
export type OptionKeys<T> = { readonly [K in keyof T]-?: true };

/**
 * The shape of options type `T`. `keys` must list every key of `T` and nothing else (the compiler checks both ways),
 * so an option added to a type cannot be forgotten here.
 */
export function optionShape<T extends object>(where: string, keys: OptionKeys<T>): OptionShape {
  return { where, keys: new Set(Object.keys(keys)) };
}

const NO_BROKER =
  'only PublicClientApplication signs in through a broker, and only when its constructor is given an enableBrokerOn* ' +
  'flag and a "broker" implementation (docs/design.md, "Broker seam"). Remove the option here (false is accepted)';
const NO_POP =
  'proof-of-possession tokens come only from a broker, which only PublicClientApplication uses; here it would have ' +
  'returned a Bearer token. Remove the option and use Bearer tokens, or use a PublicClientApplication with a broker';
const ALLOW_BROKER =
  'MSAL Python deprecated allow_broker (Windows only): use PublicClientApplication with enableBrokerOnWindows and a ' +
  '"broker" implementation (docs/design.md, "Broker seam"). Remove the option (false is accepted)';

/** MSAL Python options msal-ts does not have, by normalized name (see `normalize`), and why. */
const UNSUPPORTED: ReadonlyMap<string, string> = new Map([
  ['authscheme', NO_POP],
  ['enablebrokeronwindows', NO_BROKER],
  ['enablebrokeronmac', NO_BROKER],
  ['enablebrokeronlinux', NO_BROKER],
  ['enablebrokeronwsl', NO_BROKER],
  ['allowbroker', ALLOW_BROKER],
  ['parentwindowhandle', `only a broker uses a parent window handle. ${NO_BROKER}`],
]);

/** Names a caller may bring from MSAL Python (or OAuth2) for an msal-ts option spelled differently, by normalized name. */
const RENAMED: ReadonlyMap<string, string> = new Map([
  ['timeout', 'timeoutMs'],
  ['proxies', 'proxy'],
  ['enablepiilog', 'piiLoggingEnabled'],
  ['authuricallback', 'showUrl'],
  ['validateauthority', 'instanceDiscovery'],
  ['claims', 'claimsChallenge'],
]);

/**
 * Throws when `options` has a key its shape does not list. `undefined` options (a defaulted parameter) pass.
 *
 * @throws TypeError when `options` is not an object, or names an unknown key (with the closest known key, if any);
 *   UnsupportedOptionError for a broker or proof-of-possession option that asks for one (a value other than
 *   `undefined` or `false`).
 */
export function checkOptionKeys(options: unknown, shape: OptionShape): void {
  const refusal = optionsRefusal(options, shape);
  if (refusal !== undefined) throw refusal;
}

/**
 * {@link checkOptionKeys} for a method that returns a promise: a refusal is a rejected promise, as the method's other
 * argument errors are, and `undefined` lets the call go on (`return refusedOptions(o, SHAPE) ?? flow(o)`).
 */
export function refusedOptions(options: unknown, shape: OptionShape): Promise<never> | undefined {
  const refusal = optionsRefusal(options, shape);
  return refusal === undefined ? undefined : Promise.reject(refusal);
}

function optionsRefusal(options: unknown, shape: OptionShape): Error | undefined {
  if (typeof options !== 'object' || options === null) {
    return options === undefined ? undefined : new TypeError(`${shape.where} must be an object`);
  }
  for (const key in options) {
    if (!shape.keys.has(key)) {
      const refusal = refusalOf(options as Record<string, unknown>, key, shape);
      if (refusal !== undefined) return refusal;
    }
  }
  return undefined;
}

function refusalOf(options: Record<string, unknown>, key: string, shape: OptionShape): Error | undefined {
  const why = UNSUPPORTED.get(normalize(key));
  if (why !== undefined) {
    const value = options[key];
    if (value === undefined || value === false) return undefined;
    return new UnsupportedOptionError(key, `option "${key}" in ${shape.where} is not supported: ${why}`);
  }
  const meant = closestName(key, shape.keys);
  return new TypeError(`unknown option "${key}" in ${shape.where}${meant === undefined ? '' : ` (did you mean "${meant}"?)`}`);
}

/** Lower case without `_` and `-`: `login_hint`, `loginhint` and `loginHint` are one name. */
function normalize(name: string): string {
  return name.toLowerCase().replace(/[_-]/g, '');
}

/**
 * The known name the caller most likely meant: a renamed MSAL Python option, a known name the key is a prefix of, or a
 * near spelling (case, `_` and `-` ignored); `undefined` when none is near. The CLI uses it for misspelt flags too.
 */
export function closestName(key: string, known: ReadonlySet<string>): string | undefined {
  const wanted = normalize(key);
  const renamed = RENAMED.get(wanted);
  if (renamed !== undefined && known.has(renamed)) return renamed;
  // A unit suffix left off: `staleAfter` for `staleAfterMs`, `maxStaleness` for `maxStalenessSeconds`.
  if (wanted.length >= 4) {
    for (const name of known) if (normalize(name).startsWith(wanted)) return name;
  }
  const limit = Math.max(1, Math.floor(wanted.length / 4));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const name of known) {
    const d = editDistance(wanted, normalize(name));
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, where swapping two neighbours is one edit (`reidrect` is 1 from `redirect`). */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const up = rows[i - 1] ?? [];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((up[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (up[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? Math.max(a.length, b.length);
}
