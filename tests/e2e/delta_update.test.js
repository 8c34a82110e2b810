// Publishing version 2 of a course with one changed item: the dry run reports the item
// and the learners it touches; a device then downloads only the files it lacks (counted
// in files and bytes) and keeps the progress it made on unchanged items.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { TrailpackServer, ROOT } = require('../lib/server.js');
const { launch } = require('../lib/browser.js');
const { enroll, syncNow } = require('../lib/steps.js');

const V1 = path.join(ROOT, 'tests', 'fixtures', 'courses', 'safety-basics');

function makeV2() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-v2-'));
  fs.cpSync(V1, dir, { recursive: true });
  const course = JSON.parse(fs.readFileSync(path.join(dir, 'course.json'), 'utf8'));
  course.version = 2;
  fs.writeFileSync(path.join(dir, 'course.json'), JSON.stringify(course, null, 2));
  fs.appendFileSync(path.join(dir, 'cards', 'ppe.md'), '\nCheck the label: protective equipment has a use-by date.\n');
  return dir;
}

// The Worker's network events reach the test on their own CDP session, so they may arrive
// after the page shows the result: wait for them, then a little longer for any stragglers
// (so an extra fetch would still be counted).
async function arrived(condition) {
  for (const deadline = Date.now() + 10000; Date.now() < deadline && !condition();)
    await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 500));
}

test('version 2 with one changed item: only changed files travel, progress stays', { timeout: 240000 }, async (t) => {
  const server = await new TrailpackServer().setup();  // publishes version 1
  const browser = await launch();
  const v2dir = makeV2();
  t.after(async () => { await browser.close(); await server.close(); fs.rmSync(v2dir, { recursive: true, force: true }); });
  const learner = server.learner('delta@example.com', 'Dee Delta');
  const files = [];
  browser.context.on('request', (r) => { if (r.url().includes('/api/v1/files/')) files.push(r.url().split('/').pop()); });
  browser.context.on('requestfinished', async (r) => {
    if (!r.url().includes('/api/v1/files/')) return;
    const res = await r.response();
    files.bytes = (files.bytes || 0) + Number((await res.allHeaders())['content-length'] || 0);
  });

  const page = await browser.context.newPage();
  await enroll(page, server.url, learner.enrollment_code);
  await page.getByRole('heading', { name: 'Workplace safety basics' }).waitFor();
  await arrived(() => files.length >= 2);
  assert.equal(files.length, 2, 'version 1: course.json and the image');

  // Progress on version 1: both cards done, synced.
  await page.getByRole('link', { name: 'Start' }).click();
  await page.getByRole('button', { name: 'Mark as done and continue' }).click();
  await page.getByRole('heading', { name: 'Protective equipment', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Mark as done and continue' }).click();
  await page.getByRole('heading', { name: 'Quick check', level: 1 }).waitFor();
  await syncNow(page);

  // The admin's dry run names the changed item and the learner whose progress it touches.
  const tpk2 = server.pack(v2dir, 'safety-basics-v2');
  const dry = server.cli('publish', tpk2, '--server', server.url, '--email', server.admin.email,
    '--password', server.admin.password, '--dry-run');
  assert.match(dry, /dry run: safety-basics version 2/);
  assert.match(dry, /items changed: \["ppe"\]/);
  assert.match(dry, /items removed: \[\]/);
  assert.match(dry, /learners whose progress this touches: 1/);
  const versions = await server.api('GET', '/api/v1/courses/safety-basics/versions', { token: await server.adminToken() });
  assert.deepEqual(versions.json.versions.map((v) => v.version), [1], 'a dry run publishes nothing');
  server.publish(tpk2);

  // The device updates: only the new course.json travels (the image is unchanged).
  const before = files.length;
  const bytesBefore = files.bytes;
  await page.goto(`${server.url}/#/`);
  await page.getByRole('button', { name: 'Download courses' }).click();
  await page.waitForFunction(async () => (await window.__trailpack.engine.call('courses.list'))[0].version === 2);
  await arrived(() => files.length - before >= 1 && files.bytes !== bytesBefore);
  assert.equal(files.length - before, 1, `files fetched for version 2: ${files.slice(before)}`);
  const offered = await server.api('GET', '/api/v1/courses', { token: await server.adminToken() });
  const manifest = JSON.parse(offered.json.courses.find((c) => c.id === 'safety-basics').manifest);
  const courseJson = manifest.files.find((f) => f.path === 'course.json');
  assert.equal(files.slice(before)[0], courseJson.sha256);
  assert.equal(files.bytes - bytesBefore, courseJson.size, 'bytes fetched for version 2: exactly the new course.json');

  // Progress on unchanged items is kept; the course is now version 2.
  await page.goto(`${server.url}/#/course/safety-basics`);
  await page.locator('.outline').waitFor();
  const status = await page.locator('.items li').allInnerTexts();
  assert.match(status[0], /Why this matters[\s\S]*Done/);
  const installed = await page.evaluate(() => window.__trailpack.engine.call('courses.list'));
  assert.equal(installed[0].version, 2);
  assert.deepEqual(browser.errors, []);
});
