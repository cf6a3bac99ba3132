import type { ID } from '../store/id.js';
import type { AccountStore, Authorization, Permission } from '../store/types.js';

/** Who is calling: the authorization behind the presented token. */
export type Viewer = Authorization;

export type AuthFailure = 'missing' | 'invalid';

export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
  constructor(readonly failure: AuthFailure) {
    super(failure === 'missing' ? 'authentication required: send "Authorization: Bearer <token>"' : 'invalid token');
  }
}

/** The secret from `Bearer <token>` or `Token <token>` (as InfluxDB clients send it). */
export function tokenFromHeader(header: string | null | undefined): string | null {
  const match = /^\s*(?:Bearer|Token)\s+(\S+)\s*$/i.exec(header ?? '');
  return match ? match[1]! : null;
}

export async function authenticate(accounts: AccountStore, header: string | null | undefined): Promise<Viewer> {
  const token = tokenFromHeader(header);
  if (!token) throw new AuthenticationError('missing');
  const viewer = await accounts.findAuthorization(token);
  if (!viewer) throw new AuthenticationError('invalid');
  return viewer;
}

export function hasPermission(viewer: Viewer, permission: Permission): boolean {
  return viewer.permissions.includes('admin') || viewer.permissions.includes(permission);
}

/** Tenancy in one place: another org's objects do not exist for the caller. */
export function visibleTo(viewer: Viewer, object: { orgId: ID }): boolean {
  return object.orgId === viewer.orgId;
}
