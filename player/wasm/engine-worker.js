/* Trailpack engine Worker: hosts the wasm engine, its storage and the sync transport.
 *
 * Message protocol (page -> Worker -> page), written down once here and in
 * docs/player-api.md:
 *   request:  {id, type, args}
 *   reply:    {id, result} | {id, error: {code, message, where?}}
 *   event:    {event: "sync", state: {...}}        (unsolicited, during sync)
 *
 * Types:
 *   open    {profile}                -> {storage: "opfs"|"idbfs", persisted, integrity, status, version}
 *   call    {method, args}           -> the engine method's result. When it wrote to the
 *                                       database, the reply is sent only after the write is
 *                                       durable (OPFS: flushed by the VFS; IDBFS: synced).
 *   enroll  {server, code, device_name} -> {profile, user, storage, persisted}   (opens the new profile's store)
 *   download {only?}                 -> {courses: [{id, version, files, bytes, total_bytes}], offered: [...]}; events
 *                                       {event: "download", ...} report progress
 *   sync    {}                       -> {pushed, pulled, conflicts, rejected, status}
 *   catalogue {}                     -> [{id, version, title, language, bytes}] offered by the server
 *                                       (also kept as the app setting "catalogue")
 *   import  {bytes: ArrayBuffer}     -> {id, version, title, files, bytes} (a .tpk picked by the
 *                                       learner; checked like a download, no network)
 *   close   {}                       -> null
 * Network work (enroll, download, sync) lives in worker-net.js.
 *
 * Storage: OPFS sync access handles through the engine's own SQLite VFS when available
 * (only changed pages are written); otherwise IDBFS, flushed after every write.
 * One Worker owns a profile's store at a time (Web Locks), so two tabs never write at once.
 */
'use strict';

importScripts('trailpack-engine.js', 'worker-net.js');

// Emscripten's IDBFS opens its IndexedDB transactions with the browser's default
// durability, which Chromium (since 121) makes "relaxed": reported committed before it
// reaches the disk. An answer shown as saved must survive a power cut, so this Worker's
// transactions ask for "strict" unless they say otherwise.
if (typeof IDBDatabase !== 'undefined') {
  const transaction = IDBDatabase.prototype.transaction;
  IDBDatabase.prototype.transaction = function strictTransaction(stores, mode, options) {
    return transaction.call(this, stores, mode, Object.assign({ durability: 'strict' }, options));
  };
}

let Module = null;
let storage = null;       // "opfs" | "idbfs"
let openConfig = null;    // what tp_open was given (IDBFS reopens with it)
let profileLockRelease = null;
let syncing = null;

function engineError(code, message, where) {
  const e = new Error(message);
  e.code = code;
  if (where) e.where = where;
  return e;
}

function reply(raw) {
  const text = Module.UTF8ToString(raw);
  Module._tp_free(raw);
  const r = JSON.parse(text);
  if (!r.ok) throw engineError(r.error.code, r.error.message, r.error.where);
  return r;
}

// Arguments go through the heap, not ccall's 'string' (which copies onto the 1 MiB wasm
// stack, up to 4 bytes per character): a pulled page of 1000 statements is ~1 MB of JSON
// and overflowed the stack ("memory access out of bounds").
function callRaw(method, args) {
  const text = JSON.stringify(args || {});
  const size = Module.lengthBytesUTF8(text) + 1;
  const ptr = Module._malloc(size);
  if (!ptr) throw engineError('out_of_memory', 'the engine ran out of memory');
  try {
    Module.stringToUTF8(text, ptr, size);
    return reply(Module.ccall('tp_call', 'number', ['string', 'number'], [method, ptr]));
  } finally {
    Module._free(ptr);
  }
}

function idbfsSync() {
  return new Promise((resolve, reject) => Module.FS.syncfs(false, (err) => {
    if (!err) return resolve();
    const full = /quota/i.test(String((err && err.name) || '') + ' ' + String(err));
    reject(engineError(full ? 'storage_full' : 'storage_error', 'could not save to IndexedDB: ' + err));
  }));
}

// On IDBFS the database lives in memory and each write is copied to IndexedDB after it.
// When that copy fails (quota), the write is in memory only: the store goes back to what
// IndexedDB holds, so that memory never holds more than the disk (otherwise the failed
// answer would read as saved, and a retry would be refused as already answered).
async function revertToIndexedDb() {
  reply(Module.ccall('tp_close', 'number', [], []));
  await new Promise((resolve, reject) =>
    Module.FS.syncfs(true, (err) => (err ? reject(engineError('storage_error', 'could not reload from IndexedDB: ' + err)) : resolve())));
  reply(Module.ccall('tp_open', 'number', ['string'], [JSON.stringify(openConfig)]));
}

async function call(method, args) {
  const r = callRaw(method, args);
  if (r.wrote && storage === 'idbfs') {
    try {
      await idbfsSync();
    } catch (e) {
      try { await revertToIndexedDb(); } catch (e2) { closeStore(); throw e2; }
      throw e;
    }
  }
  return r.result;
}

function opfsAvailable() {
  return typeof navigator !== 'undefined' && navigator.storage && navigator.storage.getDirectory &&
    typeof FileSystemFileHandle !== 'undefined' && FileSystemFileHandle.prototype.createSyncAccessHandle;
}

function safeName(profile) {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(profile)) throw engineError('invalid_argument', 'profile names use letters, digits, ".", "_" and "-"');
  return profile;
}

// One Worker owns a profile's store at a time. After a reload the previous page's Worker
// may still be shutting down, so wait a little for its lock before giving up.
async function acquireProfileLock(profile) {
  if (!(self.navigator && navigator.locks)) return;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 4000);
  try {
    await new Promise((resolve, reject) => {
      navigator.locks.request('trailpack-profile:' + profile, { signal: controller.signal }, () => {
        resolve();
        return new Promise((release) => { profileLockRelease = release; });
      }).catch(() => reject(engineError('profile_busy', 'Trailpack is already open for this learner in another tab or window.')));
    });
  } finally {
    clearTimeout(timer);
  }
}

// Access handles are exclusive; a closing Worker may hold them for a moment.
async function openAccessHandle(dir, name) {
  const fh = await dir.getFileHandle(name, { create: true });
  for (let attempt = 0; ; attempt++) {
    try {
      return await fh.createSyncAccessHandle();
    } catch (e) {
      if (attempt >= 30 || (e && e.name !== 'NoModificationAllowedError' && e.name !== 'InvalidStateError')) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

// Closes the open store, its access handles and its lock (before opening another one, or
// the same one again after an enrollment).
function closeStore() {
  if (!Module) return;
  reply(Module.ccall('tp_close', 'number', [], []));
  if (Module.trailpackOpfs) for (const f of Module.trailpackOpfs.files) f.handle.close();
  Module.trailpackOpfs = null;
  if (storage === 'idbfs') { try { Module.FS.unmount('/idb'); } catch (e) { /* not mounted */ } }
  storage = null;
  if (profileLockRelease) profileLockRelease();
  profileLockRelease = null;
}

async function open({ profile, forceStorage }) {
  const name = 'trailpack-' + safeName(profile || 'default') + '.db';
  if (!Module) Module = await createTrailpackEngine({ locateFile: (p) => p });
  closeStore();
  await acquireProfileLock(profile || 'default');
  let config;
  // OPFS can be present and still refused (a private window, a storage policy): then this
  // browser has never stored anything there, and IndexedDB is used instead. Any later
  // failure (the files held by another tab) is an error, never a switch to an empty store.
  let root = null;
  if (forceStorage !== 'idbfs' && opfsAvailable()) {
    try { root = await navigator.storage.getDirectory(); } catch (e) { root = null; }
  }
  if (root) {
    const dir = await root.getDirectoryHandle('trailpack', { create: true });
    const files = [];
    for (const suffix of ['', '-wal', '-journal']) {
      files.push({ name: '/' + name + suffix, handle: await openAccessHandle(dir, name + suffix) });
    }
    Module.trailpackOpfs = { files };
    storage = 'opfs';
    config = { path: '/' + name, vfs: 'opfs', journal_mode: 'WAL', synchronous: 'FULL', exclusive: true };
  } else {
    const FS = Module.FS;
    try { FS.mkdir('/idb'); } catch (e) { /* exists */ }
    FS.mount(FS.filesystems.IDBFS, {}, '/idb');
    await new Promise((resolve, reject) => FS.syncfs(true, (err) => (err ? reject(engineError('storage_error', String(err))) : resolve())));
    storage = 'idbfs';
    // The database is in memory between syncs; each sync writes the whole changed file in one
    // IndexedDB transaction, so no journal is needed on disk.
    config = { path: '/idb/' + name, vfs: '', journal_mode: 'MEMORY', synchronous: 'OFF', exclusive: true };
  }
  openConfig = config;
  const opened = reply(Module.ccall('tp_open', 'number', ['string'], [JSON.stringify(config)]));
  if (storage === 'idbfs') await idbfsSync();
  let persisted = false;
  try { persisted = navigator.storage && navigator.storage.persisted ? await navigator.storage.persisted() : false; } catch (e) { /* ignore */ }
  const version = reply(Module.ccall('tp_version', 'number', [], [])).result;
  return { storage, persisted, integrity: opened.result.integrity, status: opened.result, version };
}

async function handle(type, args) {
  switch (type) {
    case 'open': return open(args || {});
    case 'call':
      if (!Module) throw engineError('not_open', 'the engine is not open');
      return call(args.method, args.args);
    case 'enroll': return enroll(args || {});
    case 'download':
      if (!Module) throw engineError('not_open', 'the engine is not open');
      return download(args || {});
    case 'catalogue':
      if (!Module) throw engineError('not_open', 'the engine is not open');
      return catalogue();
    case 'import':
      if (!Module) throw engineError('not_open', 'the engine is not open');
      return importBundle(args || {});
    case 'sync':
      if (!Module) throw engineError('not_open', 'the engine is not open');
      if (syncing) return syncing;  // one sync at a time; callers share its outcome
      syncing = sync(args || {}).finally(() => { syncing = null; });
      return syncing;
    case 'close':
      closeStore();
      return null;
    default:
      throw engineError('unknown_type', 'unknown message type "' + type + '"');
  }
}

// Engine work runs one message at a time, in order: the engine is single-threaded and a
// reply must never overtake the durable write of an earlier message. Sync is not queued as
// a whole (it waits on the network); each of its engine calls takes its turn in the queue,
// so answers keep being recorded while a sync is in flight.
let queue = Promise.resolve();
function enqueue(fn) {
  const run = queue.then(fn);
  queue = run.catch(() => {});
  return run;
}

async function queuedCall(method, args) { return enqueue(() => call(method, args)); }

self.onmessage = (e) => {
  const { id, type, args } = e.data || {};
  // Network-bound work is not queued as a whole; its engine calls are (queuedCall).
  const networked = type === 'sync' || type === 'download' || type === 'enroll' || type === 'import' || type === 'catalogue';
  const work = networked ? handle(type, args) : enqueue(() => handle(type, args));
  work.then(
    (result) => self.postMessage({ id, result }),
    (err) => self.postMessage({ id, error: { code: err.code || 'internal', message: err.message || String(err), where: err.where } }));
};
