// The engine's own statements table (player/src/store.cpp), so every peer stores the same
// rows in the same shape, and the one-statement insert the engine runs for sync.ingest.
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS statements (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  course_id TEXT NOT NULL,
  body TEXT NOT NULL,
  synced INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS statements_course ON statements(course_id);
CREATE INDEX IF NOT EXISTS statements_unsynced ON statements(synced) WHERE synced = 0;`;
export const INSERT = 'INSERT INTO statements(id, course_id, body, synced) VALUES(?, ?, ?, 0) ON CONFLICT(id) DO NOTHING';
// Durable commits everywhere: WAL fsynced at every commit, one connection holding the file.
export const PRAGMAS = 'PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;';
export function row(s) { return [s.id, 'bench-course', JSON.stringify(s)]; }
