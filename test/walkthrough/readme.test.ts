import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli, type CliProcess } from '../helpers/process.js';
import { nextResult, wsClient, type Result } from '../helpers/subscriptions.js';

// The README's walkthrough, block by block and verbatim, against a real `tickwork serve` on the embedded
// database with its defaults (shell executor, first-start token): if the README stops being true, this fails.

const README = await readFile(new URL('../../README.md', import.meta.url), 'utf8');

function block(name: string): string {
  const match = new RegExp(`<!-- walkthrough:${name} -->\\n\`\`\`graphql\\n([\\s\\S]*?)\`\`\``).exec(README);
  if (!match) throw new Error(`README has no walkthrough:${name} block`);
  return match[1]!;
}

let home = '';
let server: CliProcess | null = null;
afterAll(async () => {
  server?.child.kill('SIGTERM');
  await server?.exited;
  await rm(home, { recursive: true, force: true });
});

async function post(origin: string, token: string, query: string) {
  const res = await fetch(`${origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  const body = await res.json();
  expect(body.errors).toBeUndefined();
  return body.data;
}

async function collect(it: AsyncIterator<Result>, until: (results: Result[]) => boolean, ms: number): Promise<Result[]> {
  const results: Result[] = [];
  const deadline = Date.now() + ms;
  while (!until(results)) results.push(await nextResult(it, Math.max(1, deadline - Date.now())));
  return results;
}

it('runs a newcomer\'s first shell task as the README says: scheduled → started → success, with its output', async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'tickwork-walkthrough-'));
  const env = { TICKWORK_DATA_DIR: path.join(home, 'data'), TICKWORK_TOKEN_FILE: path.join(home, 'admin-token'), PORT: '0' };
  server = runCli(['serve'], env);
  const origin = new URL((await server.waitForLog('Tickwork is ready at')).url as string).origin;
  const token = (await readFile(env.TICKWORK_TOKEN_FILE, 'utf8')).trim();

  const created = (await post(origin, token, block('create'))).createTask.data;
  expect(created).toMatchObject({ name: 'hello', every: '5s' });
  const withId = (name: string) => block(name).replace('TASK_ID', created.id);

  const client = wsClient(origin, token);
  try {
    const states = client.iterate({ query: withId('states') });
    const logs = client.iterate({ query: withId('logs') });
    const events = await collect(states, (r) => r.some((e) => e.data?.runStateChanged.status === 'SUCCESS'), 20_000);
    const runId = events.at(-1)!.data!.runStateChanged.run.id;
    const ofRun = events.map((e) => e.data!.runStateChanged).filter((e) => e.run.id === runId);
    expect(ofRun.map((e) => e.status)).toEqual(['SCHEDULED', 'STARTED', 'SUCCESS']);

    const lines = await collect(logs, (r) => r.some((e) => e.data?.runLogAdded.runId === runId && /Completed/.test(e.data?.runLogAdded.message)), 5_000);
    const messages = lines.map((e) => e.data!.runLogAdded).filter((e) => e.runId === runId).map((e) => e.message);
    const scheduledFor = ofRun[0]!.run.scheduledFor.replace('.000Z', 'Z');
    expect(messages).toContain(`hello from tickwork, run for ${scheduledFor}`);
    expect(messages[0]).toBe('Started');
    expect(messages.at(-1)).toBe('Completed successfully');
    await states.return?.();
    await logs.return?.();
  } finally {
    await client.dispose();
  }

  const history = (await post(origin, token, withId('history'))).task;
  const last = history.runs.edges.find((e: { node: { status: string } }) => e.node.status === 'SUCCESS').node;
  expect(last.logs.edges.map((e: { node: { message: string } }) => e.node.message)).toContain(
    `hello from tickwork, run for ${last.scheduledFor.replace('.000Z', 'Z')}`,
  );
}, 60_000);
