// Browser storage faults: the store cleared behind the app's back (detected, restored
// from the server), the storage quota exhausted (a clear message, nothing corrupted,
// nothing confirmed lost; on the IDBFS fallback, the refused write undone), and two tabs of the same learner (one writer at a time).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { TrailpackServer, ROOT } = require('../lib/server.js');
const { launch } = require('../lib/browser.js');
const { enroll, syncNow } = require('../lib/steps.js');

async function enrolledLearner(server, browser, email, name) {
  const learner = server.learner(email, name);
  const page = await browser.context.newPage();
  await enroll(page, server.url, learner.enrollment_code);
  await page.getByRole('link', { name: 'Start' }).waitFor();
  return { learner, page };
}

async function finishCards(page) {
  await page.getByRole('link', { name: 'Start' }).click();
  await page.getByRole('button', { name: 'Mark as done and continue' }).click();
  await page.getByRole('heading', { name: 'Protective equipment', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Mark as done and continue' }).click();
  await page.getByRole('heading', { name: 'Quick check', level: 1 }).waitFor();
}

test('a wiped store is detected and the progress comes back from the server', { timeout: 240000 }, async (t) => {
  const server = await new TrailpackServer().setup();
  const browser = await launch();
  t.after(async () => { await browser.close(); await server.close(); });
  const { learner, page } = await enrolledLearner(server, browser, 'wiped@example.com', 'Wren Wiped');
  await finishCards(page);
  await syncNow(page);
  const origin = server.url;
  await page.close();

  // Everything but localStorage is cleared: files (OPFS), IndexedDB, caches, the worker.
  const helper = await browser.context.newPage();
  const cdp = await browser.context.newCDPSession(helper);
  await cdp.send('Storage.clearDataForOrigin', { origin, storageTypes: 'file_systems,indexeddb,cache_storage,service_workers' });
  await helper.close();

  const again = await browser.context.newPage();
  await again.goto(`${origin}/`);
  await again.getByText('The learning data on this device was cleared').waitFor();
  const code = JSON.parse(server.cli('users', 'add', '--db', server.db, '--email', 'wiped@example.com', '--name', 'Wren Wiped',
    '--enrollment-code', '--json')).enrollment_code;
  await again.locator('#code').fill(code);
  await again.getByRole('button', { name: 'Enroll this device' }).click();
  await again.getByRole('link', { name: 'Workplace safety basics' }).click();
  // The two cards done before the wipe are done again: pulled from the server.
  await again.waitForFunction(() => [...document.querySelectorAll('.items li')].slice(0, 2).every((li) => /Done/.test(li.textContent)),
    null, { timeout: 30000 }).catch(async () => {
    await again.reload();
    await again.waitForFunction(() => [...document.querySelectorAll('.items li')].slice(0, 2).every((li) => /Done/.test(li.textContent)));
  });
  assert.ok((await server.statementsOf(learner.id)).length >= 3);
  assert.deepEqual(browser.errors, []);
});

test('an exhausted quota gives a clear message and corrupts nothing', { timeout: 240000 }, async (t) => {
  const server = await new TrailpackServer().setup();
  const browser = await launch();
  t.after(async () => { await browser.close(); await server.close(); });
  const { page } = await enrolledLearner(server, browser, 'full@example.com', 'Fen Full');
  await server.stop();
  const cdp = await browser.context.newCDPSession(page);
  const usage = await cdp.send('Storage.getUsageAndQuota', { origin: server.url });
  // Leave a few kilobytes: the first write that needs a new page fails.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: server.url, quotaSize: usage.usage + 4096 });
  await page.getByRole('link', { name: 'Start' }).click();
  // Fill the store with settings of shrinking sizes until even small writes are refused.
  const confirmed = [];
  let refused = null;
  for (const size of [200000, 50000, 10000, 2000, 500]) {
    for (let i = 0; i < 200; i++) {
      const key = `filler-${size}-${i}`;
      const r = await page.evaluate(async ({ key, size }) => {
        try {
          return { ok: await window.__trailpack.engine.call('app.put', { key, value: 'x'.repeat(size) }) };
        } catch (e) { return { code: e.code, message: e.message }; }
      }, { key, size });
      if (r.ok) confirmed.push({ key, size });
      else { refused = r; break; }
    }
  }
  assert.ok(refused, 'a write was refused once the quota was reached');
  assert.equal(refused.code, 'storage_full', JSON.stringify(refused));
  // The learner sees a plain message when an action fails for lack of space.
  await page.getByRole('button', { name: 'Mark as done and continue' }).click();
  await page.getByText('This device is out of storage.').waitFor();
  // Space comes back: the store is intact and everything confirmed is there.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: server.url });
  await page.reload();
  await page.locator('.item-view h1').waitFor();
  const check = await page.evaluate(async (list) => {
    for (const { key, size } of list) {
      const v = await window.__trailpack.engine.call('app.get', { key });
      if (!v || v.length !== size) return key;
    }
    return true;
  }, confirmed);
  assert.equal(check, true, `all ${confirmed.length} confirmed writes survived`);
  const opened = await page.evaluate(() => document.body.dataset.ready);
  assert.equal(opened, 'true');
  await page.getByRole('button', { name: 'Mark as done and continue' }).click();
  await page.getByRole('heading', { name: 'Protective equipment', level: 1 }).waitFor();
});

// A copy of the site for storage faults: engine/fault-worker.js is the engine Worker with IndexedDB
// writes that can be made to fail with QuotaExceededError, and that records the
// durability of the transactions they are made in (Chromium does not apply a quota
// override to IndexedDB, so a real quota cannot be reached in a test).
function siteWithStorageFaults(dir) {
  const site = path.join(dir, 'site');
  fs.cpSync(path.join(ROOT, 'build', 'site'), site, { recursive: true });
  fs.writeFileSync(path.join(site, 'engine', 'fault-worker.js'), `
let failing = false;
self.addEventListener('message', (e) => {
  if (e.data && e.data.type === '__fail_indexeddb_writes') { failing = e.data.on; e.stopImmediatePropagation(); self.postMessage({ id: e.data.id, result: failing }); }
});
const durability = new Set();
self.addEventListener('message', (e) => {
  if (e.data && e.data.type === '__durability') { e.stopImmediatePropagation(); self.postMessage({ id: e.data.id, result: [...durability] }); }
});
const put = IDBObjectStore.prototype.put;
IDBObjectStore.prototype.put = function (...args) {
  durability.add(this.transaction.durability);
  if (failing) throw new DOMException('the quota is exhausted (test)', 'QuotaExceededError');
  return put.apply(this, args);
};
importScripts('engine-worker.js');
`);
  // And engine/no-opfs-worker.js: a browser where OPFS is there but refused.
  fs.writeFileSync(path.join(site, 'engine', 'no-opfs-worker.js'), `
StorageManager.prototype.getDirectory = () => Promise.reject(new DOMException('refused (test)', 'SecurityError'));
importScripts('engine-worker.js');
`);
  return site;
}

// A server of that site, a browser, and a page of the site that is not the app (the
// test drives an engine Worker itself); all removed when the test ends.
async function faultySiteSession(t) {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'trailpack-idbfs-'));
  const server = await new TrailpackServer({ site: siteWithStorageFaults(scratch) }).setup();
  const browser = await launch();
  t.after(async () => { await browser.close(); await server.close(); fs.rmSync(scratch, { recursive: true, force: true }); });
  const page = await browser.context.newPage();
  await page.goto(server.url + '/icons/icon.svg');
  return { server, browser, page };
}

test('IDBFS: writes are strict, and one that cannot reach IndexedDB is undone, so it neither reads as saved nor blocks its retry', { timeout: 240000 }, async (t) => {
  const { browser, page, server } = await faultySiteSession(t);
  await page.evaluate(() => {
    const w = new Worker('/engine/fault-worker.js');
    let id = 0;
    window.__send = (type, args) => new Promise((resolve) => {
      const my = ++id;
      const onMessage = (e) => { if (e.data.id === my) { w.removeEventListener('message', onMessage); resolve(e.data); } };
      w.addEventListener('message', onMessage);
      w.postMessage(Object.assign({ id: my, type, args }, args && args.__raw));
    });
  });
  const send = (type, args) => page.evaluate(({ type, args }) => window.__send(type, args), { type, args });
  const failWrites = (on) => send('__fail_indexeddb_writes', { __raw: { on } });
  const opened = await send('open', { profile: 'quota-idbfs', forceStorage: 'idbfs' });
  assert.equal(opened.result.storage, 'idbfs');
  for (const key of ['a', 'b']) assert.equal((await send('call', { method: 'app.put', args: { key, value: 'kept ' + key } })).error, undefined);

  await failWrites(true);
  const refused = await send('call', { method: 'app.put', args: { key: 'answer', value: 'not saved' } });
  assert.equal(refused.error && refused.error.code, 'storage_full', JSON.stringify(refused));
  // The refused write is not in the store the engine answers from.
  assert.equal((await send('call', { method: 'app.get', args: { key: 'answer' } })).result, null, 'the refused write is gone from memory too');
  assert.equal((await send('call', { method: 'app.get', args: { key: 'a' } })).result, 'kept a');

  // Storage works again: the same write goes through, and everything is on disk.
  await failWrites(false);
  assert.equal((await send('call', { method: 'app.put', args: { key: 'answer', value: 'saved' } })).error, undefined);
  await send('close', {});
  const reopened = await send('open', { profile: 'quota-idbfs', forceStorage: 'idbfs' });
  assert.equal(reopened.result.integrity, 'ok');
  for (const [key, value] of [['a', 'kept a'], ['b', 'kept b'], ['answer', 'saved']])
    assert.equal((await send('call', { method: 'app.get', args: { key } })).result, value, key);
  // Every write went to IndexedDB in a transaction committed to disk ("strict"), not
  // the "relaxed" default that may report a commit before the data reaches the disk.
  assert.deepEqual((await send('__durability', {})).result, ['strict']);
  assert.deepEqual(browser.errors, []);
});

test('a browser that refuses OPFS stores in IndexedDB instead', { timeout: 120000 }, async (t) => {
  const { page } = await faultySiteSession(t);
  const opened = await page.evaluate(() => new Promise((resolve) => {
    const w = new Worker('/engine/no-opfs-worker.js');
    w.onmessage = (e) => resolve(e.data);
    w.postMessage({ id: 1, type: 'open', args: { profile: 'no-opfs' } });
  }));
  assert.equal(opened.error, undefined, JSON.stringify(opened.error));
  assert.equal(opened.result.storage, 'idbfs');
  assert.equal(opened.result.integrity, 'ok');
});

test('two tabs of the same learner: one writer at a time, no lost answers', { timeout: 240000 }, async (t) => {
  const server = await new TrailpackServer().setup();
  const browser = await launch();
  t.after(async () => { await browser.close(); await server.close(); });
  const { page } = await enrolledLearner(server, browser, 'tabs@example.com', 'Tab Twice');
  const second = await browser.context.newPage();
  await second.goto(`${server.url}/`);
  await second.getByText('Trailpack is already open in another tab').waitFor({ timeout: 20000 });
  // The first tab keeps working.
  await finishCards(page);
  await page.close();
  // Once the first tab is gone, the second one opens the store and sees every answer.
  await second.reload();
  await second.getByRole('link', { name: 'Workplace safety basics' }).click();
  await second.waitForFunction(() => [...document.querySelectorAll('.items li')].slice(0, 2).every((li) => /Done/.test(li.textContent)));
});
