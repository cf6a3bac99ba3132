import { describe, expect, it } from 'vitest';
import { CachedAccountStore, forgetAuthorizationsOnDelete, TOKEN_CACHE_TTL_MS } from '../../src/auth/token-cache.js';
import type { AccountStore, Authorization } from '../../src/store/types.js';
import { useTestServer } from '../helpers/server.js';
import { seedTenant } from '../helpers/tenant.js';

const AUTH: Authorization = { id: 1n, orgId: 2n, userId: 3n, description: '', permissions: ['read:tasks'], createdAt: new Date(0) };

/** An account store that knows `known` tokens and counts lookups; `gate` holds lookups until released. */
function fakeAccounts(known = new Set(['good'])) {
  const lookups: string[] = [];
  let release: (() => void) | null = null;
  let gate: Promise<void> | null = null;
  const accounts = {
    createOrg: () => Promise.reject(new Error('unused')),
    createUser: () => Promise.reject(new Error('unused')),
    createToken: () => Promise.reject(new Error('unused')),
    async findAuthorization(token: string) {
      lookups.push(token);
      const found = known.has(token); // read now: the gate only delays the answer
      if (gate) await gate;
      return found ? { ...AUTH, permissions: [...AUTH.permissions] } : null;
    },
  } satisfies AccountStore;
  return {
    accounts,
    lookups,
    known,
    hold() {
      gate = new Promise((r) => (release = r));
    },
    release() {
      gate = null;
      release?.();
    },
  };
}

function clock() {
  const c = { t: 1_000_000, now: () => c.t };
  return c;
}

describe('token cache', () => {
  it('looks a known token up once per TTL', async () => {
    const f = fakeAccounts();
    const c = clock();
    const cache = new CachedAccountStore(f.accounts, TOKEN_CACHE_TTL_MS, 100, c.now);
    expect(await cache.findAuthorization('good')).toEqual(AUTH);
    c.t += TOKEN_CACHE_TTL_MS - 1;
    expect(await cache.findAuthorization('good')).toEqual(AUTH);
    expect(f.lookups).toHaveLength(1);
    c.t += 1;
    expect(await cache.findAuthorization('good')).toEqual(AUTH);
    expect(f.lookups).toHaveLength(2);
  });

  it('stops accepting a token deleted elsewhere within the TTL', async () => {
    const f = fakeAccounts();
    const c = clock();
    const cache = new CachedAccountStore(f.accounts, TOKEN_CACHE_TTL_MS, 100, c.now);
    await cache.findAuthorization('good');
    f.known.delete('good');
    c.t += TOKEN_CACHE_TTL_MS;
    expect(await cache.findAuthorization('good')).toBeNull();
  });

  it('never remembers an unknown token: one created later works at once', async () => {
    const f = fakeAccounts(new Set());
    const cache = new CachedAccountStore(f.accounts);
    expect(await cache.findAuthorization('new')).toBeNull();
    expect(await cache.findAuthorization('new')).toBeNull();
    expect(f.lookups).toEqual(['new', 'new']);
    f.known.add('new');
    expect(await cache.findAuthorization('new')).toEqual(AUTH);
  });

  it('shares one lookup between concurrent requests', async () => {
    const f = fakeAccounts();
    const cache = new CachedAccountStore(f.accounts);
    f.hold();
    const all = Promise.all([1, 2, 3].map(() => cache.findAuthorization('good')));
    f.release();
    expect(await all).toEqual([AUTH, AUTH, AUTH]);
    expect(f.lookups).toHaveLength(1);
  });

  it('forgetAll drops remembered tokens and does not keep a lookup that was in flight', async () => {
    const f = fakeAccounts();
    const cache = new CachedAccountStore(f.accounts);
    await cache.findAuthorization('good');
    f.hold();
    cache.forgetAll();
    const inFlight = cache.findAuthorization('good');
    cache.forgetAll();
    f.known.delete('good');
    f.release();
    expect(await inFlight).toEqual(AUTH); // read before the deletion, as without a cache
    expect(await cache.findAuthorization('good')).toBeNull();
    expect(f.lookups).toHaveLength(3);
  });

  it('hands out a frozen authorization, and keeps at most maxEntries tokens', async () => {
    const f = fakeAccounts(new Set(['a', 'b', 'c']));
    const cache = new CachedAccountStore(f.accounts, TOKEN_CACHE_TTL_MS, 2);
    const a = (await cache.findAuthorization('a'))!;
    expect(Object.isFrozen(a) && Object.isFrozen(a.permissions)).toBe(true);
    await cache.findAuthorization('b');
    await cache.findAuthorization('c'); // evicts a
    await cache.findAuthorization('a');
    expect(f.lookups).toEqual(['a', 'b', 'c', 'a']);
  });

  it('forgets on deleteOrg and deleteUser, after the deletion, failed or not', async () => {
    const f = fakeAccounts();
    const cache = new CachedAccountStore(f.accounts);
    const calls: string[] = [];
    const store = {
      deleteOrg: async () => void calls.push('org'),
      deleteUser: async () => {
        calls.push('user');
        throw new Error('user not found');
      },
    };
    forgetAuthorizationsOnDelete(store, cache);
    await cache.findAuthorization('good');
    await store.deleteOrg();
    await cache.findAuthorization('good');
    await expect(store.deleteUser()).rejects.toThrow('user not found');
    await cache.findAuthorization('good');
    expect(calls).toEqual(['org', 'user']);
    expect(f.lookups).toHaveLength(3);
  });
});

describe('token cache in the server', () => {
  const env = useTestServer();

  it('refuses the token of a user deleted through this process at once', async () => {
    const { services } = env.server.app;
    const tenant = await seedTenant(services.accounts);
    const other = await seedTenant(services.accounts);
    const query = '{ viewer { orgId } }';
    expect((await env.server.graphql(query, undefined, tenant.headers)).status).toBe(200);
    expect((await env.server.graphql(query, undefined, other.headers)).status).toBe(200);
    await services.store.deleteUser(tenant.userId);
    const res = await env.server.graphql(query, undefined, tenant.headers);
    expect(res.status).toBe(401);
    expect(res.body.errors![0]!.message).toBe('invalid token');
    await services.store.deleteOrg(other.orgId);
    expect((await env.server.graphql(query, undefined, other.headers)).status).toBe(401);
  });
});
