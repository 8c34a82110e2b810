// A SQLite VFS on OPFS FileSystemSyncAccessHandle, for a dedicated Worker.
//
// Why: "saved" must mean durable, and the cost of a durable write must not grow with
// the database. Access handles read and write pages in place (no whole-file rewrite as
// with IDBFS) and flush() makes them durable.
//
// How: opening an access handle is asynchronous, but SQLite's VFS is synchronous. The
// Worker (engine-worker.js) therefore opens the handles of the files SQLite will use
// (the database, its -wal and its -journal) *before* tp_open, and registers them on
// Module.trailpackOpfs.files by name. Every VFS call below is a synchronous access
// handle call. A file "exists" when its handle is known and its size is not zero;
// deleting truncates it to zero. There is no shared memory (iVersion 1), so WAL works
// with locking_mode=EXCLUSIVE, which the store sets; locks are no-ops because an access
// handle is already exclusive to one Worker, and Web Locks keep other tabs out.
#include <emscripten/emscripten.h>
#include <sqlite3.h>

#include <cstring>

#include "api.h"

// ---- JavaScript side (synchronous access-handle calls) --------------------------------
// Return values: >= 0 success; -1 I/O error; -2 quota exceeded.

EM_JS(int, tp_opfs_lookup, (const char* name), {
  const files = Module.trailpackOpfs && Module.trailpackOpfs.files;
  if (!files) return -1;
  const n = UTF8ToString(name);
  for (let i = 0; i < files.length; i++) if (files[i].name === n) return i;
  return -1;
});

// Writes are combined: SQLite appends a WAL frame as two writes (a 24-byte header, then the
// page), several frames per transaction, and each access-handle call costs tens of
// microseconds. A run of contiguous writes is kept in one buffer per file and written with
// one call when the run breaks, before any read, size, truncate or close, and always before
// flush(): xSync still returns only once everything is written and flushed, so "saved"
// still means durable (bench/run's store benchmark measures the effect).
EM_JS(int, tp_opfs_drain, (int h), {
  const f = Module.trailpackOpfs.files[h];
  const p = f.pending;
  if (!p || !p.length) return 0;
  try {
    const wrote = f.handle.write(p.buffer.subarray(0, p.length), {at : p.offset});
    Module.trailpackOpfs.bytesWritten = (Module.trailpackOpfs.bytesWritten || 0) + wrote;
    const ok = wrote === p.length;
    p.length = 0;
    return ok ? 0 : -1;
  } catch (e) {
    p.length = 0;
    Module.trailpackOpfs.lastError = String(e && e.message || e);
    return (e && e.name === 'QuotaExceededError') ? -2 : -1;
  }
});

EM_JS(int, tp_opfs_read, (int h, unsigned char* buf, int n, double offset), {
  try {
    const f = Module.trailpackOpfs.files[h];
    if (f.pending && f.pending.length && tp_opfs_drain(h) < 0) return -1;
    return f.handle.read(HEAPU8.subarray(buf, buf + n), {at : offset});
  } catch (e) {
    Module.trailpackOpfs.lastError = String(e && e.message || e);
    return -1;
  }
});

EM_JS(int, tp_opfs_write, (int h, const unsigned char* buf, int n, double offset), {
  const f = Module.trailpackOpfs.files[h];
  const p = f.pending || (f.pending = {buffer : new Uint8Array(65536), offset : 0, length : 0});
  if (p.length && (offset !== p.offset + p.length || p.length + n > 4194304)) {
    const rc = tp_opfs_drain(h);
    if (rc < 0) return rc;
  }
  if (!p.length) p.offset = offset;
  if (p.length + n > p.buffer.length) {
    const bigger = new Uint8Array(Math.max(p.buffer.length * 2, p.length + n));
    bigger.set(p.buffer.subarray(0, p.length));
    p.buffer = bigger;
  }
  p.buffer.set(HEAPU8.subarray(buf, buf + n), p.length);
  p.length += n;
  return n;
});

EM_JS(int, tp_opfs_truncate, (int h, double size), {
  try {
    const rc = tp_opfs_drain(h);
    if (rc < 0) return rc;
    Module.trailpackOpfs.files[h].handle.truncate(size);
    return 0;
  } catch (e) {
    Module.trailpackOpfs.lastError = String(e && e.message || e);
    return (e && e.name === 'QuotaExceededError') ? -2 : -1;
  }
});

EM_JS(int, tp_opfs_flush, (int h), {
  try {
    const rc = tp_opfs_drain(h);
    if (rc < 0) return rc;
    Module.trailpackOpfs.files[h].handle.flush();
    Module.trailpackOpfs.flushes = (Module.trailpackOpfs.flushes || 0) + 1;
    return 0;
  } catch (e) {
    Module.trailpackOpfs.lastError = String(e && e.message || e);
    return (e && e.name === 'QuotaExceededError') ? -2 : -1;
  }
});

EM_JS(double, tp_opfs_size, (int h), {
  try {
    if (tp_opfs_drain(h) < 0) return -1;
    return Module.trailpackOpfs.files[h].handle.getSize();
  } catch (e) {
    Module.trailpackOpfs.lastError = String(e && e.message || e);
    return -1;
  }
});

// ---- the VFS ----------------------------------------------------------------------------

namespace {

struct OpfsFile {
  sqlite3_file base;
  int handle;
};

int io_error(int rc, int fallback) { return rc == -2 ? SQLITE_FULL : fallback; }

int x_close(sqlite3_file* f) {
  // Whatever is still combined goes to the file (SQLite syncs what must be durable first).
  return tp_opfs_drain(reinterpret_cast<OpfsFile*>(f)->handle) < 0 ? SQLITE_IOERR_CLOSE : SQLITE_OK;
}

int x_read(sqlite3_file* f, void* buf, int amount, sqlite3_int64 offset) {
  auto* file = reinterpret_cast<OpfsFile*>(f);
  const int got = tp_opfs_read(file->handle, static_cast<unsigned char*>(buf), amount, static_cast<double>(offset));
  if (got < 0) return SQLITE_IOERR_READ;
  if (got < amount) {
    std::memset(static_cast<unsigned char*>(buf) + got, 0, static_cast<std::size_t>(amount - got));
    return SQLITE_IOERR_SHORT_READ;
  }
  return SQLITE_OK;
}

// Combined with the writes that follow it (see tp_opfs_write); a failure may surface at
// the next read, size, truncate, sync or close of the file instead.
int x_write(sqlite3_file* f, const void* buf, int amount, sqlite3_int64 offset) {
  auto* file = reinterpret_cast<OpfsFile*>(f);
  const int rc =
      tp_opfs_write(file->handle, static_cast<const unsigned char*>(buf), amount, static_cast<double>(offset));
  return rc < 0 ? io_error(rc, SQLITE_IOERR_WRITE) : SQLITE_OK;
}

int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  auto* file = reinterpret_cast<OpfsFile*>(f);
  const int rc = tp_opfs_truncate(file->handle, static_cast<double>(size));
  return rc < 0 ? io_error(rc, SQLITE_IOERR_TRUNCATE) : SQLITE_OK;
}

int x_sync(sqlite3_file* f, int) {
  auto* file = reinterpret_cast<OpfsFile*>(f);
  const int rc = tp_opfs_flush(file->handle);
  return rc < 0 ? io_error(rc, SQLITE_IOERR_FSYNC) : SQLITE_OK;  // a full disk surfaces here now
}

int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  auto* file = reinterpret_cast<OpfsFile*>(f);
  const double s = tp_opfs_size(file->handle);
  if (s < 0) return SQLITE_IOERR_FSTAT;
  *size = static_cast<sqlite3_int64>(s);
  return SQLITE_OK;
}

int x_lock(sqlite3_file*, int) { return SQLITE_OK; }
int x_unlock(sqlite3_file*, int) { return SQLITE_OK; }
int x_check_reserved_lock(sqlite3_file*, int* out) {
  *out = 0;
  return SQLITE_OK;
}
int x_file_control(sqlite3_file*, int, void*) { return SQLITE_NOTFOUND; }
int x_sector_size(sqlite3_file*) { return 4096; }
int x_device_characteristics(sqlite3_file*) {
  // Access-handle writes do not tear other bytes of a sector; nothing else is promised.
  return SQLITE_IOCAP_POWERSAFE_OVERWRITE | SQLITE_IOCAP_UNDELETABLE_WHEN_OPEN;
}

const sqlite3_io_methods kIoMethods = {
    1,  // iVersion: no shared memory, no mmap
    x_close, x_read, x_write, x_truncate, x_sync, x_file_size, x_lock, x_unlock, x_check_reserved_lock,
    x_file_control, x_sector_size, x_device_characteristics,
    nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};

sqlite3_vfs* default_vfs() { return sqlite3_vfs_find(nullptr); }

int x_open(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  auto* file = reinterpret_cast<OpfsFile*>(f);
  file->base.pMethods = nullptr;
  if (!name) return SQLITE_CANTOPEN;  // temp files live in memory (SQLITE_TEMP_STORE=3)
  const int h = tp_opfs_lookup(name);
  if (h < 0) return SQLITE_CANTOPEN;
  file->handle = h;
  file->base.pMethods = &kIoMethods;
  if (out_flags) *out_flags = flags;
  return SQLITE_OK;
}

int x_delete(sqlite3_vfs*, const char* name, int sync_dir) {
  const int h = tp_opfs_lookup(name);
  if (h < 0) return SQLITE_OK;
  if (tp_opfs_truncate(h, 0) < 0) return SQLITE_IOERR_DELETE;
  if (sync_dir && tp_opfs_flush(h) < 0) return SQLITE_IOERR_DELETE;
  return SQLITE_OK;
}

int x_access(sqlite3_vfs*, const char* name, int, int* out) {
  const int h = tp_opfs_lookup(name);
  *out = h >= 0 && tp_opfs_size(h) > 0 ? 1 : 0;
  return SQLITE_OK;
}

int x_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
  const int len = static_cast<int>(std::strlen(name));
  if (len + 1 > n) return SQLITE_CANTOPEN;
  std::memcpy(out, name, static_cast<std::size_t>(len) + 1);
  return SQLITE_OK;
}

int x_randomness(sqlite3_vfs*, int n, char* out) { return default_vfs()->xRandomness(default_vfs(), n, out); }
int x_sleep(sqlite3_vfs*, int us) { return default_vfs()->xSleep(default_vfs(), us); }
int x_current_time(sqlite3_vfs*, double* t) { return default_vfs()->xCurrentTime(default_vfs(), t); }
int x_get_last_error(sqlite3_vfs*, int, char*) { return 0; }
int x_current_time_int64(sqlite3_vfs*, sqlite3_int64* t) {
  return default_vfs()->xCurrentTimeInt64(default_vfs(), t);
}

sqlite3_vfs g_opfs_vfs = {
    2,                   // iVersion
    sizeof(OpfsFile),    // szOsFile
    512,                 // mxPathname
    nullptr,             // pNext
    "opfs",              // zName
    nullptr,             // pAppData
    x_open, x_delete, x_access, x_full_pathname,
    nullptr, nullptr, nullptr, nullptr,  // no dlopen
    x_randomness, x_sleep, x_current_time, x_get_last_error, x_current_time_int64,
    nullptr, nullptr, nullptr};

bool g_registered = false;

}  // namespace

extern "C" int tp_register_opfs_vfs(void) {
  if (g_registered) return SQLITE_OK;
  const int rc = sqlite3_vfs_register(&g_opfs_vfs, 0);
  g_registered = rc == SQLITE_OK;
  return rc;
}
