/**
 * The `Retry-After` response header (RFC 9110 section 10.2.3).
 */

/**
 * Parses `Retry-After` into seconds to wait.
 *
 * @param value - The header value: delay seconds, or an HTTP date.
 * @param now - Milliseconds since the epoch, for the date form.
 * @returns Whole seconds (0 for a date in the past), or `undefined` when absent or unparseable (a bad header is a
 *   hint lost, not a failed request).
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    const seconds = Number(text);
    return Number.isSafeInteger(seconds) ? seconds : undefined;
  }
  // Only the IMF-fixdate shape ("Sun, 06 Nov 1994 08:49:37 GMT") and its obsolete cousins end in GMT; Date.parse
  // alone would also accept "1" or "tomorrow"-like text in some engines.
  if (!/GMT$/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}
