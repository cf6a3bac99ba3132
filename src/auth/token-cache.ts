import { createHash } from 'node:crypto';
import type { ID } from '../store/id.js';
import type { AccountStore, Authorization, Permission } from '../store/types.js';

/**
 * How long this process keeps answering from a token it looked up. A token deleted by another process
 * (or in SQL) keeps working here for at most this long; deletions made through this process's store
 * (`deleteOrg`, `deleteUser`, see `forgetAuthorizationsOnDelete`) apply at once. WebSocket connections
 * are checked once at connect time and are not affected by this cache either way.
 */
export const TOKEN_CACHE_TTL_MS = 5_000;
/** Tokens remembered at once; the oldest entry goes first. */
export const TOKEN_CACHE_MAX_ENTRIES = 10_000;

interface Entry {
  expiresAt: number;
  lookup: Promise<Authorization | null>;
}

const freeze = (a: Authorization): Authorization => Object.freeze({ ...a, permissions: Object.freeze([...a.permissions]) as Permission[] });

/**
 * The account store with `findAuthorization` remembered for `TOKEN_CACHE_TTL_MS`: every GraphQL request
 * looked its token up in the database, one round trip of three for a plain read. Only known tokens are
 * remembered (a token created by another process works at once); concurrent requests with the same
 * token share one lookup. Keys are SHA-256 of the secret, so the cache holds no secrets.
 */
export class CachedAccountStore implements AccountStore {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by `forgetAll`: a lookup that started before it is returned to its caller but not kept. */
  private generation = 0;

  constructor(
    private readonly inner: AccountStore,
    private readonly ttlMs = TOKEN_CACHE_TTL_MS,
    private readonly maxEntries = TOKEN_CACHE_MAX_ENTRIES,
    private readonly now: () => number = Date.now,
  ) {}

  createOrg(name: string) {
    return this.inner.createOrg(name);
  }

  createUser(orgId: ID, name: string) {
    return this.inner.createUser(orgId, name);
  }

  createToken(req: { orgId: ID; userId: ID; description?: string; permissions: Permission[] }) {
    return this.inner.createToken(req);
  }

  findAuthorization(token: string): Promise<Authorization | null> {
    const key = createHash('sha256').update(token, 'utf8').digest('base64');
    const now = this.now();
    const cached = this.entries.get(key);
    if (cached && cached.expiresAt > now) return cached.lookup;
    if (cached) this.entries.delete(key);
    const generation = this.generation;
    const entry: Entry = { expiresAt: now + this.ttlMs, lookup: this.inner.findAuthorization(token).then((a) => (a ? freeze(a) : null)) };
    const forget = () => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    };
    entry.lookup.then((a) => (a && generation === this.generation ? undefined : forget()), forget);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, entry);
    return entry.lookup;
  }

  /** Forget every remembered token: call after deleting tokens (or the orgs and users that own them). */
  forgetAll(): void {
    this.generation++;
    this.entries.clear();
  }
}

/**
 * Deleting an org or a user deletes its tokens (ON DELETE CASCADE): make those deletions forget the
 * cached tokens as soon as they commit, so this process stops accepting them at once.
 */
export function forgetAuthorizationsOnDelete(store: { deleteOrg(orgId: ID): Promise<void>; deleteUser(userId: ID): Promise<void> }, accounts: CachedAccountStore): void {
  for (const method of ['deleteOrg', 'deleteUser'] as const) {
    const original = store[method].bind(store);
    store[method] = async (id: ID) => {
      try {
        await original(id);
      } finally {
        accounts.forgetAll();
      }
    };
  }
}
