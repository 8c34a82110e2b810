// Browser storage faults: the store cleared behind the app's back (detected, restored
// from the server), the storage quota exhausted (a clear message, nothing corrupted,
// nothing confirmed lost), and two tabs of the same learner (one writer at a time).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { TrailpackServer } = require('../lib/server.js');
const { launch } = require('../lib/browser.js');
const { enroll, syncNow } = require('../lib/steps.js');

async function enrolledLearner(server, browser, email, name) {
  const learner = server.learner(email, name);
  const page = await browser.context.newPage();
  await enroll(page, server.url, learner.enrollment_code);
  await page.getByRole('link', { name: 'Start' }).waitFor();
  return { learner, page };
}

async function finishCards(page) {
  await page.getByRole('link', { name: 'Start' }).click();
  await page.getByRole('button', { name: 'Mark as done and continue' }).click();
  await page.getByRole('heading', { name: 'Protective equipment', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Mark as done and continue' }).click();
  await page.getByRole('heading', { name: 'Quick check', level: 1 }).waitFor();
}

test('a wiped store is detected and the progress comes back from the server', { timeout: 240000 }, async (t) => {
  const server = await new TrailpackServer().setup();
  const browser = await launch();
  t.after(async () => { await browser.close(); await server.close(); });
  const { learner, page } = await enrolledLearner(server, browser, 'wiped@example.com', 'Wren Wiped');
  await finishCards(page);
  await syncNow(page);
  const origin = server.url;
  await page.close();

  // Everything but localStorage is cleared: files (OPFS), IndexedDB, caches, the worker.
  const helper = await browser.context.newPage();
  const cdp = await browser.context.newCDPSession(helper);
  await cdp.send('Storage.clearDataForOrigin', { origin, storageTypes: 'file_systems,indexeddb,cache_storage,service_workers' });
  await helper.close();

  const again = await browser.context.newPage();
  await again.goto(`${origin}/`);
  await again.getByText('The learning data on this device was cleared').waitFor();
  const code = JSON.parse(server.cli('users', 'add', '--db', server.db, '--email', 'wiped@example.com', '--name', 'Wren Wiped',
    '--enrollment-code', '--json')).enrollment_code;
  await again.locator('#code').fill(code);
  await again.getByRole('button', { name: 'Enroll this device' }).click();
  await again.getByRole('link', { name: 'Workplace safety basics' }).click();
  // The two cards done before the wipe are done again: pulled from the server.
  await again.waitForFunction(() => [...document.querySelectorAll('.items li')].slice(0, 2).every((li) => /Done/.test(li.textContent)),
    null, { timeout: 30000 }).catch(async () => {
    await again.reload();
    await again.waitForFunction(() => [...document.querySelectorAll('.items li')].slice(0, 2).every((li) => /Done/.test(li.textContent)));
  });
  assert.ok((await server.statementsOf(learner.id)).length >= 3);
  assert.deepEqual(browser.errors, []);
});

test('an exhausted quota gives a clear message and corrupts nothing', { timeout: 240000 }, async (t) => {
  const server = await new TrailpackServer().setup();
  const browser = await launch();
  t.after(async () => { await browser.close(); await server.close(); });
  const { page } = await enrolledLearner(server, browser, 'full@example.com', 'Fen Full');
  await server.stop();
  const cdp = await browser.context.newCDPSession(page);
  const usage = await cdp.send('Storage.getUsageAndQuota', { origin: server.url });
  // Leave a few kilobytes: the first write that needs a new page fails.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: server.url, quotaSize: usage.usage + 4096 });
  await page.getByRole('link', { name: 'Start' }).click();
  // Fill the store with settings of shrinking sizes until even small writes are refused.
  const confirmed = [];
  let refused = null;
  for (const size of [200000, 50000, 10000, 2000, 500]) {
    for (let i = 0; i < 200; i++) {
      const key = `filler-${size}-${i}`;
      const r = await page.evaluate(async ({ key, size }) => {
        try {
          return { ok: await window.__trailpack.engine.call('app.put', { key, value: 'x'.repeat(size) }) };
        } catch (e) { return { code: e.code, message: e.message }; }
      }, { key, size });
      if (r.ok) confirmed.push({ key, size });
      else { refused = r; break; }
    }
  }
  assert.ok(refused, 'a write was refused once the quota was reached');
  assert.equal(refused.code, 'storage_full', JSON.stringify(refused));
  // The learner sees a plain message when an action fails for lack of space.
  await page.getByRole('button', { name: 'Mark as done and continue' }).click();
  await page.getByText('This device is out of storage.').waitFor();
  // Space comes back: the store is intact and everything confirmed is there.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: server.url });
  await page.reload();
  await page.locator('.item-view h1').waitFor();
  const check = await page.evaluate(async (list) => {
    for (const { key, size } of list) {
      const v = await window.__trailpack.engine.call('app.get', { key });
      if (!v || v.length !== size) return key;
    }
    return true;
  }, confirmed);
  assert.equal(check, true, `all ${confirmed.length} confirmed writes survived`);
  const opened = await page.evaluate(() => document.body.dataset.ready);
  assert.equal(opened, 'true');
  await page.getByRole('button', { name: 'Mark as done and continue' }).click();
  await page.getByRole('heading', { name: 'Protective equipment', level: 1 }).waitFor();
});

test('two tabs of the same learner: one writer at a time, no lost answers', { timeout: 240000 }, async (t) => {
  const server = await new TrailpackServer().setup();
  const browser = await launch();
  t.after(async () => { await browser.close(); await server.close(); });
  const { page } = await enrolledLearner(server, browser, 'tabs@example.com', 'Tab Twice');
  const second = await browser.context.newPage();
  await second.goto(`${server.url}/`);
  await second.getByText('Trailpack is already open in another tab').waitFor({ timeout: 20000 });
  // The first tab keeps working.
  await finishCards(page);
  await page.close();
  // Once the first tab is gone, the second one opens the store and sees every answer.
  await second.reload();
  await second.getByRole('link', { name: 'Workplace safety basics' }).click();
  await second.waitForFunction(() => [...document.querySelectorAll('.items li')].slice(0, 2).every((li) => /Done/.test(li.textContent)));
});
