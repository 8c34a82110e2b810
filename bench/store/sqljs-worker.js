// sql.js (SQLite in memory) made durable the usual way: after every transaction the whole
// database is exported and put into IndexedDB in a transaction with durability "strict".
importScripts('/npm/sql.js/dist/sql-wasm.js');
const SCHEMA = `
CREATE TABLE IF NOT EXISTS statements (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
  course_id TEXT NOT NULL, body TEXT NOT NULL, synced INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS statements_course ON statements(course_id);
CREATE INDEX IF NOT EXISTS statements_unsynced ON statements(synced) WHERE synced = 0;`;
const INSERT = 'INSERT INTO statements(id, course_id, body, synced) VALUES(?, ?, ?, 0) ON CONFLICT(id) DO NOTHING';
const row = (s) => [s.id, 'bench-course', JSON.stringify(s)];
let db, idb, insert;

function idbOpen(name) {
  return new Promise((resolve, reject) => {
    const r = indexedDB.open('sqljs-' + name, 1);
    r.onupgradeneeded = () => r.result.createObjectStore('files');
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}
function persist() {
  const bytes = db.export();
  return new Promise((resolve, reject) => {
    const tx = idb.transaction('files', 'readwrite', { durability: 'strict' });
    tx.objectStore('files').put(bytes, 'bench.db');
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
}
const handlers = {
  async open({ name = 'bench' }) {
    const SQL = await initSqlJs({ locateFile: (f) => '/npm/sql.js/dist/' + f });
    db = new SQL.Database();
    db.exec(SCHEMA);
    idb = await idbOpen(name);
    insert = db.prepare(INSERT);
    await persist();
    return { journal: 'memory + IndexedDB export', sqlite: db.exec('select sqlite_version()')[0].values[0][0] };
  },
  // export() closes prepared statements, so each insert prepares its own (db.run).
  async insert({ statement }) { db.run(INSERT, row(statement)); await persist(); return true; },
  async fill({ statements }) {
    db.exec('BEGIN');
    for (const s of statements) db.run(INSERT, row(s));
    db.exec('COMMIT');
    return true;   // persisted by the next insert (or the size call)
  },
  async size() {
    await persist();
    return db.exec('PRAGMA page_count')[0].values[0][0] * db.exec('PRAGMA page_size')[0].values[0][0];
  },
};
onmessage = async (e) => {
  const { id, type, args } = e.data;
  try { postMessage({ id, result: await handlers[type](args || {}) }); } catch (err) { postMessage({ id, error: { message: String(err && err.message || err) } }); }
};
