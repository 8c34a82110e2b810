// When the app syncs (web/app/sync.js): an answer recorded while a sync runs gets a sync
// of its own soon after, not at the next period; a sync that throws is retried.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const load = () => import(path.resolve(__dirname, '../../web/app/sync.js'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('an answer recorded during a sync is synced soon after it, not a period later', async () => {
  const { SyncScheduler } = await load();
  let runs = 0;
  let release;
  const s = new SyncScheduler(async () => {
    runs++;
    if (runs === 1) await new Promise((r) => { release = r; });
    return true;
  }, { periodMs: 60000, soonMs: 20 });
  const first = s.now();
  await sleep(5);
  s.soon();  // the answer, while the first sync waits on the network
  assert.equal(runs, 1, 'no second sync while one runs');
  release();
  assert.equal(await first, true);
  await sleep(150);
  clearTimeout(s.timer);
  assert.equal(runs, 2, 'a second sync followed within soonMs');
});

test('without an answer during it, the next sync waits for the period', async () => {
  const { SyncScheduler } = await load();
  let runs = 0;
  const s = new SyncScheduler(async () => { runs++; return true; }, { periodMs: 60000, soonMs: 20 });
  await s.now();
  await sleep(100);
  clearTimeout(s.timer);
  assert.equal(runs, 1);
});

test('a sync that throws is reported as failed and retried with backoff', async () => {
  const { SyncScheduler } = await load();
  let runs = 0;
  const s = new SyncScheduler(async () => { runs++; throw new Error('status unavailable'); }, { periodMs: 60000, soonMs: 20 });
  s.backoff = 20;
  assert.equal(await s.now(), false);
  await sleep(150);
  clearTimeout(s.timer);
  assert.ok(runs >= 2, `retried after the throw (${runs} runs)`);
  assert.ok(s.backoff > 20, 'backing off');
});
