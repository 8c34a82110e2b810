'use strict';
// Puts the prepared learner database into OPFS where the engine Worker keeps it, opens it
// with the real Worker (player/wasm/engine-worker.js) and runs its sync when asked.
let worker, next = 1;
const waiting = new Map();
window.__phases = [];
function send(type, args) {
  return new Promise((resolve, reject) => { const id = next++; waiting.set(id, { resolve, reject }); worker.postMessage({ id, type, args }); });
}
window.prepare = async (profile) => {
  const bytes = await (await fetch('/bench-device.db', { cache: 'no-store' })).arrayBuffer();
  const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('trailpack', { create: true });
  const w = await (await dir.getFileHandle('trailpack-' + profile + '.db', { create: true })).createWritable();
  await w.write(bytes);
  await w.close();
  worker = new Worker('/engine/engine-worker.js');
  worker.onmessage = (e) => {
    const d = e.data || {};
    if (d.event === 'sync') { window.__phases.push({ t: performance.now(), ...d.state }); return; }
    const p = waiting.get(d.id);
    if (!p) return;
    waiting.delete(d.id);
    d.error ? p.reject(new Error(d.error.code + ': ' + d.error.message)) : p.resolve(d.result);
  };
  const opened = await send('open', { profile });
  return opened.status;
};
window.runSync = async () => {
  const t0 = performance.now();
  const r = await send('sync', {});
  const t1 = performance.now();
  const pull = window.__phases.find((p) => p.phase === 'pull');
  return { total_ms: t1 - t0, push_ms: (pull ? pull.t : t1) - t0, pull_ms: pull ? t1 - pull.t : 0, result: r };
};
