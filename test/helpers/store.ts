import { afterAll, beforeAll, expect } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { InProcessEventBus } from '../../src/events/index.js';
import { createStore, databaseIdGenerator, PrismaAccountStore, type ID, type PrismaStore, type RunEvent } from '../../src/store/index.js';
import { createTestDatabase } from './database.js';

/** A store on this test file's own database, with the events it publishes collected. */
export interface StoreFixture {
  db: Database;
  store: PrismaStore;
  bus: InProcessEventBus;
  published: RunEvent[];
  accounts: PrismaAccountStore;
  /** A new org with one user: every test owns its tenant and never looks at anyone else's data. */
  tenant(): Promise<{ orgId: ID; userId: ID }>;
  close(): Promise<void>;
}

export async function openStore(): Promise<StoreFixture> {
  const db = await createTestDatabase();
  const bus = new InProcessEventBus();
  const published: RunEvent[] = [];
  bus.subscribe((event) => published.push(event));
  const store = await createStore(db.prisma, bus);
  const accounts = new PrismaAccountStore(db.prisma, await databaseIdGenerator(db.prisma));
  return {
    db,
    store,
    bus,
    published,
    accounts,
    async tenant() {
      const org = await accounts.createOrg('org');
      const user = await accounts.createUser(org.id, 'user');
      return { orgId: org.id, userId: user.id };
    },
    async close() {
      await store.close();
      await db.close();
    },
  };
}

/** The store of this test file: opened before its tests, closed after them. */
export function useStore(): StoreFixture {
  const fixture = {} as StoreFixture;
  beforeAll(async () => {
    Object.assign(fixture, await openStore());
  });
  afterAll(() => fixture.close());
  return fixture;
}

export const BODY = 'from(bucket: "b")\n  |> range(start: -1h)\n';

/** A script whose `option task` record has these fields. */
export function script(fields: string, body = BODY): string {
  return `option task = {${fields}}\n${body}`;
}

/** The spec's S: every minute. */
export const S = script('name: "a task", cron: "* * * * *"');

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** Rejects with exactly this class and text. */
export async function expectError(promise: Promise<unknown>, type: abstract new (...args: never[]) => Error, message: string): Promise<void> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(type);
  expect(error.message).toBe(message);
}
