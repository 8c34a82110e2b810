// Devices whose clocks are 3 days ahead or behind: answers are recorded with the
// device's time, sync, and count in the console's progress like any others.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { TrailpackServer } = require('../lib/server.js');
const { launch } = require('../lib/browser.js');
const { enroll, syncNow } = require('../lib/steps.js');

for (const offset of ['+3d', '-3d']) {
  test(`a device clock ${offset} off still records and syncs`, { timeout: 180000 }, async (t) => {
    const server = await new TrailpackServer().setup();
    const browser = await launch({ clockOffset: offset });
    t.after(async () => { await browser.close(); await server.close(); });
    const learner = server.learner(`skew${offset.replace(/\W/g, '')}@example.com`, 'Skewed Clock');
    const page = await browser.context.newPage();
    const deviceNow = await page.evaluate(() => Date.now());
    const skew = deviceNow - Date.now();
    assert.ok(Math.abs(Math.abs(skew) - 3 * 86400000) < 60000, `the device clock is ${offset} (measured ${skew} ms)`);

    await enroll(page, server.url, learner.enrollment_code);
    await page.getByRole('link', { name: 'Start' }).click();
    await page.getByRole('button', { name: 'Mark as done and continue' }).click();
    await page.getByRole('heading', { name: 'Protective equipment', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Mark as done and continue' }).click();
    await page.getByRole('heading', { name: 'Quick check', level: 1 }).waitFor();
    await syncNow(page);

    const held = await server.statementsOf(learner.id);
    const experienced = held.filter((s) => s.verb.id.endsWith('/experienced'));
    assert.equal(experienced.length, 2);
    for (const s of experienced) {
      const off = Date.parse(s.timestamp) - Date.parse(s.stored);
      assert.ok(Math.abs(off - skew) < 120000, `timestamp keeps the device's time (${off} ms from stored)`);
    }
    const res = await server.api('GET', '/api/v1/admin/learners', { token: await server.adminToken() });
    const me = res.json.learners.find((l) => l.id === learner.id);
    assert.ok(Math.abs(me.courses[0].completion - 2 / 3) < 1e-9, JSON.stringify(me.courses[0]));
    assert.deepEqual(browser.errors, []);
  });
}
