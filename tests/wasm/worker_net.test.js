// The engine Worker's network side (player/wasm/worker-net.js) run under node in a VM
// context with a scripted fetch: a stalled API call fails as offline after its time limit
// (so a sync cannot hang until the app is closed), while file downloads have no limit.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const CODE = fs.readFileSync(path.join(__dirname, '..', '..', 'player', 'wasm', 'worker-net.js'), 'utf8');

function load(fetch, timeouts) {
  const ctx = {
    fetch,
    // The time limit asked for is recorded; the signal fires after 20 ms (on a timer that
    // keeps node running, unlike AbortSignal.timeout's).
    AbortSignal: {
      timeout: (ms) => {
        timeouts.push(ms);
        const c = new AbortController();
        setTimeout(() => c.abort(new DOMException('timed out', 'TimeoutError')), 20);
        return c.signal;
      },
    },
    engineError: (code, message) => Object.assign(new Error(message), { code }),
    TextEncoder, atob, crypto, console, setTimeout, URL,
    self: {}, queuedCall: async () => null,
  };
  vm.createContext(ctx);
  vm.runInContext(CODE, ctx);
  return ctx;
}

// What fetch resolves to (the layer runs node without its fetch API).
const answer = (status, body) => ({
  ok: status >= 200 && status < 300, status, statusText: '',
  json: async () => JSON.parse(body), text: async () => body,
});

// A fetch that never answers, except by failing when its signal aborts.
const stalled = (url, options) => new Promise((resolve, reject) => {
  if (options.signal) options.signal.addEventListener('abort', () => reject(options.signal.reason));
});

test('a stalled API call fails as offline after 2 minutes', async () => {
  const timeouts = [];
  const worker = load(stalled, timeouts);
  await assert.rejects(worker.request('http://server', '/api/v1/sync/pull', { method: 'POST', token: 't', body: { cursor: 0 } }),
    (e) => e.code === 'offline' && /did not answer within 2 minutes/.test(e.message));
  assert.deepEqual(timeouts, [120000]);
});

test('a file download has no time limit', async () => {
  const timeouts = [];
  let signal = 'unset';
  const worker = load(async (url, options) => { signal = options.signal; return answer(200, 'bytes'); }, timeouts);
  const res = await worker.request('http://server', '/api/v1/files/abc', { token: 't', raw: true });
  assert.equal(await res.text(), 'bytes');
  assert.equal(signal, undefined);
  assert.deepEqual(timeouts, []);
});

test('an unreachable server is offline, and an error answer keeps its code', async () => {
  const worker = load(async () => { throw new TypeError('Failed to fetch'); }, []);
  await assert.rejects(worker.request('http://server', '/api/v1/courses', { token: 't' }),
    (e) => e.code === 'offline' && e.message === 'the server cannot be reached');
  const answering = load(async () => answer(400, JSON.stringify({ error: { code: 'invalid_pull', message: 'bad cursor' } })), []);
  await assert.rejects(answering.request('http://server', '/api/v1/sync/pull', { method: 'POST', body: {} }),
    (e) => e.code === 'invalid_pull' && e.status === 400);
});

// A device whose outbox holds `count` statements, and a server that answers 413 to a push
// of more than `maxPerPush` (its 8 MiB, reached by large statements).
function syncWorld(count, maxPerPush) {
  const outbox = Array.from({ length: count }, (_, i) => ({ id: `s-${i}`, synced: false }));
  const settings = new Map([['server', 'http://server'], ['auth', { access_token: 'a', refresh_token: 'r' }]]);
  const pushes = [];
  const queuedCall = async (method, args) => {
    switch (method) {
      case 'sync.pending': return { device_id: 'd-1', statements: outbox.filter((s) => !s.synced).slice(0, args.limit).map((s) => ({ id: s.id })) };
      case 'sync.ack': for (const s of outbox) if (args.ids.includes(s.id)) s.synced = true; return null;
      case 'status': return { pull_cursor: 0 };
      case 'app.get': return settings.has(args.key) ? settings.get(args.key) : null;
      case 'app.put': settings.set(args.key, args.value); return null;
      case 'courses.list': return [];
      default: return null;
    }
  };
  const fetch = async (url, options) => {
    const p = new URL(url).pathname;
    if (p === '/api/v1/sync/push') {
      const body = JSON.parse(options.body);
      pushes.push(body.statements.length);
      if (body.statements.length > maxPerPush) return answer(413, JSON.stringify({ error: { code: 'too_large', message: 'the body is larger than 8 MiB' } }));
      return answer(200, JSON.stringify({ results: body.statements.map((s) => ({ id: s.id, status: 'stored' })), cursor: 1 }));
    }
    if (p === '/api/v1/sync/pull') return answer(200, JSON.stringify({ statements: [], cursor: 0, more: false, assignments: [], reminders: [] }));
    if (p === '/api/v1/courses') return answer(200, JSON.stringify({ courses: [] }));
    return answer(404, '{}');
  };
  const worker = load(fetch, []);
  worker.queuedCall = queuedCall;
  worker.self.postMessage = () => {};
  return { worker, outbox, pushes };
}

test('a push the server finds too large (413) is sent again in halves until it fits', async () => {
  const { worker, outbox, pushes } = syncWorld(10, 3);
  const result = await worker.sync();
  assert.equal(result.pushed, 10);
  assert.ok(outbox.every((s) => s.synced), 'every statement acknowledged');
  assert.deepEqual(pushes, [10, 5, 2, 2, 2, 2, 2]);
});

test('a single statement too large to push fails the sync instead of looping', async () => {
  const { worker, outbox, pushes } = syncWorld(2, 0);
  await assert.rejects(worker.sync(), (e) => e.status === 413);
  assert.deepEqual(pushes, [2, 1]);
  assert.ok(outbox.every((s) => !s.synced));
});
