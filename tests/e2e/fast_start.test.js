// The first lesson shows without waiting for the wasm engine: on a warm start the app
// paints the learner's last card from cached data, and the engine arrives after it.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { TrailpackServer } = require('../lib/server.js');
const { launch } = require('../lib/browser.js');
const { enroll } = require('../lib/steps.js');

test('a warm start paints the last lesson before the engine is ready', { timeout: 180000 }, async (t) => {
  const server = await new TrailpackServer().setup();
  const browser = await launch();
  t.after(async () => { await browser.close(); await server.close(); });
  const learner = server.learner('quick@example.com', 'Quinn Quick');
  const page = await browser.context.newPage();
  await enroll(page, server.url, learner.enrollment_code);
  await page.getByRole('link', { name: 'Start' }).click();
  await page.getByRole('heading', { name: 'Why this matters', level: 1 }).waitFor();

  // Record when the lesson text appears and when the engine is ready, from the first byte.
  await page.addInitScript(() => {
    window.__marks = {};
    new MutationObserver(() => {
      const m = window.__marks;
      if (!m.lesson && document.querySelector('.item-view p')) m.lesson = { at: performance.now(), preview: !!document.querySelector('[data-preview]') };
      if (!m.ready && document.body && document.body.dataset.ready) m.ready = performance.now();
    }).observe(document, { subtree: true, childList: true, attributes: true });
  });
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 6 });
  await server.stop();  // warm and offline: everything comes from the device
  await page.reload();
  await page.waitForFunction(() => window.__marks && window.__marks.ready && window.__marks.lesson, null, { timeout: 60000 });
  const marks = await page.evaluate(() => window.__marks);
  assert.equal(marks.lesson.preview, true, 'the lesson was painted from the preview');
  assert.ok(marks.lesson.at < marks.ready, `lesson at ${Math.round(marks.lesson.at)} ms, engine ready at ${Math.round(marks.ready)} ms`);
  // Once the engine is ready the real, interactive screen replaces the preview.
  await page.getByRole('button', { name: 'Mark as done and continue' }).waitFor();
  assert.equal(await page.locator('[data-preview]').count(), 0);
  assert.deepEqual(browser.errors, []);
});
