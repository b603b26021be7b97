/**
 * `expires_on` in the forms servers send it: epoch seconds as a number or a numeric string (Entra v1, ADFS, most
 * managed identity sources) and App Service's `"11/22/2026 10:00:00 AM +00:00"` (2017-09-01 API version).
 */
import { InvalidResponseError } from '../errors.js';

// M/D/YYYY h:mm:ss AM|PM +HH:MM, as .NET's DateTimeOffset.ToString() writes it in the invariant culture.
const APP_SERVICE_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2}):(\d{2}) (AM|PM) ([+-])(\d{2}):(\d{2})$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Parses an `expires_on` value into epoch seconds.
 *
 * @param value - The server's value.
 * @param source - What the value came from, for the error (`"managed identity response"`).
 * @returns Whole epoch seconds.
 * @throws InvalidResponseError when the value is none of the known forms, or not a valid date.
 */
export function parseExpiresOn(value: unknown, source = 'token response'): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0 && Number.isSafeInteger(Math.floor(value))) return Math.floor(value);
    throw new InvalidResponseError(source, 'expires_on is not a non-negative finite number');
  }
  if (typeof value !== 'string') {
    throw new InvalidResponseError(source, `expires_on must be a number or a string, got ${describeType(value)}`);
  }
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) {
    const seconds = Math.floor(Number(text));
    if (Number.isSafeInteger(seconds)) return seconds;
    throw new InvalidResponseError(source, 'expires_on is out of range');
  }
  const m = APP_SERVICE_DATE.exec(text);
  if (m !== null) {
    const at = appServiceDate(m);
    if (at === undefined) throw new InvalidResponseError(source, 'expires_on is not a valid date');
    return at;
  }
  if (ISO_8601.test(text)) {
    const at = Date.parse(text);
    if (!Number.isNaN(at)) return Math.floor(at / 1000);
  }
  throw new InvalidResponseError(source, 'expires_on is neither epoch seconds nor a known date format');
}

/** Epoch seconds of a matched App Service date, or undefined when a field is out of range. */
function appServiceDate(m: RegExpExecArray): number | undefined {
  const [, mo, d, y, h12, mi, s, ampm, sign, oh, om] = m;
  const month = Number(mo);
  const day = Number(d);
  const year = Number(y);
  const hour12 = Number(h12);
  const minute = Number(mi);
  const second = Number(s);
  const offset = (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  if (month < 1 || month > 12 || day < 1 || hour12 < 1 || hour12 > 12 || minute > 59 || second > 59) return undefined;
  // Date.UTC rolls 31 February over into March; reject such dates instead of guessing.
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return undefined;
  const hour = (hour12 % 12) + (ampm === 'PM' ? 12 : 0);
  return Math.floor((Date.UTC(year, month - 1, day, hour, minute, second) - offset * 60_000) / 1000);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
