// Runs in the benchmark page: each system sits in its own dedicated Worker behind the same
// request/reply messages, and the page times every round trip (a reply means the write is
// durable: flushed to OPFS, or committed to IndexedDB with durability "strict").
'use strict';
const WORKERS = {
  trailpack: () => new Worker('/engine/engine-worker.js'),
  'wa-sqlite': () => new Worker('/bench/store/wa-sqlite-worker.js', { type: 'module' }),
  'sqlite-wasm': () => new Worker('/bench/store/sahpool-worker.js', { type: 'module' }),
  'sql.js': () => new Worker('/bench/store/sqljs-worker.js'),
};

function client(name) {
  const w = WORKERS[name]();
  let next = 1;
  const waiting = new Map();
  w.onmessage = (e) => {
    const { id, result, error } = e.data || {};
    if (!waiting.has(id)) return;   // events (sync, download)
    const { resolve, reject } = waiting.get(id);
    waiting.delete(id);
    error ? reject(new Error(error.message)) : resolve(result);
  };
  w.onerror = (e) => { for (const { reject } of waiting.values()) reject(new Error('worker error: ' + e.message)); };
  const send = (type, args) => new Promise((resolve, reject) => { const id = next++; waiting.set(id, { resolve, reject }); w.postMessage({ id, type, args }); });
  if (name === 'trailpack') {
    // The engine's real Worker (player/wasm/engine-worker.js): sync.ingest of one
    // statement is one INSERT in one transaction through the OPFS VFS, like an answer.
    return {
      open: async () => { const r = await send('open', { profile: 'bench' }); return { journal: 'wal', storage: r.storage, sqlite: r.version.sqlite }; },
      insert: (s) => send('call', { method: 'sync.ingest', args: { statements: [s] } }),
      fill: (list) => send('call', { method: 'sync.ingest', args: { statements: list } }),
      size: async () => (await send('call', { method: 'status', args: {} })).db_bytes,
      close: async () => { await send('close', {}); w.terminate(); },
    };
  }
  return {
    open: () => send('open', {}),
    insert: (s) => send('insert', { statement: s }),
    fill: (list) => send('fill', { statements: list }),
    size: () => send('size', {}),
    close: async () => w.terminate(),
  };
}

let seq = 0;
const statement = () => answerStatement({ i: seq++, ts: 1790000000000 + seq * 1000 });

async function fillTo(c, bytes) {
  let size = await c.size();
  const t0 = performance.now();
  while (size < bytes) {
    const batch = [];
    for (let i = 0; i < 1000; i++) batch.push(statement());
    await c.fill(batch);
    size = await c.size();
  }
  return { size, fill_ms: performance.now() - t0 };
}

async function measure(c, count, maxMs) {
  const prepared = [];
  for (let i = 0; i < count; i++) prepared.push(statement());
  const lat = [];
  const t0 = performance.now();
  for (const s of prepared) {
    const a = performance.now();
    await c.insert(s);
    lat.push(performance.now() - a);
    if (performance.now() - t0 > maxMs) break;
  }
  return { lat, wall_ms: performance.now() - t0 };
}

/** sizes: [{label, bytes}] in increasing order. */
self.runStoreBench = async function (name, sizes, count, maxMs) {
  const c = client(name);
  const out = { system: name, points: [] };
  try {
    out.open = await c.open();
    for (const { label, bytes } of sizes) {
      const filled = await fillTo(c, bytes);
      // A few untimed writes first (the first WAL frames, the statement cache).
      for (let i = 0; i < 5; i++) await c.insert(statement());
      const m = await measure(c, count, maxMs);
      out.points.push({ label, bytes: filled.size, fill_ms: filled.fill_ms, ...m });
    }
  } catch (e) {
    out.error = String(e && e.message || e);
  } finally {
    await c.close().catch(() => {});
  }
  return out;
};
