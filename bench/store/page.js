// Runs in the benchmark page: each system sits in its own dedicated Worker behind the same
// request/reply messages, and the page times every round trip (a reply means the write is
// durable: flushed to OPFS, or committed to IndexedDB with durability "strict").
// Every system and database size has its own Worker and database, all open at once, and
// the measured writes go round-robin across them: the machine's load (other builds on
// the same cores) then weighs on every column alike, and ratios within a run hold.
'use strict';
const WORKERS = {
  trailpack: () => new Worker('/engine/engine-worker.js'),
  'wa-sqlite': () => new Worker('/bench/store/wa-sqlite-worker.js', { type: 'module' }),
  'sqlite-wasm': () => new Worker('/bench/store/sahpool-worker.js', { type: 'module' }),
  'sql.js': () => new Worker('/bench/store/sqljs-worker.js'),
};

function client(system, name) {
  const w = WORKERS[system]();
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
  if (system === 'trailpack') {
    // The engine's real Worker (player/wasm/engine-worker.js): sync.ingest of one
    // statement is one INSERT in one transaction through the OPFS VFS, like an answer.
    return {
      open: async () => { const r = await send('open', { profile: name }); return { journal: 'wal', storage: r.storage, sqlite: r.version.sqlite }; },
      insert: (s) => send('call', { method: 'sync.ingest', args: { statements: [s] } }),
      fill: (list) => send('call', { method: 'sync.ingest', args: { statements: list } }),
      size: async () => (await send('call', { method: 'status', args: {} })).db_bytes,
      close: async () => { await send('close', {}); w.terminate(); },
    };
  }
  return {
    open: () => send('open', { name }),
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

/** systems: names; sizes: [{label, bytes}]; each (system, size) gets `count` writes or `maxMs` of write time. */
self.runStoreBench = async function (systems, sizes, count, maxMs) {
  const cells = [];
  const out = { systems: {} };
  try {
    for (const system of systems) {
      out.systems[system] = { system, points: [] };
      for (const { label, bytes } of sizes) {
        const cell = { system, label, c: client(system, 'bench-' + label.replace(/\W/g, '')), lat: [], spent: 0 };
        try {
          out.systems[system].open = await cell.c.open();
          Object.assign(cell, await fillTo(cell.c, bytes));
          for (let i = 0; i < 5; i++) await cell.c.insert(statement());   // untimed: first WAL frames, caches
          cells.push(cell);
        } catch (e) {
          out.systems[system].error = `${label}: ${e && e.message || e}`;
          await cell.c.close().catch(() => {});
        }
      }
    }
    // Prepared before timing; then round-robin, one write per cell per round.
    const prepared = cells.map(() => Array.from({ length: count }, statement));
    for (let k = 0; k < count; k++) {
      let active = 0;
      for (const [i, cell] of cells.entries()) {
        if (cell.spent > maxMs || cell.failed) continue;
        active++;
        const a = performance.now();
        try { await cell.c.insert(prepared[i][k]); } catch (e) { cell.failed = String(e && e.message || e); continue; }
        const d = performance.now() - a;
        cell.lat.push(d);
        cell.spent += d;
      }
      if (!active) break;
    }
    for (const cell of cells) {
      out.systems[cell.system].points.push({ label: cell.label, bytes: cell.size, fill_ms: cell.fill_ms, lat: cell.lat, wall_ms: cell.spent, error: cell.failed });
    }
  } finally {
    for (const cell of cells) await cell.c.close().catch(() => {});
  }
  return out;
};
