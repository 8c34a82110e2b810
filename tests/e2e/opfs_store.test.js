// The engine's OPFS VFS in Chromium (player/wasm/opfs_vfs.cpp, which combines writes and
// flushes them at every commit): what a write's reply acknowledges is on disk, even when
// the Worker is killed at once afterwards, and the store reopens intact.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { TrailpackServer } = require('../lib/server.js');
const { launch } = require('../lib/browser.js');

test('every acknowledged write survives a killed Worker, single and batched', { timeout: 120000 }, async (t) => {
  const server = await new TrailpackServer().setup({ courses: [] });
  const browser = await launch();
  t.after(async () => { await browser.close(); await server.close(); });
  const page = await browser.context.newPage();
  await page.goto(server.url + '/manifest.webmanifest');
  const result = await page.evaluate(async () => {
    function start() {
      const w = new Worker('/engine/engine-worker.js');
      let next = 1;
      const waiting = new Map();
      w.onmessage = (e) => {
        const p = waiting.get(e.data.id);
        if (!p) return;
        waiting.delete(e.data.id);
        e.data.error ? p.reject(new Error(e.data.error.message)) : p.resolve(e.data.result);
      };
      const send = (type, args) => new Promise((resolve, reject) => { const id = next++; waiting.set(id, { resolve, reject }); w.postMessage({ id, type, args }); });
      return { w, send };
    }
    const statement = (i) => ({
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      actor: { objectType: 'Agent', account: { homePage: 'https://lms.example.org', name: 'u-1' } },
      verb: { id: 'http://adlnet.gov/expapi/verbs/answered', display: { 'en-US': 'answered' } },
      object: { objectType: 'Activity', id: `urn:trailpack:course:small:question:q${i}`, definition: { name: { en: 'x'.repeat(3000) } } },
      timestamp: '2026-11-22T09:00:00.000Z',
    });
    const first = start();
    const opened = await first.send('open', { profile: 'vfs-test' });
    for (let i = 0; i < 40; i++) await first.send('call', { method: 'sync.ingest', args: { statements: [statement(i)] } });
    const batch = [];
    for (let i = 40; i < 1040; i++) batch.push(statement(i));   // ~3 MB: the WAL grows past a checkpoint
    await first.send('call', { method: 'sync.ingest', args: { statements: batch } });
    first.w.terminate();   // no close: whatever was acknowledged must already be durable
    const second = start();
    let reopened;
    for (let attempt = 0; ; attempt++) {
      try { reopened = await second.send('open', { profile: 'vfs-test' }); break; } catch (e) {
        if (attempt > 20) throw e;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    const status = await second.send('call', { method: 'status', args: {} });
    await second.send('close', {});
    return { storage: opened.storage, integrity: reopened.integrity, statements: status.statements };
  });
  assert.deepEqual(result, { storage: 'opfs', integrity: 'ok', statements: 1040 });
});
