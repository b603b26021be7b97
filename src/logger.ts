/**
 * Logging through a user-supplied logger, with levels and one masking rule for personal data and secrets.
 *
 * msal-ts never writes to the console on its own. Every message goes to the `logger` the user gives (see
 * {@link Logger}); values that may be personal (usernames, claims, object and tenant ids) pass through
 * {@link LogSink.pii} and appear as `********` unless `piiLoggingEnabled` is true. Credentials (tokens, assertions,
 * client secrets, passwords, device and authorization codes) are never handed to the logger, whatever the flag.
 */

/** Levels, most severe first. A logger at `info` receives `error`, `warning` and `info`. */
export type LogLevel = 'error' | 'warning' | 'info' | 'verbose';

/** What msal-ts adds to a message: correlation id, status, durations, and masked personal values. JSON data only. */
export type LogContext = Readonly<Record<string, string | number | boolean | undefined>>;

/**
 * A user-supplied logger.
 *
 * @example
 * ```ts
 * const logger: Logger = { level: 'info', log: (level, message, context) => console.error(level, message, context) };
 * new PublicClientApplication(clientId, { logger });
 * ```
 */
export interface Logger {
  /** The most detailed level passed to `log`. Default `info`. */
  level?: LogLevel | undefined;
  /**
   * Receives one message. Must not throw (an exception it throws is swallowed: logging never breaks a token request).
   * `message` is a fixed text; the variable parts are in `context`.
   */
  log(level: LogLevel, message: string, context: LogContext): void;
}

/** The mask written in place of a personal or secret value when PII logging is off. */
export const PII_MASK = '********';

const RANK: Readonly<Record<LogLevel, number>> = { error: 0, warning: 1, info: 2, verbose: 3 };

/** The logger msal-ts uses internally: filters by level, masks personal values, never throws. */
export interface LogSink {
  /** Whether `level` would reach the user's logger (to skip building expensive context). */
  enabled(level: LogLevel): boolean;
  error(message: string, context?: LogContext): void;
  warning(message: string, context?: LogContext): void;
  info(message: string, context?: LogContext): void;
  verbose(message: string, context?: LogContext): void;
  /**
   * The value itself when PII logging is on, else {@link PII_MASK}; `undefined` stays `undefined`. For personal data
   * only: a credential must never be passed here.
   */
  pii(value: unknown): string | undefined;
}

/** A sink that drops everything: the default when the user gave no logger. */
export const SILENT_LOG: LogSink = Object.freeze({
  enabled: () => false,
  error: () => undefined,
  warning: () => undefined,
  info: () => undefined,
  verbose: () => undefined,
  pii: (value: unknown) => (value === undefined ? undefined : PII_MASK),
});

/**
 * Masks a value unless PII logging is on: the one masking helper every module uses.
 *
 * @param value - a username, claim, object id... (personal data; never a credential: those are not logged at all)
 * @param piiLoggingEnabled - the user's opt-in.
 * @returns the value as text when opted in, else `********`; `undefined` for `undefined`.
 */
export function maskPii(value: unknown, piiLoggingEnabled: boolean): string | undefined {
  if (value === undefined) return undefined;
  if (!piiLoggingEnabled) return PII_MASK;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Builds the internal sink over a user's logger.
 *
 * @param logger - the user's logger, or `undefined` for none.
 * @param piiLoggingEnabled - whether personal values and secrets may be logged in clear. Default false.
 * @throws TypeError naming `logger` or `piiLoggingEnabled` when malformed.
 */
export function createLogSink(logger: Logger | undefined, piiLoggingEnabled = false): LogSink {
  if (typeof piiLoggingEnabled !== 'boolean') throw new TypeError('piiLoggingEnabled must be a boolean');
  if (logger === undefined) return SILENT_LOG;
  if (typeof logger !== 'object' || logger === null || typeof logger.log !== 'function') {
    throw new TypeError('logger must be an object with a log(level, message, context) method');
  }
  const level = logger.level ?? 'info';
  if (!(level in RANK)) throw new TypeError('logger.level must be one of error, warning, info, verbose');
  const max = RANK[level];
  const enabled = (at: LogLevel): boolean => RANK[at] <= max;
  const emit = (at: LogLevel, message: string, context: LogContext = {}): void => {
    if (!enabled(at)) return;
    try {
      logger.log(at, message, context);
    } catch {
      // A failing logger must not turn a good token request into a failed one.
    }
  };
  return {
    enabled,
    error: (m, c) => emit('error', m, c),
    warning: (m, c) => emit('warning', m, c),
    info: (m, c) => emit('info', m, c),
    verbose: (m, c) => emit('verbose', m, c),
    pii: (value) => maskPii(value, piiLoggingEnabled),
  };
}
