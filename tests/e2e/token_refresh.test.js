// An expired access token, met by two calls at once: a sync and a course download after
// weeks offline. A refresh token works once (the server revokes the device's tokens when
// one is used twice), so the Worker must refresh once and let both calls retry with the
// new pair. The expiry is made by answering 401 to every request carrying the token the
// device holds, as the server does past its 30 days.
'use strict';
const path = require('node:path');
const test = require('node:test');
const assert = require('node:assert/strict');
const { TrailpackServer, ROOT } = require('../lib/server.js');
const { launch } = require('../lib/browser.js');
const { enroll, syncNow } = require('../lib/steps.js');

test('an expired token met by a sync and a download at once is refreshed once, and the device stays signed in', { timeout: 180000 }, async (t) => {
  const server = await new TrailpackServer().setup();
  const browser = await launch();
  t.after(async () => { await browser.close(); await server.close(); });
  const learner = server.learner('field@example.com', 'Fran Field');
  const page = await browser.context.newPage();
  await enroll(page, server.url, learner.enrollment_code);
  await page.getByRole('heading', { name: 'Workplace safety basics' }).waitFor();
  await syncNow(page);

  // A second course is published; the next sync offers it.
  server.publish(server.pack(path.join(ROOT, 'docs', 'examples', 'donnees-essentiel')));
  const offer = page.locator('.available li[data-course="donnees-essentiel"]');
  for (let i = 0; i < 5 && !(await offer.count()); i++) {
    await page.reload();
    await page.locator('#sync-status').click();
    await offer.waitFor({ timeout: 5000 }).catch(() => {});
  }
  await offer.waitFor();
  // No sync in flight (its end re-renders the home screen, which would swallow a click).
  await page.waitForFunction(() => !document.querySelector('#sync-status').classList.contains('busy'));

  // From now on the token the device holds has expired.
  // The first two calls that carry it get their 401 together (each waits for the other),
  // so both are in flight before either can refresh.
  let expired = null;
  let refreshes = 0;
  const refused = [];
  let bothIn;
  const together = new Promise((resolve) => { bothIn = resolve; });
  await browser.context.route('**/api/v1/**', async (route) => {
    const request = route.request();
    if (request.url().endsWith('/api/v1/auth/refresh')) {
      refreshes++;
      await new Promise((r) => setTimeout(r, 1500));
      return route.continue();
    }
    const auth = await request.headerValue('authorization');
    if (auth && !expired) expired = auth;
    if (auth && auth === expired) {
      refused.push(new URL(request.url()).pathname);
      if (refused.length >= 2) bothIn();
      await Promise.race([together, new Promise((r) => setTimeout(r, 10000))]);
      return route.fulfill({ status: 401, contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'invalid_token', message: 'the access token has expired' } }) });
    }
    return route.continue();
  });

  // The download, and a sync while it waits for its answer.
  const pulled = browser.context.waitForEvent('response', (r) => r.url().endsWith('/api/v1/sync/pull') && r.status() === 200);
  await offer.getByRole('button').click();
  await page.locator('#sync-status').click();
  const synced = await pulled.then(() => true, () => false);
  assert.ok(refused.length >= 2, `both calls met the expired token: ${refused.join(', ')}`);
  assert.equal(refreshes, 1, 'one refresh for the two calls (a second use of the refresh token signs the device out)');
  assert.ok(synced, 'the sync went through with the new token');
  await page.getByRole('heading', { name: 'Protection des données : l’essentiel' }).waitFor({ timeout: 60000 });

  // Still signed in: the next sync goes through with the new token.
  const again = browser.context.waitForEvent('response', (r) => r.url().endsWith('/api/v1/sync/pull'));
  await page.locator('#sync-status').click();
  assert.equal((await again).status(), 200);
  assert.equal(refreshes, 1);
  assert.doesNotMatch(await page.locator('#sync-status').innerText(), /signed out/i);
  assert.deepEqual(browser.errors, []);
});
