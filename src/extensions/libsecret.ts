/**
 * A minimal libsecret binding through koffi: store, look up and clear one password under a schema name and string
 * attributes, with the semantics of msal-extensions' `LibSecretAgent` (flags NONE, so libsecret adds `xdg:schema`;
 * the default collection; store replaces an item with the same attributes). Loaded on first use only.
 */
import { PersistenceUnavailableError } from '../errors.js';
import { loadKoffi, loadLibrary, type Koffi, type NativeFunction } from './native.js';

/** libsecret's fixed attribute array size (SecretSchema.attributes[32]). */
const MAX_ATTRIBUTES = 32;

interface Binding {
  koffi: Koffi;
  store: NativeFunction;
  lookup: NativeFunction;
  clear: NativeFunction;
  passwordFree: NativeFunction;
  errorFree: NativeFunction;
}

let binding: Binding | undefined;

function load(): Binding {
  if (binding !== undefined) return binding;
  if (process.platform !== 'linux' && process.platform !== 'freebsd') {
    throw new PersistenceUnavailableError(
      'platform',
      `libsecret is the Linux Secret Service client; on ${process.platform} use ` +
        (process.platform === 'darwin' ? 'KeychainPersistence' : process.platform === 'win32' ? 'FilePersistenceWithDataProtection' : 'FilePersistence') +
        ' or buildEncryptedPersistence()',
    );
  }
  const koffi = loadKoffi();
  const lib = loadLibrary(['libsecret-1.so.0', 'libsecret-1.so'], 'libsecret (install libsecret-1-0)');
  const glib = loadLibrary(['libglib-2.0.so.0', 'libglib-2.0.so'], 'GLib');
  const attribute = koffi.struct('MsalTsSecretSchemaAttribute', { name: 'const char *', type: 'int' });
  koffi.struct('MsalTsSecretSchema', {
    name: 'const char *',
    flags: 'int',
    attributes: koffi.array(attribute, MAX_ATTRIBUTES),
    reserved: 'int',
    reserved1: 'void *',
    reserved2: 'void *',
    reserved3: 'void *',
    reserved4: 'void *',
    reserved5: 'void *',
    reserved6: 'void *',
    reserved7: 'void *',
  });
  koffi.struct('MsalTsGError', { domain: 'uint32_t', code: 'int', message: 'const char *' });
  binding = {
    koffi,
    store: lib.func(
      'int secret_password_store_sync(const MsalTsSecretSchema *schema, const char *collection, const char *label, ' +
        'const char *password, void *cancellable, _Out_ void **error, ...)',
    ),
    lookup: lib.func('void *secret_password_lookup_sync(const MsalTsSecretSchema *schema, void *cancellable, _Out_ void **error, ...)'),
    clear: lib.func('int secret_password_clear_sync(const MsalTsSecretSchema *schema, void *cancellable, _Out_ void **error, ...)'),
    passwordFree: lib.func('void secret_password_free(void *password)'),
    errorFree: glib.func('void g_error_free(void *error)'),
  };
  return binding;
}

/** A GLib error raised by libsecret, with its message (which names the D-Bus failure). */
export class LibsecretCallError extends Error {
  readonly domain: number;
  readonly gcode: number;
  constructor(message: string, domain: number, gcode: number) {
    super(message);
    this.domain = domain;
    this.gcode = gcode;
  }
}

/** One password slot: a schema name and its attributes. */
export interface SecretAgent {
  /** Stores (replacing) the password; returns libsecret's success flag. */
  store(password: string, label: string): boolean;
  /** The password, or `undefined` when no item matches. */
  lookup(): string | undefined;
  /** Deletes matching items; returns whether any was removed. */
  clear(): boolean;
}

/**
 * A password slot identified like msal-extensions' `LibSecretAgent(schema_name, attributes)`.
 *
 * @throws PersistenceUnavailableError when libsecret cannot be loaded; RangeError for more than 32 attributes.
 */
export function createSecretAgent(schemaName: string, attributes: Readonly<Record<string, string>>): SecretAgent {
  const names = Object.keys(attributes);
  if (names.length > MAX_ATTRIBUTES) throw new RangeError(`attributes: libsecret takes at most ${MAX_ATTRIBUTES}`);
  const b = load();
  const schema = {
    name: schemaName,
    flags: 0,
    attributes: Array.from({ length: MAX_ATTRIBUTES }, (_, i) => ({ name: names[i] ?? null, type: 0 })),
    reserved: 0,
    reserved1: null,
    reserved2: null,
    reserved3: null,
    reserved4: null,
    reserved5: null,
    reserved6: null,
    reserved7: null,
  };
  const varargs: unknown[] = [];
  for (const name of names) varargs.push('const char *', name, 'const char *', attributes[name]);
  varargs.push('const char *', null);

  const check = (error: unknown[]): void => {
    const pointer = error[0];
    if (pointer === null || pointer === undefined) return;
    const decoded = b.koffi.decode(pointer, 'MsalTsGError') as { domain: number; code: number; message: string | null };
    b.errorFree(pointer);
    throw new LibsecretCallError(decoded.message ?? 'libsecret failed', decoded.domain, decoded.code);
  };

  return {
    store(password: string, label: string): boolean {
      const error: unknown[] = [null];
      const ok = b.store(schema, null, label, password, null, error, ...varargs);
      check(error);
      return ok !== 0;
    },
    lookup(): string | undefined {
      const error: unknown[] = [null];
      const pointer = b.lookup(schema, null, error, ...varargs);
      check(error);
      if (pointer === null || pointer === undefined) return undefined;
      try {
        return b.koffi.decode(pointer, 'char', -1) as string;
      } finally {
        b.passwordFree(pointer);
      }
    },
    clear(): boolean {
      const error: unknown[] = [null];
      const removed = b.clear(schema, null, error, ...varargs);
      check(error);
      return removed !== 0;
    },
  };
}
