import { createServer } from 'node:net';
import { expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config.js';
import { RedisTransport } from '../../src/events/redis-transport.js';
import { createLogger } from '../../src/server/logger.js';

async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

it('fails to start, naming REDIS_URL, when Redis is unreachable', async () => {
  const port = await closedPort();
  const transport = new RedisTransport(`redis://127.0.0.1:${port}`, 'tickwork:test', createLogger('silent'));
  const failure = transport.listen(() => {});
  await expect(failure).rejects.toBeInstanceOf(ConfigError);
  await expect(failure).rejects.toThrow(`REDIS_URL: cannot reach 127.0.0.1:${port}`);
});
