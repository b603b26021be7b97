/**
 * MSAL Python's `LibsecretPersistence`: the content lives in the Secret Service (gnome-keyring, KWallet, KeePassXC)
 * through libsecret; a signal file on disk is touched on every save, and its mtime says when the content changed.
 */
import { PersistenceDecryptionError, PersistenceEncryptionError, PersistenceUnavailableError, type PersistenceUnavailableReason } from '../errors.js';
import { mtimeMs, notFound, statStamp, touchFile } from './file-io.js';
import { checkMtimeLead } from './file-persistence.js';
import type { SecretAgent } from './libsecret.js';
import { LIBSECRET_PERSISTENCE_OPTIONS } from './option-shapes.js';
import { resolveLocation, sha256Hex, type Persistence, type PersistenceStamp } from './persistence.js';
import { checkOptionKeys } from '../util/options.js';

/** Options of {@link LibsecretPersistence}. */
export interface LibsecretPersistenceOptions {
  /** The item's label, shown by keyring viewers (Seahorse). Default `""`, as MSAL Python. Not used for lookup. */
  label?: string | undefined;
  /** How far ahead of the wall clock the signal file's mtime is dated on save. See {@link FilePersistenceOptions}. */
  mtimeLeadMs?: number | undefined;
}

/** The schema and attributes of msal-extensions' `trial_run()`. */
const TRIAL_SCHEMA = 'Test Schema';
const TRIAL_ATTRIBUTES = { attr1: 'foo', attr2: 'bar' } as const;
const TRIAL_PAYLOAD = 'Test Data';

/** Turns a libsecret failure during the trial run into a {@link PersistenceUnavailableError} that says what to do. */
function unavailable(err: unknown): PersistenceUnavailableError {
  if (err instanceof PersistenceUnavailableError) return err;
  const text = err instanceof Error ? err.message : String(err);
  let reason: PersistenceUnavailableReason = 'no_secret_service';
  let advice: string;
  if (/autolaunch|DBUS_SESSION_BUS_ADDRESS|Could not connect|Failed to connect|No such file or directory/i.test(text)) {
    reason = 'no_session_bus';
    advice =
      'no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset or dead, as in SSH sessions and containers): run ' +
      'inside a desktop session or dbus-run-session with an unlocked keyring, or opt in to plaintext with fallbackToPlaintext';
  } else if (/locked/i.test(text)) {
    reason = 'locked';
    advice =
      'the keyring is locked and no unlock prompt can be shown: unlock it (e.g. `gnome-keyring-daemon --unlock`), ' +
      'or opt in to plaintext with fallbackToPlaintext';
  } else {
    advice =
      'no usable Secret Service on this D-Bus session: start gnome-keyring (or another Secret Service) with an ' +
      'unlocked default collection, or opt in to plaintext with fallbackToPlaintext';
  }
  return new PersistenceUnavailableError(reason, `libsecret did not work: ${advice} (libsecret said: ${text})`, { cause: err });
}

/**
 * Stores the content in the Secret Service through libsecret (loaded with koffi on first use), with msal-extensions'
 * exact item identity, so an item saved by MSAL Python is loaded here and the reverse:
 * - schema name: `schemaName`, default the SHA-256 hex of `signalLocation` as given (before `~` expansion);
 * - attributes: `attributes` (string values), default none; libsecret adds `xdg:schema` = the schema name;
 * - the default collection, label `""`, and a save replaces the item with the same attributes.
 *
 * The first `load()` or `save()` runs msal-extensions' trial (store, load, clear a "Test Schema" item) and fails with
 * a {@link PersistenceUnavailableError} when the Secret Service is not usable. Calls block the event loop for the
 * D-Bus round trip (about a millisecond locally), as MSAL Python's do.
 *
 * @example
 * ```ts
 * const persistence = new LibsecretPersistence('~/.myapp/token_cache.sig');
 * const cache = new PersistedTokenCache(persistence);
 * ```
 */
export class LibsecretPersistence implements Persistence {
  /** The signal file, absolute. */
  readonly location: string;
  readonly isEncrypted: boolean = true;
  /** The schema name the item is stored under. */
  readonly schemaName: string;
  /** The item's attributes (without `xdg:schema`). */
  readonly attributes: Readonly<Record<string, string>>;
  readonly #label: string;
  readonly #mtimeLeadMs: number;
  #agent: SecretAgent | undefined;
  #trial: Promise<void> | undefined;

  /**
   * @param signalLocation - the signal file touched on every save (`~` expanded). No I/O happens here.
   * @param schemaName - default `sha256hex(signalLocation)`.
   * @param attributes - string attributes identifying the item. Default none.
   * @param options - label and mtime lead.
   * @throws TypeError / RangeError for a bad argument.
   */
  constructor(signalLocation: string, schemaName?: string, attributes?: Readonly<Record<string, string>>, options: LibsecretPersistenceOptions = {}) {
    checkOptionKeys(options, LIBSECRET_PERSISTENCE_OPTIONS);
    this.location = resolveLocation(signalLocation, 'signalLocation');
    if (schemaName !== undefined && (typeof schemaName !== 'string' || schemaName === '')) {
      throw new TypeError('schemaName must be a non-empty string');
    }
    this.schemaName = schemaName ?? sha256Hex(signalLocation);
    const attrs: Record<string, string> = {};
    if (attributes !== undefined) {
      if (typeof attributes !== 'object' || attributes === null) throw new TypeError('attributes must be an object of strings');
      for (const [k, v] of Object.entries(attributes)) {
        if (typeof v !== 'string' || k === '') throw new TypeError(`attributes.${k} must be a string`);
        attrs[k] = v;
      }
      if (Object.keys(attrs).length > 32) throw new RangeError('attributes: libsecret takes at most 32');
    }
    this.attributes = Object.freeze(attrs);
    if (options.label !== undefined && typeof options.label !== 'string') throw new TypeError('options.label must be a string');
    this.#label = options.label ?? '';
    this.#mtimeLeadMs = checkMtimeLead(options.mtimeLeadMs, 'options.mtimeLeadMs');
  }

  /**
   * Runs msal-extensions' trial once (store, load and clear a throw-away item) and remembers the outcome.
   *
   * @throws PersistenceUnavailableError when libsecret or the Secret Service cannot be used.
   */
  verify(): Promise<void> {
    // libsecret.ts (its koffi binding) loads here, on first use: a process that never uses the keyring never loads it.
    this.#trial ??= import('./libsecret.js').then(({ createSecretAgent, LibsecretCallError }) => {
      try {
        const trial = createSecretAgent(TRIAL_SCHEMA, TRIAL_ATTRIBUTES);
        trial.store(TRIAL_PAYLOAD, '');
        const back = trial.lookup();
        trial.clear();
        if (back !== TRIAL_PAYLOAD) {
          throw new LibsecretCallError(
            back === undefined ? 'the item just stored could not be read back (is the collection locked?)' : 'the item read back differs',
            0,
            0,
          );
        }
        this.#agent = createSecretAgent(this.schemaName, this.attributes);
      } catch (err) {
        throw unavailable(err);
      }
    });
    return this.#trial;
  }

  async #ready(): Promise<SecretAgent> {
    await this.verify();
    if (this.#agent === undefined) throw unavailable(new Error('libsecret is not initialized'));
    return this.#agent;
  }

  /** @inheritDoc Persistence.save */
  async save(content: string): Promise<void> {
    if (typeof content !== 'string') throw new TypeError('content must be a string');
    const agent = await this.#ready();
    let stored: boolean;
    try {
      stored = agent.store(content, this.#label);
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      throw new PersistenceEncryptionError(
        `the Secret Service refused to store the item (${text}); unlock the keyring, or opt in to plaintext with fallbackToPlaintext`,
        { cause: err },
      );
    }
    // As msal-extensions: the signal file changes only when the item did.
    if (stored) await touchFile(this.location, this.#mtimeLeadMs);
  }

  /** @inheritDoc Persistence.load */
  async load(): Promise<string> {
    const agent = await this.#ready();
    let content: string | undefined;
    try {
      content = agent.lookup();
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      throw new PersistenceDecryptionError(`the Secret Service could not return the item (${text}); unlock the keyring`, {
        cause: err,
      });
    }
    if (content === undefined) throw notFound(this.location, 'Keyring persistence');
    return content;
  }

  /** @inheritDoc Persistence.timeLastModified */
  timeLastModified(): number {
    return mtimeMs(this.location, 'Keyring persistence');
  }

  /** @inheritDoc Persistence.stamp */
  stamp(): PersistenceStamp | undefined {
    return statStamp(this.location);
  }
}
