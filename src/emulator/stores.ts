/**
 * In-memory stores of what the emulator has handed out and must recognise later: authorization codes, refresh
 * tokens and device codes. Nothing is persisted: a restarted emulator has forgotten them, as a real tenant would
 * after revoking every session.
 */
import { randomToken, userCode } from './ids.js';

/** An authorization code and what it was issued for. */
export interface AuthorizationCodeRecord {
  clientId: string;
  redirectUri: string;
  scope: string;
  username: string;
  tenantId: string;
  nonce: string | undefined;
  codeChallenge: string | undefined;
  codeChallengeMethod: 'S256' | 'plain' | undefined;
  authTime: number;
  expiresAt: number;
  redeemed: boolean;
}

/** A refresh token and the session it continues. */
export interface RefreshTokenRecord {
  clientId: string;
  familyId: string | undefined;
  username: string;
  tenantId: string;
  /** When the user last signed in interactively; undefined after a non-interactive grant (ROPC, OBO). */
  authTime: number | undefined;
  issuedAt: number;
  lastUsedAt: number;
  expiresAt: number;
  revoked: boolean;
}

/** A device code and its approval state. */
export interface DeviceCodeRecord {
  deviceCode: string;
  userCode: string;
  clientId: string;
  /** The tenant the device code request named, or undefined for common/organizations. */
  tenantId: string | undefined;
  scope: string;
  expiresAt: number;
  interval: number;
  lastPollAt: number | undefined;
  status: 'pending' | 'approved' | 'denied' | 'redeemed';
  username: string | undefined;
  authTime: number | undefined;
}

const SWEEP_AT = 10_000;

function sweep<T extends { expiresAt: number }>(map: Map<string, T>, now: number): void {
  if (map.size < SWEEP_AT) return;
  for (const [k, v] of map) if (v.expiresAt < now) map.delete(k);
}

/** The three stores. */
export class GrantStores {
  readonly codes = new Map<string, AuthorizationCodeRecord>();
  readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  readonly deviceCodes = new Map<string, DeviceCodeRecord>();

  addCode(record: AuthorizationCodeRecord, now: number): string {
    sweep(this.codes, now);
    const code = `1.EMU.${randomToken(48)}`;
    this.codes.set(code, record);
    return code;
  }

  addRefreshToken(record: RefreshTokenRecord, now: number): string {
    sweep(this.refreshTokens, now);
    const token = `0.EMU.${randomToken(96)}`;
    this.refreshTokens.set(token, record);
    return token;
  }

  addDeviceCode(record: Omit<DeviceCodeRecord, 'deviceCode' | 'userCode'>, now: number): DeviceCodeRecord {
    sweep(this.deviceCodes, now);
    let code = userCode();
    while (this.deviceCodeByUserCode(code) !== undefined) code = userCode();
    const full: DeviceCodeRecord = { ...record, deviceCode: `DAQ.EMU.${randomToken(64)}`, userCode: code };
    this.deviceCodes.set(full.deviceCode, full);
    return full;
  }

  deviceCodeByUserCode(code: string): DeviceCodeRecord | undefined {
    const wanted = code.replace(/[\s-]/g, '').toUpperCase();
    for (const r of this.deviceCodes.values()) if (r.userCode === wanted) return r;
    return undefined;
  }

  /** Revokes every refresh token of a user (as a password reset does). Returns how many were revoked. */
  revokeUser(username: string): number {
    let n = 0;
    const name = username.toLowerCase();
    for (const r of this.refreshTokens.values()) {
      if (r.username.toLowerCase() === name && !r.revoked) {
        r.revoked = true;
        n += 1;
      }
    }
    return n;
  }
}
