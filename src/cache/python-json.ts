/**
 * JSON text as MSAL Python writes its cache (`json.dumps(cache, indent=4)`): four-space indent, `", "` and `": "`
 * separators (which `JSON.stringify` with an indent already produces) and `ensure_ascii`, i.e. every character outside
 * printable ASCII escaped as a lower-case `\uXXXX`. Byte-identical output keeps a file shared with MSAL Python from
 * churning when either side rewrites it.
 */
const NON_ASCII = /[\u007f-\uffff]/g;

function escape(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Serializes `value` the way Python's `json.dumps(value, indent=4)` does (for the values a cache holds). */
export function toPythonJson(value: unknown): string {
  return JSON.stringify(value, null, 4).replace(NON_ASCII, escape);
}
