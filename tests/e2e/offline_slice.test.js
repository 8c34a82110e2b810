// End to end, as a learner on a phone: enroll, answer, reload, lose the server, keep
// answering, get the server back, sync; the server holds every statement exactly once
// and the console shows the learner's progress: learners list, drill-down timeline,
// dashboard (its CSV export is the table on screen); a manager outside her groups sees
// nothing of her.
'use strict';
const fs = require('node:fs');
const test = require('node:test');
const assert = require('node:assert/strict');
const { TrailpackServer } = require('../lib/server.js');
const { launch } = require('../lib/browser.js');
const { axeSerious, shot } = require('../lib/audit.js');
const { enroll, signInToConsole } = require('../lib/steps.js');

test('a learner answers offline and the console sees it after reconnecting', { timeout: 240000 }, async (t) => {
  const server = await new TrailpackServer().setup();
  const browser = await launch();
  t.after(async () => { await browser.close(); await server.close(); });
  const learner = server.learner('ada@example.com', 'Ada Learner');
  const page = await browser.context.newPage();
  const status = () => page.locator('#sync-status');

  // Enroll with the code from the admin (online once).
  await enroll(page, server.url, learner.enrollment_code);
  await page.locator('.course-list').waitFor();
  await assert.doesNotReject(page.getByRole('heading', { name: 'Workplace safety basics' }).waitFor());

  // Two cards, then the quiz.
  await page.getByRole('link', { name: 'Start' }).click();
  await page.getByRole('heading', { name: 'Why this matters', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Mark as done and continue' }).click();
  await page.getByRole('heading', { name: 'Protective equipment', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Mark as done and continue' }).click();
  await page.getByRole('heading', { name: 'Quick check', level: 1 }).waitFor();

  // Answer the first question (the draw order is the author's: no shuffle in this quiz).
  await page.getByText('What should you do first about a hazard?').waitFor();
  await page.getByLabel('Remove or reduce the hazard').check();
  await page.getByRole('button', { name: 'Check answer' }).click();
  await page.locator('.saved').waitFor();
  assert.match(await page.locator('.saved').innerText(), /Saved on this device/);
  assert.match(await page.locator('.feedback').innerText(), /Correct/);

  // Reload: the quiz resumes at the next question; the first answer is still there, shown as saved.
  await page.reload();
  await page.getByText('Which of these do you need near moving vehicles?').waitFor();
  await page.getByRole('button', { name: 'Previous question' }).click();
  await page.getByText('What should you do first about a hazard?').waitFor();
  assert.equal(await page.getByLabel('Remove or reduce the hazard').isChecked(), true);
  assert.match(await page.locator('.saved').innerText(), /Saved on this device/);

  // Let the sync of what we have so far finish, so the rest is clearly "not yet synced".
  await status().click();
  await page.waitForFunction(() => document.querySelector('#sync-status').dataset.unsynced === '0');

  // The server goes away. Keep answering: saved on the device, not yet synced.
  await server.stop('SIGKILL');
  await page.getByRole('button', { name: 'Next question' }).click();
  await page.getByText('Which of these do you need near moving vehicles?').waitFor();
  await page.getByLabel('A high-visibility vest').check();
  await page.getByLabel('Safety shoes').check();
  await page.getByRole('button', { name: 'Check answer' }).click();
  await page.locator('.saved').waitFor();
  await page.getByRole('button', { name: 'See my result' }).click();
  await page.getByText('Your score: 100%').waitFor();
  await page.waitForFunction(() => Number(document.querySelector('#sync-status').dataset.unsynced) > 0);
  await status().click();  // a sync attempt while the server is down fails quietly and loses nothing
  await page.waitForFunction(() => /waiting to sync/.test(document.querySelector('#sync-status').getAttribute('aria-label')));
  // The server comes back; sync.
  await server.start();
  await status().click();
  await page.waitForFunction(() => document.querySelector('#sync-status').dataset.unsynced === '0', null, { timeout: 30000 });

  // The server holds every statement exactly once.
  const held = await server.statementsOf(learner.id);
  const ids = held.map((s) => s.id);
  assert.equal(new Set(ids).size, ids.length, 'no statement is stored twice');
  const verbs = held.map((s) => s.verb.id.split('/').pop()).sort();
  assert.deepEqual(verbs, ['answered', 'answered', 'attempted', 'completed', 'experienced', 'experienced', 'passed']);

  // The console shows the learner's progress.
  const admin = await browser.context.newPage();
  await signInToConsole(admin, server.url, server.admin.email, server.admin.password);
  await admin.getByRole('link', { name: 'Learners' }).click();  // the console opens on the dashboard
  const row = admin.locator(`tr[data-learner="${learner.id}"][data-course="safety-basics"]`);
  await row.waitFor();
  assert.match(await row.locator('.completion').innerText(), /100%/);
  assert.equal((await row.locator('.score').innerText()).trim(), '100%');

  // Drill down to her timeline: her 7 statements, newest first.
  await row.getByRole('link', { name: 'Ada Learner' }).click();
  await admin.getByRole('heading', { name: 'Ada Learner', level: 1 }).waitFor();
  await admin.waitForFunction(() => document.querySelectorAll('#timeline-table tbody tr').length === 7);
  const timelineVerbs = await admin.locator('#timeline-table tbody tr td:nth-child(2)').allInnerTexts();
  assert.deepEqual([...timelineVerbs].sort(), verbs);
  assert.deepEqual(await axeSerious(admin), []);
  await shot(admin, 'console-learner');

  // The dashboard counts her: assigned, started, completed, active; the engagement CSV
  // export holds the same numbers as the table on screen.
  await admin.getByRole('navigation').getByRole('link', { name: 'Dashboard' }).click();
  const engagement = admin.locator('table').filter({ has: admin.locator('caption', { hasText: /^Engagement by course$/ }) });
  await engagement.locator('tbody tr').first().waitFor();
  const cells = (await engagement.locator('tbody tr').first().locator('th, td').allInnerTexts()).map((x) => x.trim());
  assert.deepEqual(cells.slice(0, 6), ['Workplace safety basics', '1', '1', '1', '1', '1']);
  await shot(admin, 'console-dashboard');
  const [download] = await Promise.all([admin.waitForEvent('download'),
    admin.getByRole('button', { name: 'Export engagement (CSV)' }).click()]);
  const csv = fs.readFileSync(await download.path(), 'utf8').split('\r\n').filter(Boolean).map((line) => line.split(','));
  assert.deepEqual(csv[0].slice(0, 7), ['course', 'title', 'assigned', 'started', 'completed', 'completed_in_period', 'active_learners']);
  assert.equal(csv.length, 2);
  assert.deepEqual(csv[1].slice(1, 7), cells.slice(0, 6));
  assert.deepEqual(await axeSerious(admin), []);

  // A manager of other groups (here: of none) sees nothing of her: 403 from the API,
  // no row and no count in the console.
  server.cli('users', 'add', '--db', server.db, '--email', 'mia@example.com', '--name', 'Mia Manager', '--role', 'manager',
    '--password', 'manager-pass-1');
  const login = await server.api('POST', '/api/v1/auth/login', { body: { email: 'mia@example.com', password: 'manager-pass-1' } });
  assert.equal(login.status, 200);
  const token = login.json.token;
  assert.equal((await server.api('GET', `/api/v1/admin/learners/${learner.id}`, { token })).status, 403);
  assert.equal((await server.api('GET', `/api/v1/admin/learners/${learner.id}/statements`, { token })).status, 403);
  const seen = await server.api('GET', '/api/v1/admin/kpi/engagement', { token });
  assert.equal(seen.status, 200);
  assert.equal(seen.json.learners, 0);
  const manager = await browser.context.newPage();
  await signInToConsole(manager, server.url, 'mia@example.com', 'manager-pass-1');
  await manager.getByText(/^Figures from /).waitFor();
  const mine = manager.locator('table').filter({ has: manager.locator('caption', { hasText: /^Engagement by course$/ }) });
  assert.match(await mine.innerText(), /No data for these filters/);
  await manager.getByRole('navigation').getByRole('link', { name: 'Learners' }).click();
  await manager.locator('#learners').waitFor();
  assert.equal(await manager.locator(`tr[data-learner="${learner.id}"]`).count(), 0);
  assert.equal(await manager.getByText('Ada Learner').count(), 0);
  assert.deepEqual(browser.errors, []);
});
