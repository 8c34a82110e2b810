// The learner app as people meet it on a phone (390×844): enroll, download, lose the
// server, reload (the app comes from the service worker), play the course — one quiz
// with the keyboard only — sync when the server is back; the console shows the
// completion. Every screen passes axe-core with no serious or critical violation, and
// phone-size screenshots are saved when TRAILPACK_SCREENSHOTS is set.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { TrailpackServer, ROOT } = require('../lib/server.js');
const { launch } = require('../lib/browser.js');
const { answerKey, LearnerRobot } = require('../lib/learner.js');
const { axeSerious, shot } = require('../lib/audit.js');
const { signInToConsole, syncNow } = require('../lib/steps.js');

const COURSE_DIR = path.join(ROOT, 'docs', 'examples', 'safety-basics');
const SCENARIO = { 'spill-case': ['Call out to your colleague and stop them', 'Put cones around the area, then get the spill kit and report the leak'] };

test('learner tour on a phone: offline from the service worker, accessible, keyboard-friendly', { timeout: 420000 }, async (t) => {
  const server = await new TrailpackServer().setup({ courses: [] });
  server.publish(server.pack(COURSE_DIR));
  const browser = await launch();
  t.after(async () => { await browser.close(); await server.close(); });
  const learner = server.learner('sam@example.com', 'Sam Learner');
  const page = await browser.context.newPage();
  const audits = [];
  const audit = async (name) => {
    await shot(page, 'learner-' + name);
    audits.push({ name, violations: await axeSerious(page) });
  };

  await page.goto(`${server.url}/#enroll=${learner.enrollment_code}`);
  await page.locator('form.enroll').waitFor();
  await audit('enroll');
  await page.getByRole('button', { name: 'Enroll this device' }).click();
  await page.getByRole('heading', { name: 'Workplace safety basics' }).waitFor();
  await page.waitForFunction(() => navigator.serviceWorker && navigator.serviceWorker.controller);
  await audit('home');

  // The server goes away; a reload still starts the app, from the service worker.
  await server.stop('SIGKILL');
  await page.reload();
  await page.getByRole('heading', { name: 'Workplace safety basics' }).waitFor();
  await page.getByRole('link', { name: 'Workplace safety basics' }).click();
  await page.locator('.outline').waitFor();
  await audit('course');

  const key = answerKey(COURSE_DIR);
  const items = new Map(key.course.modules.flatMap((m) => m.items).map((i) => [i.id, i]));
  const mouse = new LearnerRobot(page, key);
  const keys = new LearnerRobot(page, key, { keyboard: true });
  await page.goto(`${server.url}/#/course/safety-basics/item/pretest`);
  const seen = new Set();
  for (let step = 0; step < 40; step++) {
    await page.waitForFunction(() => /#\/course\/[^/]+(\/item\/.+)?$/.test(location.hash));
    const m = (await page.evaluate(() => location.hash)).match(/\/item\/([^/]+)$/);
    if (!m) break;
    const item = items.get(decodeURIComponent(m[1]));
    if (item.type === 'survey' && item.role === 'cold') break;
    await page.locator('.item-view h1').waitFor();
    const kind = item.type === 'quiz' ? `quiz-${item.id}` : item.type;
    if (!seen.has(kind)) {
      seen.add(kind);
      await audit(kind);
    }
    const before = await page.evaluate(() => location.hash);
    if (item.id === 'check') {
      // The quick check, with the keyboard only; audit a question after its feedback.
      await keys.answerQuestion();
      await audit('quiz-feedback');
      const label = (await page.locator('form.question .actions button.primary').innerText()).trim();
      await keys.press(page.locator('form.question .actions button.primary'));
      if (!/See my result/.test(label)) await keys.playQuiz();
      await audit('quiz-result');
      await keys.press(page.locator('.actions a.primary'));
    } else {
      await mouse.playItem(item, SCENARIO);
    }
    await page.waitForFunction((h) => location.hash !== h, before);
  }
  await page.goto(`${server.url}/#/course/safety-basics`);
  await page.getByText('Course completed').waitFor();
  await audit('course-completed');

  // The server is back: sync, and the console shows the completion.
  await server.start();
  await syncNow(page);
  const admin = await browser.context.newPage();
  await signInToConsole(admin, server.url, server.admin.email, server.admin.password);
  await admin.getByRole('link', { name: 'Learners' }).click();  // the console opens on the dashboard
  const row = admin.locator(`tr[data-learner="${learner.id}"][data-course="safety-basics"]`);
  await row.waitFor();
  assert.match(await row.locator('.completion').innerText(), /100%/);

  const bad = audits.filter((a) => a.violations.length);
  assert.deepEqual(bad, [], JSON.stringify(bad, null, 1));
  assert.ok(audits.length >= 12, `audited ${audits.length} screens`);
  assert.deepEqual(browser.errors, []);
});
