/* Trailpack engine Worker, network side: enrollment, verified course downloads and sync.
 * Loaded by engine-worker.js (importScripts); uses its queuedCall/enqueue/open helpers.
 *
 * Trust: a course is installed only when its manifest's Ed25519 signature verifies with a
 * key the server named at enrollment, and every file's SHA-256 matches the manifest.
 * Files are kept in Cache Storage by hash ("/_media/<sha256>"), so a new version
 * downloads only the files the device does not already have, and an interrupted
 * download resumes where it stopped (files already verified are kept).
 */
'use strict';

const MEDIA_CACHE = 'trailpack-media-v1';

function b64ToBytes(b64) {
  const bin = atob(b64.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function sha256Hex(bytes) { return hex(await crypto.subtle.digest('SHA-256', bytes)); }

async function appGet(key) { return queuedCall('app.get', { key }); }
async function appPut(key, value) { return queuedCall('app.put', { key, value }); }

// Request bodies over 1 KiB go gzipped (the server accepts Content-Encoding: gzip): a
// catch-up push of statements shrinks several times, and uplinks are the slow side.
async function encodeBody(body) {
  const text = JSON.stringify(body);
  if (text.length <= 1024 || typeof CompressionStream !== 'function') return { payload: text, headers: {} };
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return { payload: await new Response(stream).arrayBuffer(), headers: { 'content-encoding': 'gzip' } };
}

// An API call that has not answered in 2 minutes has stalled (a half-open connection
// never fails on its own): it fails as offline, so the sync ends and is retried instead of
// hanging until the app is closed. A 4 MiB pull page or an 8 MiB push takes well under
// that on a slow 3G link. File downloads (raw) have no limit: a large video may take longer.
const API_TIMEOUT_MS = 120000;

function unreachable(e) {
  return e && e.name === 'TimeoutError' ? engineError('offline', 'the server did not answer within 2 minutes')
    : engineError('offline', 'the server cannot be reached');
}

async function request(server, path, { method = 'GET', token, body, raw } = {}) {
  let res;
  const encoded = body !== undefined ? await encodeBody(body) : { payload: undefined, headers: {} };
  const signal = !raw && typeof AbortSignal.timeout === 'function' ? AbortSignal.timeout(API_TIMEOUT_MS) : undefined;
  try {
    res = await fetch(server + path, {
      method,
      headers: Object.assign({}, body !== undefined ? { 'content-type': 'application/json' } : {}, encoded.headers,
        token ? { authorization: 'Bearer ' + token } : {}),
      body: encoded.payload,
      cache: 'no-store',
      signal,
    });
  } catch (e) {
    throw unreachable(e);
  }
  if (raw && res.ok) return res;
  let data = null;
  try { data = await res.json(); } catch (e) {
    if (e && e.name === 'TimeoutError') throw unreachable(e);  // else: not JSON
  }
  if (!res.ok) {
    const err = data && data.error ? data.error : { code: 'http_' + res.status, message: res.statusText || ('HTTP ' + res.status) };
    const e = engineError(err.code, err.message, err.where);
    e.status = res.status;
    throw e;
  }
  return data;
}

// A refresh token works once: the server takes a second use as theft and revokes the
// device's tokens. So one refresh at a time: calls that get a 401 together (a sync and a
// download) share it, and a call whose token was replaced meanwhile retries with the new
// one instead of refreshing again.
let refreshing = null;
function refreshAuth(server, stale) {
  if (!refreshing) {
    refreshing = (async () => {
      const current = await appGet('auth');
      if (current.access_token !== stale.access_token) return current;  // already refreshed
      let fresh;
      try {
        fresh = await request(server, '/api/v1/auth/refresh', { method: 'POST', body: { refresh_token: current.refresh_token } });
      } catch (e) {
        if (e.status === 401) {
          await appPut('auth_state', 'signed_out');
          throw engineError('signed_out', 'this device was signed out; enroll it again (your answers stay on the device)');
        }
        throw e;
      }
      const next = Object.assign({}, current, fresh);
      await appPut('auth', next);
      return next;
    })().finally(() => { refreshing = null; });
  }
  return refreshing;
}

// Calls the server with the device's access token; on 401 refreshes (once) and retries.
async function authed(path, options) {
  const server = await appGet('server');
  const auth = await appGet('auth');
  if (!server || !auth) throw engineError('not_enrolled', 'this device is not enrolled');
  try {
    return await request(server, path, Object.assign({}, options, { token: auth.access_token }));
  } catch (e) {
    if (e.status !== 401) throw e;
    const fresh = await refreshAuth(server, auth);
    return request(server, path, Object.assign({}, options, { token: fresh.access_token }));
  }
}

async function enroll({ server, code, device_name }) {
  const res = await request(server, '/api/v1/auth/enroll', { method: 'POST', body: { code, device_name: device_name || '' } });
  const profile = res.user.id;
  const opened = await enqueue(() => open({ profile }));
  await queuedCall('profile.set', { home_page: res.home_page, account: res.user.id, name: res.user.name, device_id: res.device_id });
  await appPut('server', server);
  await appPut('auth', { access_token: res.access_token, refresh_token: res.refresh_token, expires_at: res.expires_at });
  await appPut('trusted_keys', res.trusted_keys || []);
  await appPut('user', res.user);
  await appPut('auth_state', 'ok');
  return { profile, user: res.user, storage: opened.storage, persisted: opened.persisted };
}

async function verifyManifest(manifestText, signature, trustedKeys) {
  const key = (trustedKeys || []).find((k) => k.key_id === signature.key_id);
  if (!key) throw engineError('bad_signature', 'the course is signed by a key this device does not trust (' + signature.key_id + ')');
  let ok = false;
  try {
    const pub = await crypto.subtle.importKey('raw', b64ToBytes(key.public_key), { name: 'Ed25519' }, false, ['verify']);
    ok = await crypto.subtle.verify({ name: 'Ed25519' }, pub, b64ToBytes(signature.signature), new TextEncoder().encode(manifestText));
  } catch (e) {
    throw engineError('bad_signature', 'the signature could not be checked: ' + (e && e.message));
  }
  if (!ok) throw engineError('bad_signature', 'the course manifest does not match its signature');
}

async function cachedFile(cache, sha) {
  const hit = await cache.match('/_media/' + sha);
  return hit || null;
}

// Downloads and installs every course the server offers that is newer than the installed one.
async function download({ only }) {
  const post = (state) => self.postMessage({ event: 'download', state });
  const trusted = await appGet('trusted_keys');
  const offered = (await authed('/api/v1/courses')).courses;
  const installed = {};
  for (const c of await queuedCall('courses.list', {})) installed[c.id] = c.version;
  const cache = await caches.open(MEDIA_CACHE);
  const report = [];
  for (const c of offered) {
    if (only && only !== c.id) continue;
    if (installed[c.id] >= c.version) continue;
    await verifyManifest(c.manifest, c.signature, trusted);
    const manifest = JSON.parse(c.manifest);
    if (manifest.course !== c.id || manifest.version !== c.version)
      throw engineError('invalid_bundle', 'the manifest does not describe course ' + c.id + ' version ' + c.version);
    const total = manifest.files.reduce((n, f) => n + f.size, 0);
    const missing = [];
    for (const f of manifest.files) if (!(await cachedFile(cache, f.sha256))) missing.push(f);
    const missingBytes = missing.reduce((n, f) => n + f.size, 0);
    post({ course: c.id, phase: 'start', total_bytes: total, download_bytes: missingBytes, files: missing.length });
    let done = 0;
    for (const f of missing) {
      const res = await authed('/api/v1/files/' + f.sha256, { raw: true });
      const bytes = await res.arrayBuffer();
      if (bytes.byteLength !== f.size || (await sha256Hex(bytes)) !== f.sha256)
        throw engineError('invalid_bundle', f.path + ': the downloaded file does not match the manifest (damaged or altered)');
      await cache.put('/_media/' + f.sha256, new Response(bytes, { headers: { 'content-type': 'application/octet-stream' } }));
      done += f.size;
      post({ course: c.id, phase: 'file', path: f.path, done_bytes: done, download_bytes: missingBytes });
    }
    const courseFile = manifest.files.find((f) => f.path === 'course.json');
    const courseText = await (await cachedFile(cache, courseFile.sha256)).text();
    await queuedCall('course.install', { course: JSON.parse(courseText), manifest });
    post({ course: c.id, phase: 'installed', version: c.version });
    report.push({ id: c.id, version: c.version, files: missing.length, bytes: missingBytes, total_bytes: total });
  }
  return { courses: report, offered: offered.map((c) => ({ id: c.id, version: c.version, title: c.title, bytes: c.bytes })) };
}

// The server's offer (what may be downloaded, with sizes), kept so the home screen can
// show it offline too.
async function catalogue() {
  const offered = (await authed('/api/v1/courses')).courses.map((c) => ({
    id: c.id, version: c.version, title: c.title, language: c.language, bytes: c.bytes,
  }));
  await appPut('catalogue', offered);
  return offered;
}

async function sync() {
  const post = (state) => self.postMessage({ event: 'sync', state });
  let pushed = 0, pulled = 0, conflicts = 0, rejected = 0;
  post({ phase: 'push' });
  // Push the outbox in batches; each batch is acknowledged only after the server stored it durably.
  // 500 statements is the server's most per push; a batch over its 8 MiB (413) is halved.
  let batch = 500;
  for (;;) {
    const pending = await queuedCall('sync.pending', { limit: batch });
    if (!pending.statements.length) break;
    let res;
    try {
      res = await authed('/api/v1/sync/push', { method: 'POST', body: { protocol: 1, device_id: pending.device_id, statements: pending.statements } });
    } catch (e) {
      if (e.status !== 413 || pending.statements.length === 1) throw e;
      batch = Math.max(1, Math.floor(pending.statements.length / 2));
      continue;
    }
    const done = res.results.filter((r) => r.status === 'stored' || r.status === 'duplicate').map((r) => r.id);
    conflicts += res.conflicts || 0;
    rejected += res.rejected || 0;
    if (res.conflicts || res.rejected)
      await appPut('sync_issues', res.results.filter((r) => r.status === 'conflict' || r.status === 'rejected'));
    if (!done.length) break;  // nothing more can go through now; keep the rest for later
    await queuedCall('sync.ack', { ids: done, cursor: res.cursor });
    pushed += done.length;
    post({ phase: 'push', pushed });
  }
  post({ phase: 'pull' });
  const status = await queuedCall('status', {});
  let cursor = status.pull_cursor || 0;
  // Reminders kept on this device and not yet acknowledged are acknowledged once, with
  // the first page, so the server stops sending them (and the console shows them as seen).
  let acks = ((await appGet('reminders')) || []).filter((r) => !r.acked).map((r) => r.id).slice(0, 50);
  const acked = new Set();
  let last = null;
  for (let page = 0; page < 1000; page++) {
    // skip_own: what this device pushed is already here; only other sources come down.
    const body = { protocol: 1, cursor, skip_own: true };
    if (acks.length) body.ack_reminders = acks;
    const res = await authed('/api/v1/sync/pull', { method: 'POST', body });
    for (const id of acks) acked.add(id);
    acks = [];
    if (res.statements.length || res.cursor !== cursor) {
      await queuedCall('sync.ingest', { statements: res.statements, cursor: res.cursor });
      pulled += res.statements.length;
    }
    cursor = res.cursor;
    last = res;
    if (!res.more) break;
  }
  // What the learner is assigned (due dates) and new reminders, for the home screen offline.
  if (last && Array.isArray(last.assignments)) await appPut('assignments', last.assignments);
  const fresh = last && Array.isArray(last.reminders) ? last.reminders : [];
  if (fresh.length || acked.size) {
    const kept = ((await appGet('reminders')) || []).map((r) => (acked.has(r.id) ? { ...r, acked: true } : r));
    const known = new Set(kept.map((r) => r.id));
    await appPut('reminders', kept.concat(fresh.filter((r) => !known.has(r.id))).slice(-20));
  }
  const final = await queuedCall('status', {});
  // New courses or versions on offer: refresh the catalogue (sizes) for the home screen.
  let updates = 0;
  try {
    const installed = {};
    for (const c of await queuedCall('courses.list', {})) installed[c.id] = c.version;
    const offered = await catalogue();
    updates = offered.filter((c) => !(installed[c.id] >= c.version)).length;
  } catch (e) { /* the catalogue is a convenience; the sync itself succeeded */ }
  return { pushed, pulled, conflicts, rejected, updates, status: final };
}

// Imports a bundle file picked from device storage: no network. The C++ side reads the
// archive and checks every file against the manifest; the signature is checked here with
// WebCrypto against the keys trusted at enrollment, before anything is installed.
async function importBundle({ bytes }) {
  if (!(bytes instanceof ArrayBuffer)) throw engineError('invalid_argument', 'import: expected the file\'s bytes');
  const data = new Uint8Array(bytes);
  if (data.length > 512 * 1024 * 1024) throw engineError('too_large', 'the file is larger than 512 MiB');
  const ptr = Module._malloc(Math.max(1, data.length));
  if (!ptr) throw engineError('out_of_memory', 'not enough memory to open this file');
  let opened;
  try {
    Module.HEAPU8.set(data, ptr);
    opened = reply(Module.ccall('tp_bundle_open', 'number', ['number', 'number'], [ptr, data.length])).result;
  } finally {
    Module._free(ptr);
  }
  await verifyManifest(opened.manifest_text, opened.signature, await appGet('trusted_keys'));
  const cache = await caches.open(MEDIA_CACHE);
  let stored = 0;
  for (const f of opened.files) {
    if (await cachedFile(cache, f.sha256)) continue;
    const slice = data.slice(f.offset, f.offset + f.size);
    await cache.put('/_media/' + f.sha256, new Response(slice, { headers: { 'content-type': 'application/octet-stream' } }));
    stored += f.size;
  }
  await queuedCall('course.install', { course: opened.course, manifest: opened.manifest });
  return { id: opened.course.id, version: opened.course.version, title: opened.course.title, files: opened.files.length, bytes: stored };
}
