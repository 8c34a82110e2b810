// A shared device in the field: learner A answers offline and signs out (warned that
// answers are not synced yet; they are kept), learner B enrolls on the same device and
// has a separate store; A comes back and finds every answer, which then syncs.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { TrailpackServer } = require('../lib/server.js');
const { launch } = require('../lib/browser.js');
const { axeSerious } = require('../lib/audit.js');
const { enroll, syncNow } = require('../lib/steps.js');

test('two learners on one device: separate stores, sign-out keeps unsynced answers', { timeout: 240000 }, async (t) => {
  const server = await new TrailpackServer().setup();
  const browser = await launch();
  t.after(async () => { await browser.close(); await server.close(); });
  const a = server.learner('ana@example.com', 'Ana');
  const b = server.learner('ben@example.com', 'Ben');
  const page = await browser.context.newPage();
  const unsynced = () => page.evaluate(() => Number(document.querySelector('#sync-status').dataset.unsynced));

  // Ana enrolls, then works with the server down: two cards done and a quiz opened, not synced.
  await enroll(page, server.url, a.enrollment_code);
  await page.getByRole('link', { name: 'Start' }).click();
  await page.getByRole('heading', { name: 'Why this matters', level: 1 }).waitFor();
  await server.stop();
  await page.getByRole('button', { name: 'Mark as done and continue' }).click();
  await page.getByRole('button', { name: 'Mark as done and continue' }).click();
  await page.getByRole('heading', { name: 'Quick check', level: 1 }).waitFor();
  // Two cards and the quiz attempt the app opened: three statements wait to sync.
  await page.waitForFunction(() => Number(document.querySelector('#sync-status').dataset.unsynced) === 3);

  // Sign out: warned, with the count; the answers stay on the device.
  await page.getByRole('link', { name: 'Account' }).click();
  await page.getByRole('heading', { name: 'Account' }).waitFor();
  assert.deepEqual(await axeSerious(page), []);
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.getByText('3 answers are not synced yet. They stay safely on this device').waitFor();
  await page.getByRole('button', { name: 'Sign out anyway' }).click();
  await page.getByRole('heading', { name: 'Who is learning?' }).waitFor();
  assert.deepEqual(await axeSerious(page), []);

  // Ben enrolls on the same device (server back for his one-time enrollment).
  await server.start();
  await page.getByRole('button', { name: 'Add another learner' }).click();
  await page.locator('#code').fill(b.enrollment_code);
  await page.getByRole('button', { name: 'Enroll this device' }).click();
  await page.getByRole('link', { name: 'Start' }).waitFor();  // Ben has not started anything
  assert.equal(await unsynced(), 0, "Ben's store is his own");
  await page.getByRole('link', { name: 'Workplace safety basics' }).click();
  assert.match(await page.locator('.items li').first().innerText(), /To do/);

  // Back to Ana: her answers are all there, and sync.
  await page.getByRole('link', { name: 'Account' }).click();
  await page.getByRole('button', { name: 'Continue as Ana' }).click();
  await page.locator('.course-list').waitFor();
  await page.getByRole('link', { name: 'Workplace safety basics' }).click();
  assert.match(await page.locator('.items li').first().innerText(), /Done/);
  await syncNow(page);
  const held = await server.statementsOf(a.id);
  assert.equal(held.filter((s) => s.verb.id.endsWith('/experienced')).length, 2);
  assert.deepEqual(await server.statementsOf(b.id), []);
  assert.deepEqual(browser.errors, []);
});
