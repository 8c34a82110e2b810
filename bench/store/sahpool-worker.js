// @sqlite.org/sqlite-wasm with its opfs-sahpool VFS (OPFS sync access handles), WAL.
import sqlite3InitModule from '/npm/@sqlite.org/sqlite-wasm/dist/index.mjs';
import { SCHEMA, INSERT, PRAGMAS, row } from './schema.js';

let sqlite3, db, insert;
const handlers = {
  async open({ name = 'bench' }) {
    sqlite3 = await sqlite3InitModule({ print: () => {}, printErr: () => {} });
    const pool = await sqlite3.installOpfsSAHPoolVfs({ name: 'sahpool-' + name, directory: '/sahpool-' + name });
    db = new pool.OpfsSAHPoolDb('/bench.db');
    db.exec(PRAGMAS + SCHEMA);
    insert = db.prepare(INSERT);
    return { journal: db.selectValue('PRAGMA journal_mode'), sqlite: sqlite3.version.libVersion };
  },
  async insert({ statement }) { insert.bind(row(statement)).stepReset(); return true; },
  async fill({ statements }) {
    db.exec('BEGIN IMMEDIATE');
    for (const s of statements) insert.bind(row(s)).stepReset();
    db.exec('COMMIT');
    return true;
  },
  async size() { return db.selectValue('PRAGMA page_count') * db.selectValue('PRAGMA page_size'); },
};
onmessage = async (e) => {
  const { id, type, args } = e.data;
  try { postMessage({ id, result: await handlers[type](args || {}) }); } catch (err) { postMessage({ id, error: { message: String(err && err.message || err) } }); }
};
