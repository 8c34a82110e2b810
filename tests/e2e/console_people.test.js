// End to end, as an admin in the console: add a person, give them an enrollment code with
// its QR code, make a group, assign a course to it, import people from a CSV file (dry
// run with line-numbered errors, then for real), and send reminders now. The console is
// served from web/ as it is in the repository (it needs no engine).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { TrailpackServer, ROOT } = require('../lib/server.js');
const { launch } = require('../lib/browser.js');
const { signInToConsole } = require('../lib/steps.js');

test('an admin manages people, groups, assignments, an import and reminders in the console', { timeout: 180000 }, async (t) => {
  const server = new TrailpackServer();
  server.site = fs.mkdtempSync(path.join(os.tmpdir(), 'trailpack-site-'));
  fs.cpSync(path.join(ROOT, 'web'), server.site, { recursive: true });
  await server.setup();
  const browser = await launch();
  t.after(async () => { await browser.close(); await server.close(); fs.rmSync(server.site, { recursive: true, force: true }); });
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1200, height: 900 });

  await signInToConsole(page, server.url, server.admin.email, server.admin.password);
  await page.getByRole('link', { name: 'People' }).click();
  await page.locator('#people').waitFor();

  // A new learner, then their enrollment code, link and QR code.
  const add = page.locator('#add-person');
  await add.getByLabel('Email').fill('nia@example.com');
  await add.getByLabel('Name').fill('Nia Learner');
  await add.getByLabel('Team').fill('Night');
  await add.getByRole('button', { name: 'Add' }).click();
  await page.getByRole('heading', { name: 'Nia Learner', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'New enrollment code' }).click();
  const code = (await page.locator('#enroll-code').innerText()).trim();
  assert.match(code, /^[A-Z0-9]{12}$/);
  assert.equal(await page.locator('#enroll-link').innerText(), `${server.url}/#enroll=${code}`);
  const qr = page.getByAltText('QR code of the enrollment link');
  await qr.waitFor();
  await page.waitForFunction(() => { const i = document.querySelector('img.qr'); return i && i.complete && i.naturalWidth > 0; });
  assert.match(await qr.getAttribute('src'), /^blob:/);
  // The code works: it enrolls a device.
  const enrolled = await server.api('POST', '/api/v1/auth/enroll', { body: { code } });
  assert.equal(enrolled.status, 200);

  // A group with Nia in it.
  await page.goto(`${server.url}/admin/#/people/groups`);
  const newGroup = page.locator('#add-group');
  await newGroup.getByLabel('Name').fill('Crew');
  await newGroup.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('link', { name: 'Crew' }).click();
  await page.getByRole('heading', { name: 'Crew', level: 1 }).waitFor();
  await page.locator('#add-member').getByLabel('Learner').selectOption({ label: 'Nia Learner <nia@example.com>' });
  await page.locator('#add-member').getByRole('button', { name: 'Add' }).click();
  await page.locator('#members').getByRole('link', { name: 'Nia Learner' }).waitFor();

  // The course assigned to the group, due 7 days after each member's assignment.
  await page.goto(`${server.url}/admin/#/assignments`);
  const form = page.locator('#assign');
  await form.getByLabel('Group').selectOption({ label: 'Crew' });
  await form.getByLabel('Course or path').selectOption({ label: 'Workplace safety basics' });
  await form.getByLabel('Due', { exact: true }).selectOption('days');
  await form.getByLabel('Days').fill('7');
  await form.getByRole('button', { name: 'Assign' }).click();
  const row = page.locator('#assignments tbody tr').first();
  await row.getByRole('link', { name: 'Workplace safety basics' }).waitFor();
  assert.match(await row.innerText(), /Group: Crew\s+7 days after assignment\s+—\s+1\s+0/);
  await row.getByRole('link', { name: 'Workplace safety basics' }).click();
  await page.locator('#assignment-learners').getByRole('link', { name: 'Nia Learner' }).waitFor();
  assert.match(await page.locator('#assignment-learners').innerText(), /assigned/);

  // Import: the dry run lists the bad row by line and changes nothing; then import.
  await page.goto(`${server.url}/admin/#/import`);
  await page.getByLabel('CSV file').setInputFiles({ name: 'people.csv', mimeType: 'text/csv',
    buffer: Buffer.from('email,name,groups\nbo@example.com,Bo Worker,Crew\nnot-an-email,Broken\n') });
  await page.getByRole('button', { name: 'Check the file' }).click();
  await page.locator('#import-errors').waitFor();
  assert.equal(await page.locator('#import-summary').innerText(), '2 rows: 1 would be created, 0 would be updated, 0 unchanged, 1 with errors.');
  assert.match(await page.locator('#import-errors tbody').innerText(), /^3\s+"not-an-email" is not an email address$/);
  const token = await server.adminToken();
  assert.equal((await server.api('GET', '/api/v1/admin/users?q=bo%40', { token })).json.total, 0);
  await page.getByRole('button', { name: 'Import' }).click();
  await page.getByText('Imported.').waitFor();
  assert.equal(await page.locator('#import-summary').innerText(), '2 rows: 1 were created, 0 were updated, 0 unchanged, 1 with errors.');
  const bo = (await server.api('GET', '/api/v1/admin/users?q=bo%40', { token })).json.users[0];
  assert.deepEqual(bo.groups.map((g) => g.name), ['Crew']);
  const boRows = await server.api('GET', `/api/v1/admin/learners/${bo.id}/assignments`, { token });
  assert.equal(boRows.json.assignments[0].course_id, 'safety-basics');

  // Reminders: the default rules are shown; "send now" evaluates them (nothing is due yet).
  await page.goto(`${server.url}/admin/#/reminders`);
  await page.locator('#rules tbody tr').nth(3).waitFor();
  await page.getByRole('button', { name: 'Send now' }).click();
  await page.getByText('0 reminders sent.').waitFor();

  assert.deepEqual(browser.errors, []);
});
