// A new version of the app: the service worker installs it in the background, the app
// offers "Reload", and after it the new version runs (the old shell cache is dropped).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { TrailpackServer, ROOT } = require('../lib/server.js');
const { launch } = require('../lib/browser.js');
const { enroll } = require('../lib/steps.js');

test('a new app version is offered and taken on "Reload"', { timeout: 180000 }, async (t) => {
  const site = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-site-'));
  fs.cpSync(path.join(ROOT, 'build', 'site'), site, { recursive: true });
  const server = await new TrailpackServer({ site }).setup();
  const browser = await launch();
  t.after(async () => { await browser.close(); await server.close(); fs.rmSync(site, { recursive: true, force: true }); });
  const learner = server.learner('upd@example.com', 'Uma Update');
  const page = await browser.context.newPage();
  await enroll(page, server.url, learner.enrollment_code);
  await page.locator('.course-list').waitFor();
  await page.waitForFunction(() => navigator.serviceWorker && navigator.serviceWorker.controller);

  // Deploy version 2: a changed stylesheet and a new precache version.
  fs.appendFileSync(path.join(site, 'app', 'app.css'), '\n/* version 2 */\n');
  const manifest = path.join(site, 'sw-manifest.js');
  fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').replace(/version: "[0-9a-f]+"/, 'version: "v2-test"'));

  await page.reload();
  await page.getByText('A new version of Trailpack is ready.').waitFor({ timeout: 30000 });
  await page.getByRole('button', { name: 'Reload' }).click();
  await page.waitForFunction(async () => (await (await fetch('/app/app.css')).text()).includes('version 2'), null, { timeout: 30000 });
  const caches = await page.evaluate(async () => (await window.caches.keys()).filter((k) => k.startsWith('trailpack-shell-')));
  assert.deepEqual(caches, ['trailpack-shell-v2-test']);
  await page.locator('.course-list').waitFor();  // the learner's data is untouched
  assert.deepEqual(browser.errors, []);
});
