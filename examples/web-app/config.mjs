// The web app's settings, from environment variables. A missing or malformed one stops the app at start with a
// message naming it, rather than at the first sign-in.

/**
 * @typedef {object} WebAppConfig
 * @property {string} host - interface to listen on
 * @property {number} port - port to listen on (0: any free port)
 * @property {string | undefined} publicUrl - the origin users browse to; default http://<host>:<port>
 * @property {string} authority - e.g. https://login.microsoftonline.com/<tenant id>
 * @property {string} clientId
 * @property {string} clientSecret
 * @property {string} redisUrl
 * @property {string | undefined} caPath - PEM bundle to trust (the emulator's CA); the system's CAs otherwise
 * @property {boolean} instanceDiscovery - false for the emulator or a custom domain
 * @property {string[]} scopes - what /profile needs a token for
 * @property {number} sessionTtlSeconds - how long a signed-in session lives in Redis
 * @property {string} keyPrefix - first part of every Redis key the app writes
 * @property {string | undefined} instanceName - shown on the pages, to see which instance answered
 */

/**
 * @param {string} name
 * @param {string | undefined} value
 * @returns {string}
 */
function required(name, value) {
  if (value === undefined || value.trim() === '') throw new Error(`${name} is required (see examples/web-app/README.md)`);
  return value.trim();
}

/**
 * @param {string} name
 * @param {string | undefined} value
 * @param {number} fallback
 * @param {number} min
 * @param {number} max
 */
function integer(name, value, fallback, min, max) {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}`);
  return n;
}

/**
 * @param {string} name
 * @param {string | undefined} value
 * @param {string[]} protocols
 * @returns {string | undefined}
 */
function url(name, value, protocols) {
  if (value === undefined || value === '') return undefined;
  if (!URL.canParse(value) || !protocols.includes(new URL(value).protocol)) {
    throw new Error(`${name} must be a ${protocols.join(' or ')} URL`);
  }
  return value.replace(/\/+$/, '');
}

/**
 * Reads the configuration.
 *
 * @param {NodeJS.ProcessEnv} env
 * @returns {WebAppConfig}
 */
export function readConfig(env = process.env) {
  const discovery = env.INSTANCE_DISCOVERY ?? 'true';
  if (discovery !== 'true' && discovery !== 'false') throw new Error('INSTANCE_DISCOVERY must be true or false');
  const scopes = (env.SCOPES ?? 'User.Read').split(/\s+/).filter((s) => s !== '');
  if (scopes.length === 0) throw new Error('SCOPES must name at least one scope');
  return {
    host: env.HOST || '127.0.0.1',
    port: integer('PORT', env.PORT, 3000, 0, 65535),
    publicUrl: url('PUBLIC_URL', env.PUBLIC_URL, ['http:', 'https:']),
    authority: /** @type {string} */ (url('AUTHORITY', required('AUTHORITY', env.AUTHORITY), ['https:'])),
    clientId: required('CLIENT_ID', env.CLIENT_ID),
    clientSecret: required('CLIENT_SECRET', env.CLIENT_SECRET),
    redisUrl: url('REDIS_URL', env.REDIS_URL, ['redis:', 'rediss:']) ?? 'redis://127.0.0.1:6379',
    caPath: env.CA_PATH || undefined,
    instanceDiscovery: discovery === 'true',
    scopes,
    sessionTtlSeconds: integer('SESSION_TTL_SECONDS', env.SESSION_TTL_SECONDS, 8 * 3600, 60, 30 * 24 * 3600),
    keyPrefix: env.REDIS_KEY_PREFIX || 'web-app',
    instanceName: env.INSTANCE_NAME || undefined,
  };
}
