/**
 * What the interactive sign-in pages remember: browser sessions (a cookie naming the signed-in user, for SSO, and the
 * CSRF token of its forms), sign-ins in progress ("interactions", one per authorize request or entered device code),
 * and the consent each user has given each app. In memory, like the other stores.
 */
import { timingSafeEqual } from 'node:crypto';
import type { EmulatorApp } from './config.js';
import type { TenantRef } from './directory.js';
import { randomToken } from './ids.js';

const SESSION_SECONDS = 24 * 3600;
const INTERACTION_SECONDS = 3600;
const SWEEP_AT = 10_000;

/** One browser's session with the emulator. */
export interface BrowserSession {
  id: string;
  /** Hidden in every form of this session and checked on every POST. */
  csrf: string;
  /** The user signed in in this browser, once one has entered a password. */
  username: string | undefined;
  authTime: number | undefined;
  expiresAt: number;
}

/** How an authorize interaction answers the app when it finishes. */
export interface AuthorizeTarget {
  redirectUri: string;
  mode: 'query' | 'fragment' | 'form_post';
  state: string | undefined;
  nonce: string | undefined;
  codeChallenge: string | undefined;
  codeChallengeMethod: 'S256' | 'plain' | undefined;
  wantsClientInfo: boolean;
}

/** A sign-in in progress, bound to the browser session that started it. */
export interface Interaction {
  id: string;
  sessionId: string;
  app: EmulatorApp;
  tenant: TenantRef;
  scope: string;
  /** The username to prefill (`login_hint`). */
  loginHint: string | undefined;
  /** `prompt=login`: a password is needed even with a signed-in session. */
  forceLogin: boolean;
  /** `prompt=consent`: the consent page is shown even when consent was given before. */
  forceConsent: boolean;
  /** `prompt=select_account`, and every device code sign-in: the signed-in user is offered, not assumed. */
  pickAccount: boolean;
  target: { kind: 'authorize'; authorize: AuthorizeTarget } | { kind: 'device'; userCode: string };
  /** Set once the user is known for this interaction (password entered, or session account chosen). */
  username: string | undefined;
  authTime: number | undefined;
  consented: boolean;
  expiresAt: number;
}

/** The fields a new interaction starts with. */
export type NewInteraction = Omit<Interaction, 'id' | 'username' | 'authTime' | 'consented' | 'expiresAt'>;

function sweep<T extends { expiresAt: number }>(map: Map<string, T>, now: number): void {
  if (map.size < SWEEP_AT) return;
  for (const [k, v] of map) if (v.expiresAt < now) map.delete(k);
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Parses a `Cookie` header into name/value pairs (first occurrence wins). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name !== '' && !out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

/** Sessions, interactions and consents of one emulator. */
export class SignInState {
  private readonly sessions = new Map<string, BrowserSession>();
  private readonly interactions = new Map<string, Interaction>();
  /** `username|clientId` (username lower-cased) to the consented items. */
  private readonly consents = new Map<string, Set<string>>();

  /** @param cookieName - Includes the port: browsers share cookies across ports of one host. */
  constructor(readonly cookieName: string) {}

  /** The live session named by the request's cookie, if any. */
  session(cookieHeader: string | undefined, now: number): BrowserSession | undefined {
    const id = parseCookies(cookieHeader).get(this.cookieName);
    if (id === undefined) return undefined;
    const s = this.sessions.get(id);
    if (s === undefined || s.expiresAt < now) return undefined;
    return s;
  }

  /** A new, anonymous session; the caller sets its cookie with {@link setCookie}. */
  newSession(now: number): BrowserSession {
    sweep(this.sessions, now);
    const s: BrowserSession = { id: randomToken(32), csrf: randomToken(32), username: undefined, authTime: undefined, expiresAt: now + SESSION_SECONDS };
    this.sessions.set(s.id, s);
    return s;
  }

  /** The `Set-Cookie` value for `session`: host-only, HTTPS-only, not readable by script, not sent cross-site on POST. */
  setCookie(session: BrowserSession): string {
    return `${this.cookieName}=${session.id}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=${SESSION_SECONDS}`;
  }

  /** Whether a submitted CSRF token is the session's. */
  csrfMatches(session: BrowserSession, submitted: string | null): boolean {
    return submitted !== null && sameSecret(session.csrf, submitted);
  }

  /** Starts an interaction. */
  start(fields: NewInteraction, now: number): Interaction {
    sweep(this.interactions, now);
    const i: Interaction = { ...fields, id: randomToken(24), username: undefined, authTime: undefined, consented: false, expiresAt: now + INTERACTION_SECONDS };
    this.interactions.set(i.id, i);
    return i;
  }

  /** The live interaction `id` of `session`, if any. */
  interaction(id: string | null, session: BrowserSession, now: number): Interaction | undefined {
    if (id === null) return undefined;
    const i = this.interactions.get(id);
    if (i === undefined || i.expiresAt < now || i.sessionId !== session.id) return undefined;
    return i;
  }

  /** Ends an interaction (it finished or was cancelled); its forms no longer work. */
  end(interaction: Interaction): void {
    this.interactions.delete(interaction.id);
  }

  /** Whether `username` has consented to every item for `clientId`. */
  hasConsent(username: string, clientId: string, items: readonly string[]): boolean {
    const granted = this.consents.get(`${username.toLowerCase()}|${clientId}`);
    return granted !== undefined && items.every((i) => granted.has(i));
  }

  /** Records consent to `items`, adding to what was granted before. */
  grantConsent(username: string, clientId: string, items: readonly string[]): void {
    const key = `${username.toLowerCase()}|${clientId}`;
    const granted = this.consents.get(key) ?? new Set<string>();
    for (const i of items) granted.add(i);
    this.consents.set(key, granted);
  }
}
