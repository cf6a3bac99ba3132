import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { formatId } from '../../src/store/id.js';
import { createTestDatabase } from '../helpers/database.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { setState, taskWithRun } from '../helpers/subscriptions.js';
import { seedTenant } from '../helpers/tenant.js';

// GraphiQL as a person uses it, in Debian's Chromium: token in the headers editor, a query, a subscription.

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Replaces an editor's text; Monaco auto-closes brackets, so whatever it added after the cursor goes. */
async function typeInto(page: Page, editor: string, text: string): Promise<void> {
  await page.locator(editor).click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
  await page.keyboard.press('Shift+Control+End');
  await page.keyboard.press('Delete');
}

async function run(page: Page, query: string): Promise<void> {
  await typeInto(page, '.graphiql-query-editor', query);
  await page.getByRole('button', { name: /Execute query/ }).click();
}

/** The result pane's text; Monaco renders spaces as no-break spaces. */
const response = async (page: Page) => (await page.locator('.graphiql-response').innerText()).replace(/\s+/g, ' ');

describe.skipIf(!existsSync(CHROMIUM))('GraphiQL in Chromium', () => {
  let db: Database;
  let server: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startTestServer(db);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await db?.close();
  });

  it('runs a query and shows a subscription\'s live event, with the token from the headers editor', async () => {
    const tenant = await seedTenant(server.app.services.accounts);
    const base = await taskWithRun(server.app.services.store, tenant);
    const page = await browser.newPage();
    await page.goto(`${server.origin}/graphql`);

    await page.getByRole('button', { name: 'Headers' }).click();
    await typeInto(page, '.graphiql-editor-tool .graphiql-editor:not(.hidden)', JSON.stringify({ Authorization: `Bearer ${tenant.token}` }));
    await run(page, '{ viewer { orgId } }');
    await expect.poll(() => response(page)).toContain(`"orgId": "${tenant.hex.orgId}"`);

    const subscribed = server.app.services.bus.size + 1;
    await run(page, `subscription { runStateChanged(taskId: "${formatId(base.taskId)}") { status } }`);
    await expect.poll(() => server.app.services.bus.size).toBe(subscribed);
    await setState(server.app.services.store, base, 'started');
    await expect.poll(() => response(page)).toContain('"status": "STARTED"');
  });
});
