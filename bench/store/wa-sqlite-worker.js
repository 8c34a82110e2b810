// @journeyapps/wa-sqlite with its AccessHandlePoolVFS (OPFS sync access handles), WAL.
import SQLiteESMFactory from '/npm/@journeyapps/wa-sqlite/dist/wa-sqlite.mjs';
import * as SQLite from '/npm/@journeyapps/wa-sqlite/src/sqlite-api.js';
import { AccessHandlePoolVFS } from '/npm/@journeyapps/wa-sqlite/src/examples/AccessHandlePoolVFS.js';
import { SCHEMA, INSERT, PRAGMAS, row } from './schema.js';

let sqlite3, db;
async function insertRows(rows) {
  for await (const stmt of sqlite3.statements(db, INSERT)) {
    for (const r of rows) {
      sqlite3.bind_collection(stmt, r);
      await sqlite3.step(stmt);
      sqlite3.reset(stmt);
    }
  }
}
async function scalar(sql) {
  let v = null;
  await sqlite3.exec(db, sql, (r) => { v = r[0]; });
  return v;
}
const handlers = {
  async open({ name = 'bench' }) {
    const module = await SQLiteESMFactory();
    sqlite3 = SQLite.Factory(module);
    const vfs = await AccessHandlePoolVFS.create('ahp-' + name, module);
    sqlite3.vfs_register(vfs, true);
    db = await sqlite3.open_v2('/bench.db');
    await sqlite3.exec(db, PRAGMAS + SCHEMA);
    return { journal: await scalar('PRAGMA journal_mode'), sqlite: sqlite3.libversion() };
  },
  async insert({ statement }) { await insertRows([row(statement)]); return true; },   // autocommit: one transaction
  async fill({ statements }) {
    await sqlite3.exec(db, 'BEGIN IMMEDIATE');
    await insertRows(statements.map(row));
    await sqlite3.exec(db, 'COMMIT');
    return true;
  },
  async size() { return (await scalar('PRAGMA page_count')) * (await scalar('PRAGMA page_size')); },
};
onmessage = async (e) => {
  const { id, type, args } = e.data;
  try { postMessage({ id, result: await handlers[type](args || {}) }); } catch (err) { postMessage({ id, error: { message: String(err && err.message || err) } }); }
};
