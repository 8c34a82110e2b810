// End to end, a training programme as an admin runs it in the console: two depots as
// groups, 50 people imported from a CSV file (3 bad rows reported by line and reason,
// then an idempotent re-import), a course assigned to one depot with a due date; one of
// its learners completes the course offline on a phone and syncs; the dashboard filtered
// to the depot counts her, and its CSV export is the table on screen; the manager of the
// other depot gets 403 for her and sees nothing of her. Screenshots of the console's main
// screens go to docs/screenshots/ (TRAILPACK_SCREENSHOTS); axe finds nothing serious.
'use strict';
const fs = require('node:fs');
const test = require('node:test');
const assert = require('node:assert/strict');
const { TrailpackServer } = require('../lib/server.js');
const { launch } = require('../lib/browser.js');
const { axeSerious, shot } = require('../lib/audit.js');
const { enroll, signInToConsole, syncNow } = require('../lib/steps.js');

function peopleCsv() {
  const lines = ['email,name,team,site,groups'];
  for (let i = 1; i <= 50; i++) {
    const n = String(i).padStart(2, '0');
    const north = i <= 46;
    lines.push(`learner${n}@example.com,Learner ${n},${north ? 'Loading' : 'Yard'},${north ? 'North' : 'South'},${north ? 'Depot North' : 'Depot South'}`);
    if (i === 10) lines.push('not-an-email,Broken Row,Loading,North,Depot North');  // line 12
    if (i === 20) lines.push('learner05@example.com,Twice Listed,Loading,North,Depot North');  // line 23
    if (i === 30) lines.push('nameless@example.com,,Loading,North,Depot North');  // line 34
  }
  return lines.join('\n') + '\n';
}

async function audited(page, name) {
  assert.deepEqual(await axeSerious(page), [], `axe on the ${name} screen`);
  await shot(page, name);
}

test('a programme: 50 people imported, a depot assigned a course, a learner completes it offline, the dashboard and its CSV follow, the other depot\'s manager sees nothing',
  { timeout: 300000 }, async (t) => {
    const server = await new TrailpackServer().setup();
    const browser = await launch();
    t.after(async () => { await browser.close(); await server.close(); });
    const admin = await browser.context.newPage();
    await admin.setViewportSize({ width: 1280, height: 900 });
    await signInToConsole(admin, server.url, server.admin.email, server.admin.password);

    // Two depots.
    for (const name of ['Depot North', 'Depot South']) {
      await admin.goto(`${server.url}/admin/#/people/groups`);
      const form = admin.locator('#add-group');
      await form.getByLabel('Name').fill(name);
      await form.getByRole('button', { name: 'Create' }).click();
      await admin.getByRole('link', { name }).waitFor();
    }
    await audited(admin, 'console-groups');

    // The import: a dry run reports the 3 bad rows by line and changes nothing.
    await admin.goto(`${server.url}/admin/#/import`);
    const file = { name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(peopleCsv()) };
    await admin.getByLabel('CSV file').setInputFiles(file);
    await admin.getByRole('button', { name: 'Check the file' }).click();
    await admin.locator('#import-errors').waitFor();
    assert.equal(await admin.locator('#import-summary').innerText(), '53 rows: 50 would be created, 0 would be updated, 0 unchanged, 3 with errors.');
    const errors = (await admin.locator('#import-errors tbody tr').allInnerTexts()).map((r) => r.replace(/\s+/g, ' ').trim());
    assert.deepEqual(errors, [
      '12 "not-an-email" is not an email address',
      '23 this email appears earlier in the file',
      '34 name is empty',
    ]);
    const token = await server.adminToken();
    assert.equal((await server.api('GET', '/api/v1/admin/users?q=learner', { token })).json.total, 0, 'a dry run creates nobody');
    await audited(admin, 'console-import');
    await admin.getByRole('button', { name: 'Import' }).click();
    await admin.getByText('Imported.').waitFor();
    assert.equal(await admin.locator('#import-summary').innerText(), '53 rows: 50 were created, 0 were updated, 0 unchanged, 3 with errors.');
    // The same file again changes nothing.
    await admin.goto(`${server.url}/admin/#/people`);
    await admin.goto(`${server.url}/admin/#/import`);
    await admin.getByLabel('CSV file').setInputFiles(file);
    await admin.getByRole('button', { name: 'Check the file' }).click();
    await admin.locator('#import-errors').waitFor();
    assert.equal(await admin.locator('#import-summary').innerText(), '53 rows: 0 would be created, 0 would be updated, 50 unchanged, 3 with errors.');

    const users = (await server.api('GET', '/api/v1/admin/users?q=learner&limit=100', { token })).json.users;
    assert.equal(users.length, 50);
    const ida = users.find((u) => u.email === 'learner07@example.com');
    const groups = (await server.api('GET', '/api/v1/admin/groups', { token })).json.groups;
    const north = groups.find((g) => g.name === 'Depot North');
    const south = groups.find((g) => g.name === 'Depot South');
    assert.deepEqual(ida.groups.map((g) => g.name), ['Depot North']);

    await admin.goto(`${server.url}/admin/#/people`);
    await admin.getByRole('link', { name: 'Learner 07' }).waitFor();
    await audited(admin, 'console-people');

    // The course assigned to Depot North, due 14 days after each member's assignment.
    await admin.goto(`${server.url}/admin/#/assignments`);
    const assign = admin.locator('#assign');
    await assign.getByLabel('Group').selectOption({ label: 'Depot North' });
    await assign.getByLabel('Course or path').selectOption({ label: 'Workplace safety basics' });
    await assign.getByLabel('Due', { exact: true }).selectOption('days');
    await assign.getByLabel('Days').fill('14');
    await assign.getByRole('button', { name: 'Assign' }).click();
    const row = admin.locator('#assignments tbody tr', { hasText: 'Depot North' });
    await row.getByRole('link', { name: 'Workplace safety basics' }).waitFor();
    assert.match(await row.innerText(), /Group: Depot North\s+14 days after assignment\s+—\s+46\s+0/);
    // And to Depot South, due in 30 days.
    await assign.getByLabel('Group').selectOption({ label: 'Depot South' });
    await assign.getByLabel('Course or path').selectOption({ label: 'Workplace safety basics' });
    await assign.getByLabel('Due', { exact: true }).selectOption('days');
    await assign.getByLabel('Days').fill('30');
    await assign.getByRole('button', { name: 'Assign' }).click();
    await admin.locator('#assignments tbody tr', { hasText: 'Depot South' }).waitFor();
    await audited(admin, 'console-assignments');

    // The manager of Depot South.
    const sam = await server.api('POST', '/api/v1/admin/users', { token, body: { email: 'sam@example.com', name: 'Sam South', role: 'manager' } });
    assert.equal(sam.status, 201, JSON.stringify(sam.json));
    assert.equal((await server.api('PATCH', `/api/v1/admin/users/${sam.json.id}`, { token, body: { password: 'manager-pass-1' } })).status, 200);
    assert.equal((await server.api('POST', `/api/v1/admin/groups/${south.id}/managers`, { token, body: { user_id: sam.json.id } })).status, 200);

    // Learner 07 enrolls her phone, goes offline and completes the course, then syncs.
    const code = (await server.api('POST', `/api/v1/admin/users/${ida.id}/enrollment-codes`, { token })).json.code;
    const phone = await browser.context.newPage();
    await enroll(phone, server.url, code);
    await phone.getByRole('heading', { name: 'Workplace safety basics' }).waitFor();
    await phone.waitForFunction(() => document.querySelector('#sync-status').dataset.unsynced === '0');
    // Her home shows the course as assigned, with its due date (from the last sync).
    await phone.reload();
    await phone.locator('.course .due').first().waitFor();
    assert.match(await phone.locator('.course .due').first().innerText(), /^Due [A-Z][a-z]{2} \d{1,2}, \d{4}$/);

    // A reminder from the admin: on her home after the next sync, acknowledged once at the
    // sync after that (the console then shows it as seen), and not acknowledged again.
    const pulls = [];
    browser.context.on('request', (r) => { if (r.url().endsWith('/api/v1/sync/pull')) pulls.push(r.postDataJSON()); });
    const syncAndWait = async () => {
      const pulled = browser.context.waitForEvent('response', (r) => r.url().endsWith('/api/v1/sync/pull'));
      await phone.locator('#sync-status').click();
      await pulled;
      await phone.waitForFunction(() => !document.querySelector('#sync-status').classList.contains('busy'));
    };
    const message = 'Please finish Workplace safety basics this week';
    const sent = await server.api('POST', '/api/v1/admin/reminders', { token, body: { learner_id: ida.id, course_id: 'safety-basics', message } });
    assert.equal(sent.status, 201, JSON.stringify(sent.json));
    await syncAndWait();
    await phone.reload();  // (starting, the app syncs again: that may be the acknowledging pull)
    await phone.locator('.today .reminder', { hasText: message }).waitFor();
    await syncAndWait();
    await syncAndWait();
    const acked = pulls.map((b) => (b.ack_reminders || []).includes(sent.json.id));
    assert.equal(acked.filter(Boolean).length, 1, `acknowledged once: ${JSON.stringify(pulls)}`);
    assert.equal(acked[acked.length - 1], false, 'not acknowledged again');
    const all = pulls.flatMap((b) => b.ack_reminders || []);
    assert.equal(new Set(all).size, all.length, 'no reminder is acknowledged twice');
    const listed = (await server.api('GET', `/api/v1/admin/reminders?learner=${ida.id}`, { token })).json.reminders;
    assert.ok(listed.find((r) => r.id === sent.json.id).acked_ms > 0, 'the server recorded the acknowledgement');
    await phone.locator('.today .reminder', { hasText: message }).waitFor();
    await browser.context.setOffline(true);
    await phone.getByRole('link', { name: 'Start' }).click();
    await phone.getByRole('button', { name: 'Mark as done and continue' }).click();
    await phone.getByRole('heading', { name: 'Protective equipment', level: 1 }).waitFor();
    await phone.getByRole('button', { name: 'Mark as done and continue' }).click();
    await phone.getByText('What should you do first about a hazard?').waitFor();
    await phone.getByLabel('Remove or reduce the hazard').check();
    await phone.getByRole('button', { name: 'Check answer' }).click();
    await phone.locator('.saved').waitFor();
    await phone.getByRole('button', { name: 'Next question' }).click();
    await phone.getByLabel('A high-visibility vest').check();
    await phone.getByLabel('Safety shoes').check();
    await phone.getByRole('button', { name: 'Check answer' }).click();
    await phone.locator('.saved').waitFor();
    await phone.getByRole('button', { name: 'See my result' }).click();
    await phone.getByText('Your score: 100%').waitFor();
    await phone.waitForFunction(() => Number(document.querySelector('#sync-status').dataset.unsynced) > 0);
    assert.equal((await server.statementsOf(ida.id)).length, 0, 'nothing reached the server while offline');
    await browser.context.setOffline(false);
    await syncNow(phone);

    // The dashboard for Depot North and the course: 46 assigned, 1 started, 1 completed.
    await admin.goto(`${server.url}/admin/#/dashboard?group=${north.id}&course=safety-basics`);
    const engagement = admin.locator('table').filter({ has: admin.locator('caption', { hasText: /^Engagement by course$/ }) });
    await engagement.locator('tbody tr').first().waitFor();
    const cells = (await engagement.locator('tbody tr').first().locator('th, td').allInnerTexts()).map((x) => x.trim());
    assert.deepEqual(cells.slice(0, 6), ['Workplace safety basics', '46', '1', '1', '1', '1']);
    const [download] = await Promise.all([admin.waitForEvent('download'),
      admin.getByRole('button', { name: 'Export engagement (CSV)' }).click()]);
    const csv = fs.readFileSync(await download.path(), 'utf8').split('\r\n').filter(Boolean).map((line) => line.split(','));
    assert.deepEqual(csv[0].slice(0, 7), ['course', 'title', 'assigned', 'started', 'completed', 'completed_in_period', 'active_learners']);
    assert.equal(csv.length, 2, 'one course row');
    assert.deepEqual(csv[1].slice(1, 7), cells.slice(0, 6), 'the CSV export is the table on screen');
    await audited(admin, 'console-dashboard-filtered');
    // On a phone (390 px) the charts are drawn for that width: their text stays legible,
    // and nothing makes the page wider than the screen.
    await admin.setViewportSize({ width: 390, height: 844 });
    await admin.reload();
    await engagement.locator('tbody tr').first().waitFor();
    const textPx = await admin.evaluate(() => [...document.querySelectorAll('svg.chart-svg')].map((s) => {
      const scale = s.getBoundingClientRect().width / s.viewBox.baseVal.width;
      return Math.min(...[...s.querySelectorAll('text')].map((x) => parseFloat(getComputedStyle(x).fontSize) * scale));
    }));
    assert.ok(textPx.length >= 3 && Math.min(...textPx) >= 10, `chart text on a phone, px: ${textPx.map((x) => x.toFixed(1))}`);
    assert.equal(await admin.evaluate(() => document.documentElement.scrollWidth), 390, 'the page is no wider than the phone');
    await audited(admin, 'console-dashboard-phone');
    await admin.setViewportSize({ width: 1280, height: 900 });

    // Reminders: the rules and the history.
    await admin.goto(`${server.url}/admin/#/reminders`);
    await admin.locator('#rules tbody tr').first().waitFor();
    await audited(admin, 'console-reminders');

    // The manager of Depot South: 403 for Learner 07, and nothing of her in the console.
    const login = await server.api('POST', '/api/v1/auth/login', { body: { email: 'sam@example.com', password: 'manager-pass-1' } });
    assert.equal(login.status, 200);
    const samToken = login.json.token;
    assert.equal((await server.api('GET', `/api/v1/admin/learners/${ida.id}`, { token: samToken })).status, 403);
    assert.equal((await server.api('GET', `/api/v1/admin/learners/${ida.id}/statements`, { token: samToken })).status, 403);
    assert.equal((await server.api('GET', `/api/v1/admin/users/${ida.id}`, { token: samToken })).status, 403);
    const seen = await server.api('GET', '/api/v1/admin/kpi/engagement', { token: samToken });
    assert.equal(seen.status, 200);
    assert.equal(seen.json.learners, 4, 'the manager counts the 4 learners of Depot South only');
    const southRow = seen.json.rows.find((r) => r.course === 'safety-basics');
    assert.deepEqual([southRow.assigned, southRow.started, southRow.completed], [4, 0, 0], 'her completion is not in the manager\'s figures');
    const manager = await browser.context.newPage();
    await manager.setViewportSize({ width: 1280, height: 900 });
    await signInToConsole(manager, server.url, 'sam@example.com', 'manager-pass-1');
    await manager.getByRole('navigation').getByRole('link', { name: 'People' }).click();
    await manager.getByRole('link', { name: 'Learner 47' }).waitFor();
    assert.equal(await manager.getByText('Learner 07').count(), 0);
    await manager.getByRole('navigation').getByRole('link', { name: 'Learners' }).click();
    await manager.locator('#learners').waitFor();
    assert.equal(await manager.locator(`tr[data-learner="${ida.id}"]`).count(), 0);
    assert.equal(await manager.getByText('Learner 07').count(), 0);
    await manager.goto(`${server.url}/admin/#/learner/${ida.id}`);
    await manager.getByRole('alert').waitFor();
    assert.equal(await manager.getByText('Learner 07').count(), 0);
    // The console's session is a bearer token in sessionStorage: the browser holds no
    // cookie of ours that a forged cross-site request could carry.
    assert.deepEqual(await browser.context.cookies(), [], 'the console and the app set no cookie');
    assert.deepEqual(browser.errors, []);
  });
