/**
 * The transport seam. Every network call msal-ts makes goes through an {@link HttpClient}, so a user can supply their
 * own (a corporate proxy stack, a test double), as MSAL Python's `http_client` allows.
 */

/** One HTTP request. `body` is already encoded (form or JSON); the client sends it as is. */
export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  /** Header names are case-insensitive; msal-ts sends them lower-cased. */
  headers: Record<string, string>;
  body?: string | undefined;
  /** Aborts the request; the client rejects with the signal's reason or a {@link RequestAbortedError}. */
  signal?: AbortSignal | undefined;
}

/** One HTTP response, fully read. Header names are lower-cased. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends requests. Implementations must resolve for every HTTP status (errors are the caller's to interpret) and
 * reject only when no response was received, with a `NetworkError`, `RequestTimeoutError` or `RequestAbortedError`.
 */
export interface HttpClient {
  send(request: HttpRequest): Promise<HttpResponse>;
}
