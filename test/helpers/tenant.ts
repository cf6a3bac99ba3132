import { randomBytes } from 'node:crypto';
import { formatId, type ID } from '../../src/store/id.js';
import { PERMISSIONS, type AccountStore, type Permission } from '../../src/store/types.js';

export interface Tenant {
  orgId: ID;
  userId: ID;
  token: string;
  /** HTTP headers carrying the token. */
  headers: Record<string, string>;
  /** Another token of the same user with only these permissions. */
  tokenWith(permissions: Permission[]): Promise<string>;
  hex: { orgId: string; userId: string };
}

/** Each test seeds its own org, user and token and works only inside it (no shared state, no resets). */
export async function seedTenant(accounts: AccountStore, permissions: Permission[] = [...PERMISSIONS]): Promise<Tenant> {
  const suffix = randomBytes(3).toString('hex');
  const org = await accounts.createOrg(`org-${suffix}`);
  const user = await accounts.createUser(org.id, `user-${suffix}`);
  const tokenWith = async (perms: Permission[]) =>
    (await accounts.createToken({ orgId: org.id, userId: user.id, permissions: perms })).token;
  const token = await tokenWith(permissions);
  return {
    orgId: org.id,
    userId: user.id,
    token,
    headers: { authorization: `Bearer ${token}` },
    tokenWith,
    hex: { orgId: formatId(org.id), userId: formatId(user.id) },
  };
}
