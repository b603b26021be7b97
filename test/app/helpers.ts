// Shared helpers of the user-flow tests: apps wired to an emulator, a browser stand-in that follows the no-UI
// authorize redirect to the loopback server with plain HTTP requests, and an HttpClient wrapper that records requests
// and can rewrite responses (for faults the emulator cannot produce).
import { Agent, request } from 'undici';
import type { Emulator } from '../../src/emulator/index.js';
import { createHttpClient } from '../../src/http/undici-http-client.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../../src/http/http-client.js';
import { PublicClientApplication, type PublicClientApplicationOptions } from '../../src/app/public-client-application.js';

export const GRAPH_USER_READ = ['https://graph.microsoft.com/User.Read'];

/** Request counts per endpoint only ("token:<grant>" keys repeat the "token" count). */
export function total(counters: Record<string, number>): number {
  return Object.entries(counters)
    .filter(([k]) => !k.includes(':'))
    .reduce((sum, [, v]) => sum + v, 0);
}

/** An HttpClient that records every request and lets a test rewrite responses. */
export interface RecordingHttp extends HttpClient {
  readonly requests: HttpRequest[];
  /** Rewrites a response before the app sees it; return it unchanged to pass it through. */
  rewrite: ((req: HttpRequest, res: HttpResponse) => HttpResponse) | undefined;
  /** Requests whose URL contains `part`. */
  to(part: string): HttpRequest[];
}

export function recordingHttp(emulator: Emulator): RecordingHttp {
  const inner = createHttpClient({ verify: emulator.caPath });
  const requests: HttpRequest[] = [];
  const self: RecordingHttp = {
    requests,
    rewrite: undefined,
    to: (part) => requests.filter((r) => r.url.includes(part)),
    async send(req) {
      requests.push(req);
      const res = await inner.send(req);
      return self.rewrite === undefined ? res : self.rewrite(req, res);
    },
  };
  return self;
}

/** A public client app of the emulator's directory. */
export function makePca(emulator: Emulator, clientId: string, options: PublicClientApplicationOptions = {}): PublicClientApplication {
  return new PublicClientApplication(clientId, {
    authority: emulator.authority,
    verify: emulator.caPath,
    instanceDiscovery: false,
    ...options,
  });
}

/**
 * A browser stand-in: GETs the authorize URL (the emulator's no-UI mode answers with a redirect) and follows the
 * redirect to the loopback redirect URI, or submits a form_post page, with plain HTTP requests.
 */
export function fetchBrowser(emulator: Emulator): { open: (url: string) => Promise<void>; landed: string[]; close: () => Promise<void> } {
  const agent = new Agent({ connect: { ca: emulator.caPem } });
  const landed: string[] = [];
  const open = async (url: string): Promise<void> => {
    const res = await request(url, { method: 'GET', dispatcher: agent });
    const body = await res.body.text();
    const location = res.headers['location'];
    if (typeof location === 'string') {
      landed.push(location);
      const back = await request(location, { method: 'GET' });
      await back.body.text();
      return;
    }
    const action = /<form method="POST" action="([^"]+)"/.exec(body)?.[1];
    if (action === undefined) throw new Error(`the authorize endpoint answered ${res.statusCode} without a redirect`);
    const form = new URLSearchParams();
    for (const m of body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form.append(unescape(m[1] ?? ''), unescape(m[2] ?? ''));
    const target = unescape(action);
    landed.push(target);
    const back = await request(target, {
      method: 'POST',
      body: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    await back.body.text();
  };
  return { open, landed, close: () => agent.close() };
}

function unescape(html: string): string {
  return html.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

/** The redirect's query fields from a no-UI authorize request (for the auth code flow tests). */
export async function authorizeWithoutUi(emulator: Emulator, authUri: string): Promise<Record<string, string>> {
  const agent = new Agent({ connect: { ca: emulator.caPem } });
  try {
    const res = await request(authUri, { method: 'GET', dispatcher: agent });
    await res.body.text();
    const location = res.headers['location'];
    if (typeof location !== 'string') throw new Error(`the authorize endpoint answered ${res.statusCode} without a redirect`);
    return Object.fromEntries(new URL(location).searchParams);
  } finally {
    await agent.close();
  }
}
