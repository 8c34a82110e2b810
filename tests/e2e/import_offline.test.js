// A field worker with no network imports a course file from a card and plays it to the
// end: every item type, every question type, through the real UI, with the server down.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { TrailpackServer, ROOT } = require('../lib/server.js');
const { launch } = require('../lib/browser.js');
const { answerKey, LearnerRobot } = require('../lib/learner.js');
const { enroll } = require('../lib/steps.js');

const COURSE_DIR = path.join(ROOT, 'docs', 'examples', 'safety-basics');
const SCENARIO_CHOICES = {
  'spill-case': ['Call out to your colleague and stop them',
    'Put cones around the area, then get the spill kit and report the leak'],
};

test('with the server stopped, a bundle imported from a file plays through to completion', { timeout: 300000 }, async (t) => {
  const server = await new TrailpackServer().setup({ courses: [] });
  const browser = await launch();
  t.after(async () => { await browser.close(); await server.close(); });
  // The worked example of docs/bundle-format.md packs and verifies with the CLI.
  const tpk = server.pack(COURSE_DIR);
  const verified = server.cli('verify', tpk, '--trusted-key', path.join(server.dir, 'publisher.pub'));
  assert.match(verified, /: OK/);
  const learner = server.learner('field@example.com', 'Field Worker');
  const page = await browser.context.newPage();

  // Enrolled once while online; nothing to download yet.
  await enroll(page, server.url, learner.enrollment_code);
  await page.getByText('No courses on this device yet.').waitFor();

  // No network from here on.
  await server.stop('SIGKILL');
  await page.setInputFiles('#import-file', tpk);
  await page.getByText('Course imported: Workplace safety basics').waitFor();
  await page.getByRole('heading', { name: 'Workplace safety basics' }).waitFor();

  const key = answerKey(COURSE_DIR);
  const items = new Map(key.course.modules.flatMap((m) => m.items).map((i) => [i.id, i]));
  const robot = new LearnerRobot(page, key);
  await page.getByRole('link', { name: 'Start' }).click();
  const played = [];
  for (let step = 0; step < 40; step++) {
    await page.waitForFunction(() => /#\/course\/[^/]+(\/item\/.+)?$/.test(location.hash));
    const m = (await page.evaluate(() => location.hash)).match(/\/item\/([^/]+)$/);
    if (!m) break;
    const item = items.get(decodeURIComponent(m[1]));
    if (item.type === 'survey' && item.role === 'cold') break;  // opens 30 days after completion
    const before = await page.evaluate(() => location.hash);
    await robot.playItem(item, SCENARIO_CHOICES);
    played.push(item.id);
    await page.waitForFunction((h) => location.hash !== h, before);
  }
  assert.deepEqual(played, ['pretest', 'welcome', 'slips', 'ppe', 'signs', 'check', 'report', 'spill-case', 'posttest', 'feedback']);

  await page.goto(`${server.url}/#/course/safety-basics`);
  await page.getByText('Course completed').waitFor();
  const outline = await page.locator('.outline').innerText();
  assert.match(outline, /One month later\s*\n?\s*Opens|One month later/);
  assert.equal(await page.locator('#sync-status').getAttribute('data-unsynced') !== '0', true);
  assert.deepEqual(browser.errors, []);
});
