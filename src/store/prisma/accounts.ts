import { createHash, randomBytes } from 'node:crypto';
import type { PrismaClient } from '../../db/prisma.js';
import type { Token } from '../../generated/prisma/client.js';
import { OrgNotFoundError, UserNotFoundError, ValidationError } from '../errors.js';
import type { IdGenerator, ID } from '../id.js';
import { PERMISSIONS, type AccountStore, type Authorization, type Permission } from '../types.js';

const TOKEN_PREFIX = 'tw_';

/** Tokens are stored as SHA-256: they are random 256-bit secrets, so a slow hash buys nothing. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function toAuthorization(row: Token): Authorization {
  return {
    id: row.id,
    orgId: row.orgId,
    userId: row.userId,
    description: row.description,
    permissions: row.permissions as Permission[],
    createdAt: row.createdAt,
  };
}

export class PrismaAccountStore implements AccountStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly ids: IdGenerator,
  ) {}

  createOrg(name: string) {
    return this.prisma.org.create({ data: { id: this.ids.next(), name } });
  }

  async createUser(orgId: ID, name: string) {
    if (!(await this.prisma.org.findUnique({ where: { id: orgId }, select: { id: true } }))) throw new OrgNotFoundError();
    return this.prisma.user.create({ data: { id: this.ids.next(), orgId, name } });
  }

  async createToken(req: { orgId: ID; userId: ID; description?: string; permissions: Permission[] }) {
    const unknown = req.permissions.filter((p) => !PERMISSIONS.includes(p));
    if (unknown.length) throw new ValidationError(`unknown permission: ${unknown.join(', ')}`);
    const user = await this.prisma.user.findUnique({ where: { id: req.userId }, select: { orgId: true } });
    if (!user || user.orgId !== req.orgId) throw new UserNotFoundError();
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const row = await this.prisma.token.create({
      data: {
        id: this.ids.next(),
        orgId: req.orgId,
        userId: req.userId,
        description: req.description ?? '',
        secretHash: hashToken(token),
        permissions: [...new Set(req.permissions)],
      },
    });
    return { token, authorization: toAuthorization(row) };
  }

  async findAuthorization(token: string) {
    const row = await this.prisma.token.findUnique({ where: { secretHash: hashToken(token) } });
    return row ? toAuthorization(row) : null;
  }
}
