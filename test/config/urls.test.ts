import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';

describe('service URLs', () => {
  it('reads REDIS_URL and DATABASE_URL, unset or blank meaning none', () => {
    expect(loadConfig({})).toMatchObject({ databaseUrl: null, redisUrl: null });
    expect(loadConfig({ REDIS_URL: ' ', DATABASE_URL: '' })).toMatchObject({ databaseUrl: null, redisUrl: null });
    expect(loadConfig({ REDIS_URL: 'rediss://:secret@cache:6380/2', DATABASE_URL: 'postgres://db/tickwork' })).toMatchObject({
      databaseUrl: 'postgres://db/tickwork',
      redisUrl: 'rediss://:secret@cache:6380/2',
    });
  });

  it.each([
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL must be a redis:// or rediss:// URL, got "localhost:"'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL is not a valid URL'],
    [{ DATABASE_URL: 'mysql://db/x' }, 'DATABASE_URL must be a postgres:// or postgresql:// URL, got "mysql:"'],
  ])('refuses %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(new ConfigError(message));
  });
});
