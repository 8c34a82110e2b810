import sqlite3InitModule from '/npm/@sqlite.org/sqlite-wasm/dist/index.mjs';
try {
  const sqlite3 = await sqlite3InitModule({ print: () => {}, printErr: () => {} });
  const pool = await sqlite3.installOpfsSAHPoolVfs({ name: 'startup' });
  const db = new pool.OpfsSAHPoolDb('/startup.db');
  db.exec('CREATE TABLE IF NOT EXISTS t(x)');
  postMessage({ ready: true });
} catch (e) {
  postMessage({ error: { message: String(e) } });
}
