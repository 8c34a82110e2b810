// Downloads on a bad network: the size is shown before downloading, an interrupted
// download keeps the files it verified, and the retry fetches only what is missing.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { TrailpackServer } = require('../lib/server.js');
const { launch } = require('../lib/browser.js');
const { enroll } = require('../lib/steps.js');

test('an interrupted download resumes with only the missing files', { timeout: 180000 }, async (t) => {
  const server = await new TrailpackServer().setup();
  const browser = await launch();
  t.after(async () => { await browser.close(); await server.close(); });
  const learner = server.learner('rural@example.com', 'Rae Rural');
  const offered = await server.api('GET', '/api/v1/courses', { token: await server.adminToken() });
  const manifest = JSON.parse(offered.json.courses[0].manifest);
  const image = manifest.files.find((f) => f.path.endsWith('.svg'));

  // The network drops while the image downloads, the first time.
  const fetched = [];
  let dropped = false;
  await browser.context.route('**/api/v1/files/**', async (route) => {
    const sha = route.request().url().split('/').pop();
    if (sha === image.sha256 && !dropped) { dropped = true; return route.abort('connectionreset'); }
    fetched.push(sha);
    return route.continue();
  });

  const page = await browser.context.newPage();
  await enroll(page, server.url, learner.enrollment_code);
  // Not installed; offered with its size.
  const offer = page.locator('.available li[data-course="safety-basics"]');
  await offer.waitFor();
  const total = manifest.files.reduce((n, f) => n + f.size, 0);
  const label = await offer.getByRole('button').innerText();
  assert.match(label, /^Download \(/);
  assert.equal(dropped, true);
  assert.deepEqual(fetched, [manifest.files.find((f) => f.path === 'course.json').sha256], 'course.json was verified and kept');

  await offer.getByRole('button').click();
  await page.getByRole('heading', { name: 'Workplace safety basics' }).waitFor();
  await page.locator('.course-list:not(.available) .course').waitFor();
  assert.deepEqual(fetched.slice(1), [image.sha256], 'the retry fetched only the missing image');
  assert.ok(total > 0);
  assert.equal(await page.locator('.available').count(), 0);
});
