/**
 * The form posts of the interactive sign-in pages: password, account picker and consent. Each must come with the
 * browser session's cookie, the session's CSRF token and a live interaction of that session.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { EmulatorContext } from '../context.js';
import type { EmulatorRequest, EmulatorResponse } from '../http.js';
import type { Route } from '../router.js';
import { advance, answerConsent, retryPassword } from '../sign-in-flow.js';
import { signInProblemPage } from '../sign-in-pages.js';
import type { BrowserSession, Interaction } from '../sign-in-state.js';

function samePassword(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

type Step = (ctx: EmulatorContext, req: EmulatorRequest, session: BrowserSession, interaction: Interaction) => EmulatorResponse;

/** Checks session, CSRF token and interaction, then runs `step`. */
function formStep(step: Step): Route['handle'] {
  return (ctx, req) => {
    const now = ctx.now();
    const session = ctx.signIn.session(req.headers.cookie, now);
    if (session === undefined) {
      return signInProblemPage(400, 'Your sign-in session has expired, or this browser does not keep cookies. Start the sign-in again from the app.');
    }
    if (!ctx.signIn.csrfMatches(session, req.form.get('csrf'))) {
      return signInProblemPage(403, 'This request could not be verified. Start the sign-in again from the app.');
    }
    const interaction = ctx.signIn.interaction(req.form.get('flow'), session, now);
    if (interaction === undefined) {
      return signInProblemPage(400, 'This sign-in has expired or has already finished. Start it again from the app.');
    }
    return step(ctx, req, session, interaction);
  };
}

const password: Step = (ctx, req, session, interaction) => {
  const username = (req.form.get('username') ?? '').trim();
  const user = username === '' ? undefined : ctx.directory.user(username);
  if (user === undefined) {
    return retryPassword(
      session,
      interaction,
      username === '' ? undefined : username,
      "AADSTS50034: We couldn't find an account with that username. Check it and try again.",
    );
  }
  if (!samePassword(user.password, req.form.get('password') ?? '')) {
    return retryPassword(session, interaction, user.username, 'AADSTS50126: Your account or password is incorrect.');
  }
  const now = ctx.now();
  session.username = user.username;
  session.authTime = now;
  interaction.username = user.username;
  interaction.authTime = now;
  return advance(ctx, req, session, interaction);
};

const account: Step = (ctx, req, session, interaction) => {
  if (req.form.get('choice') === 'continue' && session.username !== undefined) {
    interaction.username = session.username;
    interaction.authTime = session.authTime;
  } else {
    interaction.forceLogin = true;
    interaction.loginHint = undefined;
  }
  return advance(ctx, req, session, interaction);
};

const consent: Step = (ctx, req, session, interaction) => {
  const action = req.form.get('action');
  if (action !== 'accept' && action !== 'cancel') return advance(ctx, req, session, interaction);
  return answerConsent(ctx, req, session, interaction, action === 'accept');
};

/** The sign-in form routes. Not counted or faulted: they are the inside of the authorize and devicelogin pages. */
export const signInRoutes: Route[] = [
  { methods: ['POST'], pattern: /^\/signin\/password$/, endpoint: undefined, handle: formStep(password) },
  { methods: ['POST'], pattern: /^\/signin\/account$/, endpoint: undefined, handle: formStep(account) },
  { methods: ['POST'], pattern: /^\/signin\/consent$/, endpoint: undefined, handle: formStep(consent) },
];
