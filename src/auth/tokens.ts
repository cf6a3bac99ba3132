import { ConfigError } from '../config/config.js';
import type { PrismaClient } from '../db/prisma.js';
import { StoreError } from '../store/errors.js';
import { parseId, type ID } from '../store/id.js';
import type { AccountStore, Permission } from '../store/types.js';
import type { SetupResult } from './setup.js';

export interface TokenRequest {
  permissions: Permission[];
  /** Hex IDs; without them: the only org, and its first user. */
  org?: string;
  user?: string;
  description?: string;
}

async function onlyOrg(prisma: PrismaClient): Promise<ID> {
  const orgs = await prisma.org.findMany({ select: { id: true }, take: 2 });
  if (orgs.length !== 1) throw new ConfigError(orgs.length === 0 ? 'no org yet: run `tickwork setup` first' : 'several orgs: pass --org <id>');
  return orgs[0]!.id;
}

async function firstUser(prisma: PrismaClient, orgId: ID): Promise<ID> {
  const user = await prisma.user.findFirst({ where: { orgId }, orderBy: { createdAt: 'asc' }, select: { id: true } });
  if (!user) throw new ConfigError('the org has no user: pass --user <id>');
  return user.id;
}

/** A new token with exactly these permissions; bad input becomes a one-line ConfigError. */
export async function createToken(prisma: PrismaClient, accounts: AccountStore, req: TokenRequest): Promise<SetupResult> {
  try {
    const orgId = req.org ? parseId(req.org) : await onlyOrg(prisma);
    const userId = req.user ? parseId(req.user) : await firstUser(prisma, orgId);
    return await accounts.createToken({ orgId, userId, permissions: req.permissions, description: req.description ?? '' });
  } catch (err) {
    if (err instanceof StoreError) throw new ConfigError(err.message);
    throw err;
  }
}
