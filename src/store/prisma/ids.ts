import type { PrismaClient } from '../../db/prisma.js';
import { IdGenerator } from '../id.js';

/** An ID generator whose machine number the database hands out, so processes sharing it never collide. */
export async function databaseIdGenerator(prisma: PrismaClient): Promise<IdGenerator> {
  const [row] = await prisma.$queryRaw<{ n: number }[]>`SELECT nextval('tickwork_machine_id')::int AS n`;
  return new IdGenerator(row!.n);
}
