// "Saved" means durable: answers are recorded and the page's renderer process (which
// hosts the engine Worker) is crashed right after each "saved" confirmation. After every
// restart, no confirmed answer is missing and PRAGMA integrity_check is ok. Run on the
// OPFS store (the default) and on the IDBFS fallback.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { TrailpackServer, ROOT } = require('../lib/server.js');
const { launch } = require('../lib/browser.js');

const COURSE = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests', 'fixtures', 'course-activities.json'), 'utf8'));
const OPFS_TRIALS = Number(process.env.TRAILPACK_KILL_TRIALS || 50);
const IDBFS_TRIALS = Number(process.env.TRAILPACK_KILL_TRIALS_IDBFS || 10);

// Runs in the page: opens the engine in a fresh Worker and performs `steps` (engine calls),
// resolving with each reply. The page itself is a same-origin non-app document, so the
// app does not hold the store.
async function inWorker(page, profile, storage, steps) {
  return page.evaluate(async ({ profile, storage, steps }) => {
    const w = new Worker('/engine/engine-worker.js');
    let id = 0;
    const send = (type, args) => new Promise((resolve) => {
      const my = ++id;
      const onMessage = (e) => { if (e.data.id === my) { w.removeEventListener('message', onMessage); resolve(e.data); } };
      w.addEventListener('message', onMessage);
      w.postMessage({ id: my, type, args });
    });
    const opened = await send('open', { profile, forceStorage: storage });
    const out = [opened];
    for (const s of steps) out.push(await send('call', s));
    window.__worker = w;  // keep it alive until the crash
    window.__send = send;
    return out;
  }, { profile, storage, steps });
}

async function trials(browser, server, storage, count) {
  const profile = 'kill-' + storage;
  const confirmed = [];
  const setupPage = await browser.context.newPage();
  await setupPage.goto(server.url + '/icons/icon.svg');
  const setup = await inWorker(setupPage, profile, storage, [
    { method: 'profile.set', args: { home_page: server.url, account: 'u-kill', name: 'Kill Test' } },
    { method: 'course.install', args: { course: COURSE } },
  ]);
  assert.equal(setup[0].result.storage, storage);
  assert.equal(setup[2].result.id, 'acts');
  await setupPage.close();

  for (let trial = 0; trial < count; trial++) {
    const page = await browser.context.newPage();
    await page.goto(server.url + '/icons/icon.svg');
    const card = trial % 2 ? 'c1' : 'c2';
    const replies = await inWorker(page, profile, storage, [
      { method: 'flashcards.review', args: { course_id: 'acts', item_id: 'deck', card_id: card, rating: 'good' } },
    ]);
    assert.equal(replies[0].result.integrity, 'ok', `trial ${trial}: integrity after the previous crash`);
    assert.ok(replies[0].result.status.statements >= confirmed.length, `trial ${trial}: statements were lost`);
    const reply = replies[1];
    assert.equal(reply.result && reply.result.saved, true, JSON.stringify(reply.error));
    confirmed.push(reply.result.statement_id);
    // Crash the renderer (and its Worker) right after the confirmation.
    const cdp = await browser.context.newCDPSession(page);
    const crashed = page.waitForEvent('crash', { timeout: 10000 });
    cdp.send('Page.crash').catch(() => {});  // never answers: the renderer dies
    await crashed;
    await page.close().catch(() => {});
  }

  // After the last crash: every confirmed statement is in the store.
  const page = await browser.context.newPage();
  await page.goto(server.url + '/icons/icon.svg');
  const final = await inWorker(page, profile, storage, [
    { method: 'sync.pending', args: { limit: 500 } },
  ]);
  assert.equal(final[0].result.integrity, 'ok');
  const ids = new Set(final[1].result.statements.map((s) => s.id));
  const missing = confirmed.filter((id) => !ids.has(id));
  assert.deepEqual(missing, [], `${missing.length} of ${confirmed.length} confirmed answers are missing`);
  await page.close();
  return confirmed.length;
}

test(`no confirmed answer is lost when the page is killed after "saved" (${OPFS_TRIALS} OPFS + ${IDBFS_TRIALS} IDBFS trials)`,
  { timeout: 600000 }, async (t) => {
    const server = await new TrailpackServer().setup({ courses: [] });
    const browser = await launch();
    t.after(async () => { await browser.close(); await server.close(); });
    assert.equal(await trials(browser, server, 'opfs', OPFS_TRIALS), OPFS_TRIALS);
    assert.equal(await trials(browser, server, 'idbfs', IDBFS_TRIALS), IDBFS_TRIALS);
  });
