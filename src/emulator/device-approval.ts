/**
 * Finishing a device code flow: approval (by the sign-in page, the admin API or `emulator.approveDeviceCode`) and
 * denial. The client's next poll sees the outcome.
 */
import type { EmulatorContext } from './context.js';

/**
 * Approves a pending device code for `username` (a no-op when it is already approved for that user, as `autoApprove`
 * does). Throws RangeError naming the argument when the code is unknown, expired or otherwise no longer pending, or
 * the user cannot sign in to the code's tenant. `authTime` is when the user entered their password (earlier than now
 * after single sign-on).
 */
export function approveDeviceCode(ctx: EmulatorContext, userCode: string, username: string, authTime = ctx.now()): void {
  const record = ctx.stores.deviceCodeByUserCode(userCode);
  if (record === undefined) throw new RangeError(`userCode: no device code with user code ${userCode}`);
  // `autoApprove` approves codes as they are issued; a caller approving one as that same user is not a conflict.
  if (record.status === 'approved' && record.username?.toLowerCase() === username.toLowerCase()) return;
  if (record.status !== 'pending') throw new RangeError(`userCode: device code ${userCode} is already ${record.status}`);
  if (ctx.now() > record.expiresAt) throw new RangeError(`userCode: device code ${userCode} has expired`);
  const user = ctx.directory.user(username);
  if (user === undefined) throw new RangeError(`username: no configured user ${username}`);
  if (record.tenantId !== undefined && ctx.directory.membership(user, record.tenantId) === undefined) {
    throw new RangeError(`username: ${username} is not a member or guest of tenant ${record.tenantId}`);
  }
  record.status = 'approved';
  record.username = user.username;
  record.authTime = authTime;
}

/** Declines a pending device code (the user pressed "Cancel"); the next poll gets access_denied. */
export function denyDeviceCode(ctx: EmulatorContext, userCode: string): void {
  const record = ctx.stores.deviceCodeByUserCode(userCode);
  if (record === undefined) throw new RangeError(`userCode: no device code with user code ${userCode}`);
  if (record.status !== 'pending') throw new RangeError(`userCode: device code ${userCode} is already ${record.status}`);
  record.status = 'denied';
}
